// fit.js: the one training loop's chunking, shared by Net.fit (synchronous, web/core/backprop.js)
// and Session.fit (asynchronous, web/worker/session.js, which yields to its message loop between
// chunks). A chunk is k optimizer steps in one call into WASM: k is fixed (`chunk`) or adapted so
// that a chunk takes about `chunkMs`.
//
//   run(k) -> { steps, samples, lossSum, lastLoss, totalSteps, epoch, position }  (one chunk)
//   yields that report with `ms` (the chunk's wall time) added, until `total` steps are done
const now = () => globalThis.performance?.now() ?? Date.now();

export function* trainingChunks(run, { total, chunk = 0, chunkMs = 40 }) {
  let done = 0, k = chunk || 1;
  while (done < total) {
    const n = Math.min(k, total - done);
    const t0 = now();
    const r = run(n);
    const ms = now() - t0;
    done += r.steps;
    if (!chunk) k = Math.max(1, Math.min(4096, Math.round((n * chunkMs) / Math.max(ms, 1))));
    yield { ...r, ms };
    if (r.steps < 1) return;
  }
}

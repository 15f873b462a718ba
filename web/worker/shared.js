// shared.js: what a ReplicaGroup (replicas.js) and its helpers (replica_worker.js) share: the
// layout of a helper's SharedArrayBuffer and how a thread waits on it. (Apart from replicas.js so
// that a helper's module does not import the code that spawns workers.)
//
// Shared memory layout (one SharedArrayBuffer per helper):
//   Int32 ctrl[8]: SEQ (bumped per command), ACK (= SEQ when done), CMD, N, AVG (= the SEQ whose
//   averaged gradient is in avg), FAILED
//   Float64 loss, Float64 busy (the helper's compute ms, summed), then
//   Uint32 idx[maxBatch], then grads[P] and avg[P] in the net's dtype (Float32 or Float64)
export const SEQ = 0, ACK = 1, CMD = 2, N = 3, AVG = 4, FAILED = 5;
export const CMD_STEP = 1, CMD_EXIT = 2;

// Spin, then sleep. A thread that sleeps in Atomics.wait lets its (virtual) CPU go idle, and
// waking an idle vCPU took 0.1–2 ms on a 2-core VM: as long as a whole 8-sample share at batch
// 16. Both sides of a step finish within a fraction of a millisecond of each other, so each
// polls the shared word for up to SPIN_MS before it sleeps (as pthreadpool and OpenMP runtimes
// spin before a futex wait). Costs only a core that would otherwise idle.
export const SPIN_MS = 5;
export function spinUntil(done, ms = SPIN_MS) {
  if (done()) return true;
  const t0 = performance.now();
  for (;;) {
    for (let i = 0; i < 256; i++) if (done()) return true;
    if (performance.now() - t0 > ms) return false;
  }
}

/** The views of one helper's shared buffer (both sides build them the same way). */
export function sharedViews(sab, { maxBatch, paramCount, float64 }) {
  const F = float64 ? Float64Array : Float32Array, g = gradsAt(maxBatch);
  return {
    ctrl: new Int32Array(sab, 0, 8),
    loss: new Float64Array(sab, 32, 1),
    busy: new Float64Array(sab, 40, 1),  // ms the helper spent computing its shares, summed
    idx: new Uint32Array(sab, 64, maxBatch),
    grads: new F(sab, g, paramCount),
    avg: new F(sab, g + F.BYTES_PER_ELEMENT * paramCount, paramCount),
  };
}
const gradsAt = (maxBatch) => 64 + 8 * Math.ceil(maxBatch / 2);  // 8-byte aligned
export const sharedBytes = ({ maxBatch, paramCount, float64 }) => gradsAt(maxBatch) + 2 * (float64 ? 8 : 4) * paramCount;

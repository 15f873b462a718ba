// The async trainer API (web/worker/trainer.js) over the one protocol (web/worker/protocol.js,
// web/worker/session.js): over a MessageChannel whose far end runs serve(), on this thread, and in
// a real worker (worker_threads in Node, the same web/worker/worker.js a page runs), which the
// Trainer watches and replaces, resuming from its checkpoint.
import { describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trainer, Trainer, BackpropError, loadBackprop, MNIST_FILES } from '../../web/index.js';
import { mnistDataDir } from '../../web/core/node.js';
import { serve } from '../../web/worker/session.js';
import { transferList } from '../../web/worker/protocol.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const spec = {
  input: [4], layers: [{ type: 'dense', units: 3 }], loss: 'softmax_cross_entropy', dtype: 'float64', seed: 2,
};
const x = [0.1, -0.2, 0.3, 0.4, 0.5, 0.6, -0.7, 0.8];
const y = [1, 2];

// 40 samples of 4 features: class = index of the largest feature among the first 3.
function toyData() {
  const images = new Float32Array(40 * 4), labels = new Uint8Array(40);
  for (let i = 0; i < 40; i++) {
    labels[i] = i % 3;
    for (let f = 0; f < 4; f++) images[4 * i + f] = f === labels[i] ? 1 : ((i * 7 + f * 3) % 5) / 10;
  }
  return { images, labels };
}
const adamSpec = { ...spec, layers: [{ type: 'dense', units: 5 }, { type: 'relu' }, { type: 'dense', units: 3 }], optimizer: { type: 'adam', lr: 0.01 } };
const once = (t, type) => new Promise((resolve) => t.addEventListener(type, (e) => resolve(e.detail), { once: true }));
const until = async (cond, ms = 10_000) => {
  for (const t0 = Date.now(); !(await cond());) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${cond}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

function overChannel() {
  const { port1, port2 } = new MessageChannel();
  const session = serve(port1);
  return { port: port2, session, close: () => { port1.close(); port2.close(); } };
}

describe.each([
  ['a worker port', () => overChannel()],
  ['this thread', () => ({ port: false, close() {} })],
])('trainer over %s', (_, make) => {
  it('gives the same numbers as a Net, events for gradient checks, and BackpropErrors', async () => {
    const ch = make();
    const t = await trainer(spec, { worker: ch.port });
    expect(t).toBeInstanceOf(Trainer);
    expect(t.outputShape).toEqual([3]);
    expect(t.info().params.map((p) => p.name)).toEqual(['weight', 'bias']);

    const w = await t.getParam(0, 'weight');
    expect(w).toBeInstanceOf(Float64Array);
    expect(w.length).toBe(12);
    // Dense forward by hand: z = W x + b, b = 0 initially.
    const out = await t.forward(x.slice(0, 4), 1);
    const byHand = [0, 1, 2].map((o) => [0, 1, 2, 3].reduce((s, i) => s + w[4 * o + i] * x[i], 0));
    expect(Array.from(out)).toEqual(byHand.map((v) => expect.closeTo(v, 12)));

    const seen = [];
    t.addEventListener('gradcheck', (e) => seen.push(e.detail));
    const report = await t.gradCheck(x, y, 2);
    expect(report.rows.every((r) => r.passed)).toBe(true);
    expect(report).toMatchObject({ bug: 'none', brokenLayer: -1, samples: [] });
    expect(seen).toEqual([report]);

    await expect(t.getParam(5, 'weight')).rejects.toThrow(BackpropError);
    await expect(t.forward([1, 2, 3], 1)).rejects.toThrow(/3/);
    // still usable after errors
    await t.setParam(0, 'bias', [1, 2, 3]);
    expect(Array.from(await t.getParam(0, 'bias'))).toEqual([1, 2, 3]);

    await t.dispose();
    await t.dispose();
    await expect(t.getParam(0, 'bias')).rejects.toThrow('trainer: used after dispose()');
    ch.close();
  });

  it('trains on a dataset held by the session: progress events, stop(), evaluate(name), save/load', async () => {
    const ch = make();
    const t = await trainer({ ...spec, dtype: 'float32', optimizer: { type: 'sgd', lr: 0.5 } }, { worker: ch.port });
    const { images, labels } = toyData();
    expect(await t.setData('train', images, labels, [4], { classes: 3 })).toEqual({ name: 'train', count: 40 });
    if (ch.port) expect(images.byteLength).toBe(0); // transferred to the worker side, not copied
    const before = await t.evaluate('train');

    const steps = [];
    t.addEventListener('progress', (e) => steps.push(e.detail.step));
    const r = await t.fit('train', { epochs: 5, batchSize: 10, chunk: 4 });
    expect(steps).toEqual([4, 8, 12, 16, 20]); // 5 epochs x 4 batches, a progress event per chunk
    expect(r).toMatchObject({ steps: 20, stopped: false });
    const after = await t.evaluate('train');
    expect(after.loss).toBeLessThan(before.loss);

    // stop() is answered between chunks of a running fit.
    const long = t.fit('train', { steps: 1000, batchSize: 10, chunk: 2 });
    await t.stop();
    const stopped = await long;
    expect(stopped.stopped).toBe(true);
    expect(stopped.steps).toBeLessThan(1000);

    const bytes = await t.save();
    const w = await t.getParam(0, 'weight');
    await t.trainStep([1, 0, 0, 0], [0], 1);
    expect(await t.getParam(0, 'weight')).not.toEqual(w);
    expect((await t.load(bytes)).outputShape).toEqual([3]);
    expect(await t.getParam(0, 'weight')).toEqual(w); // bit-identical round trip through the worker
    await expect(t.evaluate('nope')).rejects.toThrow("trainer: no dataset named 'nope' (call setData('nope', images, labels, shape) first)");
    await t.dispose();
    ch.close();
  });

  it('checkpoint() and restore(): the net, its optimizer state, counts and fit position go to another session', async () => {
    const ch = make(), ch2 = make();
    const a = await trainer(adamSpec, { worker: ch.port }), b = await trainer(null, { worker: ch2.port });
    for (const t of [a, b]) await t.setData('train', ...Object.values(toyData()), [4], { classes: 3 });
    const cfg = { batchSize: 8, seed: 3 };
    await a.fit('train', { steps: 7, ...cfg });  // 7 of the 5 batches an epoch: into the second epoch
    await a.trainStep([1, 0, 0, 0], [0], 1);
    const cp = await a.call('checkpoint');
    expect(cp).toMatchObject({ step: 8, seen: 7 * 8 + 1, fit: { data: 'train', batchSize: 8, shuffle: true, seed: 3, steps: 7 }, bug: 'none' });
    expect(cp.bytes).toBeInstanceOf(Uint8Array);
    expect((await b.call('restore', cp)).step).toBe(8);
    expect(await b.getParam(2, 'weight')).toEqual(await a.getParam(2, 'weight'));
    // the same next steps: the same batches (fit position) and the same Adam moments (optimizer state)
    const [ra, rb] = [await a.fit('train', { steps: 4, ...cfg }), await b.fit('train', { steps: 4, ...cfg })];
    expect(rb.loss).toBe(ra.loss);
    expect(rb.epoch).toBe(ra.epoch);
    expect(await b.getParam(0, 'weight')).toEqual(await a.getParam(0, 'weight'));
    expect((await b.call('info')).step).toBe(12);
    // a bad checkpoint: the values are quoted and the session is unchanged
    await expect(b.call('restore', { ...cp, step: -1 })).rejects.toThrow('restore: step must be an integer in [0, 9007199254740991], got -1');
    await expect(b.call('restore', { ...cp, fit: { ...cp.fit, data: 'nope' } })).rejects.toThrow("trainer: no dataset named 'nope'");
    await expect(b.call('restore', { ...cp, bytes: new Uint8Array(3) })).rejects.toThrow(/^model file: /);
    await expect(b.call('restore', { ...cp, bug: 'typo' })).rejects.toThrow("restore: unknown bug 'typo' (known: none, conv-no-rotate, ");
    await expect(b.call('restore', null)).rejects.toThrow('restore: step must be an integer in [0, 9007199254740991], got undefined');
    expect((await b.call('info')).step).toBe(12);
    expect(await b.call('ping')).toEqual({ step: 12 });
    // new data under the fit's name: the net's fit state is no longer that data's, none is kept
    await b.setData('train', ...Object.values(toyData()), [4], { classes: 3 });
    expect((await b.call('checkpoint')).fit).toBe(null);
    await a.dispose();
    await b.dispose();
    ch.close();
    ch2.close();
  });

  it('rejects a bad spec with the message of the core', async () => {
    const ch = make();
    await expect(trainer({ ...spec, layers: [{ type: 'densee' }] }, { worker: ch.port })).rejects.toThrow(/layer 0: unknown type 'densee'/);
    ch.close();
  });
});

describe('trainer transport', () => {
  it('transfers result buffers instead of copying them', () => {
    const a = new Float32Array(4), b = new Uint8Array(2);
    expect(transferList(a)).toEqual([a.buffer]);
    expect(transferList([a, b])).toEqual([a.buffer, b.buffer]);
    // a view into a larger buffer is copied, not transferred (that would detach the rest)
    expect(transferList(new Uint8Array(8).subarray(2, 4))).toEqual([]);
    // a posted, transferred buffer is detached on the sender's side
    const { port1, port2 } = new MessageChannel();
    port1.postMessage({ result: a }, transferList(a));
    expect(a.byteLength).toBe(0);
    port1.close();
    port2.close();
  });

  it('in Node, { worker: true } runs the session in a worker thread', async () => {
    const t = await trainer(spec, { worker: true });
    expect(t.outputShape).toEqual([3]);
    const w = await t.getParam(0, 'weight');
    const out = await t.forward(x.slice(0, 4), 1);
    expect(out[0]).toBeCloseTo([0, 1, 2, 3].reduce((s, i) => s + w[i] * x[i], 0), 12);
    await expect(t.call('nope')).rejects.toThrow("trainer: unknown op 'nope'");
    await t.dispose();
  });

  it('a worker that dies is replaced: pending calls reject, a restart event says what was kept and lost, the new worker has the net', async () => {
    const t = await trainer(spec, { worker: true });
    expect(t.restarts).toBe(0);
    await t.setParam(0, 'bias', [1, 2, 3]);  // a change to the net: checkpointed at once
    const w = await t.getParam(0, 'weight');
    const restarted = once(t, 'restart');
    const pending = t.getParam(0, 'weight');
    t.simulateCrash();
    await expect(pending).rejects.toThrow('trainer: the worker died (ended by simulateCrash()); a new worker resumes from step 0');
    const d = await restarted;
    expect(d).toEqual({
      kept: { step: 0, seen: 0, at: t.checkpoint.at, datasets: [] }, lost: { steps: 0, calls: ['getParam'] },
      message: 'ended by simulateCrash()', restarts: 1,
    });
    expect(Math.abs(d.kept.at - Date.now())).toBeLessThan(10_000);
    expect(await t.getParam(0, 'weight')).toEqual(w);
    expect(Array.from(await t.getParam(0, 'bias'))).toEqual([1, 2, 3]);
    expect(t.outputShape).toEqual([3]);
    await t.dispose();
  });

  it('an uncaught error mid-fit: the new worker resumes from the checkpoint (its weights, step and fit position) with the data', async () => {
    const t = await trainer(adamSpec, { worker: true, checkpointEvery: 100 });
    const { images, labels } = toyData();
    const bp = await loadBackprop(), ds = bp.dataset(images, labels, [4], { classes: 3 });
    await t.setData('train', images, labels, [4], { classes: 3 });
    let heard = 0;
    t.addEventListener('progress', (e) => (heard = e.detail.step));
    const cfg = { batchSize: 8, seed: 5 };
    const fit = t.fit('train', { epochs: Infinity, chunk: 1, ...cfg });
    await until(() => t.checkpoint?.step > 20 && heard > t.checkpoint.step);
    const restarted = once(t, 'restart');
    t.simulateCrash('error');
    const d = await restarted;
    const cp = t.checkpoint;
    await expect(fit).rejects.toThrow(`trainer: the worker died (the worker failed: simulateCrash: an uncaught error); a new worker resumes from step ${cp.step}`);
    expect(d.message).toBe('the worker failed: simulateCrash: an uncaught error');
    expect(d.kept).toEqual({ step: cp.step, seen: cp.seen, at: cp.at, datasets: ['train'] });
    expect(d.lost.calls).toEqual(['fit']);
    expect(d.lost.steps).toBe(heard - cp.step);  // the steps it told of since the checkpoint
    expect(cp.fit).toEqual({ data: 'train', batchSize: 8, shuffle: true, seed: 5, steps: cp.step });
    // The new worker's net is the checkpoint's model file, bit for bit, at its step.
    const ref = bp.load(cp.bytes);
    for (const [layer, name] of [[0, 'weight'], [0, 'bias'], [2, 'weight'], [2, 'bias']]) expect(await t.getParam(layer, name)).toEqual(ref.getParam(layer, name));
    expect((await t.call('info')).step).toBe(cp.step);
    // Training goes on exactly as it would have: the checkpoint's net, its fit state replayed, 3 more steps.
    for (let k = 0; k < cp.fit.steps; k++) ref.nextBatch(ds, cfg);
    ref.fitSteps(ds, 3, cfg);
    await t.fit('train', { steps: 3, ...cfg });
    expect(await t.getParam(0, 'weight')).toEqual(ref.getParam(0, 'weight'));
    expect((await t.call('info')).step).toBe(cp.step + 3);
    expect(t.restarts).toBe(1);
    ref.dispose();
    ds.dispose();
    await t.dispose();
  });

  it('an abort of the WASM module mid-fit: the worker reports it, and a new worker resumes from the checkpoint', async () => {
    const t = await trainer(adamSpec, { worker: true, checkpointEvery: 100 });
    const { images, labels } = toyData();
    await t.setData('train', images, labels, [4], { classes: 3 });
    const fit = t.fit('train', { epochs: Infinity, chunk: 1, batchSize: 8, seed: 5 });
    await until(() => t.checkpoint?.step > 10);
    const restarted = once(t, 'restart');
    t.simulateCrash('abort');
    const d = await restarted;
    const cp = t.checkpoint;
    expect(d.message).toBe('net: the WASM module aborted (Aborted(). Build with -s ASSERTIONS=1 for more info.) and was reset; every net and dataset made before then is gone: make them again');
    await expect(fit).rejects.toThrow(/the WASM module aborted/);
    expect(d.kept).toEqual({ step: cp.step, seen: cp.seen, at: cp.at, datasets: ['train'] });
    expect(d.lost.calls).toEqual([]);  // fit was answered, with the abort's error, before the worker went
    // the new worker has the checkpoint's net at its step, and trains on
    expect((await t.call('info')).step).toBe(cp.step);
    const ref = (await loadBackprop()).load(cp.bytes);
    expect(await t.getParam(0, 'weight')).toEqual(ref.getParam(0, 'weight'));
    await t.fit('train', { steps: 2, batchSize: 8, seed: 5 });
    expect((await t.call('info')).step).toBe(cp.step + 2);
    ref.dispose();
    await t.dispose();
  });

  it('a worker that ends itself is noticed within the timeout and replaced with its net', async () => {
    const t = await trainer(spec, { worker: true, heartbeat: 50, timeout: 1000 });
    await t.setParam(0, 'bias', [4, 5, 6]);
    const w = await t.getParam(0, 'weight');
    const restarted = once(t, 'restart'), t0 = Date.now();
    t.simulateCrash('close');  // in Node, process.exit in the worker: its exit is seen at once
    const d = await restarted;
    expect(Date.now() - t0).toBeLessThan(1000 + 2000);  // the timeout, and a new worker's start
    expect(d.message).toBe('the worker ended (exit code 0)');
    expect(d.kept.step).toBe(0);
    expect(await t.getParam(0, 'weight')).toEqual(w);
    expect(Array.from(await t.getParam(0, 'bias'))).toEqual([4, 5, 6]);
    await t.dispose();
  });

  it('a hung worker (a busy loop) is taken for dead after the timeout; calls made meanwhile wait for the new one', async () => {
    const t = await trainer(spec, { worker: true, heartbeat: 50, timeout: 500 });
    const w = await t.getParam(0, 'weight');
    const restarted = once(t, 'restart'), t0 = Date.now();
    t.simulateCrash('hang');
    const pending = t.getParam(0, 'bias');
    await expect(pending).rejects.toThrow(/^trainer: the worker died \(it sent nothing for \d+\.\d s, more than the timeout of 500 ms\); a new worker resumes from step 0$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    const later = t.getParam(0, 'weight');  // made while the new worker starts: served by it
    const d = await restarted;
    expect(d.message).toMatch(/^it sent nothing for \d+\.\d s, more than the timeout of 500 ms$/);
    expect(d.lost).toEqual({ steps: 0, calls: ['getParam'] });
    expect(await later).toEqual(w);
    await t.dispose();
  });

  it('a long fit is not taken for dead: the Session answers pings between chunks', async () => {
    const t = await trainer(adamSpec, { worker: true, heartbeat: 50, timeout: 1000 });
    await t.setData('train', ...Object.values(toyData()), [4], { classes: 3 });
    // 2.5 s of training, no progress events (progressMs huge), chunks of ~100 ms: only the pings tell it lives.
    const fit = t.fit('train', { epochs: Infinity, chunkMs: 100, progressMs: 1e9 });
    await new Promise((r) => setTimeout(r, 2500));
    await t.stop();
    expect((await fit).steps).toBeGreaterThan(100);
    expect(t.restarts).toBe(0);
    await t.dispose();
  });

  it('a page that was busy (or asleep) longer than the timeout does not take its worker for dead', async () => {
    const t = await trainer(spec, { worker: true, heartbeat: 50, timeout: 300 });
    await t.getParam(0, 'weight');
    for (const t0 = Date.now(); Date.now() - t0 < 1000;);  // this thread blocked: the worker's answers wait in the queue
    await new Promise((r) => setTimeout(r, 500));
    expect(t.restarts).toBe(0);
    await t.dispose();
  });

  it('a new worker that cannot take over: an error event, and later calls reject with it', async () => {
    // MNIST's test files from a folder that is gone by the time a new worker asks for them.
    const dir = mkdtempSync(join(tmpdir(), 'bp-mnist-'));
    for (const f of MNIST_FILES.test) copyFileSync(join(mnistDataDir(), f), join(dir, f));
    const t = await trainer(null, { worker: true });
    expect(await t.call('loadMnist', { base: pathToFileURL(`${dir}/`).href, sets: ['test'] })).toEqual({ test: { count: 10_000, shape: [1, 28, 28] } });
    rmSync(dir, { recursive: true });
    const failed = once(t, 'error');
    t.simulateCrash();
    const e = await failed;
    expect(e).toBeInstanceOf(BackpropError);
    expect(e.message).toMatch(/^trainer: the worker died \(ended by simulateCrash\(\)\) and no new one could take over: mnist test: no t10k-images-idx3-ubyte\.gz nor t10k-images-idx3-ubyte in file:\S+ \(ENOENT: no such file or directory/);
    expect(t.restarts).toBe(1);
    await expect(t.call('dataInfo')).rejects.toThrow(e.message);
    await t.dispose();
  });

  it('checks the watch options and the crash simulations', async () => {
    await expect(trainer(spec, { worker: true, timeout: 10 })).rejects.toThrow('trainer: timeout must be a number of ms > heartbeat (1000), got 10');
    await expect(trainer(spec, { worker: true, heartbeat: 0 })).rejects.toThrow('trainer: heartbeat must be a number of ms > 0, got 0');
    await expect(trainer(spec, { worker: true, checkpointEvery: -5 })).rejects.toThrow('trainer: checkpointEvery must be a number of ms > 0, got -5');
    await expect(trainer(spec, { worker: true, timout: 5000 })).rejects.toThrow("trainer: unknown option 'timout' (known: worker, checkpointEvery, heartbeat, timeout)");
    const t = await trainer(spec, { worker: false });
    expect(() => t.simulateCrash('explode')).toThrow("simulateCrash: how must be 'terminate', 'error', 'close', 'hang' or 'abort', got explode");
    expect(() => t.simulateCrash('hang')).toThrow("simulateCrash('hang'): only a worker the Trainer started and that is serving can crash so");
    expect(t.checkpoint).toBe(null);
    await t.dispose();
  });

  it('a worker that cannot start rejects trainer() with a BackpropError: a missing script, a silent one', async () => {
    // Copies of web/: one without worker.js (a bundler that lost it), one whose worker.js never
    // says it is ready (spawn.js waits 30 s for that; 0.3 s in the copy).
    const tmp = mkdtempSync(join(tmpdir(), 'bp-spawn-'));
    const copy = async (name, worker, wait) => {
      cpSync(join(root, 'web'), join(tmp, name), { recursive: true });
      const at = join(tmp, name, 'worker');
      if (worker === null) rmSync(join(at, 'worker.js'));
      else writeFileSync(join(at, 'worker.js'), worker);
      writeFileSync(join(at, 'spawn.js'), readFileSync(join(at, 'spawn.js'), 'utf8').replace('const START_MS = 30_000;', `const START_MS = ${wait};`));
      return import(pathToFileURL(join(at, 'trainer.js')).href);
    };
    try {
      const missing = await copy('missing', null, 30_000);
      const a = await missing.trainer(spec, { worker: true }).catch((e) => e);
      expect(a.name).toBe('BackpropError');
      expect(a.message).toMatch(/^trainer: the worker could not start from worker\.js \(the worker failed: Cannot find module '.*\/missing\/worker\/worker\.js'/);
      const silent = await copy('silent', 'setInterval(() => {}, 1000);\n', 300);
      const b = await silent.trainer(spec, { worker: true }).catch((e) => e);
      expect([b.name, b.message]).toEqual(['BackpropError', 'trainer: the worker could not start from worker.js (not ready after 0.3 s)']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

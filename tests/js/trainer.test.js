// The async trainer API (web/worker/trainer.js) over the one protocol (web/worker/protocol.js,
// web/worker/session.js): over a MessageChannel whose far end runs serve(), on this thread, and in
// a real worker (worker_threads in Node, the same web/worker/worker.js a page runs).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainer, Trainer, BackpropError } from '../../web/index.js';
import { serve } from '../../web/worker/session.js';
import { transferList } from '../../web/worker/protocol.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const spec = {
  input: [4], layers: [{ type: 'dense', units: 3 }], loss: 'softmax_cross_entropy', dtype: 'float64', seed: 2,
};
const x = [0.1, -0.2, 0.3, 0.4, 0.5, 0.6, -0.7, 0.8];
const y = [1, 2];

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
    // 40 samples of 4 features: class = index of the largest feature among the first 3.
    const images = new Float32Array(40 * 4), labels = new Uint8Array(40);
    for (let i = 0; i < 40; i++) {
      labels[i] = i % 3;
      for (let f = 0; f < 4; f++) images[4 * i + f] = f === labels[i] ? 1 : ((i * 7 + f * 3) % 5) / 10;
    }
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

  it('a worker that dies is replaced: pending calls reject, a restart event says so, the new worker serves', async () => {
    const t = await trainer(spec, { worker: true });
    const restarted = new Promise((resolve) => t.addEventListener('restart', (e) => resolve(e.detail)));
    const pending = t.getParam(0, 'weight');
    t.simulateCrash();
    await expect(pending).rejects.toThrow('trainer: the worker died (ended by simulateCrash())');
    expect(await restarted).toEqual({ message: 'ended by simulateCrash()', restarts: 1 });
    await expect(t.getParam(0, 'weight')).rejects.toThrow('trainer: no net');  // a new worker: no net yet
    expect((await t.init(spec)).outputShape).toEqual([3]);
    expect((await t.getParam(0, 'weight')).length).toBe(12);
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

// ReplicaGroup (web/worker/replicas.js), the one data-parallel mechanism: the caller's net is
// replica 0 and the coordinator; helper workers hold copies of the net and of the dataset, gather
// their share of each batch in C++ from indices, and meet replica 0 in shared memory. A step must
// equal one-thread training on the whole batch (up to the order of the batch sum), the replicas
// must stay bit-identical, a change to replica 0 between steps must reach the helpers, and for
// the same seed the batches must be the ones a one-thread fit takes.
import { describe, it, expect, afterEach } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { ReplicaGroup, SPIN_MS } from '../../web/worker/replicas.js';
import { Session } from '../../web/worker/session.js';
import { rng, smallCnnSpec } from './helpers.js';

const spec = smallCnnSpec('float32');

function data(n, seed) {
  const r = rng(seed);
  return { x: Float32Array.from({ length: n * 147 }, () => r() * 2 - 1), y: Float32Array.from({ length: n }, () => Math.floor(r() * 5)) };
}
function maxRelDiff(a, b) {
  let d = 0, m = 0;
  a.params.forEach((p, i) => p.values.forEach((v, j) => {
    d = Math.max(d, Math.abs(v - b.params[i].values[j]));
    m = Math.max(m, Math.abs(v));
  }));
  return d / m;
}
const idx = (...i) => Uint32Array.from(i);
const range = (from, n) => Uint32Array.from({ length: n }, (_, i) => from + i);

let group = null;
// `one` trains on one thread; `net` is replica 0 of a two-thread group (both from spec's seed),
// over a dataset of 40 random samples.
async function oneAndTwo(s = spec, { maxBatch = 16 } = {}) {
  const bp = await loadBackprop();
  const one = bp.sequential(s), net = bp.sequential(s);
  const d = data(40, 7), ds = bp.dataset(d.x, d.y, [3, 7, 7], { classes: 5 });
  group = await ReplicaGroup.start(net, ds, { threads: 2, maxBatch });
  // one thread on the same samples
  const train = (indices) => {
    const b = ds.samples(indices);
    return one.trainStep(s.dtype === 'float64' ? Float64Array.from(b.x) : b.x, b.labels, b.n);
  };
  return { bp, one, net, ds, train };
}
// Trained alike (up to the order of the batch sum), and the replicas bit-identical.
async function expectSame(one, net, tol = 2e-5) {
  expect(maxRelDiff(net.toJSON(), one.toJSON())).toBeLessThan(tol);
  expect(await group.identical()).toBe(true);
}
const dispose = (...xs) => xs.forEach((x) => x.dispose());
afterEach(() => {
  group?.terminate();
  group = null;
});

describe('ReplicaGroup (coordinator in replica 0, datasets in every module, shared memory)', () => {
  it('runs in Node (SharedArrayBuffer and Atomics.wait)', () => {
    expect(ReplicaGroup.supported()).toBe(true);
  });

  it('2 threads, 4 Adam steps on batches of 7 (shares 4 + 3) = one thread on the whole batch; replicas identical', async () => {
    const { one, net, ds, train } = await oneAndTwo();
    expect(group.threads).toBe(2);
    for (let s = 0; s < 4; s++) {
      const b = idx(...[3, 9, 1, 30, 22, 5, 17].map((i) => (i + 7 * s) % 40));
      const l1 = train(b);
      const l2 = group.step(b);
      expect(Math.abs(l1 - l2)).toBeLessThan(1e-5);
    }
    await expectSame(one, net);
    const st = group.stats({ reset: true });
    expect(st.steps).toBe(4);
    expect(st.helperMs).toHaveLength(1);
    expect(st.helperMs[0]).toBeGreaterThan(0);
    expect(st.ownMs).toBeGreaterThan(0);
    expect(st.ownMs + st.waitMs).toBeLessThanOrEqual(st.stepMs);
    expect(group.stats()).toEqual({ steps: 0, stepMs: 0, ownMs: 0, waitMs: 0, helperMs: [0] });
    dispose(one, net, ds);
  });

  it('float64: 2 threads, 3 steps on batches of 7 = one thread within 1e-12, replicas bit-identical', async () => {
    const { one, net, ds, train } = await oneAndTwo(smallCnnSpec('float64'));
    for (let s = 0; s < 3; s++) {
      const b = range(7 * s, 7);
      expect(Math.abs(train(b) - group.step(b))).toBeLessThan(1e-12);
    }
    await expectSame(one, net, 1e-12);
    dispose(one, net, ds);
  });

  it("run(k, cfg) = k steps on the batches net.fit takes (ending an epoch short), and fit continues after them", async () => {
    const { bp, one, net } = await oneAndTwo();
    const d = data(20, 77), ds20 = bp.dataset(d.x, d.y, [3, 7, 7], { classes: 5 });  // 20 samples: batches of 7, 7, 6
    group.terminate();
    group = await ReplicaGroup.start(net, ds20, { threads: 2, maxBatch: 16 });
    const cfg = { batchSize: 7, shuffle: true, seed: 3 };
    const want = one.fit(ds20, { steps: 3, ...cfg });
    const r = group.run(3, cfg);
    expect(r).toMatchObject({ steps: 3, samples: 20, totalSteps: 3, epoch: 1 });
    expect(Math.abs(r.lossSum / 3 - want.loss)).toBeLessThan(1e-5);
    await expectSame(one, net);
    // both continue into epoch 1 with the same batches
    one.fit(ds20, { steps: 2, ...cfg });
    expect(group.run(2, cfg)).toMatchObject({ steps: 2, totalSteps: 5 });
    await expectSame(one, net);
    dispose(one, net, ds20);
  });

  it('a batch of 1 (the helper gets no share) still trains, and the helpers keep up', async () => {
    const { one, net, ds, train } = await oneAndTwo();
    train(idx(5));
    group.step(idx(5));
    await expectSame(one, net, 1e-6);
    dispose(one, net, ds);
  });

  it('a change to replica 0 between steps (new weights, new optimizer) reaches the helpers after invalidate()', async () => {
    const { one, net, ds } = await oneAndTwo();
    group.step(range(0, 6));
    net.setParam(4, 'bias', [1, 2, 3, 4, 5]);
    net.setOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9 });
    group.invalidate();
    group.step(range(6, 6));
    group.step(range(12, 6));
    expect(await group.identical()).toBe(true);
    dispose(one, net, ds);
  });

  it('a helper that went to sleep between steps (pauses longer than its spin) wakes for the next one and stays identical', async () => {
    const { one, net, ds, train } = await oneAndTwo();
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    for (let s = 0; s < 3; s++) {
      train(range(8 * s, 8));
      group.step(range(8 * s, 8));
      await sleep(4 * SPIN_MS);  // the helper applies this step's gradient, spins, then sleeps in Atomics.wait
    }
    await expectSame(one, net);
    dispose(one, net, ds);
  });

  it('refuses bad input with messages and keeps working', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec), d = data(10, 1), ds = bp.dataset(d.x, d.y, [3, 7, 7], { classes: 5 });
    await expect(ReplicaGroup.start(net, ds, { threads: 1 })).rejects.toThrow('replicas: threads must be an integer in [2, 64], got 1');
    await expect(ReplicaGroup.start(net, ds, { threads: 2, maxBatch: 0 })).rejects.toThrow('replicas: maxBatch must be an integer in [1, 1048576], got 0');
    group = await ReplicaGroup.start(net, ds, { threads: 2, maxBatch: 8 });
    expect(() => group.step(range(0, 9))).toThrow('replicas: a batch must have 1 to 8 samples, got 9');
    expect(() => group.step(new Uint32Array(0))).toThrow('replicas: a batch must have 1 to 8 samples, got 0');
    group.step(range(0, 4));
    // a sample index out of range on the helper's share (the first 2), then on replica 0's
    expect(() => group.step(idx(10, 1, 2, 3))).toThrow('replicas: a helper failed on its share of the batch');
    expect(() => group.step(idx(0, 1, 2, 12))).toThrow(/12/);
    expect(Number.isFinite(group.step(range(4, 4)))).toBe(true);
    expect(await group.identical()).toBe(true);
    dispose(net, ds);
  });
});

describe('the replica API of a Net', () => {
  it('paramGradients + setGradients + applyGradients = trainStep; setGradients checks its length', async () => {
    const bp = await loadBackprop();
    const a = bp.sequential(smallCnnSpec('float64')), b = bp.sequential(smallCnnSpec('float64'));
    const r = rng(9), x = Float64Array.from({ length: 3 * 147 }, () => r() * 2 - 1), y = [0, 3, 4];
    const la = a.trainStep(x, y, 3);
    const lb = b.paramGradients(x, y, 3);
    expect(lb).toBe(la);
    const g = b.getGradients();
    expect(g.length).toBe(4 * 3 * 9 + 4 + 5 * 36 + 5);
    expect(Array.from(g.subarray(0, 4 * 27))).toEqual(Array.from(b.getGrad(0, 'weight')));
    b.setGradients(g);
    b.applyGradients();
    expect(Array.from(b.getParam(4, 'weight'))).toEqual(Array.from(a.getParam(4, 'weight')));
    expect(() => b.setGradients(new Float64Array(3))).toThrow('setGradients: expected 297 values (all parameters, layer order), got 3');
    dispose(a, b);
  });

  it("getGradients(out) copies into the caller's array (no allocation per step) and checks its length", async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec);
    const { x, y } = data(2, 5);
    net.paramGradients(x, Array.from(y), 2);
    const out = new Float32Array(297).fill(NaN);
    expect(net.getGradients(out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(net.getGradients()));
    expect(out.some((v) => v !== 0)).toBe(true);
    const shared = new Float32Array(new SharedArrayBuffer(4 * 297));
    net.getGradients(shared);
    expect(Array.from(shared)).toEqual(Array.from(out));
    expect(() => net.getGradients(new Float32Array(296))).toThrow('getGradients: out holds 296 values, the net has 297 parameters');
    expect(net.getGradients().length).toBe(297);  // the net still works
    net.dispose();
  });
});

describe('Session.fit({ threads }) (the trainer API, the demo and the element with threads="2")', () => {
  it('trains data-parallel on 2 threads, says so, and refuses a bad count', async () => {
    const s = new Session();
    await s.init({ ...spec, optimizer: { type: 'adam', lr: 0.02 } });
    const { x, y } = data(64, 9);
    await s.setData('train', x, y, [3, 7, 7], { classes: 5 });
    const before = s.evaluate('train').loss;
    const r = await s.fit('train', { epochs: 8, batchSize: 16, threads: 2, chunk: 4 });
    expect(r).toMatchObject({ steps: 32, threads: 2, stopped: false, threadsError: '' });
    expect(s.evaluate('train').loss).toBeLessThan(before);
    await expect(s.fit('train', { threads: 0 })).rejects.toThrow('fit: threads must be an integer in [1, 64], got 0');
    expect((await s.fit('train', { steps: 2, batchSize: 16 })).threads).toBe(1);
    await s.dispose();
  });

  it('the same seed takes the same batches at one and two threads: the weights match within float32 round-off', async () => {
    const { x, y } = data(50, 11);
    const run = async (threads, record) => {
      const s = new Session();
      await s.init({ ...spec, optimizer: { type: 'adam', lr: 0.01 } });
      await s.setData('train', x.slice(), y.slice(), [3, 7, 7], { classes: 5 });
      const r = await s.fit('train', { epochs: 3, batchSize: 8, seed: 5, threads, chunk: 5 });
      const bytes = s.save();
      await s.dispose();
      return { r, bytes };
    };
    const one = await run(1), two = await run(2);
    expect(one.r).toMatchObject({ steps: 21, samples: 150 });
    expect(two.r).toMatchObject({ steps: 21, samples: 150, threads: 2 });
    const bp = await loadBackprop(), a = bp.load(one.bytes), b = bp.load(two.bytes);
    expect(maxRelDiff(a.toJSON(), b.toJSON())).toBeLessThan(1e-5);
    // and the sequence of batches itself: the indices net.nextBatch hands the replicas are the ones
    // net.fit takes (tests/js/batches.test.js shows that for net.fit and nextBatch alike)
    const c = bp.sequential(spec), ds = bp.dataset(x, y, [3, 7, 7], { classes: 5 }), seen = [];
    group = await ReplicaGroup.start(c, ds, { threads: 2, maxBatch: 8 });
    const next = c.nextBatch.bind(c);
    c.nextBatch = (...args) => {
      const i = next(...args);
      seen.push(Array.from(i));
      return i;
    };
    group.run(7, { batchSize: 8, seed: 5 });
    const twin = bp.sequential(spec), want = [];
    for (let k = 0; k < 7; k++) want.push(Array.from(twin.nextBatch(ds, { batchSize: 8, seed: 5 })));
    expect(seen).toEqual(want);
    expect(new Set(seen.flat()).size).toBe(50);  // one epoch (7 batches of 8, the last of 2) covers every sample once
    dispose(a, b, c, twin, ds);
  });
});

// ReplicaGroup (web/replicas.js): the caller's net is replica 0 and the coordinator; helper
// workers take shares of each batch and meet it in shared memory. A step must equal one-thread
// training on the whole batch (up to the order of the batch sum), the replicas must stay
// bit-identical, and a change to replica 0 between steps must reach the helpers.
import { describe, it, expect, afterEach } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { ReplicaGroup, BatchStream, SPIN_MS } from '../../web/worker/replicas.js';
import { rng, smallCnnSpec } from './helpers.js';

const spec = smallCnnSpec('float32');

function batch(n, seed) {
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

let group = null;
// `one` trains on one thread; `net` is replica 0 of a two-thread group (both from spec's seed).
async function oneAndTwo() {
  const bp = await loadBackprop();
  const one = bp.sequential(spec), net = bp.sequential(spec);
  group = await ReplicaGroup.start(net, { threads: 2, maxBatch: 16 });
  return { one, net };
}
// Trained alike (up to the order of the batch sum), and the replicas bit-identical.
async function expectSame(one, net, tol = 2e-5) {
  expect(maxRelDiff(net.toJSON(), one.toJSON())).toBeLessThan(tol);
  expect(await group.identical()).toBe(true);
}
const dispose = (...nets) => nets.forEach((n) => n.dispose());
afterEach(() => {
  group?.terminate();
  group = null;
});

describe('ReplicaGroup (coordinator in replica 0, shared memory)', () => {
  it('runs in Node (SharedArrayBuffer and Atomics.wait)', () => {
    expect(ReplicaGroup.supported()).toBe(true);
  });

  it('2 threads, 4 Adam steps on batches of 7 (shares 4 + 3) = one thread on the whole batch; replicas identical', async () => {
    const { one, net } = await oneAndTwo();
    expect(group.threads).toBe(2);
    for (let s = 0; s < 4; s++) {
      const { x, y } = batch(7, 20 + s);
      const l1 = one.trainStep(x, Array.from(y), 7);
      const l2 = group.step(x, y, 7);
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
    dispose(one, net);
  });

  it('whileWaiting runs once per step after the batch was read: refilling x and targets there changes nothing', async () => {
    const { one, net } = await oneAndTwo();
    let calls = 0;
    for (let s = 0; s < 3; s++) {
      const { x, y } = batch(7, 60 + s);
      one.trainStep(x, Array.from(y), 7);
      group.step(x, y, 7, () => {
        calls++;
        x.fill(NaN);  // the next batch would go here (BatchStream.next)
        y.fill(9);
      });
    }
    expect(calls).toBe(3);
    await expectSame(one, net);
    dispose(one, net);
  });

  it('run(stream, k, batchSize) = k steps on the stream\'s batches (each built while replica 0 waits), ending an epoch short', async () => {
    const { one, net } = await oneAndTwo();
    const { x: images, y: labels } = batch(20, 77);  // 20 samples: batches of 7, 7, 6
    const mine = new BatchStream(images, labels, 20, { seed: 3, maxBatch: 16 });
    const twin = new BatchStream(images, labels, 20, { seed: 3, maxBatch: 16 });
    let want = 0;
    for (let s = 0; s < 3; s++) {
      const { x, y, n } = twin.next(7);
      want += one.trainStep(x, Array.from(y), n);
    }
    const r = group.run(mine, 3, 7);
    expect(r.steps).toBe(3);
    expect(r.samples).toBe(20);
    expect(Math.abs(r.loss - want / 3)).toBeLessThan(1e-5);
    expect(mine.epoch).toBe(1);
    await expectSame(one, net);
    dispose(one, net);
  });

  it('a batch of 1 (the helper gets no share) still trains, and the helpers keep up', async () => {
    const { one, net } = await oneAndTwo();
    const { x, y } = batch(1, 5);
    one.trainStep(x, Array.from(y), 1);
    group.step(x, y, 1);
    await expectSame(one, net, 1e-6);
    dispose(one, net);
  });

  it('a change to replica 0 between steps (new weights, new optimizer) reaches the helpers after invalidate()', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec);
    group = await ReplicaGroup.start(net, { threads: 2, maxBatch: 16 });
    group.step(batch(6, 1).x, batch(6, 1).y, 6);
    net.setParam(4, 'bias', [1, 2, 3, 4, 5]);
    net.setOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9 });
    group.invalidate();
    group.step(batch(6, 2).x, batch(6, 2).y, 6);
    group.step(batch(6, 3).x, batch(6, 3).y, 6);
    expect(await group.identical()).toBe(true);
    net.dispose();
  });

  it('a helper that went to sleep between steps (pauses longer than its spin) wakes for the next one and stays identical', async () => {
    const { one, net } = await oneAndTwo();
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    for (let s = 0; s < 3; s++) {
      const { x, y } = batch(8, 40 + s);
      one.trainStep(x, Array.from(y), 8);
      group.step(x, y, 8);
      await sleep(4 * SPIN_MS);  // the helper applies this step's gradient, spins, then sleeps in Atomics.wait
    }
    await expectSame(one, net);
    dispose(one, net);
  });

  it('refuses bad input with messages and keeps working', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec);
    await expect(ReplicaGroup.start(net, { threads: 1 })).rejects.toThrow('replicas: threads must be an integer in [2, 64], got 1');
    await expect(ReplicaGroup.start(bp.sequential({ ...spec, dtype: 'float64' }), { threads: 2 })).rejects.toThrow('replicas: float32 nets only (the shared buffers are float32), got float64');
    group = await ReplicaGroup.start(net, { threads: 2, maxBatch: 8 });
    const { x, y } = batch(9, 1);
    expect(() => group.step(x, y, 9)).toThrow('replicas: n must be an integer in [1, 8], got 9');
    expect(() => group.step(x, y, 0)).toThrow('replicas: n must be an integer in [1, 8], got 0');
    group.step(batch(4, 4).x, batch(4, 4).y, 4);
    for (const at of [0, 3]) {  // a label out of range on the helper's share (first 2), then on replica 0's
      const bad = batch(4, 2);
      bad.y[at] = 7;
      expect(() => group.step(bad.x, bad.y, 4)).toThrow(at === 0 ? 'replicas: a helper failed on its share of the batch' : /label 7/);
    }
    const good = batch(4, 3);
    expect(Number.isFinite(group.step(good.x, good.y, 4))).toBe(true);
    expect(await group.identical()).toBe(true);
    net.dispose();
  });
});

describe('Session.fit({ threads }) (the trainer API, and the element with threads="2")', () => {
  it('trains data-parallel on 2 threads, says so, and refuses a bad count', async () => {
    const { Session } = await import('../../web/worker/session.js');
    const s = new Session();
    await s.init({ ...spec, optimizer: { type: 'adam', lr: 0.02 } });
    const { x, y } = batch(64, 9);
    s.setData('train', x, y, [3, 7, 7], { classes: 5 });
    const before = s.evaluate('train').loss;
    const r = await s.fit('train', { epochs: 8, batchSize: 16, threads: 2, chunk: 4 });
    expect(r).toMatchObject({ steps: 32, threads: 2, stopped: false });
    expect(s.evaluate('train').loss).toBeLessThan(before);
    await expect(s.fit('train', { threads: 0 })).rejects.toThrow('fit: threads must be an integer in [1, 64], got 0');
    expect((await s.fit('train', { steps: 2, batchSize: 16 })).threads).toBe(1);
    s.dispose();
  });
});

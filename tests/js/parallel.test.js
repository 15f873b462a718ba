// ParallelTrainer (web/parallel.js): K worker replicas, each on a share of the batch, the
// shares' gradients averaged by share size, the same step applied everywhere. The result
// must equal one-thread training on the whole batch (up to the order of the batch sum),
// and the replicas must stay bit-identical.
import { describe, it, expect, afterEach } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';
import { ParallelTrainer } from '../../web/parallel.js';
import { rng, smallCnnSpec } from './helpers.js';

const spec = smallCnnSpec;

function batch(n, seed) {
  const r = rng(seed);
  return { x: Float64Array.from({ length: n * 147 }, () => r() * 2 - 1), y: Array.from({ length: n }, () => Math.floor(r() * 5)) };
}

let trainer = null;
afterEach(() => {
  trainer?.terminate();
  trainer = null;
});

for (const [dtype, tol] of [['float64', 1e-12], ['float32', 2e-5]]) {
  describe(`ParallelTrainer, ${dtype}`, () => {
    it('2 workers, 3 Adam steps on batches of 7 (shares 4 + 3) = one thread on the whole batch', async () => {
      const bp = await loadBackprop();
      const one = bp.sequential(spec(dtype));
      trainer = await ParallelTrainer.create(spec(dtype), { workers: 2 });
      for (let s = 0; s < 3; s++) {
        const { x, y } = batch(7, 10 + s);
        const xs = dtype === 'float32' ? Float32Array.from(x) : x;
        const l1 = one.trainStep(xs, y, 7);
        const l2 = await trainer.trainStep(xs, y, 7);
        expect(Math.abs(l1 - l2)).toBeLessThan(tol * 10);
      }
      const [a, b] = await trainer.replicas();
      const ref = one.toJSON();
      expect(a.params.map((p) => `${p.layer}.${p.name}`)).toEqual(ref.params.map((p) => `${p.layer}.${p.name}`));
      let maxDiff = 0, maxAbs = 0;
      a.params.forEach((p, i) => {
        expect(b.params[i].values).toEqual(p.values);  // replicas bit-identical
        p.values.forEach((v, j) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - ref.params[i].values[j]));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        });
      });
      expect(maxDiff).toBeLessThan(tol * maxAbs);
      one.dispose();
    }, 60000);
  });
}

describe('ParallelTrainer and the replica API', () => {
  it('a batch smaller than the worker count leaves a worker idle and still matches', async () => {
    const bp = await loadBackprop();
    const one = bp.sequential(spec('float64'));
    trainer = await ParallelTrainer.create(spec('float64'), { workers: 2 });
    const { x, y } = batch(1, 5);
    one.trainStep(x, y, 1);
    await trainer.trainStep(x, y, 1);
    const got = await trainer.toJSON();
    got.params.forEach((p, i) => p.values.forEach((v, j) => expect(Math.abs(v - one.toJSON().params[i].values[j])).toBeLessThan(1e-12)));
    one.dispose();
  }, 60000);

  it('bad inputs throw BackpropError naming the problem', async () => {
    await expect(ParallelTrainer.create(spec('float64'), { workers: 0 })).rejects.toThrow('parallel: workers must be an integer in [1, 64], got 0');
    trainer = await ParallelTrainer.create(spec('float64'), { workers: 1 });
    await expect(trainer.trainStep(new Float64Array(147), [0], 2)).rejects.toThrow('parallel trainStep: x has 147 values, expected n*147 = 294');
    await expect(trainer.trainStep(new Float64Array(147), [7], 1)).rejects.toThrow(BackpropError);
    await expect(trainer.trainStep(new Float64Array(147), [7], 1)).rejects.toThrow('targets: label 7 at index 0 is not a class in [0, 5)');
  }, 60000);

  it('paramGradients + setGradients + applyGradients = trainStep; setGradients checks its length', async () => {
    const bp = await loadBackprop();
    const a = bp.sequential(spec('float64')), b = bp.sequential(spec('float64'));
    const { x, y } = batch(3, 9);
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
    a.dispose();
    b.dispose();
  });

  it('getGradients(out) copies into the caller\'s array (no allocation per step) and checks its length', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec('float32'));
    const { x, y } = batch(2, 5);
    net.paramGradients(x, y, 2);
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

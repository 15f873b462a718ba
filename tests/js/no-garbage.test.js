// Silent garbage (issue 14, item 5): every input that used to train into NaN/Inf, be accepted out
// of range or be coerced is a BackpropError that names the value, and what was there before is
// untouched. (Model files with NaN weights, Inf optimizer state or a step of 2^63:
// model_file.test.js.)
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { expectBackpropError } from './helpers.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

const dense = (optimizer = { type: 'sgd', lr: 0.1 }, loss = 'softmax_cross_entropy') =>
  bp.sequential({ input: [2], layers: [{ type: 'dense', units: 2 }], loss, optimizer });
const weights = (net) => net.paramInfo().map((p) => Array.from(net.getParam(p.layer, p.name)));
const keeps = ' the step was not taken, the net keeps its weights and optimizer state (try a lower lr, or scale the inputs or targets)';

describe('training watches for divergence', () => {
  it('x = 1e30 under Adam: refused at step 1 naming the layer and the state, weights and step count kept, training goes on', () => {
    const net = dense({ type: 'adam', lr: 0.001 });
    const before = weights(net);
    expectBackpropError(() => net.trainStep([1e30, 1], [0]),
      "trainStep: training diverged at step 1: layer 0 (dense) weight's adam state exp_avg_sq[0] would become inf (its gradient -1.000000015e+30, lr 0.001);" + keeps);
    expect(weights(net)).toEqual(before);
    const first = net.trainStep([1, 1], [0]);
    expect(Number.isFinite(first)).toBe(true);
    for (let i = 0; i < 50; i++) net.trainStep([1, 1], [0]);
    expect(net.trainStep([1, 1], [0])).toBeLessThan(first);
  });

  it('MSE targets of 1e300: the loss is inf with every output finite, so the message blames the targets', () => {
    const net = dense({ type: 'sgd', lr: 0.01 }, 'mse');
    const before = weights(net);
    expectBackpropError(() => net.trainStep([1, 1], [1e300, 0]),
      "trainStep: training diverged at step 1: the loss is inf (every layer's output is finite: the targets are too far from it);" + keeps);
    expect(weights(net)).toEqual(before);
    expect(Number.isFinite(net.trainStep([1, 1], [1, 0]))).toBe(true);
  });

  it('fit stops at the diverging step and reports it, with the finite weights of the step before', () => {
    const net = dense({ type: 'adam', lr: 0.001 });
    const ds = bp.dataset(new Float32Array([1, 1, 1e30, 1]), [0, 0], [2], { classes: 2 });
    expectBackpropError(() => net.fit(ds, { steps: 2, batchSize: 1, shuffle: false }),
      /^fit: training diverged at step 2: layer 0 \(dense\) weight's adam state exp_avg_sq\[0\] would become inf/);
    expect(net.fitPosition().position).toBe(1);
    for (const w of weights(net)) for (const v of w) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('absurd hyper-parameters are refused at construction with the allowed range', () => {
  it.each([
    [{ type: 'sgd', lr: 0 }, 'optimizer (sgd): lr must be in (0, 10], got 0'],
    [{ type: 'sgd', lr: 1e30 }, 'optimizer (sgd): lr must be in (0, 10], got 1e+30'],
    [{ type: 'sgd', lr: 1e300 }, 'optimizer (sgd): lr must be in (0, 10], got 1e+300'],
  ])('%j', (optimizer, message) => {
    expectBackpropError(() => dense(optimizer), message);
  });

  it('setOptimizer too, and the net keeps the optimizer it had', () => {
    const net = dense({ type: 'adam', lr: 0.001 });
    expectBackpropError(() => net.setOptimizer({ type: 'adam', lr: 0 }), 'optimizer (adam): lr must be in (0, 10], got 0');
    expect(net.trainStep([1, 1], [0])).toBeGreaterThan(0);
  });
});

describe('data is checked, not coerced', () => {
  it('a dataset of [1,2,8] does not train a [1,4,4] net (same count, other shape)', () => {
    const net = bp.sequential({ input: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'flatten' }, { type: 'dense', units: 2 }] });
    const ds = bp.dataset(new Float32Array(16 * 3), [0, 1, 0], [1, 2, 8], { classes: 2 });
    expectBackpropError(() => net.fit(ds, { steps: 1, batchSize: 1 }), 'fit: dataset samples are [1,2,8] but the net takes [1,4,4]');
    const ok = bp.dataset(new Float32Array(16 * 3), [0, 1, 0], [1, 4, 4], { classes: 2 });
    expect(net.fit(ok, { steps: 1, batchSize: 1 }).steps).toBe(1);
  });

  it('seed 2^64, the label "01", null, a BigInt64Array and a length of 3e9 are refused by name', () => {
    const net = dense();
    const ds = bp.dataset(new Float32Array(4), [0, 1], [2], { classes: 2 });
    const heap = bp.heapInUse();
    expectBackpropError(() => net.fit(ds, { steps: 1, seed: 2 ** 64 }), 'fit: seed must be a non-negative integer, got 18446744073709552000');
    expectBackpropError(() => net.trainStep([1, 1], ['01']), 'targets: [0] is the string "01", not a number');
    expectBackpropError(() => net.trainStep([1, null], [0]), 'trainStep: [1] is null, not a number');
    expectBackpropError(() => net.forward(new BigInt64Array(2)), 'forward: expected numbers, got a BigInt64Array (use a Float32Array or Float64Array)');
    expectBackpropError(() => bp.dataset({ length: 3e9 }, [0], [2], { classes: 2 }), 'dataset images: 3000000000 values, more than the limit of 2147483647');
    expect(bp.heapInUse()).toBe(heap);  // nothing staged is kept
    expect(net.fit(ds, { steps: 1, seed: 7 }).steps).toBe(1);
  });
});

describe('fromJSON takes each tensor of the spec once, with its shape and numbers', () => {
  it('a tensor listed twice, a wrong shape, null and a missing bias', () => {
    const net = dense();
    const js = net.toJSON();
    const [w, b] = js.params;
    expectBackpropError(() => bp.fromJSON({ ...js, params: [w, w] }), 'fromJSON: layer 0 weight is listed twice');
    expectBackpropError(() => bp.fromJSON({ ...js, params: [{ ...w, shape: [4, 1] }, b] }), "fromJSON: layer 0 weight has shape [4,1], but the spec's net has [2,2]");
    expectBackpropError(() => bp.fromJSON({ ...js, params: [{ ...w, values: [null, ...w.values.slice(1)] }, b] }), 'fromJSON: layer 0 weight values: [0] is null, not a number');
    expectBackpropError(() => bp.fromJSON({ ...js, params: [w] }), 'fromJSON: layer 0 bias [2] is missing');
    const copy = bp.fromJSON(js);
    expect(copy.forward([1, 2])).toEqual(net.forward([1, 2]));
  });
});

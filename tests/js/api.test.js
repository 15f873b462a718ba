// The whole JS API through the WASM module, on nets whose numbers are worked out by hand.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';
import { expectClose } from './helpers.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

// W = [[1,2,3],[4,5,6]], b = [0.5,−1]; x0 = [1,−1,2] -> [5.5, 10], x1 = [0,1,0] -> [2.5, 4]
function handNet(dtype = 'float64', loss = 'mse') {
  const net = bp.sequential({ input: [3], layers: [{ type: 'dense', units: 2 }], loss, dtype, seed: 1 });
  net.setParam(0, 'weight', [1, 2, 3, 4, 5, 6]);
  net.setParam(0, 'bias', new Float64Array([0.5, -1]));
  return net;
}
const X = [1, -1, 2, 0, 1, 0];

describe('sequential and its shapes', () => {
  it('reports dtype, shapes, paramInfo and the normalised layers', () => {
    const net = bp.sequential({
      input: [1, 6, 5],
      layers: [{ type: 'conv2d', filters: 2, kernel: [3, 2], stride: 2, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
        { type: 'flatten' }, { type: 'dense', units: 3 }],
      loss: 'softmax_cross_entropy', dtype: 'float64',
    });
    expect(net.dtype).toBe('float64');
    expect(net.inputShape).toEqual([1, 6, 5]);
    // conv: OH = (6 + 2 − 3)/2 + 1 = 3, OW = (5 + 2 − 2)/2 + 1 = 3; pool 2: [2,1,1]; flatten [2]
    expect(net.outputShape).toEqual([3]);
    expect(net.paramInfo()).toEqual([
      { layer: 0, name: 'weight', shape: [2, 1, 3, 2] },
      { layer: 0, name: 'bias', shape: [2] },
      { layer: 4, name: 'weight', shape: [3, 2] },
      { layer: 4, name: 'bias', shape: [3] },
    ]);
    const layers = net.layers();
    expect(layers[0]).toEqual({ type: 'conv2d', filters: 2, kernel: [3, 2], stride: [2, 2], padding: [1, 1], inputShape: [1, 6, 5], outputShape: [2, 3, 3] });
    expect(layers[2]).toMatchObject({ type: 'maxpool2d', size: [2, 2], stride: [2, 2], padding: [0, 0], outputShape: [2, 1, 1] });
    expect(net.spec).toMatchObject({ input: [1, 6, 5], loss: 'softmax_cross_entropy', dtype: 'float64', seed: 1 });
    // returned objects are copies
    net.paramInfo()[0].shape.push(99);
    expect(net.paramInfo()[0].shape).toEqual([2, 1, 3, 2]);
    net.dispose();
  });

  it('defaults to float32 and prelu alpha starts at 0.25', () => {
    const net = bp.sequential({ input: [2, 2, 2], layers: [{ type: 'prelu', channelwise: true }], loss: 'mse' });
    expect(net.dtype).toBe('float32');
    expect(net.paramInfo()).toEqual([{ layer: 0, name: 'alpha', shape: [2] }]);
    expect(net.getParam(0, 'alpha')).toEqual(new Float32Array([0.25, 0.25]));
    net.dispose();
  });
});

describe('parameters', () => {
  it('getParam/setParam copy in the net dtype, from plain or typed arrays', () => {
    for (const dtype of ['float32', 'float64']) {
      const Arr = dtype === 'float32' ? Float32Array : Float64Array;
      const net = handNet(dtype);
      const w = net.getParam(0, 'weight');
      expect(w).toBeInstanceOf(Arr);
      expect(Array.from(w)).toEqual([1, 2, 3, 4, 5, 6]);
      w[0] = 100; // a copy: the net does not change
      expect(net.getParam(0, 'weight')[0]).toBe(1);
      const src = new Float32Array([0.1, 0.2]);
      net.setParam(0, 'bias', src);
      src[0] = 7; // copied in: later edits do not reach the net
      const b = net.getParam(0, 'bias');
      expect(Array.from(b)).toEqual([Math.fround(0.1), Math.fround(0.2)]); // float32 values, exact in both dtypes
      net.setParam(0, 'bias', [0.1, 0.2]); // plain array: float64 keeps 0.1 exactly
      expect(net.getParam(0, 'bias')[0]).toBe(dtype === 'float32' ? Math.fround(0.1) : 0.1);
      expect(net.getGrad(0, 'bias')).toBeInstanceOf(Arr);
      net.dispose();
    }
  });
});

describe('forward, backward, zeroGrad, getGrad', () => {
  it('forward computes X Wᵀ + b for plain arrays and both typed arrays', () => {
    const net = handNet();
    for (const x of [X, new Float64Array(X), new Float32Array(X)]) expect(Array.from(net.forward(x, 2))).toEqual([5.5, 10, 2.5, 4]);
    expect(net.forward(X, 2)).toBeInstanceOf(Float64Array);
    expect(Array.from(net.forward([1, 1, 1]))).toEqual([6.5, 14]); // n defaults to 1
    net.dispose();
  });

  it('backward after forward writes dx and adds into the parameter grads', () => {
    const net = handNet();
    net.forward(X, 2);
    // δ = [[1,0],[2,−1]]: dx0 = W0 = [1,2,3], dx1 = 2·W0 − W1 = [−2,−1,0]
    const dy = [1, 0, 2, -1];
    expect(Array.from(net.backward(dy))).toEqual([1, 2, 3, -2, -1, 0]);
    // dW = δᵀX = [[1,1,2],[0,−1,0]], db = [3,−1]
    expect(Array.from(net.getGrad(0, 'weight'))).toEqual([1, 1, 2, 0, -1, 0]);
    expect(Array.from(net.getGrad(0, 'bias'))).toEqual([3, -1]);
    expect(Array.from(net.backward(new Float32Array(dy)))).toEqual([1, 2, 3, -2, -1, 0]); // dx is written, not added
    expect(Array.from(net.getGrad(0, 'weight'))).toEqual([2, 2, 4, 0, -2, 0]); // grads accumulate
    net.zeroGrad();
    expect(Array.from(net.getGrad(0, 'weight'))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(net.getGrad(0, 'bias'))).toEqual([0, 0]);
    net.dispose();
  });

  it('computeGradients zeroes, runs forward, the loss and backward, and returns the loss', () => {
    const net = handNet();
    // outputs [5.5,10,2.5,4] vs targets [5,10,3,4]: L = (0.25 + 0.25)/4 = 0.125;
    // dY = 2(Y − T)/4 = [0.25, 0, −0.25, 0]: dW0 = 0.25·x0 − 0.25·x1 = [0.25, −0.5, 0.5], db0 = 0
    for (let k = 0; k < 2; k++) {
      expect(net.computeGradients(X, [5, 10, 3, 4], 2)).toBe(0.125);
      expectClose(net.getGrad(0, 'weight'), [0.25, -0.5, 0.5, 0, 0, 0], 1e-15, 'dW');
      expectClose(net.getGrad(0, 'bias'), [0, 0], 0, 'db');
    }
    expect(net.loss(X, new Float64Array([5, 10, 3, 4]), 2)).toBe(0.125);
    net.dispose();
  });

  it('cross-entropy takes integer labels and averages over the batch', () => {
    const net = bp.sequential({ input: [3], layers: [], loss: 'softmax_cross_entropy', dtype: 'float64' });
    // z0 = [1,2,3], y0 = 2: 0.40760596444438046;  z1 = [0,0,0], y1 = 0: ln 3;  mean 0.7531091265562451
    expect(net.computeGradients([1, 2, 3, 0, 0, 0], [2, 0], 2)).toBeCloseTo(0.7531091265562451, 15);
    expect(net.computeGradients(new Float64Array([1, 2, 3, 0, 0, 0]), new Int32Array([2, 0]), 2)).toBeCloseTo(0.7531091265562451, 15);
    net.dispose();
  });

  it('gradCheck reports a row per parameter tensor and the input', () => {
    const net = bp.sequential({ input: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'tanh' }, { type: 'flatten' }, { type: 'dense', units: 3 }], loss: 'softmax_cross_entropy', dtype: 'float32', seed: 2 });
    const x = Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const report = net.gradCheck(x, [0, 2], 2, { stencil: 4, eps: 1e-4 });
    expect(Object.keys(report).sort()).toEqual(['brokenLayer', 'bug', 'loss', 'rows', 'samples']);
    expect(report).toMatchObject({ samples: [], brokenLayer: -1, bug: 'none' });
    expect(report.loss).toBeCloseTo(net.loss(x, [0, 2], 2), 6);
    const rows = report.rows;
    expect(rows.map((r) => [r.layer, r.name])).toEqual([[0, 'weight'], [0, 'bias'], [3, 'weight'], [3, 'bias'], [-1, 'input']]);
    expect(rows[4].shape).toEqual([2, 1, 4, 4]);
    for (const r of rows) {
      expect(r.passed).toBe(true);
      expect(r.maxRelError).toBeLessThan(1e-6);
      expect(r.checked).toBeGreaterThan(0);
      expect(Object.keys(r).sort()).toEqual(['checked', 'kinks', 'layer', 'maxAbsError', 'maxRelError', 'name', 'passed', 'shape']);
    }
    expect(rows[2].checked).toBe(24); // all 3·8 dense weights (conv out [2,2,2]; ≤ maxCoords 100)
    expect(net.gradCheck(x, [0, 2], 2, { maxCoords: 5 }).rows[2].checked).toBe(5);
    net.dispose();
  });

  it('dispose frees the net, twice is fine, and every later call throws', () => {
    const net = handNet();
    net.dispose();
    net.dispose();
    const calls = [() => net.forward(X, 2), () => net.backward([1, 2]), () => net.zeroGrad(), () => net.getParam(0, 'weight'),
      () => net.getGrad(0, 'weight'), () => net.setParam(0, 'bias', [1, 2]), () => net.computeGradients(X, [1, 2, 3, 4], 2),
      () => net.gradCheck(X, [1, 2, 3, 4], 2), () => net.paramInfo(), () => net.outputShape, () => net.dtype];
    for (const call of calls) expect(call).toThrow(new BackpropError('net: used after dispose()'));
  });
});

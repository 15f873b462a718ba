// Bad input through WASM: each throws a BackpropError whose message names the layer (or
// field) and the bad value, and the module keeps working: the next call succeeds.
// Includes sizes that would make an allocation fail, which in WASM aborts the module.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { expectBackpropError } from './helpers.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

const good = { input: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'flatten' }, { type: 'dense', units: 10 }] };
const conv = (o) => ({ input: [1, 5, 5], layers: [{ type: 'conv2d', filters: 2, kernel: 3, ...o }] });

// fn must throw exactly `message` as a BackpropError; then a fresh net must work.
function expectBad(fn, message) {
  expect(expectBackpropError(fn, message).name).toBe('BackpropError');
  const net = bp.sequential(good);
  expect(net.forward(new Float32Array(32), 2).length).toBe(20);
  net.dispose();
}

describe('bad specs (issue 2 list)', () => {
  it('unknown type', () => {
    expectBad(() => bp.sequential({ input: [4], layers: [{ type: 'dense', units: 3 }, { type: 'conv3d' }] }),
      "layer 1: unknown type 'conv3d' (known: conv2d, dense, flatten, maxpool2d, avgpool2d, globalmaxpool, globalavgpool, relu, leaky_relu, prelu, elu, selu, sigmoid, tanh)");
  });
  it('zero filters', () => expectBad(() => bp.sequential(conv({ filters: 0 })), 'layer 0 (conv2d): filters must be >= 1, got 0'));
  it('kernel larger than the padded input', () => {
    expectBad(() => bp.sequential(conv({ kernel: [8, 3], padding: 1 })),
      'layer 0 (conv2d): kernel [8,3] is larger than the padded input [7,7] (input [1,5,5], padding [1,1])');
    expectBad(() => bp.sequential({ input: [1, 3, 3], layers: [{ type: 'maxpool2d', size: 4, padding: 0 }] }),
      'layer 0 (maxpool2d): size [4,4] is larger than the padded input [3,3] (input [1,3,3])');
  });
  it('negative padding', () => expectBad(() => bp.sequential(conv({ padding: [0, -2] })), 'layer 0 (conv2d): padding must be >= 0, got [0,-2]'));
  it('stride 0', () => expectBad(() => bp.sequential(conv({ stride: 0 })), 'layer 0 (conv2d): stride must be >= 1, got 0'));
  it('shapes that do not chain', () => {
    expectBad(() => bp.sequential({ input: [1, 4, 4], layers: [{ type: 'flatten' }, { type: 'conv2d', filters: 1, kernel: 2 }] }),
      'layer 1 (conv2d): needs a [C,H,W] input, got [16]');
    expectBad(() => bp.sequential({ input: [1, 4, 4], layers: [{ type: 'maxpool2d', size: 2 }, { type: 'conv2d', filters: 1, kernel: 3 }] }),
      'layer 1 (conv2d): kernel [3,3] is larger than the padded input [2,2] (input [1,2,2], padding [0,0])');
    expectBad(() => bp.sequential({ input: [1, 4, 4], layers: [{ type: 'dense', units: 1 }] }),
      'spec: softmax_cross_entropy needs at least 2 outputs, the last layer gives [1]');
  });
  it('other spec mistakes', () => {
    expectBad(() => bp.sequential(null), 'spec: must be an object {input, layers, loss}, got null');
    expectBad(() => bp.sequential({ input: [4], layers: [], dtype: 'float16' }), 'spec: dtype must be "float32" or "float64", got "float16"');
    expectBad(() => bp.sequential({ input: [4], layers: [{ type: 'dense', units: 3, activation: 'relu' }] }),
      "layer 0 (dense): unknown option 'activation' (it takes: units)");
    expectBad(() => bp.sequential({ input: [4], layers: [{ type: 'leaky_relu', slope: NaN }] }), 'layer 0 (leaky_relu): slope must be a finite number, got null');
    const cyclic = { input: [4], layers: [] };
    cyclic.self = cyclic;
    expectBad(() => bp.sequential(cyclic), /^spec: cannot be written as JSON \(/);
  });
});

describe('bad data (issue 2 list)', () => {
  let net;
  beforeAll(() => {
    net = bp.sequential(good);
  });
  it('wrong array length', () => {
    expectBad(() => net.forward(new Float32Array(15)), 'forward: x has 15 values, expected n*[1,4,4] = 1*16 = 16');
    expectBad(() => net.computeGradients(new Float32Array(32), [1, 2, 3], 2), 'targets: expected 2 integer labels (one per sample), got 3');
    net.forward(new Float32Array(16));
    expectBad(() => net.backward([1, 2]), 'backward: dy has 2 values, expected n*10 = 10 (n = 1 from the last forward)');
    expectBad(() => net.setParam(2, 'bias', [1, 2, 3]), 'setParam: layer 2 bias [10] needs 10 values, got 3');
  });
  it('label out of range', () => {
    expectBad(() => net.computeGradients(new Float32Array(32), [3, 10], 2), 'targets: label 10 at index 1 is not a class in [0, 10)');
    expectBad(() => net.gradCheck(new Float32Array(16), [-1]), 'targets: label -1 at index 0 is not a class in [0, 10)');
    expectBad(() => net.loss(new Float32Array(16), [2.5]), 'targets: label 2.5 at index 0 is not a class in [0, 10)');
  });
  it('non-finite input', () => {
    const x = new Float32Array(16);
    x[3] = NaN;
    expectBad(() => net.forward(x), 'forward: x[3] is nan (inputs must be finite)');
    expectBad(() => net.computeGradients([...new Array(15).fill(0), Infinity], [1]), 'computeGradients: x[15] is inf (inputs must be finite)');
    expectBad(() => net.setParam(2, 'bias', [0, 0, NaN, 0, 0, 0, 0, 0, 0, 0]), 'setParam: layer 2 bias[2] is nan');
  });
  it('use after dispose()', () => {
    const n = bp.sequential(good);
    n.dispose();
    expectBad(() => n.forward(new Float32Array(16)), 'net: used after dispose()');
  });
  it('bad parameter keys, n and options', () => {
    expectBad(() => net.getParam(1, 'weight'), "param: layer 1 (flatten) has no parameter 'weight' (it has none)");
    expectBad(() => net.getGrad(2, 'alpha'), "param: layer 2 (dense) has no parameter 'alpha' (it has: weight, bias)");
    expectBad(() => net.getParam(7, 'weight'), 'param: layer 7 does not exist (the net has 3 layers, 0..2)');
    expectBad(() => net.getParam('0', 'weight'), 'param: layer must be an integer, got 0');
    expectBad(() => net.getParam(0.5, 'weight'), 'param: layer must be an integer, got 0.5');
    expectBad(() => net.getParam(0, 7), 'param: name must be a string, got number');
    expectBad(() => net.forward(new Float32Array(16), 0), 'forward: n must be >= 1, got 0');
    expectBad(() => net.forward(new Float32Array(16), 1.5), 'forward: n must be an integer, got 1.5');
    expectBad(() => net.computeGradients(new Float32Array(16), [1], '1'), 'computeGradients: n must be an integer, got 1');
    expectBad(() => net.forward(new Float32Array(16), 2 ** 40), 'forward: n is too large, got 1099511627776');
    expectBad(() => net.forward(null), 'forward: expected an array or typed array, got null');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { eps: 0 }), 'gradCheck: eps must be in (0, 1), got 0');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { stencil: 3 }), 'gradCheck: stencil must be 2 or 4, got 3');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { maxCoords: 0 }), 'gradCheck: maxCoords must be an integer >= 1, got 0');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { maxCoords: 1e12 }), 'gradCheck: maxCoords must be an integer >= 1, got 1000000000000');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { maxCoords: 'all' }), 'gradCheck: maxCoords must be an integer >= 1, got all');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { seed: -5 }), 'gradCheck: seed must be a non-negative integer, got -5');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { eps: '1e-4' }), 'gradCheck: eps and stencil must be numbers, got string and number');
    expectBad(() => net.gradCheck(new Float32Array(16), [1], 1, { eps: NaN }), 'gradCheck: eps must be in (0, 1), got nan');
    const fresh = bp.sequential({ ...good, dtype: 'float64' });
    expectBad(() => fresh.backward(new Float64Array(10)), 'backward: call forward first');
    fresh.dispose();
  });
});

describe('sizes that would abort the module are refused', () => {
  it('a huge input shape', () => {
    expectBad(() => bp.sequential({ input: [100000, 100000, 100000], layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] }),
      'spec: input [100000,100000,100000] has 1000000000000000 values per sample, more than the limit of 67108864');
  });
  it('a million filters', () => {
    expectBad(() => bp.sequential({ input: [3, 28, 28], layers: [{ type: 'conv2d', filters: 1e6, kernel: 5 }] }),
      'layer 0 (conv2d): weight [1000000,3,5,5] has 75000000 values, more than the limit of 67108864');
    expectBad(() => bp.sequential({ input: [1, 28, 28], layers: [{ type: 'conv2d', filters: 1e6, kernel: 1 }] }),
      'layer 0 (conv2d): output [1000000,28,28] has 784000000 values, more than the limit of 67108864');
    expectBad(() => bp.sequential({ input: [1, 28, 28], layers: [{ type: 'conv2d', filters: 1e9, kernel: 1 }] }),
      'layer 0 (conv2d): filters is too large, got 1000000000');
    expectBad(() => bp.sequential({ input: [1, 28, 28], layers: [{ type: 'conv2d', filters: 1e300, kernel: [1e20, 1] }] }),
      'layer 0 (conv2d): filters is too large, got 1e+300');
  });
  it('a huge dense layer', () => {
    expectBad(() => bp.sequential({ input: [1000000], layers: [{ type: 'dense', units: 1000 }] }),
      'layer 0 (dense): weight [1000,1000000] has 1000000000 values, more than the limit of 67108864');
  });
  it('a net too big as a whole, checked before its activations exist', () => {
    expectBad(() => bp.sequential({ input: [1, 1000, 1000], layers: [{ type: 'conv2d', filters: 30, kernel: 1 }, { type: 'relu' }], loss: 'mse' }),
      'layer 1 (relu): the net up to here needs 122000120 values for one sample (parameters, activations and their gradients), more than the limit of 67108864');
  });
  it('a batch too large for one call', () => {
    const net = bp.sequential({ input: [1, 28, 28], layers: [{ type: 'conv2d', filters: 8, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 10 }] });
    const n = 6000; // 6000 MNIST images at once: 4.7M inputs, but 2·6000·(784 + 2·6272 + 6272 + 10) activation values
    expectBad(() => net.forward(new Float32Array(n * 784), n),
      `forward: n = ${n} samples need ${2 * (8 * 25 + 8 + 10 * 6272 + 10) + 2 * n * (784 + 3 * 6272 + 10)} values (parameters, activations and their gradients), more than the limit of 67108864; pass fewer samples per call`);
    expect(net.forward(new Float32Array(784)).length).toBe(10); // the same net still works
    net.dispose();
  });
  it('a dataset batch too large for one step', () => {
    const net = bp.sequential({ input: [1, 28, 28], layers: [{ type: 'conv2d', filters: 8, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 10 }] });
    const ds = bp.dataset(new Uint8Array(3000 * 784), new Uint8Array(3000), [1, 28, 28]);
    const need = (n) => 2 * (8 * 25 + 8 + 10 * 6272 + 10) + 2 * n * (784 + 3 * 6272 + 10);
    expectBad(() => net.evaluate(ds, { batchSize: 10000 }),
      `evaluate: batchSize 10000 needs ${need(3000)} values (parameters, activations and their gradients), more than the limit of 67108864; use a smaller batchSize`);
    expectBad(() => net.fit(ds, { batchSize: 2500, steps: 1 }),
      `fit: batchSize 2500 needs ${need(2500)} values (parameters, activations and their gradients), more than the limit of 67108864; use a smaller batchSize`);
    expect(net.evaluate(ds, { batchSize: 500, limit: 1000 }).accuracy).toBeGreaterThanOrEqual(0); // the same net still works
    ds.dispose();
    net.dispose();
  });
  it('an array longer than any buffer may be', () => {
    const net = bp.sequential(good);
    const huge = { length: 2 ** 27 }; // array-like: rejected on its length before anything is copied
    expectBad(() => net.forward(huge, 2 ** 23), 'forward: 134217728 values, more than the limit of 67108864');
    expectBad(() => net.setParam(0, 'weight', huge), 'setParam: layer 0 weight: 134217728 values, more than the limit of 67108864');
    expectBad(() => net.computeGradients(new Float32Array(16), huge), 'targets: 134217728 values, more than the limit of 67108864');
    net.dispose();
  });
});

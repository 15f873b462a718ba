// Through the WASM module: float64 gradient checks of every layer and of whole nets
// (max relative error < 1e-6 with the 4-point stencil at h = 1e-4), and float32 results
// agreeing with float64 within 1e-4 of each tensor's largest magnitude.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { distinct, expectClose, randn, size, targetsFor } from './helpers.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

const conv = (extra = {}) => ({ type: 'conv2d', filters: 3, kernel: [3, 2], stride: [2, 1], padding: 1, ...extra });
// One net per layer type (the layer under test on a small input, with a loss after it)
// and whole nets. `distinct` inputs keep max-pool and ReLU-like layers off their kinks.
const NETS = {
  conv2d: { input: [2, 6, 5], layers: [conv()], loss: 'mse' },
  'conv2d stride 3 pad 2 square': { input: [1, 7, 7], layers: [{ type: 'conv2d', filters: 2, kernel: 3, stride: 3, padding: 2 }], loss: 'mse' },
  dense: { input: [7], layers: [{ type: 'dense', units: 4 }], loss: 'softmax_cross_entropy' },
  flatten: { input: [2, 3, 3], layers: [{ type: 'flatten' }, { type: 'dense', units: 3 }], loss: 'mse' },
  maxpool2d: { input: [2, 6, 7], layers: [{ type: 'maxpool2d', size: [2, 3], stride: [1, 2], padding: 1 }], loss: 'mse', distinct: true },
  avgpool2d: { input: [2, 6, 7], layers: [{ type: 'avgpool2d', size: 3, stride: 2, padding: 1 }], loss: 'mse' },
  globalmaxpool: { input: [3, 4, 5], layers: [{ type: 'globalmaxpool' }], loss: 'softmax_cross_entropy', distinct: true },
  globalavgpool: { input: [3, 4, 5], layers: [{ type: 'globalavgpool' }], loss: 'softmax_cross_entropy' },
  relu: { input: [2, 3, 4], layers: [{ type: 'relu' }], loss: 'mse', distinct: true },
  leaky_relu: { input: [2, 3, 4], layers: [{ type: 'leaky_relu', slope: 0.2 }], loss: 'mse', distinct: true },
  'prelu shared': { input: [2, 3, 4], layers: [{ type: 'prelu' }], loss: 'mse', distinct: true },
  'prelu channelwise': { input: [2, 3, 4], layers: [{ type: 'prelu', channelwise: true }], loss: 'mse', distinct: true },
  elu: { input: [2, 3, 4], layers: [{ type: 'elu', alpha: 0.7 }], loss: 'mse', distinct: true },
  selu: { input: [2, 3, 4], layers: [{ type: 'selu' }], loss: 'mse', distinct: true },
  sigmoid: { input: [2, 3, 4], layers: [{ type: 'sigmoid' }], loss: 'mse' },
  tanh: { input: [2, 3, 4], layers: [{ type: 'tanh' }], loss: 'mse' },
  'mnist-like cnn': {
    input: [1, 8, 8],
    layers: [{ type: 'conv2d', filters: 3, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
      { type: 'conv2d', filters: 4, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 }, { type: 'dense', units: 10 }],
    loss: 'softmax_cross_entropy',
  },
  // Two MLPs rather than one deep one: through 13 layers some first-layer gradients shrink
  // to ~1e-5, where the checker's rounding noise (~1e-12 absolute) is no longer < 1e-6 relative.
  'kinked activations mlp': {
    input: [6],
    layers: [{ type: 'dense', units: 5 }, { type: 'leaky_relu', slope: 0.3 }, { type: 'dense', units: 5 }, { type: 'prelu', channelwise: true },
      { type: 'dense', units: 5 }, { type: 'elu' }, { type: 'dense', units: 3 }],
    loss: 'mse',
  },
  'smooth activations mlp': {
    input: [6],
    layers: [{ type: 'dense', units: 5 }, { type: 'selu' }, { type: 'dense', units: 5 }, { type: 'sigmoid' }, { type: 'dense', units: 4 },
      { type: 'tanh' }, { type: 'dense', units: 3 }],
    loss: 'softmax_cross_entropy',
  },
  'pools and globals cnn': {
    input: [2, 7, 6],
    layers: [conv({ stride: 1 }), { type: 'tanh' }, { type: 'avgpool2d', size: 2, stride: 1, padding: 1 }, { type: 'conv2d', filters: 4, kernel: 2 },
      { type: 'globalavgpool' }, { type: 'dense', units: 3 }],
    loss: 'softmax_cross_entropy',
  },
};

function inputs(name, spec, n) {
  const len = n * size(spec.input);
  return spec.distinct ? distinct(len, 5) : randn(len, 5);
}

describe('float64 gradient check through WASM', () => {
  for (const [name, { distinct: _d, ...spec }] of Object.entries(NETS)) {
    it(name, () => {
      const net = bp.sequential({ ...spec, dtype: 'float64', seed: 4 });
      const n = 2;
      const { rows } = net.gradCheck(inputs(name, NETS[name], n), targetsFor(net, n), n, { stencil: 4, eps: 1e-4, maxCoords: 60 });
      expect(rows.length).toBe(net.paramInfo().length + 1);
      for (const r of rows) {
        const where = `${name}: layer ${r.layer} ${r.name} (checked ${r.checked}, kinks ${r.kinks})`;
        expect(r.passed, where).toBe(true);
        expect(r.maxRelError, where).toBeLessThan(1e-6);
        expect(r.checked, where).toBeGreaterThan(0);
        if (NETS[name].distinct) expect(r.kinks, where).toBe(0);
      }
      net.dispose();
    });
  }
});

describe('float32 agrees with float64', () => {
  for (const [name, { distinct: _d, ...spec }] of Object.entries(NETS)) {
    it(name, () => {
      const n = 3;
      const f64 = bp.sequential({ ...spec, dtype: 'float64', seed: 9 });
      const f32 = bp.sequential({ ...spec, dtype: 'float32', seed: 9 });
      // the same seed gives the same initial weights, up to float32 rounding
      for (const { layer, name: p } of f64.paramInfo()) expectClose(f32.getParam(layer, p), f64.getParam(layer, p), 1e-7, `initial ${p} of layer ${layer}`);
      const x = Float32Array.from(inputs(name, NETS[name], n)); // representable in both
      const t = targetsFor(f64, n);
      const l64 = f64.computeGradients(x, t, n), l32 = f32.computeGradients(x, t, n);
      expect(Math.abs(l32 - l64)).toBeLessThanOrEqual(1e-4 * Math.abs(l64));
      for (const { layer, name: p } of f64.paramInfo()) expectClose(f32.getGrad(layer, p), f64.getGrad(layer, p), 1e-4, `grad ${p} of layer ${layer}`);
      expectClose(f32.forward(x, n), f64.forward(x, n), 1e-4, 'output');
      const dy = randn(n * size(f64.outputShape), 3);
      expectClose(f32.backward(dy), f64.backward(dy), 1e-4, 'dx');
      f64.dispose();
      f32.dispose();
    });
  }
});

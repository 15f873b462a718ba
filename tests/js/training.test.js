// The training API through WASM: optimizers, trainStep/evaluate/predict, datasets and fit,
// model files and JSON weights. Every bad input gets a BackpropError and leaves the net as it was.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { expectBackpropError } from './helpers.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

const small = (extra = {}) => ({
  input: [1, 4, 4],
  layers: [
    { type: 'conv2d', filters: 2, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'maxpool2d', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax_cross_entropy',
  seed: 3,
  ...extra,
});

// n samples of [1,4,4]: class c lights up row c.
function toyData(n) {
  const x = new Float32Array(n * 16), y = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    for (let k = 0; k < 4; k++) x[i * 16 + c * 4 + k] = 1;
    x[i * 16 + 15] = (i % 5) / 5;
    y.push(c);
  }
  return { x, y };
}

function snapshot(net) {
  return { params: net.paramInfo().map((p) => Array.from(net.getParam(p.layer, p.name))), spec: net.spec };
}

describe('initialisation', () => {
  it('gives the same initial weights in WASM as natively (tests/fixtures/init_parity.json)', () => {
    const doc = JSON.parse(readFileSync(new URL('../fixtures/init_parity.json', import.meta.url), 'utf8'));
    for (const c of doc.cases) {
      const net = bp.sequential(c.spec);
      for (const p of c.params) expect(Array.from(net.getParam(p.layer, p.name))).toEqual(p.values);
      net.dispose();
    }
  });
});

describe('optimizers', () => {
  it('normalises the spec optimizer and defaults to sgd lr 0.01', () => {
    const a = bp.sequential(small({ optimizer: { type: 'adam', lr: 1e-3 } }));
    expect(a.optimizer).toEqual({ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, biasCorrection: true, decay: 0 });
    const b = bp.sequential(small());
    expect(b.optimizer).toEqual({ type: 'sgd', lr: 0.01, momentum: 0, nesterov: false, weightDecay: 0, decay: 0 });
    a.dispose();
    b.dispose();
  });

  it('trainStep = gradients, then one step (sgd: θ − lr·g)', () => {
    const net = bp.sequential(small({ optimizer: { type: 'sgd', lr: 0.5 } }));
    const { x, y } = toyData(3);
    const L0 = net.computeGradients(x, y, 3);
    const w = net.getParam(4, 'weight'), g = net.getGrad(4, 'weight');
    const want = w.map((v, i) => Math.fround(v - 0.5 * g[i]));
    expect(net.trainStep(x, y, 3)).toBe(L0);
    expect(Array.from(net.getParam(4, 'weight'))).toEqual(Array.from(want));
    expect(net.loss(x, y, 3)).toBeLessThan(L0);
    net.dispose();
  });

  it('every optimizer lowers the loss on a toy problem', () => {
    const { x, y } = toyData(6);
    for (const opt of [
      { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
      { type: 'adagrad', lr: 0.1 },
      { type: 'rmsprop', lr: 0.01, momentum: 0.5 },
      { type: 'adadelta' },
      { type: 'adam', lr: 0.01, weightDecay: 1e-4, decay: 0.01 },
    ]) {
      const net = bp.sequential(small({ optimizer: opt }));
      const L0 = net.loss(x, y, 6);
      for (let i = 0; i < 20; i++) net.trainStep(x, y, 6);
      expect(net.loss(x, y, 6), opt.type).toBeLessThan(L0);
      net.dispose();
    }
  });

  it('adam biasCorrection: false uses m and v as they are (no division by 1 − βᵗ), kept in the spec and model files', () => {
    const { x, y } = toyData(6);
    const lr = 0.01, eps = 1e-8;
    for (const biasCorrection of [false, true]) {
      const net = bp.sequential(small({ dtype: 'float64', optimizer: { type: 'adam', lr, biasCorrection } }));
      expect(net.optimizer.biasCorrection).toBe(biasCorrection);
      net.computeGradients(x, y, 6);
      const w = Array.from(net.getParam(4, 'weight')), g = Array.from(net.getGrad(4, 'weight'));
      net.trainStep(x, y, 6);
      // t = 1: m = 0.1·g, v = 0.001·g²; corrected: m̂ = g, v̂ = g².
      const want = w.map((wi, i) => {
        const m = 0.1 * g[i], v = 0.001 * g[i] * g[i];
        return biasCorrection ? wi - (lr / 0.1) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999) + eps) : wi - lr * m / (Math.sqrt(v) + eps);
      });
      const got = Array.from(net.getParam(4, 'weight'));
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `weight[${i}]`).toBeLessThan(1e-15);
      const copy = bp.load(net.save({ optimizer: true }));
      expect(copy.optimizer.biasCorrection).toBe(biasCorrection);
      expect(copy.trainStep(x, y, 6)).toBe(net.trainStep(x, y, 6));
      expect(snapshot(copy)).toEqual(snapshot(net));
      copy.dispose();
      net.dispose();
    }
    const net = bp.sequential(small({ optimizer: { type: 'adam' } }));
    const before = snapshot(net);
    expectBackpropError(() => net.setOptimizer({ type: 'adam', biasCorrection: 'no' }), 'optimizer (adam): biasCorrection must be true or false, got "no"');
    expectBackpropError(() => net.setOptimizer({ type: 'adam', biasCorrection: 1 }), 'optimizer (adam): biasCorrection must be true or false, got 1');
    expectBackpropError(() => net.setOptimizer({ type: 'sgd', biasCorrection: false }),
      "optimizer (sgd): unknown option 'biasCorrection' (it takes: lr, momentum, nesterov, weightDecay, decay, decaySteps)");
    expect(snapshot(net)).toEqual(before);
    net.setOptimizer({ type: 'adam', lr: 0.01, biasCorrection: false });
    expect(net.spec.optimizer.biasCorrection).toBe(false);
    net.dispose();
  });

  it('rejects bad optimizers with the value, leaving the net unchanged', () => {
    const net = bp.sequential(small({ optimizer: { type: 'adam', lr: 0.01 } }));
    const before = snapshot(net);
    expectBackpropError(() => net.setOptimizer({ type: 'adamax' }), "optimizer: unknown type 'adamax' (known: sgd, adagrad, rmsprop, adadelta, adam)");
    expectBackpropError(() => net.setOptimizer({ type: 'sgd', lr: -1 }), 'optimizer (sgd): lr must be in (0, 10], got -1');
    expectBackpropError(() => net.setOptimizer({ type: 'sgd', momentum: 1 }), 'optimizer (sgd): momentum must be in [0, 1), got 1');
    expectBackpropError(() => net.setOptimizer({ type: 'rmsprop', eps: 0 }), 'optimizer (rmsprop): eps must be in (0, 1], got 0');
    expectBackpropError(() => net.setOptimizer({ type: 'adam', lr: 0.1, momentum: 0.9 }),
      "optimizer (adam): unknown option 'momentum' (it takes: lr, beta1, beta2, eps, weightDecay, biasCorrection, decay, decaySteps)");
    expectBackpropError(() => net.setOptimizer('adam'), 'optimizer: must be an object like { type: \'adam\', lr: 0.001 }, got string adam');
    expect(snapshot(net)).toEqual(before);
    net.setOptimizer({ type: 'rmsprop', lr: 0.001 });
    expect(net.optimizer.type).toBe('rmsprop');
    expect(net.spec.optimizer.type).toBe('rmsprop');
    expectBackpropError(() => bp.sequential(small({ optimizer: { type: 'sgd', lr: -0.5 } })), 'optimizer (sgd): lr must be in (0, 10], got -0.5');
    net.dispose();
  });
});

describe('trainStep, evaluate, predict', () => {
  it('evaluate gives loss and accuracy for cross-entropy, accuracy null for mse', () => {
    const net = bp.sequential(small());
    const { x, y } = toyData(6);
    const before = snapshot(net);
    const r = net.evaluate(x, y, 6);
    expect(r.loss).toBeCloseTo(net.loss(x, y, 6), 12);
    const p = net.predict(x, 6);
    let hits = 0;
    for (let i = 0; i < 6; i++) {
      const row = Array.from(p.subarray(3 * i, 3 * i + 3));
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      hits += row.indexOf(Math.max(...row)) === y[i];
    }
    expect(r.accuracy).toBe(hits / 6);
    expect(snapshot(net)).toEqual(before);  // no step

    const reg = bp.sequential({ input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' });
    reg.setParam(0, 'weight', [1, 2]);
    reg.setParam(0, 'bias', [0.5]);
    expect(Array.from(reg.predict([1, 1, 2, 0], 2))).toEqual([3.5, 2.5]);  // outputs, no softmax
    expect(reg.evaluate([1, 1, 2, 0], [3.5, 1.5], 2)).toEqual({ loss: 0.5, accuracy: null });  // (0 + 1)/2
    net.dispose();
    reg.dispose();
  });

  it('bad inputs throw and leave the net unchanged', () => {
    const net = bp.sequential(small());
    const { x, y } = toyData(2);
    const before = snapshot(net);
    expectBackpropError(() => net.trainStep(x.subarray(0, 20), y, 2), 'trainStep: x has 20 values, expected n*[1,4,4] = 2*16 = 32');
    expectBackpropError(() => net.trainStep(x, [0, 3], 2), 'targets: label 3 at index 1 is not a class in [0, 3)');
    expectBackpropError(() => net.evaluate(x, [0], 2), 'targets: expected 2 integer labels (one per sample), got 1');
    expectBackpropError(() => net.predict(x, 0), 'predict: n must be >= 1, got 0');
    expect(snapshot(net)).toEqual(before);
    net.dispose();
  });
});

describe('datasets and fit', () => {
  it('rejects bad datasets with the numbers', () => {
    expectBackpropError(() => bp.dataset(new Uint8Array(32), [0, 1, 2], [1, 4, 4]),
      'dataset: 2 images but 3 labels (expected one label per image, or the same number of mse targets for each)');
    expectBackpropError(() => bp.dataset(new Uint8Array(33), [0, 1], [1, 4, 4]),
      'dataset: images have 33 values, not a whole number of samples of [1,4,4] = 16 values each');
    expectBackpropError(() => bp.dataset(new Uint8Array(32), [0, 10], [1, 4, 4], { classes: 10 }),
      'dataset: label 10 at index 1 is not a class in [0, 10)');
    expectBackpropError(() => bp.dataset(new Uint8Array(32), null, [1, 4, 4]), 'dataset labels: expected an array or typed array, got null');
  });

  it('fit reports progress, runs in chunks that continue, and checks its options', () => {
    const { x, y } = toyData(30);
    const ds = bp.dataset(x, y, [1, 4, 4], { classes: 3 });
    expect(ds.count).toBe(30);
    const net = bp.sequential(small({ optimizer: { type: 'adam', lr: 0.05 } }));
    const before = snapshot(net);
    expectBackpropError(() => net.fit(ds, { batchSize: 0 }), 'fit: batchSize must be an integer >= 1, got 0');
    expectBackpropError(() => net.fit(ds, { steps: 2, epochs: 1 }), 'fit: give epochs or steps, not both');
    expectBackpropError(() => net.fit({}, { steps: 1 }), 'fit: expected a dataset from bp.dataset(), got an object');
    const wide = bp.dataset(new Uint8Array(30 * 17), y, [17]);
    expectBackpropError(() => net.fit(wide, { steps: 1 }), 'fit: dataset samples are [17] but the net takes [1,4,4]');
    wide.dispose();
    expect(snapshot(net)).toEqual(before);

    const L0 = net.evaluate(ds).loss;
    const progress = [];
    const r = net.fit(ds, { epochs: 2, batchSize: 8, progressEvery: 2, seed: 4, onProgress: (p) => progress.push(p) });
    // 30 samples in batches of 8: 4 steps per epoch (8, 8, 8, 6); 2 epochs = 8 steps, reported every 2.
    expect(r.steps).toBe(8);
    expect(r.samples).toBe(60);
    expect(r.epoch).toBe(2);
    expect(progress.map((p) => p.step)).toEqual([2, 4, 6, 8]);
    expect(progress.map((p) => p.epoch)).toEqual([16 / 30, 1, 1 + 16 / 30, 2]);
    for (const p of progress) {
      expect(Number.isFinite(p.loss)).toBe(true);
      expect(p.samplesPerSec).toBeGreaterThan(0);
    }
    expect(r.loss).toBeCloseTo(progress.reduce((a, p) => a + p.loss, 0) / 4, 12);
    expect(net.evaluate(ds).loss).toBeLessThan(L0);

    // Chunks: steps 3 then 5 from a fresh net equal one fit of 8 steps (same seed).
    const a = bp.sequential(small({ optimizer: { type: 'adam', lr: 0.05 } }));
    a.fit(ds, { steps: 3, batchSize: 8, seed: 4 });
    const chunk = a.fit(ds, { steps: 5, batchSize: 8, seed: 4 });
    expect(chunk.epoch).toBe(2);
    expect(snapshot(a)).toEqual(snapshot(net));
    // epochs from mid-epoch: runs to the end of the current epoch.
    a.fit(ds, { steps: 1, batchSize: 8, seed: 4 });
    expect(a.fit(ds, { batchSize: 8, seed: 4 }).steps).toBe(3);
    // onProgress returning false stops.
    expect(a.fit(ds, { epochs: 3, batchSize: 8, seed: 4, progressEvery: 1, onProgress: () => false }).steps).toBe(1);
    a.dispose();

    ds.dispose();
    expectBackpropError(() => net.fit(ds, { steps: 1 }), 'dataset: used after dispose()');
    net.dispose();
  });

  it('evaluates a dataset in batches inside WASM, uint8 pixels scaled to [0,1]', () => {
    const { x, y } = toyData(10);
    const pixels = Uint8Array.from(x, (v) => Math.round(v * 255));
    const ds = bp.dataset(pixels, y, [1, 4, 4]);
    const net = bp.sequential(small());
    const scaled = Float32Array.from(pixels, (p) => p / 255);
    const direct = net.evaluate(scaled, y, 10);
    const viaDs = net.evaluate(ds, { batchSize: 3 });
    expect(viaDs.accuracy).toBe(direct.accuracy);
    expect(viaDs.loss).toBeCloseTo(direct.loss, 6);
    expect(net.evaluate(ds, { limit: 4 }).loss).toBeCloseTo(net.evaluate(scaled.subarray(0, 64), y.slice(0, 4), 4).loss, 6);
    expectBackpropError(() => net.evaluate(ds, { batchSize: 0 }), 'evaluate: batchSize must be an integer >= 1, got 0');
    ds.dispose();
    net.dispose();
  });

  it('fits an mse dataset with several targets per sample', () => {
    const n = 64, x = new Float32Array(2 * n), t = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = Math.sin(i);
      x[2 * i + 1] = Math.cos(3 * i);
      t[2 * i] = x[2 * i] - x[2 * i + 1];
      t[2 * i + 1] = 0.5 * x[2 * i] + 1;
    }
    const ds = bp.dataset(x, t, [2]);
    const net = bp.sequential({ input: [2], layers: [{ type: 'dense', units: 2 }], loss: 'mse', optimizer: { type: 'sgd', lr: 0.2, momentum: 0.9 } });
    net.fit(ds, { epochs: 40, batchSize: 16 });
    const r = net.evaluate(ds);
    expect(r.accuracy).toBeNull();
    expect(r.loss).toBeLessThan(1e-6);
    ds.dispose();
    net.dispose();
  });
});

describe('model files', () => {
  it('save/load is bit-identical, with the same next trainStep when the optimizer is saved', () => {
    const { x, y } = toyData(6);
    for (const dtype of ['float32', 'float64']) {
      const net = bp.sequential(small({ dtype, optimizer: { type: 'adam', lr: 0.01 } }));
      for (let i = 0; i < 3; i++) net.trainStep(x, y, 6);
      const bytes = net.save({ optimizer: true });
      expect(String.fromCharCode(bytes[8])).toBe('{');  // safetensors: a u64 header length, then the JSON header
      const copy = bp.load(bytes);
      expect(copy.spec).toEqual(net.spec);
      expect(snapshot(copy)).toEqual(snapshot(net));
      expect(copy.trainStep(x, y, 6)).toBe(net.trainStep(x, y, 6));
      expect(snapshot(copy)).toEqual(snapshot(net));
      expect(bp.load(net.save()).save()).toEqual(net.save());
      copy.dispose();
      net.dispose();
    }
  });

  it('bad files get a clear error, and the module keeps working', () => {
    const net = bp.sequential(small());
    const bytes = net.save();
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true)), size = bytes.length - 8 - n;
    const cut = bytes.slice(0, bytes.length - 5);
    expectBackpropError(() => bp.load(cut), `model file: tensor '4.bias' has data_offsets [${size - 12},${size}], not [begin, end] with 0 <= begin <= end <= ${size - 5} (the data's size)`);
    const magic = bytes.slice();
    magic.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
    expectBackpropError(() => bp.load(magic), "model file: not a model file: it starts '.PNG.....', but a safetensors file has '{' after its 8-byte header length (and a 'BPWM' one starts 'BPWM')");
    const future = bytes.slice();
    future.set(new TextEncoder().encode('{"__metadata__":{"format_version":"9"'), 8);
    expectBackpropError(() => bp.load(future), 'model file: format_version "9" is not supported (this library reads "2")');
    expectBackpropError(() => bp.load(new Uint8Array(5)), 'model file: truncated: 5 bytes, shorter than a header');
    expectBackpropError(() => bp.load([1, 2, 3]), 'load: expected a Uint8Array, got an array');
    expect(bp.load(bytes).getParam(0, 'bias')).toEqual(net.getParam(0, 'bias'));
    net.dispose();
  });

  it('toJSON/fromJSON round-trip the weights exactly', () => {
    const net = bp.sequential(small({ optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 } }));
    const { x, y } = toyData(3);
    net.trainStep(x, y, 3);
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    expect(json.params.map((p) => [p.layer, p.name, p.shape])).toEqual([[0, 'weight', [2, 1, 3, 3]], [0, 'bias', [2]], [4, 'weight', [3, 8]], [4, 'bias', [3]]]);
    const copy = bp.fromJSON(json);
    expect(snapshot(copy)).toEqual(snapshot(net));
    json.params[0].values.pop();
    expectBackpropError(() => bp.fromJSON(json), 'setParam: layer 0 weight [2,1,3,3] needs 18 values, got 17');
    expectBackpropError(() => bp.fromJSON({ spec: json.spec }), 'fromJSON: expected { spec, params: [...] }, got an object');
    copy.dispose();
    net.dispose();
  });
});

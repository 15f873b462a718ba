// Batches drawn in C++ from the fit's own Trainer (nextBatch), and gradients on a batch gathered
// in C++ from dataset indices (gradientsAt): k × (nextBatch, gradientsAt, applyGradients) on a
// twin net must equal k fit steps bit for bit, and a fit afterwards continues after those batches.
import { describe, it, expect } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';
import { rng } from './helpers.js';

const spec = {
  input: [1, 6, 6], seed: 7, optimizer: { type: 'adam', lr: 0.01 },
  layers: [{ type: 'conv2d', filters: 3, kernel: 3 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 4 }],
};
const COUNT = 23;

async function setup() {
  const bp = await loadBackprop();
  const r = rng(3);
  const images = Uint8Array.from({ length: COUNT * 36 }, () => Math.floor(r() * 256));
  const labels = Array.from({ length: COUNT }, (_, i) => i % 4);
  return { bp, ds: bp.dataset(images, labels, [1, 6, 6], { classes: 4 }) };
}
const weights = (net) => net.paramInfo().map((p) => Array.from(net.getParam(p.layer, p.name)));

describe('nextBatch / gradientsAt (batches from the fit trainer, gathered in C++)', () => {
  it('k nextBatch + gradientsAt + applyGradients = k fit steps, bit for bit; fit continues after them', async () => {
    const { bp, ds } = await setup();
    const a = bp.sequential(spec), b = bp.sequential(spec);
    const opts = { batchSize: 5, seed: 9 };
    a.fit(ds, { steps: 7, ...opts });
    const seen = [];
    for (let s = 0; s < 5; s++) {
      const idx = b.nextBatch(ds, opts);
      expect(idx).toBeInstanceOf(Uint32Array);
      seen.push(...idx);
      const loss = b.gradientsAt(ds, idx);
      expect(Number.isFinite(loss)).toBe(true);
      b.applyGradients();
    }
    // 23 samples in batches of 5: 5 + 5 + 5 + 5 + 3, every sample once in the epoch.
    expect(seen.length).toBe(COUNT);
    expect([...seen].sort((p, q) => p - q)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(b.fitPosition()).toEqual({ totalSteps: 5, epoch: 1, position: 0 });
    b.fit(ds, { steps: 2, ...opts });
    expect(b.fitPosition()).toEqual(a.fitPosition());
    expect(a.fitPosition()).toEqual({ totalSteps: 7, epoch: 1, position: 10 });
    expect(weights(b)).toEqual(weights(a));
    a.dispose();
    b.dispose();
    ds.dispose();
  });

  it('gradientsAt takes plain arrays, equals paramGradients on the same samples, and quotes bad indices', async () => {
    const { bp, ds } = await setup();
    const net = bp.sequential(spec);
    expect(net.fitPosition()).toEqual({ totalSteps: 0, epoch: 0, position: 0 });
    const loss = net.gradientsAt(ds, [4, 0, 4]);
    const g = net.getGradients();
    expect(net.nextBatch(ds, { batchSize: 4, shuffle: false })).toEqual(Uint32Array.from([0, 1, 2, 3]));
    expect(net.fitPosition()).toEqual({ totalSteps: 1, epoch: 0, position: 4 });
    expect(() => net.gradientsAt(ds, [0, 23])).toThrow(new BackpropError('gradientsAt: index 23 at position 1 is not a sample in [0, 23)'));
    expect(() => net.gradientsAt(ds, [-1])).toThrow(new BackpropError('gradientsAt: index -1 at position 0 is not a sample in [0, 23)'));
    expect(() => net.gradientsAt(ds, [1.5])).toThrow(new BackpropError('gradientsAt: index 1.5 at position 0 is not a sample in [0, 23)'));
    expect(() => net.gradientsAt(ds, [])).toThrow(new BackpropError('gradientsAt: indices must hold at least 1 index, got 0'));
    expect(() => net.gradientsAt({}, [0])).toThrow(BackpropError);
    expect(() => net.nextBatch(ds, { batchSize: 0 })).toThrow(new BackpropError('nextBatch: batchSize must be an integer >= 1, got 0'));
    // The same samples staged from JS: the same loss and gradients.
    const x = new Float32Array(3 * 36), r = rng(3);
    const images = Uint8Array.from({ length: COUNT * 36 }, () => Math.floor(r() * 256));
    [4, 0, 4].forEach((k, b) => { for (let j = 0; j < 36; j++) x[b * 36 + j] = images[k * 36 + j] * (1 / 255); });
    expect(net.paramGradients(x, [0, 0, 0], 3)).toBe(loss);
    expect(net.getGradients()).toEqual(g);
    net.dispose();
    ds.dispose();
  });
});

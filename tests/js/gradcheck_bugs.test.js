// gradCheck's teaching mode through WASM (the demo's "break it" switch): each bug turns red
// exactly the rows the chain rule carries it to; the net's own training gradients never change.
import { describe, expect, it } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';

const spec = {
  input: [1, 8, 8], seed: 4,
  layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 }, { type: 'flatten' },
    { type: 'dense', units: 6 }, { type: 'relu' }, { type: 'dense', units: 10 }],
};
const N = 3, x = Float32Array.from({ length: N * 64 }, (_, i) => Math.sin(0.7 * i + 0.3)), y = [2, 5, 9];
const opts = (bug) => ({ stencil: 4, eps: 1e-5, maxCoords: 40, bug });
const failing = (report) => report.rows.filter((r) => !r.passed).map((r) => `${r.layer} ${r.name}`);

describe('gradCheck bug (teaching mode)', () => {
  it('passes without a bug and fails where each bug reaches', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec);
    expect(failing(net.gradCheck(x, y, N, opts('none')))).toEqual([]);
    // The last relu (layer 5) drops its mask: layers 0 and 4 and the input are wrong, layer 6 is right.
    expect(failing(net.gradCheck(x, y, N, opts('relu-no-mask')))).toEqual(['0 weight', '0 bias', '4 weight', '4 bias', '-1 input']);
    // The conv's dX uses the unrotated kernel: only the input gradient is wrong.
    expect(failing(net.gradCheck(x, y, N, opts('conv-no-rotate')))).toEqual(['-1 input']);
    // The loss forgets 1/N: every gradient is N times too large.
    const report = net.gradCheck(x, y, N, opts('loss-no-mean'));
    expect(failing(report)).toHaveLength(report.rows.length);
    for (const r of report.rows) expect(r.maxRelError).toBeCloseTo(1 - 1 / N, 6);
    net.dispose();
  });

  it('reports the broken layer, and on a dataset checks the highest-loss samples of its pool', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec);
    const broken = { none: -1, 'conv-no-rotate': 0, 'relu-no-mask': 5, 'loss-no-mean': 7 };
    for (const [bug, layer] of Object.entries(broken)) expect(net.gradCheck(x, y, N, opts(bug))).toMatchObject({ bug, brokenLayer: layer, samples: [] });
    // 9 samples, all in the pool: the pick is the 2 highest losses (lower index on ties).
    const count = 9, images = Float32Array.from({ length: count * 64 }, (_, i) => Math.cos(0.3 * i) * Math.sin(0.011 * i));
    const labels = Array.from({ length: count }, (_, i) => (3 * i) % 10);
    const ds = bp.dataset(images, labels, [1, 8, 8]);
    const losses = labels.map((l, i) => [net.loss(images.subarray(i * 64, i * 64 + 64), [l], 1), i]);
    const top = losses.sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 2).map((p) => p[1]);
    const report = net.gradCheckDataset(ds, { samples: 2, pool: 64, seed: 3, ...opts('relu-no-mask') });
    expect(report).toMatchObject({ samples: top, brokenLayer: 5, bug: 'relu-no-mask' });
    const sx = new Float32Array(128);
    top.forEach((k, b) => sx.set(images.subarray(k * 64, k * 64 + 64), b * 64));
    const staged = net.gradCheck(sx, top.map((k) => labels[k]), 2, { seed: 3, ...opts('relu-no-mask') });
    expect(report).toEqual({ ...staged, samples: top });
    expect(failing(report)).toEqual(['0 weight', '0 bias', '4 weight', '4 bias', '-1 input']);
    // A pool of 4 of the 9: distinct samples in range.
    const some = net.gradCheckDataset(ds, { samples: 3, pool: 4 });
    expect(new Set(some.samples).size).toBe(3);
    for (const k of some.samples) expect(k).toBeLessThan(count);
    expect(() => net.gradCheckDataset(ds, { samples: 10 })).toThrow(
      new BackpropError('gradCheckDataset: samples 10 is more than the pool of 9 (pool 64, dataset count 9)'));
    expect(() => net.gradCheckDataset(ds, { pool: 0 })).toThrow(new BackpropError('gradCheckDataset: pool must be an integer >= 1, got 0'));
    expect(() => net.gradCheckDataset([1, 2], {})).toThrow(BackpropError);
    ds.dispose();
    net.dispose();
  });

  it('leaves training untouched and rejects unknown bugs and missing layers', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential(spec);
    net.computeGradients(x, y, N);
    const before = net.getGrad(0, 'weight');
    net.gradCheck(x, y, N, opts('relu-no-mask'));
    net.computeGradients(x, y, N);
    expect(net.getGrad(0, 'weight')).toEqual(before);
    expect(() => net.gradCheck(x, y, N, opts('conv-no-flip'))).toThrow(
      new BackpropError("gradCheck: unknown bug 'conv-no-flip' (known: none, conv-no-rotate, relu-no-mask, loss-no-mean, conv-no-dilate, " +
        'conv-crop-off-by-one, avgpool-no-scale, maxpool-wrong-index, mse-no-half)'));
    net.dispose();
    const mlp = bp.sequential({ input: [4], layers: [{ type: 'dense', units: 3 }] });
    expect(() => mlp.gradCheck([1, 2, 3, 4], [0], 1, { bug: 'conv-no-rotate' })).toThrow(
      "gradCheck: bug 'conv-no-rotate' needs a conv2d layer, the net has none");
    mlp.dispose();
  });
});

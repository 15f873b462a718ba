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
const failing = (rows) => rows.filter((r) => !r.passed).map((r) => `${r.layer} ${r.name}`);

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
    const rows = net.gradCheck(x, y, N, opts('loss-no-mean'));
    expect(failing(rows)).toHaveLength(rows.length);
    for (const r of rows) expect(r.maxRelError).toBeCloseTo(1 - 1 / N, 6);
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
      new BackpropError("gradCheck: unknown bug 'conv-no-flip' (known: none, conv-no-rotate, relu-no-mask, loss-no-mean)"));
    net.dispose();
    const mlp = bp.sequential({ input: [4], layers: [{ type: 'dense', units: 3 }] });
    expect(() => mlp.gradCheck([1, 2, 3, 4], [0], 1, { bug: 'conv-no-rotate' })).toThrow(
      "gradCheck: bug 'conv-no-rotate' needs a conv2d layer, the net has none");
    mlp.dispose();
  });
});

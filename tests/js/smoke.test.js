import { describe, expect, it } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';

describe('module', () => {
  it('builds the issue example net and reports its shapes', async () => {
    const bp = await loadBackprop();
    const net = bp.sequential({
      input: [1, 28, 28],
      layers: [{ type: 'conv2d', filters: 8, kernel: 5, stride: 1, padding: 2 }, { type: 'flatten' }, { type: 'dense', units: 10 }],
      loss: 'softmax_cross_entropy', dtype: 'float32', seed: 1,
    });
    expect(net.outputShape).toEqual([10]);
    expect(net.paramInfo()).toEqual([
      { layer: 0, name: 'weight', shape: [8, 1, 5, 5] },
      { layer: 0, name: 'bias', shape: [8] },
      { layer: 2, name: 'weight', shape: [10, 6272] }, // 8·28·28
      { layer: 2, name: 'bias', shape: [10] },
    ]);
    net.dispose();
    expect(() => net.forward(new Float32Array(784))).toThrow(BackpropError);
  });
});

// No leak: the WASM heap in use is unchanged over 1,000 create/dispose cycles, with and
// without work (forward, computeGradients, gradCheck) and failed calls inside the loop.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

const spec = {
  input: [1, 6, 6],
  layers: [{ type: 'conv2d', filters: 2, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 }, { type: 'dense', units: 3 }],
  loss: 'softmax_cross_entropy',
};
const x = Float32Array.from({ length: 72 }, (_, i) => Math.sin(i));

// Runs body 1,000 times after a warm-up (first calls may set up lasting state, e.g. tables).
function heapDelta(body) {
  for (let i = 0; i < 3; i++) body(i);
  const before = bp.heapInUse();
  for (let i = 0; i < 1000; i++) body(i);
  return bp.heapInUse() - before;
}

describe('heap in use over 1,000 cycles', () => {
  it('create/dispose', () => {
    expect(heapDelta(() => bp.sequential(spec).dispose())).toBe(0);
  });
  it('create, forward, computeGradients, gradCheck, dispose', () => {
    const delta = heapDelta((i) => {
      const net = bp.sequential({ ...spec, dtype: i % 2 ? 'float64' : 'float32' });
      net.forward(x, 2);
      net.computeGradients(x, [0, 2], 2);
      net.backward(new Float32Array(6));
      net.getGrad(0, 'weight');
      net.setParam(3, 'bias', [0.1, 0.2, 0.3]);
      net.gradCheck(x, [1, 2], 2, { maxCoords: 3 });
      net.dispose();
    });
    expect(delta).toBe(0);
  });
  it('failed constructions and failed calls', () => {
    const delta = heapDelta(() => {
      expect(() => bp.sequential({ ...spec, layers: [...spec.layers, { type: 'nope' }] })).toThrow();
      const net = bp.sequential(spec);
      expect(() => net.forward(x.subarray(1), 2)).toThrow();
      expect(() => net.computeGradients(x, [0, 9], 2)).toThrow();
      net.dispose();
    });
    expect(delta).toBe(0);
  });
});

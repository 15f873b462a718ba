// Native/WASM parity: recompute tests/fixtures/*.json (written by the native tool
// cpp/tools/make_fixtures.cpp, also checked by the gtest test_fixtures.cpp) through the
// WASM module. Per tensor |a − e| ≤ tol · max|e|: float64 1e-12, float32 1e-5.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { expectClose, fixtures } from './helpers.js';

const all = fixtures();

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

describe('shared fixtures through WASM', () => {
  it('exist: six nets in both dtypes', () => {
    expect(all.length).toBe(12);
  });
  for (const { file, f, tol } of all) {
    it(file, () => {
      const e = f.expected;
      const net = bp.sequential(f.spec);
      expect(net.dtype).toBe(f.spec.dtype);
      for (const p of f.params) {
        // seeded init: WASM gives the weights the native tool got
        if (p.name === 'weight') expectClose(net.getParam(p.layer, p.name), p.values, tol, `initial weight of layer ${p.layer}`);
        net.setParam(p.layer, p.name, p.values);
      }
      const loss = net.computeGradients(f.x, f.targets, f.n);
      expect(Math.abs(loss - e.loss)).toBeLessThanOrEqual(tol * Math.abs(e.loss));
      for (const g of e.grads) expectClose(net.getGrad(g.layer, g.name), g.values, tol, `grad ${g.name} of layer ${g.layer}`);
      expectClose(net.forward(f.x, f.n), e.output, tol, 'output');
      net.zeroGrad();
      net.forward(f.x, f.n);
      expectClose(net.backward(e.outputGrad), e.inputGrad, tol, 'inputGrad');
      for (const g of e.grads) expectClose(net.getGrad(g.layer, g.name), g.values, tol, `replayed grad ${g.name} of layer ${g.layer}`);
      net.dispose();
    });
  }
});

// The fast kernels (im2col or, at stride 1, the implicit GEMM + the f32x4 SIMD128 GEMM,
// fast relu and max-pool) against the
// reference loops, through the WASM module, so the SIMD path itself is what gets checked.
// A seeded sample of channels 1/3/7 × kernel 1..5 (incl. rectangular) × stride 1..3 ×
// padding 0..2 × batch 1/33, in float32 and float64: outputs, dW, db and dX must agree
// within a tolerance relative to each tensor's largest magnitude (1e-5 / 1e-12).
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';

const bp = await loadBackprop();
afterAll(() => {
  bp.setReferenceKernels(false);
  bp.setWinograd(true);
});

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

// max |got − want| / max |want|, and where.
function relDiff(got, want) {
  let scale = 0, maxd = 0, at = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const d = Math.abs(got[i] - want[i]);
    if (d > maxd) (maxd = d), (at = i);
  }
  return { rel: maxd / Math.max(scale, 1e-30), at, got: got[at], want: want[at] };
}

// One forward + backward with the given kernels: Y, dX, and every parameter gradient.
function run(spec, n, ref, seed) {
  bp.setReferenceKernels(ref);
  const net = bp.sequential(spec);
  try {
    const rnd = lcg(seed);
    const inSize = net.inputShape.reduce((a, b) => a * b, 1);
    const outSize = net.outputShape.reduce((a, b) => a * b, 1);
    const x = Array.from({ length: n * inSize }, () => rnd() * 2 - 1);
    const dy = Array.from({ length: n * outSize }, () => rnd() * 2 - 1);
    const result = { Y: net.forward(x, n) };
    net.zeroGrad();
    result.dX = net.backward(dy);
    for (const p of net.paramInfo()) result[`${p.name}@${p.layer}`] = net.getGrad(p.layer, p.name);
    return result;
  } finally {
    net.dispose();
  }
}

function expectSame(spec, n, seed, f32 = { Y: 1e-5, grad: 1e-5 }) {
  const fast = run(spec, n, false, seed);
  const ref = run(spec, n, true, seed);
  for (const key of Object.keys(ref)) {
    const tol = spec.dtype === 'float64' ? 1e-12 : key === 'Y' ? f32.Y : f32.grad;
    const d = relDiff(fast[key], ref[key]);
    expect(d.rel, `${key} of ${JSON.stringify(spec.layers)} n=${n} ${spec.dtype}: fast ${d.got} vs reference ${d.want} at [${d.at}]`).toBeLessThanOrEqual(tol);
  }
}

describe('fast kernels = reference kernels (WASM SIMD path)', () => {
  it('conv2d on a seeded sample of the odd-shape grid, float32 and float64', () => {
    const rnd = lcg(2024);
    const pick = (a) => a[Math.floor(rnd() * a.length)];
    for (let t = 0; t < 24; t++) {
      const kh = 1 + Math.floor(rnd() * 5), kw = rnd() < 0.3 ? 1 + Math.floor(rnd() * 5) : kh;
      const s = [pick([1, 2, 3]), pick([1, 2, 3])];
      const p = [Math.min(pick([0, 1, 2]), kh - 1), Math.min(pick([0, 1, 2]), kw - 1)];
      const C = pick([1, 3, 7]), H = kh + Math.floor(rnd() * 8), W = kw + Math.floor(rnd() * 10);
      const n = t % 3 === 0 ? 33 : 1;
      for (const dtype of ['float32', 'float64'])
        expectSame({ input: [C, H, W], layers: [{ type: 'conv2d', filters: 1 + Math.floor(rnd() * 9), kernel: [kh, kw], stride: s, padding: p }], loss: 'mse', dtype, seed: 3 }, n, 100 + t);
    }
  });

  it('conv2d at stride 1 (the implicit GEMM): H or W = 1, kernel = padded input, padding ≥ kernel, odd grid widths', () => {
    const cases = [
      { input: [3, 1, 9], kernel: [1, 3], padding: [0, 1] }, { input: [2, 7, 1], kernel: [3, 1], padding: [1, 0] },
      { input: [2, 1, 1], kernel: 3, padding: 1 }, { input: [7, 6, 11], kernel: [2, 4], padding: [1, 3] },
      { input: [3, 5, 6], kernel: [1, 2], padding: [1, 3] }, { input: [1, 28, 28], kernel: 5, padding: 2 },
    ];
    cases.forEach((c, t) => {
      for (const dtype of ['float32', 'float64'])
        expectSame({ input: c.input, layers: [{ type: 'conv2d', filters: 5, kernel: c.kernel, padding: c.padding }], loss: 'mse', dtype, seed: 3 }, t % 2 ? 33 : 2, 300 + t);
    });
  });

  it('a whole net: conv, relu, max-pool, dense (every fast kernel), batch 33', () => {
    for (const dtype of ['float32', 'float64'])
      expectSame({
        input: [3, 11, 13],
        layers: [{ type: 'conv2d', filters: 7, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
          { type: 'conv2d', filters: 5, kernel: [2, 3], stride: 2 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 9 }],
        loss: 'softmax_cross_entropy', dtype, seed: 5,
      }, 33, 7);
  });

  it('training and inference paths: paramGradients (no first-layer dX) fast = reference, predict = forward', () => {
    // The first conv at stride 2 (im2col) and at stride 1 (the implicit GEMM). predict runs relu →
    // max-pool as one pass in float32 (kernels.h); 11 columns pool to rows of 5 windows (stride 1:
    // an f32x4 group and one more) and of 3 (stride 2), and the linear conv after the pool keeps
    // any negative a wrong relu would let through.
    const spec = (dtype, stride) => ({
      input: [3, 10, 11],
      layers: [{ type: 'conv2d', filters: 5, kernel: 3, stride, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
        { type: 'conv2d', filters: 4, kernel: 2 }, { type: 'flatten' }, { type: 'dense', units: 3 }],
      loss: 'mse', dtype, seed: 4,
    });
    for (const [dtype, stride] of [['float32', 2], ['float64', 2], ['float32', 1], ['float64', 1]]) {
      const rnd = lcg(11), n = 33;
      const x = Array.from({ length: n * 330 }, () => rnd() * 2 - 1), t = Array.from({ length: n * 3 }, () => rnd());
      const grads = {};
      for (const ref of [false, true]) {
        bp.setReferenceKernels(ref);
        const net = bp.sequential(spec(dtype, stride));
        net.paramGradients(x, t, n);
        grads[ref] = net.getGradients();
        if (!ref) expect(Array.from(net.predict(x, n))).toEqual(Array.from(net.forward(x, n)));
        net.dispose();
      }
      bp.setReferenceKernels(false);
      const d = relDiff(grads[false], grads[true]);
      expect(d.rel, `${dtype} stride ${stride}: fast ${d.got} vs reference ${d.want} at [${d.at}]`).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 1e-5);
    }
  });

  it('relu → 2×2 max-pool fused in predict (f32x4.pmax): −0 and all-negative windows pool to +0, as relu then pool', () => {
    const net = bp.sequential({ input: [2, 4, 14], layers: [{ type: 'relu' }, { type: 'maxpool2d', size: 2 }], loss: 'mse' });
    const rnd = lcg(3), n = 3;
    // windows of −0s, of negatives, of −0 beside negatives, and mixed ones, in the 4-window f32x4
    // steps, the 2-window one and the last window (rows of 7)
    const x = Float32Array.from({ length: n * 112 }, (_, i) => (i % 7 === 0 ? -0 : i % 3 === 0 ? rnd() : -rnd()));
    x.fill(-0, 0, 2).fill(-0, 14, 16);      // window 0: all −0
    x.fill(-1, 8, 12).fill(-1, 22, 26);     // windows 4 and 5 (the 2-window step): all negative
    const got = net.predict(x, n), want = net.forward(x, n);
    expect(Array.from(got)).toEqual(Array.from(want));  // Object.is: +0 and −0 differ
    for (const i of [0, 4, 5]) expect(Object.is(got[i], 0), `window ${i}`).toBe(true);
    expect(Array.from(got).some((v) => v > 0)).toBe(true);
    net.dispose();
  });

  it('the switch reaches the layers: reference and fast results differ in the last bits of float32 convs', () => {
    // Equal within tolerance, but not bit for bit; if the switch did nothing the runs would
    // be identical and the comparisons above would be vacuous. At stride 2 (im2col) dX sums
    // over (o, p, q) with o outermost in the reference and innermost in the fast path (Wᵀ·δ,
    // then col2im). At stride 1 the fast forward sums Y in the reference's (c, p, q) order, one
    // chain as there, so Y may match bit for bit; dW sums over the output positions in four
    // interleaved lanes (gemm_dot), where the reference runs one chain.
    for (const [stride, C, key] of [[2, 7, 'dX'], [1, 11, 'weight@0']]) {
      const spec = { input: [C, 9, 9], layers: [{ type: 'conv2d', filters: 8, kernel: 5, stride, padding: 2 }], loss: 'mse', dtype: 'float32', seed: 1 };
      const fast = run(spec, 2, false, 1), ref = run(spec, 2, true, 1);
      expect(relDiff(fast[key], ref[key]).rel).toBeLessThanOrEqual(1e-5);
      expect(fast[key].some((v, i) => v !== ref[key][i]), `stride ${stride} ${key}`).toBe(true);
    }
  });

  it('Winograd conv forward (stride-1 3×3, ≥ 8 channels, float32) = reference, ragged tiles; float64 (the implicit GEMM) too', () => {
    // Odd sizes leave ragged last tiles; padding 0, 1, 2 and rectangular; the second conv
    // gets 8 channels too. Y and every gradient within the tolerances above (gradients
    // 1e-4 in float32: Y's few-ulp differences pass through softmax into δ).
    for (const [H, W, p] of [[7, 5, 1], [6, 9, [2, 0]], [15, 3, [0, 1]]])
      for (const dtype of ['float32', 'float64'])
        expectSame({
          input: [8, H, W],
          layers: [{ type: 'conv2d', filters: 8, kernel: 3, padding: p }, { type: 'relu' }, { type: 'conv2d', filters: 5, kernel: 3, padding: 1 },
            { type: 'flatten' }, { type: 'dense', units: 4 }],
          loss: 'softmax_cross_entropy', dtype, seed: 9,
        }, 33, H * W, { Y: 1e-5, grad: 1e-4 });
  });

  it('Winograd conv → relu → 2×2 max-pool as one pass in predict (a pool window is an output tile): = forward, bit for bit', () => {
    // Odd sizes leave ragged tiles the pool drops; the linear conv after the pool passes on any
    // negative a missing relu would let through.
    for (const [H, W] of [[9, 11], [14, 14], [6, 5]]) {
      const net = bp.sequential({
        input: [8, H, W],
        layers: [{ type: 'conv2d', filters: 6, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
          { type: 'conv2d', filters: 3, kernel: 1 }, { type: 'flatten' }, { type: 'dense', units: 3 }],
        loss: 'mse', seed: 2,
      });
      const rnd = lcg(H * W), n = 5;
      const x = Float32Array.from({ length: n * 8 * H * W }, () => rnd() * 2 - 1);
      expect(Array.from(net.predict(x, n)), `${H}×${W}`).toEqual(Array.from(net.forward(x, n)));
      net.dispose();
    }
  });

  it('setWinograd(false) reaches the layers: the im2col and Winograd outputs differ in the last bits', () => {
    const spec = { input: [16, 9, 9], layers: [{ type: 'conv2d', filters: 8, kernel: 3, padding: 1 }], loss: 'mse', dtype: 'float32', seed: 1 };
    const wino = run(spec, 2, false, 1);
    bp.setWinograd(false);
    const im2col = run(spec, 2, false, 1);
    bp.setWinograd(true);
    expect(relDiff(wino.Y, im2col.Y).rel).toBeLessThanOrEqual(1e-5);
    expect(wino.Y.some((v, i) => v !== im2col.Y[i])).toBe(true);
  });

  it('peakGflops measures the micro-kernel and returns a positive rate', () => {
    const g = bp.peakGflops(20);
    expect(Number.isFinite(g)).toBe(true);
    expect(g).toBeGreaterThan(0);
  });
});

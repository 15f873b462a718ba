// net.trace() and net.numericGradient(): every number of a derivation against the float64
// centred difference, over the layer shapes the lessons allow (conv C_in × C_out × kernel ×
// stride × padding, pools of size 2/3 with stride 1/2, each activation, dense, both losses),
// and the derivation's steps against their definitions. Inputs from `distinct` keep ReLU inputs
// off 0 and max-pool windows off ties; entries the core flags as kinks are left out.
import { describe, expect, it } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';
import { distinct, expectClose, fixtures, randn, size } from './helpers.js';

const bp = await loadBackprop();
const N = 2;
// Stencil 4 at h = 1e-4: exact where L is piecewise quadratic, O(h⁴) elsewhere; rounding ~1e-12.
const NUM = { eps: 1e-4, stencil: 4 };

// |a − n| ≤ 1e-7 · max|n| over the tensor, at every entry without a kink.
function agrees(analytic, { values, kinks }, what) {
  expect(analytic.length, `${what}: length`).toBe(values.length);
  let scale = 0;
  for (const v of values) scale = Math.max(scale, Math.abs(v));
  let worst = 0, at = -1, checked = 0;
  for (let i = 0; i < values.length; i++) {
    if (kinks[i]) continue;
    checked++;
    const d = Math.abs(analytic[i] - values[i]);
    if (d > worst) (worst = d), (at = i);
  }
  expect(worst, `${what}: max |a − n| ${worst} at [${at}] (a ${analytic[at]}, n ${values[at]}, scale ${scale})`).toBeLessThanOrEqual(1e-7 * scale + 1e-12);
  return checked;
}

// Every δ and gradient of the trace against numericGradient.
function checkAll(net, x, t, tr) {
  const L = tr.layers.length;
  let checked = 0;
  for (const layer of tr.layers) {
    checked += agrees(layer.dInput, net.numericGradient(x, t, N, { layer: layer.index, tensor: 'input', ...NUM }), `layer ${layer.index} dInput`);
    for (const [name, g] of Object.entries(layer.grads))
      checked += agrees(g.values, net.numericGradient(x, t, N, { layer: layer.index, tensor: name, ...NUM }), `layer ${layer.index} d${name}`);
  }
  const last = net.numericGradient(x, t, N, { layer: L, tensor: 'input', ...NUM });
  agrees(tr.loss.dInput, last, 'loss dInput');
  if (L) agrees(tr.layers[L - 1].dOutput, last, `layer ${L - 1} dOutput`);
  return checked;
}

const targetsOf = (spec, out) =>
  spec.loss === 'mse' ? randn(N * out, 5) : Array.from({ length: N }, (_, i) => (2 * i + 1) % out);

function traced(spec, { bug } = {}) {
  const net = bp.sequential({ dtype: 'float64', seed: 3, ...spec });
  const x = distinct(N * size(net.inputShape), 7), t = targetsOf(spec, size(net.outputShape));
  // Biases off 0, so a relu after a layer does not see exact zeros.
  for (const p of net.paramInfo()) if (p.name === 'bias') net.setParam(p.layer, 'bias', randn(size(p.shape), 11 + p.layer).map((v) => 0.1 * v));
  const tr = net.trace(x, t, N, bug ? { bug } : {});
  return { net, x, t, tr };
}

// conv2d's steps, each by its definition, from the trace's own numbers.
function checkConvSteps(layer) {
  const [C, H, W] = layer.inputShape, [OC, OH, OW] = layer.outputShape;
  const [KH, KW] = layer.config.kernel, [SH, SW] = layer.config.stride, [PH, PW] = layer.config.padding;
  const Hp = H + 2 * PH, Wp = W + 2 * PW, s = layer.steps;
  expect(s.inputPadded.shape).toEqual([N, C, Hp, Wp]);
  for (let p = 0; p < N * C; p++)
    for (let y = 0; y < Hp; y++)
      for (let x = 0; x < Wp; x++) {
        const inside = y >= PH && y < PH + H && x >= PW && x < PW + W;
        const want = inside ? layer.input[(p * H + y - PH) * W + x - PW] : 0;
        expect(s.inputPadded.values[(p * Hp + y) * Wp + x]).toBe(want);
        // dInput is the centre of dInputPadded, exactly.
        if (inside) expect(s.dInputPadded.values[(p * Hp + y) * Wp + x]).toBe(layer.dInput[(p * H + y - PH) * W + x - PW]);
      }
  const DH = (OH - 1) * SH + 1, DW = (OW - 1) * SW + 1;
  expect(s.deltaDilated.shape).toEqual([N, OC, DH, DW]);
  expect(s.deltaPadded.shape).toEqual([N, OC, Hp + KH - 1, Wp + KW - 1]);
  const PR = Hp + KH - 1, PC = Wp + KW - 1;
  for (let p = 0; p < N * OC; p++)
    for (let y = 0; y < PR; y++)
      for (let x = 0; x < PC; x++) {
        const dy = y - (KH - 1), dx = x - (KW - 1);
        const on = dy >= 0 && dx >= 0 && dy < DH && dx < DW && dy % SH === 0 && dx % SW === 0;
        const want = on ? layer.dOutput[(p * OH + dy / SH) * OW + dx / SW] : 0;
        expect(s.deltaPadded.values[(p * PR + y) * PC + x]).toBe(want);
        if (dy >= 0 && dx >= 0 && dy < DH && dx < DW) expect(s.deltaDilated.values[(p * DH + dy) * DW + dx]).toBe(want);
      }
  const w = layer.params.weight.values;
  for (let oc = 0; oc < OC * C; oc++)
    for (let p = 0; p < KH; p++)
      for (let q = 0; q < KW; q++) expect(s.weightRot180.values[(oc * KH + p) * KW + q]).toBe(w[(oc * KH + KH - 1 - p) * KW + KW - 1 - q]);
  // The full convolution of pδ with rot180(W), term by term, equals the core's dInputPadded.
  const full = new Float64Array(N * C * Hp * Wp);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < Hp; y++)
        for (let x = 0; x < Wp; x++) {
          let acc = 0;
          for (let o = 0; o < OC; o++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++)
                acc += s.deltaPadded.values[((n * OC + o) * PR + y + p) * PC + x + q] * s.weightRot180.values[((o * C + c) * KH + p) * KW + q];
          full[((n * C + c) * Hp + y) * Wp + x] = acc;
        }
  let scale = 0;
  for (const v of full) scale = Math.max(scale, Math.abs(v));
  full.forEach((v, i) => expect(Math.abs(v - s.dInputPadded.values[i])).toBeLessThanOrEqual(1e-12 * (scale + 1)));
}

describe('net.trace', () => {
  it('conv2d: every C_in × C_out × kernel × stride × padding the chapters allow', () => {
    let combos = 0;
    for (const C of [1, 2])
      for (const OC of [1, 2])
        for (const k of [1, 2, 3])
          for (const s of [1, 2, 3])
            for (let p = 0; p < k && p <= 2; p++) {
              const spec = { input: [C, 5, 5], loss: 'mse', layers: [{ type: 'conv2d', filters: OC, kernel: k, stride: s, padding: p }, { type: 'flatten' }] };
              const { net, x, t, tr } = traced(spec);
              const what = `C ${C} OC ${OC} k ${k} s ${s} p ${p}`;
              expect(tr.dtype, what).toBe('float64');
              expect(Array.from(tr.layers[1].output), what).toEqual(Array.from(net.forward(x, N)));
              expect(checkAll(net, x, t, tr), what).toBeGreaterThan(0);
              checkConvSteps(tr.layers[0]);
              net.dispose();
              combos++;
            }
    expect(combos).toBe(2 * 2 * (3 + 6 + 9));
  });

  it('pools: max and average of size 2 and 3, stride 1 and 2; global max and average', () => {
    const pools = [];
    for (const type of ['maxpool2d', 'avgpool2d']) for (const size of [2, 3]) for (const stride of [1, 2]) pools.push({ type, size, stride });
    pools.push({ type: 'globalmaxpool' }, { type: 'globalavgpool' });
    for (const pool of pools) {
      const spec = { input: [2, 6, 6], loss: 'mse', layers: [pool, { type: 'flatten' }] };
      const { net, x, t, tr } = traced(spec);
      const what = JSON.stringify(pool), l = tr.layers[0];
      checkAll(net, x, t, tr);
      const [C, H, W] = l.inputShape, planeOut = size(l.outputShape) / C;
      if (pool.type.includes('max')) {
        // δ goes to the arg-max: summing δ at each window's route rebuilds dInput.
        expect(l.steps.argmax.shape, what).toEqual(pool.type === 'globalmaxpool' ? [N, C] : [N, ...l.outputShape]);
        const routed = new Float64Array(N * C * H * W);
        l.steps.argmax.values.forEach((a, o) => {
          const plane = Math.floor(o / planeOut);
          expect(l.input[plane * H * W + a]).toBe(l.output[o]);  // the route points at the window's maximum
          routed[plane * H * W + a] += l.dOutput[o];
        });
        expect(Array.from(l.dInput), what).toEqual(Array.from(routed));
      } else {
        const k = pool.type === 'globalavgpool' ? H * W : pool.size * pool.size;
        expect(l.steps.scale, what).toEqual({ shape: [1], values: Float64Array.of(1 / k) });
      }
      net.dispose();
    }
  });

  it("activations: f′(z) from the core, and dInput = f′(z) · δ", () => {
    for (const type of ['relu', 'leaky_relu', 'prelu', 'elu', 'selu', 'sigmoid', 'tanh']) {
      const act = type === 'prelu' ? { type, channelwise: true } : { type };
      const spec = { input: [2, 3, 3], layers: [act, { type: 'flatten' }, { type: 'dense', units: 3 }] };
      const { net, x, t, tr } = traced(spec);
      checkAll(net, x, t, tr);
      const l = tr.layers[0], d = l.steps.derivative;
      expect(d.shape).toEqual([N, 2, 3, 3]);
      d.values.forEach((f, i) => expect(Math.abs(f * l.dOutput[i] - l.dInput[i]), type).toBeLessThanOrEqual(1e-15));
      if (type === 'relu') d.values.forEach((f, i) => expect(f).toBe(l.input[i] > 0 ? 1 : 0));
      net.dispose();
    }
  });

  it('dense with both losses; a float32 net traces in float32', () => {
    for (const loss of ['softmax_cross_entropy', 'mse']) {
      const spec = { input: [4], loss, layers: [{ type: 'dense', units: 5 }, { type: 'tanh' }, { type: 'dense', units: 3 }] };
      const { net, x, t, tr } = traced(spec);
      checkAll(net, x, t, tr);
      expect(tr.loss.type).toBe(loss);
      expect(tr.loss.value).toBe(net.loss(x, t, N));
      expect(Array.from(tr.loss.targets)).toEqual(t);
      if (loss === 'mse') expect(tr.loss.probs).toBeUndefined();
      else {
        // The probabilities are the softmax of the traced z (an oracle computed here), and δ = (p − onehot(y)) / N.
        for (let n = 0; n < N; n++) {
          const z = tr.loss.input.slice(3 * n, 3 * n + 3), m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), sum = e.reduce((a, b) => a + b);
          e.forEach((v, k) => expect(Math.abs(tr.loss.probs[3 * n + k] - v / sum)).toBeLessThanOrEqual(1e-15));
          e.forEach((v, k) => expect(Math.abs(tr.loss.dInput[3 * n + k] - (tr.loss.probs[3 * n + k] - (k === t[n] ? 1 : 0)) / N)).toBeLessThanOrEqual(1e-15));
        }
      }
      expect(tr.layers[0].params.weight.shape).toEqual([5, 4]);
      expect(tr.layers[0].steps).toEqual({});
      net.dispose();
    }
    const net = bp.sequential({ input: [1, 5, 5], seed: 2, layers: [{ type: 'conv2d', filters: 2, kernel: 3, stride: 2, padding: 1 }, { type: 'relu' },
      { type: 'flatten' }, { type: 'dense', units: 3 }] });
    const x = distinct(N * 25, 3), t = [0, 2];
    const tr = net.trace(x, t, N);
    expect(tr.dtype).toBe('float32');
    expect(tr.layers[0].dInput).toBeInstanceOf(Float32Array);
    expect(tr.layers[0].steps.dInputPadded.values).toBeInstanceOf(Float32Array);
    expect(Array.from(tr.layers[3].output)).toEqual(Array.from(net.forward(x, N)));
    net.computeGradients(x, t, N);
    expect(tr.layers[0].grads.weight.values).toEqual(net.getGrad(0, 'weight'));
    net.dispose();
  });

  it('an empty net: the loss alone, numericGradient of its input', () => {
    const net = bp.sequential({ input: [3], dtype: 'float64', layers: [] });
    const x = [0.1, -0.4, 0.7, 0.3, 0.2, -0.1], t = [2, 0];
    const tr = net.trace(x, t, N);
    expect(tr.layers).toEqual([]);
    agrees(tr.loss.dInput, net.numericGradient(x, t, N, { layer: 0, tensor: 'input' }), 'loss dInput');
    net.dispose();
  });
});

// The shared fixtures (tests/fixtures/<name>.float{32,64}.json, written by the native tool
// cpp/tools/make_fixtures.cpp; format in fixtures.test.js): the trace of each fixture's net on its
// x and targets has the fixture's loss, output, every parameter gradient and the input gradient,
// per tensor |a − e| ≤ tol · max|e| with fixtures.test.js's tolerances (float64 1e-12, float32 1e-5).
describe('net.trace against the fixtures', () => {
  const all = fixtures();
  it('finds the six nets in both dtypes', () => expect(all.length).toBe(12));
  for (const { file, f, tol } of all) {
    it(file, () => {
      const e = f.expected;
      const net = bp.sequential(f.spec);
      try {
        for (const p of f.params) net.setParam(p.layer, p.name, p.values);
        const tr = net.trace(f.x, f.targets, f.n);
        expect(tr.dtype).toBe(f.spec.dtype);
        expect(Math.abs(tr.loss.value - e.loss), `loss ${tr.loss.value}, want ${e.loss}`).toBeLessThanOrEqual(tol * Math.abs(e.loss));
        const L = tr.layers.length;
        expectClose(tr.loss.input, e.output, tol, 'output (the loss\'s input)');
        expectClose(tr.layers[L - 1].output, e.output, tol, `output of layer ${L - 1}`);
        expectClose(tr.loss.dInput, e.outputGrad, tol, 'outputGrad (the loss\'s dInput)');
        expect(e.grads.length).toBe(net.paramInfo().length);
        for (const g of e.grads) {
          const got = tr.layers[g.layer].grads[g.name];
          expect(got, `grad ${g.name} of layer ${g.layer}`).toBeDefined();
          expectClose(got.values, g.values, tol, `grad ${g.name} of layer ${g.layer}`);
        }
        expectClose(tr.layers[0].dInput, e.inputGrad, tol, 'inputGrad (layer 0 dInput)');
      } finally {
        net.dispose();
      }
    });
  }
});

describe('teaching bugs in trace', () => {
  const run = (spec, bug) => {
    const good = traced(spec), bad = traced(spec, { bug });
    good.net.dispose();
    bad.net.dispose();
    return [good.tr, bad.tr];
  };
  const differs = (a, b) => a.some((v, i) => v !== b[i]);
  // (the bugs run the layer's reference loops, the real backward its fast kernels: the same sums
  // in another order)
  const close = (a, b, what) => a.forEach((v, i) => expect(Math.abs(v - b[i]), `${what} [${i}]`).toBeLessThanOrEqual(1e-14));

  it('conv-no-dilate and conv-crop-off-by-one change the conv dInput only', () => {
    for (const [bug, conv] of [['conv-no-dilate', { stride: 2 }], ['conv-crop-off-by-one', { padding: 1 }]]) {
      const spec = { input: [1, 6, 6], loss: 'mse', layers: [{ type: 'conv2d', filters: 2, kernel: 3, ...conv }, { type: 'flatten' }] };
      const [good, bad] = run(spec, bug);
      expect(bad).toMatchObject({ bug, brokenLayer: 0 });
      expect(differs(good.layers[0].dInput, bad.layers[0].dInput), bug).toBe(true);
      for (const name of ['weight', 'bias']) close(bad.layers[0].grads[name].values, good.layers[0].grads[name].values, `${bug} d${name}`);
      expect(bad.layers[0].dOutput).toEqual(good.layers[0].dOutput);
      if (bug === 'conv-crop-off-by-one') {
        // The crop one row and column early: dInput_bug[y, x] = dInputPadded[y + P − 1, x + P − 1].
        const P = good.layers[0].steps.dInputPadded;
        for (let n = 0; n < N; n++)
          for (let y = 0; y < 6; y++)
            for (let x = 0; x < 6; x++) expect(Math.abs(bad.layers[0].dInput[(n * 6 + y) * 6 + x] - P.values[(n * 8 + y) * 8 + x])).toBeLessThanOrEqual(1e-14);
      }
    }
  });

  it('avgpool-no-scale multiplies dInput by k²; maxpool-wrong-index moves δ to the first entry', () => {
    const avg = { input: [1, 4, 4], loss: 'mse', layers: [{ type: 'avgpool2d', size: 2 }, { type: 'flatten' }] };
    let [good, bad] = run(avg, 'avgpool-no-scale');
    expect(bad.brokenLayer).toBe(0);
    expect(Array.from(bad.layers[0].dInput)).toEqual(Array.from(good.layers[0].dInput, (v) => 4 * v));
    const max = { input: [1, 4, 4], loss: 'mse', layers: [{ type: 'maxpool2d', size: 2 }, { type: 'flatten' }] };
    [good, bad] = run(max, 'maxpool-wrong-index');
    expect(bad.layers[0].dOutput).toEqual(good.layers[0].dOutput);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < 16; i++) {
        const y = i >> 2, x = i & 3;
        expect(bad.layers[0].dInput[n * 16 + i]).toBe(y % 2 === 0 && x % 2 === 0 ? good.layers[0].dOutput[n * 4 + (y / 2) * 2 + x / 2] : 0);
      }
  });

  it('mse-no-half halves δ of the loss and every gradient; the loss is unchanged', () => {
    const spec = { input: [3], loss: 'mse', layers: [{ type: 'dense', units: 2 }] };
    const [good, bad] = run(spec, 'mse-no-half');
    expect(bad).toMatchObject({ bug: 'mse-no-half', brokenLayer: 1 });
    expect(bad.loss.value).toBe(good.loss.value);
    expect(Array.from(bad.loss.dInput)).toEqual(Array.from(good.loss.dInput, (v) => v / 2));
    expect(Array.from(bad.layers[0].grads.weight.values)).toEqual(Array.from(good.layers[0].grads.weight.values, (v) => v / 2));
  });

  it('errors: an unknown bug, a bug without its layer, a tensor that is not there', () => {
    const net = bp.sequential({ input: [3], layers: [{ type: 'dense', units: 2 }] });
    expect(() => net.trace([1, 2, 3], [0], 1, { bug: 'nope' })).toThrow(new BackpropError(
      "trace: unknown bug 'nope' (known: none, conv-no-rotate, relu-no-mask, loss-no-mean, conv-no-dilate, conv-crop-off-by-one, avgpool-no-scale, maxpool-wrong-index, mse-no-half)"));
    expect(() => net.trace([1, 2, 3], [0], 1, { bug: 'mse-no-half' })).toThrow(
      "trace: bug 'mse-no-half' needs an mse loss, the net has softmax_cross_entropy");
    expect(() => net.trace([1, 2, 3], [0], 1, { bug: 'avgpool-no-scale' })).toThrow(
      "trace: bug 'avgpool-no-scale' needs an avgpool2d or globalavgpool layer, the net has none");
    expect(() => net.numericGradient([1, 2, 3], [0], 1, { layer: 2, tensor: 'input' })).toThrow("numericGradient: layer 2 is not in [0, 1] (1: the loss's input)");
    expect(() => net.numericGradient([1, 2, 3], [0], 1, { layer: 0, tensor: 'alpha' })).toThrow(
      "numericGradient: layer 0 has no tensor 'alpha' (it has: input, weight, bias)");
    expect(() => net.numericGradient([1, 2, 3], [0], 1, { layer: 0, tensor: 'weight', stencil: 3 })).toThrow('numericGradient: stencil must be 2 or 4, got 3');
    net.dispose();
  });
});

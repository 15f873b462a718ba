// bugsteps.js: a broken layer's derivation steps as the BROKEN backward pass takes them, so that
// the sum written out beside a red entry is the sum the buggy code computed. The core's trace
// gives the steps of the correct derivation; under a teaching bug (cpp/net/teaching_bugs.h) the
// buggy pass pairs pδ with the kernel unrotated (conv-no-rotate), reads δ packed instead of
// dilated (conv-no-dilate), multiplies by 1 instead of the mask (relu-no-mask) or of 1/k²
// (avgpool-no-scale), routes δ to the window's first entry (maxpool-wrong-index). All are
// rearrangements of the core's numbers or constants of the bug; the one arithmetic step, the
// buggy full convolution before the crop, is run by the core (a padding-0, stride-1 conv over
// the padded input whose dX is that full convolution).
const prod = (s) => s.reduce((a, b) => a * b, 1);

function rot180(w, [OC, C, KH, KW], Typed) {
  const r = new Typed(w.length);
  for (let oc = 0; oc < OC * C; oc++)
    for (let p = 0; p < KH; p++)
      for (let q = 0; q < KW; q++) r[(oc * KH + p) * KW + q] = w[(oc * KH + (KH - 1 - p)) * KW + (KW - 1 - q)];
  return r;
}
// Places planes of [h, w] into planes of [H, W] at (top, left), every sy-th row and sx-th column.
function place(v, planes, h, w, H, W, top, left, sy = 1, sx = 1, Typed = Float64Array) {
  const out = new Typed(planes * H * W);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(p * H + top + y * sy) * W + left + x * sx] = v[(p * h + y) * w + x];
  return out;
}

/** The trace with its conv layers' steps rearranged as the trace's bug computes them (a new object). */
export function withBugSteps(bp, trace) {
  const bug = trace.bug;
  const broken = (L) => trace.brokenLayer === undefined || trace.brokenLayer < 0 || L.index === trace.brokenLayer;
  if (['relu-no-mask', 'avgpool-no-scale', 'maxpool-wrong-index'].includes(bug)) {
    const layers = trace.layers.map((L) => {
      if (!broken(L)) return L;
      const Typed = L.input.constructor;
      if (bug === 'relu-no-mask' && L.type === 'relu') return { ...L, steps: { ...L.steps, derivative: { ...L.steps.derivative, values: new Typed(L.input.length).fill(1) } } };
      if (bug === 'avgpool-no-scale' && L.steps.scale) return { ...L, steps: { ...L.steps, scale: { shape: [1], values: Typed.of(1) } } };
      if (bug === 'maxpool-wrong-index' && L.steps.argmax) return { ...L, steps: { ...L.steps, argmax: { ...L.steps.argmax, values: firstOfWindows(L) } } };
      return L;
    });
    return { ...trace, layers };
  }
  if (!['conv-no-rotate', 'conv-no-dilate'].includes(bug)) return trace;
  const layers = trace.layers.map((L) => {
    if (L.type !== 'conv2d' || !broken(L)) return L;
    const n = L.input.length / prod(L.inputShape);
    const Typed = L.input.constructor;
    const [C, H, W] = L.inputShape, [OC, OH, OW] = L.outputShape;
    const [KH, KW] = L.config.kernel, [SH, SW] = L.config.stride, [PH, PW] = L.config.padding;
    const Hp = H + 2 * PH, Wp = W + 2 * PW, DH = (OH - 1) * SH + 1, DW = (OW - 1) * SW + 1;
    const r = Hp - ((OH - 1) * SH + KH), rc = Wp - ((OW - 1) * SW + KW);
    const [sh, sw] = trace.bug === 'conv-no-dilate' ? [1, 1] : [SH, SW];
    const deltaDilated = place(L.dOutput, n * OC, OH, OW, DH, DW, 0, 0, sh, sw, Typed);
    const deltaPadded = place(deltaDilated, n * OC, DH, DW, DH + 2 * (KH - 1) + r, DW + 2 * (KW - 1) + rc, KH - 1, KW - 1, 1, 1, Typed);
    const w = L.params.weight.values, shape = L.params.weight.shape;
    const weightRot180 = trace.bug === 'conv-no-rotate' ? w.slice() : rot180(w, shape, Typed);
    // the buggy full convolution: the core's dX of a padding-0 stride-1 conv over the padded input,
    // fed the (packed or dilated) δ, with the kernel the buggy pass slides (so rotated once more)
    const aux = bp.sequential({ input: [C, Hp, Wp], layers: [{ type: 'conv2d', filters: OC, kernel: [KH, KW], stride: 1, padding: 0 }], loss: 'mse', dtype: trace.dtype, seed: 1 });
    let dInputPadded;
    try {
      aux.setParam(0, 'weight', trace.bug === 'conv-no-rotate' ? rot180(w, shape, Typed) : w);
      aux.forward(L.steps.inputPadded?.values ?? place(L.input, n * C, H, W, Hp, Wp, PH, PW, 1, 1, Typed), n);
      dInputPadded = Typed.from(aux.backward(place(deltaDilated, n * OC, DH, DW, DH + r, DW + rc, 0, 0, 1, 1, Typed)));
    } finally {
      aux.dispose();
    }
    const steps = {
      ...L.steps,
      deltaDilated: { shape: [n, OC, DH, DW], values: deltaDilated },
      deltaPadded: { shape: [n, OC, DH + 2 * (KH - 1) + r, DW + 2 * (KW - 1) + rc], values: deltaPadded },
      weightRot180: { shape: [...shape], values: weightRot180 },
      dInputPadded: { shape: [n, C, Hp, Wp], values: dInputPadded },
    };
    return { ...L, steps };
  });
  return { ...trace, layers };
}

// maxpool-wrong-index: each window's first entry inside the input (row-major), as the flat index
// y·W + x in its plane (−1 for a window of padding only); index bookkeeping, no values.
function firstOfWindows(L) {
  const global = L.type === 'globalmaxpool';
  const [, H, W] = L.inputShape;
  const [KH, KW] = global ? [H, W] : L.config.size, [SH, SW] = global ? [1, 1] : L.config.stride, [PH, PW] = global ? [0, 0] : L.config.padding;
  const OW = global ? 1 : L.outputShape[2];
  const per = global ? 1 : L.outputShape[1] * L.outputShape[2];
  const out = new Float64Array(L.steps.argmax.values.length).fill(-1);
  for (let k = 0; k < out.length; k++) {
    const i = Math.floor((k % per) / OW), j = (k % per) % OW;
    const y = Math.max(0, i * SH - PH), x = Math.max(0, j * SW - PW);
    if (y < H && x < W && y < i * SH - PH + KH && x < j * SW - PW + KW) out[k] = y * W + x;
  }
  return out;
}

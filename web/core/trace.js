// trace.js: net.trace()'s report, assembled from the core's numbers after one traced forward and
// backward (NetHandle.trace). Every value is the core's: activations, δs, gradients, arg-max
// routes and probabilities are copies of its buffers; the derivation's arrangement steps (padded
// input, dilated and padded δ, rotated kernel) are those numbers moved, never combined; the
// arithmetic steps come from one-layer twin nets the core runs (dInputPadded: the conv on the
// padded input with padding 0, whose dX is the full convolution before the crop; f′(z): the
// activation's backward of ones).

const numel = (shape) => shape.reduce((a, b) => a * b, 1);

/**
 * h: the NetHandle right after a successful h.trace(n, bug) on `targets`; info: its parsed info();
 * probs: the core's softmax of the output (cross-entropy); twin(spec): a Net built from spec
 * (disposed here). -> the report net.trace() returns.
 */
export function assembleTrace(h, info, n, targets, { dtype, bug, probs, twin }) {
  const Typed = dtype === 'float64' ? Float64Array : Float32Array;
  const layersInfo = info.layers, L = layersInfo.length;
  const act = (i) => h.traced(i, 0).slice();
  const grad = (i) => h.traced(i, 1).slice();
  const layers = layersInfo.map(({ inputShape, outputShape, ...config }, index) => {
    const tensors = (g) => {
      const out = {};
      for (const p of info.params) if (p.layer === index) out[p.name] = { shape: [...p.shape], values: h.param(index, p.name, g).slice() };
      return out;
    };
    const layer = {
      index, type: config.type, config, inputShape: [...inputShape], outputShape: [...outputShape],
      input: act(index), output: act(index + 1), dOutput: grad(index + 1), dInput: grad(index),
      params: tensors(false), grads: tensors(true), steps: {},
    };
    layer.steps = steps(layer, h, n, { Typed, dtype, twin });
    return layer;
  });
  const lossType = info.spec.loss;
  const loss = { type: lossType, value: h.lastLoss(), input: act(L), targets: Float64Array.from(targets), dInput: grad(L) };
  if (probs) loss.probs = probs;
  return { dtype, bug, brokenLayer: h.traced(0, 4), layers, loss };
}

function steps(layer, h, n, ctx) {
  const { type, config, inputShape, outputShape } = layer;
  if (type === 'conv2d') return convSteps(layer, n, ctx);
  if (type === 'maxpool2d' || type === 'globalmaxpool')
    return { argmax: { shape: [n, ...outputShape.slice(0, type === 'globalmaxpool' ? 1 : 3)], values: h.traced(layer.index, 2).slice() } };
  if (type === 'avgpool2d') return { scale: { shape: [1], values: ctx.Typed.of(1 / numel(config.size)) } };
  if (type === 'globalavgpool') return { scale: { shape: [1], values: ctx.Typed.of(1 / (inputShape[1] * inputShape[2])) } };
  if (type === 'dense' || type === 'flatten') return {};
  // An activation: f′(z) = the backward of ones through the same layer (PReLU with its α).
  const net = ctx.twin({ input: inputShape, layers: [config], loss: 'mse', dtype: ctx.dtype });
  try {
    if (layer.params.alpha) net.setParam(0, 'alpha', layer.params.alpha.values);
    net.forward(layer.input, n);
    return { derivative: { shape: [n, ...inputShape], values: net.backward(new ctx.Typed(layer.input.length).fill(1)) } };
  } finally {
    net.dispose();
  }
}

// conv2d's derivation: dX = crop_P(full_conv(pδ, rot180(W))), pδ = dilate_S(δ) padded by K−1
// (and the r rows and columns a floor-mode stride never reaches, at the bottom and right).
function convSteps(layer, n, { Typed, dtype, twin }) {
  const [C, H, W] = layer.inputShape, [OC, OH, OW] = layer.outputShape;
  const [KH, KW] = layer.config.kernel, [SH, SW] = layer.config.stride, [PH, PW] = layer.config.padding;
  const Hp = H + 2 * PH, Wp = W + 2 * PW, DH = (OH - 1) * SH + 1, DW = (OW - 1) * SW + 1;
  // Copies planes of [rows, cols] into planes of [R, Cc] at (top, left), every `step` rows/columns.
  const place = (src, planes, rows, cols, R, Cc, top, left, sy = 1, sx = 1) => {
    const out = new Typed(planes * R * Cc);
    for (let p = 0; p < planes; p++)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) out[(p * R + top + i * sy) * Cc + left + j * sx] = src[(p * rows + i) * cols + j];
    return out;
  };
  const inputPadded = place(layer.input, n * C, H, W, Hp, Wp, PH, PW);
  const deltaDilated = place(layer.dOutput, n * OC, OH, OW, DH, DW, 0, 0, SH, SW);
  const deltaPadded = place(deltaDilated, n * OC, DH, DW, Hp + KH - 1, Wp + KW - 1, KH - 1, KW - 1);
  const w = layer.params.weight.values, rot = new Typed(w.length);
  for (let oc = 0; oc < OC * C; oc++)
    for (let p = 0; p < KH; p++)
      for (let q = 0; q < KW; q++) rot[(oc * KH + p) * KW + q] = w[(oc * KH + KH - 1 - p) * KW + KW - 1 - q];
  // The same conv on the padded input with padding 0: its dX is the full convolution, uncropped.
  const net = twin({
    input: [C, Hp, Wp], loss: 'mse', dtype,
    layers: [{ type: 'conv2d', filters: OC, kernel: [KH, KW], stride: [SH, SW], padding: 0 }],
  });
  let dInputPadded;
  try {
    net.setParam(0, 'weight', w);
    net.setParam(0, 'bias', layer.params.bias.values);
    net.forward(inputPadded, n);
    dInputPadded = net.backward(layer.dOutput);
  } finally {
    net.dispose();
  }
  return {
    inputPadded: { shape: [n, C, Hp, Wp], values: inputPadded },
    deltaDilated: { shape: [n, OC, DH, DW], values: deltaDilated },
    deltaPadded: { shape: [n, OC, Hp + KH - 1, Wp + KW - 1], values: deltaPadded },
    weightRot180: { shape: [OC, C, KH, KW], values: rot },
    dInputPadded: { shape: [n, C, Hp, Wp], values: dInputPadded },
  };
}

// trace-shim.js — TEMPORARY. Delete this file when net.trace and net.numericGradient land in
// web/core (branch learn-core); main.js's coreTrace/coreNumeric then call the net directly.
//
// Assembles the trace of learn-spec.md for the one-layer nets of the chapters from the calls the
// core has today (forward, backward, computeGradients, getParam/getGrad, loss, predict), so the
// page can be built and tested before the real trace exists. What it cannot get from the core yet
// and does in JS instead is marked "JS stand-in" below: the loss δ under mse-no-half (halved),
// avgpool-no-scale (δ times k²), maxpool-wrong-index (the routing sum), and the centred difference
// quotient (L+ − L−)/2h of the numerical gradient. Every other number is the core's: the δ of
// the loss comes from an auxiliary identity dense layer (its weight gradient against one-hot
// sample columns is δ per sample, with the core's 1/N), the full convolution and its bugs from an
// auxiliary unpadded stride-1 conv's backward, f′(z) from backward(ones), arg-max from
// backward(one-hot).

const prod = (s) => s.reduce((a, b) => a * b, 1);

// δ of the loss per sample, from the core: an identity dense layer D -> D whose input also carries
// a one-hot column per sample; the gradient of those columns is δ[s,·] (the core's 1/N included).
function lossDelta(bp, loss, z, targets, n, D) {
  const net = bp.sequential({ input: [D + n], layers: [{ type: 'dense', units: D }], loss, dtype: 'float64', seed: 1 });
  try {
    const I = D + n, w = new Float64Array(D * I);
    for (let o = 0; o < D; o++) w[o * I + o] = 1;
    net.setParam(0, 'weight', w);
    net.setParam(0, 'bias', new Float64Array(D));
    const X = new Float64Array(n * I);
    for (let s = 0; s < n; s++) {
      for (let d = 0; d < D; d++) X[s * I + d] = z[s * D + d];
      X[s * I + D + s] = 1;
    }
    const value = net.computeGradients(X, targets, n);
    const g = net.getGrad(0, 'weight'), delta = new Float64Array(n * D);
    for (let s = 0; s < n; s++) for (let o = 0; o < D; o++) delta[s * D + o] = g[o * I + D + s];
    return { delta, value, lossOf: (zz) => {
      const XX = X.slice();
      for (let s = 0; s < n; s++) for (let d = 0; d < D; d++) XX[s * I + d] = zz[s * D + d];
      return net.loss(XX, targets, n);
    }, net };
  } catch (e) {
    net.dispose();
    throw e;
  }
}

function rot180(w, [OC, C, KH, KW]) {
  const r = new Float64Array(w.length);
  for (let oc = 0; oc < OC * C; oc++)
    for (let p = 0; p < KH; p++)
      for (let q = 0; q < KW; q++) r[(oc * KH + p) * KW + q] = w[(oc * KH + (KH - 1 - p)) * KW + (KW - 1 - q)];
  return r;
}

// Zero-pads planes [n·planes, h, w] by top/left and bottom/right.
function pad(v, planes, h, w, top, bottom, left, right) {
  const H = h + top + bottom, W = w + left + right, out = new Float64Array(planes * H * W);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(p * H + y + top) * W + x + left] = v[(p * h + y) * w + x];
  return out;
}

function convSteps(bp, net, L, x, delta, n, bug, params) {
  const [C, H, W] = L.inputShape, [OC, OH, OW] = L.outputShape;
  const [KH, KW] = L.kernel, [SH, SW] = L.stride, [PH, PW] = L.padding;
  const Hp = H + 2 * PH, Wp = W + 2 * PW;
  const inputPadded = pad(x, n * C, H, W, PH, PH, PW, PW);
  // δ dilated by S−1 zeros (conv-no-dilate: δ left packed in the corner of the same grid)
  const DH = (OH - 1) * SH + 1, DW = (OW - 1) * SW + 1;
  const deltaDilated = new Float64Array(n * OC * DH * DW);
  const [sh, sw] = bug === 'conv-no-dilate' ? [1, 1] : [SH, SW];
  for (let p = 0; p < n * OC; p++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) deltaDilated[(p * DH + i * sh) * DW + j * sw] = delta[(p * OH + i) * OW + j];
  const r = Hp - ((OH - 1) * SH + KH), rc = Wp - ((OW - 1) * SW + KW);
  const deltaPadded = pad(deltaDilated, n * OC, DH, DW, KH - 1, KH - 1 + r, KW - 1, KW - 1 + rc);
  const w = params.weight.values, shape = params.weight.shape;
  const weightRot180 = bug === 'conv-no-rotate' ? w.slice() : rot180(w, shape);
  // The full convolution of pδ with rot180(W): the core's dX of an unpadded stride-1 conv over
  // the padded input, fed δ dilated (and extended by the r rows a floor-mode stride skips).
  const aux = bp.sequential({ input: [C, Hp, Wp], layers: [{ type: 'conv2d', filters: OC, kernel: [KH, KW], stride: 1, padding: 0 }], loss: 'mse', dtype: 'float64', seed: 1 });
  let dInputPadded;
  try {
    aux.setParam(0, 'weight', bug === 'conv-no-rotate' ? rot180(w, shape) : w);
    aux.forward(inputPadded, n);
    dInputPadded = Float64Array.from(aux.backward(pad(deltaDilated, n * OC, DH, DW, 0, r, 0, rc)));
  } finally {
    aux.dispose();
  }
  let dInput = null;  // null: the main net's own backward stands
  if (bug === 'conv-no-rotate' || bug === 'conv-no-dilate' || bug === 'conv-crop-off-by-one') {
    const off = bug === 'conv-crop-off-by-one' ? 1 : 0;
    dInput = new Float64Array(n * C * H * W);
    for (let p = 0; p < n * C; p++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          const yy = y + PH - off, xq = xx + PW - off;
          if (yy >= 0 && xq >= 0) dInput[(p * H + y) * W + xx] = dInputPadded[(p * Hp + yy) * Wp + xq];
        }
  }
  return {
    steps: {
      inputPadded: { shape: [n, C, Hp, Wp], values: inputPadded },
      deltaDilated: { shape: [n, OC, DH, DW], values: deltaDilated },
      deltaPadded: { shape: [n, OC, DH + 2 * (KH - 1) + r, DW + 2 * (KW - 1) + rc], values: deltaPadded },
      weightRot180: { shape: [...shape], values: weightRot180 },
      dInputPadded: { shape: [n, C, Hp, Wp], values: dInputPadded },
    },
    dInput,
  };
}

function poolSteps(net, L, x, delta, n, bug) {
  const global = L.type.startsWith('global');
  const [C, H, W] = L.inputShape;
  const outN = n * prod(L.outputShape);
  if (L.type === 'avgpool2d' || L.type === 'globalavgpool') {
    const k = L.type === 'avgpool2d' ? L.size[0] * L.size[1] : H * W;
    if (bug !== 'avgpool-no-scale') return { steps: { scale: { shape: [1], values: Float64Array.of(1 / k) } }, dInput: null };
    net.forward(x, n);
    const d = net.backward(delta);
    return { steps: { scale: { shape: [1], values: Float64Array.of(1) } }, dInput: Float64Array.from(d, (v) => v * k) };  // JS stand-in
  }
  // max: the arg-max of each window, read from the core's backward of a one-hot δ
  const argmax = new Float64Array(outN).fill(-1);
  const plane = H * W, per = outN / (n * C);
  net.forward(x, n);
  if (bug === 'maxpool-wrong-index') {
    const [KH, KW] = global ? [H, W] : L.size, [SH, SW] = global ? [1, 1] : L.stride, [PH, PW] = global ? [0, 0] : L.padding;
    const OW = global ? 1 : L.outputShape[2];
    for (let k = 0; k < outN; k++) {
      const i = Math.floor((k % per) / OW), j = (k % per) % OW;
      const y = Math.max(0, i * SH - PH), xx = Math.max(0, j * SW - PW);
      if (y < H && xx < W && y < i * SH - PH + KH && xx < j * SW - PW + KW) argmax[k] = y * W + xx;
    }
    const dInput = new Float64Array(n * C * plane);
    for (let k = 0; k < outN; k++) if (argmax[k] >= 0) dInput[Math.floor(k / per) * plane + argmax[k]] += delta[k];  // JS stand-in
    return { steps: { argmax: { shape: global ? [n, C] : [n, ...L.outputShape], values: argmax } }, dInput };
  }
  const e = new Float64Array(outN);
  for (let k = 0; k < outN; k++) {
    e.fill(0);
    e[k] = 1;
    const d = net.backward(e);
    const base = Math.floor(k / per) * plane;
    for (let q = 0; q < plane; q++) if (d[base + q] !== 0) { argmax[k] = q; break; }
  }
  return { steps: { argmax: { shape: global ? [n, C] : [n, ...L.outputShape], values: argmax } }, dInput: null };
}

function activationSteps(net, L, x, delta, n, bug) {
  net.forward(x, n);
  let derivative = Float64Array.from(net.backward(new Float64Array(x.length).fill(1)));
  net.zeroGrad();
  let dInput = null;
  if (bug === 'relu-no-mask' && L.type === 'relu') {
    derivative = new Float64Array(x.length).fill(1);
    dInput = Float64Array.from(delta);
  }
  return { steps: { derivative: { shape: [n, ...L.inputShape], values: derivative } }, dInput };
}

/** The spec's net.trace for a one-layer float64 net (see the file's head). */
export function shimTrace(bp, net, x, targets, n, { bug = 'none' } = {}) {
  const spec = net.spec, L = net.layers()[0];
  const D = prod(L.outputShape);
  const params = {}, gradsOut = {};
  for (const p of net.paramInfo()) params[p.name] = { shape: p.shape, values: net.getParam(0, p.name) };
  const output = Float64Array.from(net.forward(x, n));
  const aux = lossDelta(bp, spec.loss, output, targets, n, D);
  let delta = aux.delta;
  const value = aux.value;
  aux.net.dispose();
  if (bug === 'loss-no-mean') delta = delta.map((v) => v * n);  // JS stand-in (the core's δ per sample, N times)
  if (bug === 'mse-no-half' && spec.loss === 'mse') delta = delta.map((v) => v / 2);  // JS stand-in
  net.zeroGrad();
  net.forward(x, n);
  let dInput = Float64Array.from(net.backward(delta));
  for (const p of net.paramInfo()) gradsOut[p.name] = { shape: p.shape, values: net.getGrad(0, p.name) };
  let extra = { steps: {}, dInput: null };
  if (L.type === 'conv2d') extra = convSteps(bp, net, L, x, delta, n, bug, params);
  else if (L.type.includes('pool')) extra = poolSteps(net, L, x, delta, n, bug);
  else if (L.type !== 'dense' && L.type !== 'flatten') extra = activationSteps(net, L, x, delta, n, bug);
  if (extra.dInput) dInput = extra.dInput;
  const { type, inputShape, outputShape, ...config } = L;
  const loss = { type: spec.loss, value, input: output, targets: Float64Array.from(targets), dInput: delta };
  if (spec.loss === 'softmax_cross_entropy') loss.probs = Float64Array.from(net.predict(x, n));
  return {
    dtype: 'float64', bug, brokenLayer: bug === 'none' ? -1 : ['loss-no-mean', 'mse-no-half'].includes(bug) ? 1 : 0,
    loss,
    layers: [{ index: 0, type, config: { type, ...config }, inputShape, outputShape, input: Float64Array.from(x), output, dOutput: delta, dInput, params, grads: gradsOut, steps: extra.steps }],
  };
}

/** The spec's net.numericGradient: centred differences (JS stand-in for the quotient) of the core's loss. */
export function shimNumericGradient(bp, net, x, targets, n, { layer, tensor, eps = 1e-6 }) {
  const L = net.layers()[0];
  let base, lossAt;
  let aux = null;
  if (tensor === 'input' && layer === 1) {
    base = Float64Array.from(net.forward(x, n));
    aux = lossDelta(bp, net.spec.loss, base, targets, n, base.length / n);
    lossAt = (v) => aux.lossOf(v);
  } else if (tensor === 'input') {
    base = Float64Array.from(x);
    lossAt = (v) => net.loss(v, targets, n);
  } else {
    base = net.getParam(0, tensor);
    lossAt = (v) => {
      net.setParam(0, tensor, v);
      return net.loss(x, targets, n);
    };
  }
  const values = new Float64Array(base.length), kinks = new Uint8Array(base.length);
  const v = Float64Array.from(base);
  const maxLike = tensor === 'input' && layer === 0 && (L.type === 'maxpool2d' || L.type === 'globalmaxpool');
  const kinkAtZero = tensor === 'input' && layer === 0 && ['relu', 'leaky_relu', 'prelu', 'selu', 'elu'].includes(L.type);
  for (let i = 0; i < base.length; i++) {
    v[i] = base[i] + eps;
    const up = lossAt(v);
    const outUp = maxLike ? net.forward(v, n) : null;
    v[i] = base[i] - eps;
    const down = lossAt(v);
    const outDown = maxLike ? net.forward(v, n) : null;
    v[i] = base[i];
    values[i] = (up - down) / (2 * eps);
    if (kinkAtZero && Math.abs(base[i]) <= eps) kinks[i] = 1;
    if (maxLike)  // each output moves by 0 (not the max) or 2h (the max on both sides): else the arg-max changed
      for (let k = 0; k < outUp.length; k++) {
        const d = outUp[k] - outDown[k];
        if (Math.abs(d) > 1e-3 * eps && Math.abs(d - 2 * eps) > 1e-3 * eps) kinks[i] = 1;
      }
  }
  if (tensor !== 'input') net.setParam(0, tensor, base);
  aux?.net.dispose();
  return { values, kinks };
}

// ---- a whole net (the network chapter): one one-layer net of the core per layer ----

/** A one-layer net of the core holding layer i of net (its parameters copied), in dtype. */
function layerNet(bp, net, i, dtype) {
  const L = net.layers()[i];
  const sub = bp.sequential({ input: L.inputShape, layers: [net.spec.layers[i]], loss: 'mse', dtype, seed: 1 });
  for (const p of net.paramInfo()) if (p.layer === i) sub.setParam(0, p.name, net.getParam(i, p.name));
  return sub;
}

/** The spec's net.trace for a whole net: each layer's forward and backward run by the core on its own. */
export function shimTraceNet(bp, net, x, targets, n) {
  const dtype = net.spec.dtype ?? 'float32';
  const infos = net.layers();
  const subs = infos.map((_, i) => layerNet(bp, net, i, dtype));
  try {
    const inputs = [], outputs = [];
    let z = x;
    for (const sub of subs) {
      inputs.push(Float64Array.from(z));
      z = sub.forward(z, n).slice();
      outputs.push(Float64Array.from(z));
    }
    const D = prod(infos[infos.length - 1].outputShape);
    const aux = lossDelta(bp, net.spec.loss, outputs[outputs.length - 1], targets, n, D);
    aux.net.dispose();
    const layers = [];
    let delta = aux.delta;
    for (let i = subs.length - 1; i >= 0; i--) {
      const sub = subs[i], L = infos[i];
      const params = {}, grads = {};
      for (const p of sub.paramInfo()) params[p.name] = { shape: p.shape, values: sub.getParam(0, p.name) };
      sub.zeroGrad();
      sub.forward(inputs[i], n);
      const dInput = Float64Array.from(sub.backward(delta));
      for (const p of sub.paramInfo()) grads[p.name] = { shape: p.shape, values: sub.getGrad(0, p.name) };
      let extra = { steps: {} };
      if (L.type === 'conv2d') extra = convSteps(bp, sub, L, inputs[i], delta, n, 'none', params);
      else if (L.type.includes('pool')) extra = poolSteps(sub, L, inputs[i], delta, n, 'none');
      else if (L.type !== 'dense' && L.type !== 'flatten') extra = activationSteps(sub, L, inputs[i], delta, n, 'none');
      const { type, inputShape, outputShape, ...config } = L;
      layers[i] = { index: i, type, config: { type, ...config }, inputShape, outputShape, input: inputs[i], output: outputs[i], dOutput: delta, dInput, params, grads, steps: extra.steps };
      delta = dInput;
    }
    const last = outputs[outputs.length - 1];
    const loss = { type: net.spec.loss, value: net.loss(x, targets, n), input: last, targets: Float64Array.from(targets), dInput: layers[layers.length - 1].dOutput };
    if (net.spec.loss === 'softmax_cross_entropy') loss.probs = Float64Array.from(net.predict(x, n));
    return { dtype, bug: 'none', brokenLayer: -1, loss, layers };
  } finally {
    for (const s of subs) s.dispose();
  }
}

/** The spec's net.numericGradient for a whole net: centred differences of a float64 twin's loss. */
export function shimNumericGradientNet(bp, net, x, targets, n, { layer, tensor, eps = 1e-6, input = null }) {
  const infos = net.layers(), spec = net.spec;
  const own = [];  // nets to dispose
  try {
    let lossAt, base, kinkOf = () => 0;
    if (tensor !== 'input') {
      const twin = bp.sequential({ ...spec, dtype: 'float64' });
      own.push(twin);
      for (const p of net.paramInfo()) twin.setParam(p.layer, p.name, Float64Array.from(net.getParam(p.layer, p.name)));
      base = twin.getParam(layer, tensor);
      lossAt = (v) => (twin.setParam(layer, tensor, v), twin.loss(x, targets, n));
    } else if (layer === infos.length) {
      base = Float64Array.from(input);
      const aux = lossDelta(bp, spec.loss, base, targets, n, base.length / n);
      own.push(aux.net);
      lossAt = (v) => aux.lossOf(v);
    } else {
      base = Float64Array.from(input);
      const tail = bp.sequential({ input: infos[layer].inputShape, layers: spec.layers.slice(layer), loss: spec.loss, dtype: 'float64', seed: 1 });
      own.push(tail);
      for (const p of net.paramInfo()) if (p.layer >= layer) tail.setParam(p.layer - layer, p.name, Float64Array.from(net.getParam(p.layer, p.name)));
      lossAt = (v) => tail.loss(v, targets, n);
      const type = infos[layer].type;
      if (['relu', 'leaky_relu', 'prelu', 'selu', 'elu'].includes(type)) kinkOf = (i) => (Math.abs(base[i]) <= eps ? 1 : 0);
      if (type === 'maxpool2d' || type === 'globalmaxpool') {
        const pool = layerNet(bp, net, layer, 'float64');
        own.push(pool);
        const v = Float64Array.from(base);
        kinkOf = (i) => {
          v[i] = base[i] + eps;
          const up = pool.forward(v, n).slice();
          v[i] = base[i] - eps;
          const down = pool.forward(v, n);
          v[i] = base[i];
          for (let k = 0; k < up.length; k++) {
            const d = up[k] - down[k];
            if (Math.abs(d) > 1e-3 * eps && Math.abs(d - 2 * eps) > 1e-3 * eps) return 1;
          }
          return 0;
        };
      }
    }
    const values = new Float64Array(base.length), kinks = new Uint8Array(base.length);
    const v = Float64Array.from(base);
    const at = lossAt(v);
    for (let i = 0; i < base.length; i++) {
      v[i] = base[i] + eps;
      const up = lossAt(v);
      v[i] = base[i] - eps;
      const down = lossAt(v);
      v[i] = base[i];
      values[i] = (up - down) / (2 * eps);  // JS stand-in (the quotient)
      // a kink anywhere downstream (a ReLU input at 0, a max-pool tie): the two one-sided
      // differences disagree far beyond the curvature's h² (JS stand-in for the core's kink flags)
      const fwd = up - at, bwd = at - down;
      kinks[i] = kinkOf(i) || (Math.abs(fwd - bwd) > 1e-3 * Math.max(Math.abs(fwd), Math.abs(bwd)) && Math.abs(fwd - bwd) > 1e-13) ? 1 : 0;
    }
    return { values, kinks };
  } finally {
    for (const o of own) o.dispose();
  }
}

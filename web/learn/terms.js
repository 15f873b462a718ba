// terms.js: which numbers sum into one entry of a backward result. Pure index bookkeeping over a
// trace (net.trace's shape, see learn-spec.md): for an entry of a result tensor, the list of terms
// [{ a: { tensor, index }, b: { tensor, index } | { const, tex } }] whose products a·b add up to it.
// The values are never computed here; the page reads them from the trace and writes the sum out.
//
// Tensor names inside one layer of the trace:
//   'input' 'output' 'dOutput' 'dInput'      n × per-sample shape
//   'param.<name>' 'grad.<name>'              the parameter and its gradient (weight, bias, alpha)
//   'step.<name>'                             the derivation's intermediates (steps)
// and of the loss: 'loss.input' (z), 'loss.probs', 'loss.onehot' (cross-entropy), 'loss.targets'
// (mse), 'loss.dInput' (δ of the loss, with the 1/N).
// A term's b may be a constant of the formula: { const: 1 / N, tex: '\\frac{1}{N}' }.

const prod = (s) => s.reduce((a, b) => a * b, 1);

/** Row-major strides of a shape. */
export function strides(shape) {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}
/** Flat index -> multi-index. */
export function unflat(i, shape) {
  const st = strides(shape);
  return shape.map((_, d) => Math.floor(i / st[d]) % shape[d]);
}
/** Multi-index -> flat index. */
export function flat(idx, shape) {
  const st = strides(shape);
  return idx.reduce((a, v, d) => a + v * st[d], 0);
}

/** The shape of a named tensor of a trace layer (or of trace.loss), leading n where per sample. */
export function shapeOf(trace, layer, tensor) {
  const n = trace.n;
  if (tensor.startsWith('loss.')) return [n, ...trace.layers[trace.layers.length - 1].outputShape];  // the loss reads the last output
  const L = trace.layers[layer];
  if (tensor === 'input' || tensor === 'dInput') return [n, ...L.inputShape];
  if (tensor === 'output' || tensor === 'dOutput') return [n, ...L.outputShape];
  const [kind, name] = tensor.split('.');
  if (kind === 'param') return L.params[name].shape;
  if (kind === 'grad') return L.grads[name].shape;
  if (kind === 'step') return L.steps[name].shape;
  throw new Error(`terms: unknown tensor ${tensor}`);
}

/** The values of a named tensor (a typed array), as the trace holds them. */
export function valuesOf(trace, layer, tensor) {
  if (tensor.startsWith('loss.')) return trace.loss[tensor.slice(5)];
  const L = trace.layers[layer];
  if (['input', 'output', 'dOutput', 'dInput'].includes(tensor)) return L[tensor];
  const [kind, name] = tensor.split('.');
  if (kind === 'param') return L.params[name].values;
  if (kind === 'grad') return L.grads[name].values;
  if (kind === 'step') return L.steps[name].values;
  throw new Error(`terms: unknown tensor ${tensor}`);
}

const ref = (tensor, index) => ({ tensor, index });

/**
 * Adds to a trace what the page reads beside the spec's fields, all rearrangements of its numbers:
 * n, loss.size (numbers per sample entering the loss) and, for cross-entropy, loss.onehot.
 */
export function withViews(trace, n) {
  const loss = trace.loss;
  const size = loss.input.length / n;
  let onehot = loss.onehot;
  if (!onehot && loss.type === 'softmax_cross_entropy') {
    onehot = new Float64Array(n * size);
    for (let s = 0; s < n; s++) onehot[s * size + loss.targets[s]] = 1;
  }
  return { ...trace, n, loss: { ...loss, size, onehot } };
}

/**
 * The terms of entry `index` (flat) of `tensor` in layer `layer` (or 'loss' for 'loss.dInput').
 * bug: the trace's teaching bug, where it changes which entries meet (the crop's offset).
 */
export function termsOf(trace, layer, tensor, index) {
  if (tensor === 'loss.dInput') return lossTerms(trace, index);
  const L = trace.layers[layer];
  const fn = BY_TYPE[L.type] ?? ACTIVATION;
  const out = fn(trace, L, tensor, index);
  if (!out) throw new Error(`terms: ${L.type} has no terms for ${tensor}`);
  return out;
}

// δ of the loss. cross-entropy: ∂L/∂z = (p − onehot(y)) / N; mse: ∂L/∂y = 2 (y − t) / (N·D).
// The teaching bugs change the constant: loss-no-mean drops the 1/N, mse-no-half the 2.
function lossTerms(trace, index) {
  const { type } = trace.loss, n = trace.n, D = trace.loss.size;
  const bug = trace.bug;
  if (type === 'softmax_cross_entropy') {
    const c = bug === 'loss-no-mean' ? { v: 1, tex: '1' } : { v: 1 / n, tex: '\\tfrac{1}{N}' };
    return [
      { a: ref('loss.probs', index), b: { const: c.v, tex: c.tex } },
      { a: ref('loss.onehot', index), b: { const: -c.v, tex: `-${c.tex}` } },
    ];
  }
  let v = 2 / (n * D), tex = '\\tfrac{2}{N D}';
  if (bug === 'loss-no-mean') (v = 2 / D), (tex = '\\tfrac{2}{D}');
  if (bug === 'mse-no-half') (v = 1 / (n * D)), (tex = '\\tfrac{1}{N D}');
  return [
    { a: ref('loss.input', index), b: { const: v, tex } },
    { a: ref('loss.targets', index), b: { const: -v, tex: `-${tex}` } },
  ];
}

// dense: y[n,o] = Σ_i W[o,i] x[n,i] + b[o].
function dense(trace, L, tensor, index) {
  const n = trace.n, IN = prod(L.inputShape), OUT = prod(L.outputShape);
  const terms = [];
  if (tensor === 'grad.weight') {  // dW[o,i] = Σ_n δ[n,o] x[n,i]
    const o = Math.floor(index / IN), i = index % IN;
    for (let s = 0; s < n; s++) terms.push({ a: ref('dOutput', s * OUT + o), b: ref('input', s * IN + i) });
  } else if (tensor === 'grad.bias') {  // db[o] = Σ_n δ[n,o]
    for (let s = 0; s < n; s++) terms.push({ a: ref('dOutput', s * OUT + index), b: { const: 1, tex: '1' } });
  } else if (tensor === 'dInput') {  // dx[n,i] = Σ_o W[o,i] δ[n,o]
    const s = Math.floor(index / IN), i = index % IN;
    for (let o = 0; o < OUT; o++) terms.push({ a: ref('param.weight', o * IN + i), b: ref('dOutput', s * OUT + o) });
  } else return null;
  return terms;
}

// conv2d (the spec's steps: inputPadded, deltaDilated, deltaPadded, weightRot180, dInputPadded).
function conv(trace, L, tensor, index) {
  const n = trace.n, [C, H, W] = L.inputShape, [OC, OH, OW] = L.outputShape;
  const [KH, KW] = L.config.kernel, [SH, SW] = L.config.stride, [PH, PW] = L.config.padding;
  const Hp = H + 2 * PH, Wp = W + 2 * PW;
  const terms = [];
  if (tensor === 'grad.weight') {  // dW[o,c,p,q] = Σ_n Σ_i Σ_j δ[n,o,i,j] · Xp[n,c,i·SH+p,j·SW+q]
    const [o, c, p, q] = unflat(index, [OC, C, KH, KW]);
    for (let s = 0; s < n; s++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++)
          terms.push({ a: ref('dOutput', flat([s, o, i, j], [n, OC, OH, OW])), b: ref('step.inputPadded', flat([s, c, i * SH + p, j * SW + q], [n, C, Hp, Wp])) });
  } else if (tensor === 'grad.bias') {  // db[o] = Σ_n Σ_i Σ_j δ[n,o,i,j]
    for (let s = 0; s < n; s++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) terms.push({ a: ref('dOutput', flat([s, index, i, j], [n, OC, OH, OW])), b: { const: 1, tex: '1' } });
  } else if (tensor === 'step.dInputPadded' || tensor === 'dInput') {
    // dXp[n,c,y,x] = Σ_o Σ_p Σ_q rot180(W)[o,c,p,q] · pδ[n,o,y+p,x+q]; dX is its centre
    // (the crop starts at PH, PW; the crop-off-by-one bug starts it one row and column early).
    let s, c, y, x;
    if (tensor === 'dInput') {
      [s, c, y, x] = unflat(index, [n, C, H, W]);
      const off = trace.bug === 'conv-crop-off-by-one' ? 1 : 0;
      y += PH - off;
      x += PW - off;
      if (y < 0 || x < 0) return [];  // the shifted crop reads outside: the core writes 0
    } else [s, c, y, x] = unflat(index, [n, C, Hp, Wp]);
    const PDH = Hp + KH - 1, PDW = Wp + KW - 1;
    for (let o = 0; o < OC; o++)
      for (let p = 0; p < KH; p++)
        for (let q = 0; q < KW; q++)
          terms.push({ a: ref('step.weightRot180', flat([o, c, p, q], [OC, C, KH, KW])), b: ref('step.deltaPadded', flat([s, o, y + p, x + q], [n, OC, PDH, PDW])) });
  } else return null;
  return terms;
}

// Pools route δ back: max to the arg-max of each window (steps.argmax), average spread with
// steps.scale over each window that covers the entry.
function pool(trace, L, tensor, index) {
  if (tensor !== 'dInput') return null;
  const n = trace.n, [C, H, W] = L.inputShape, [, OH, OW] = L.outputShape;
  const [s, c, y, x] = unflat(index, [n, C, H, W]);
  const terms = [];
  if (L.type === 'maxpool2d' || L.type === 'globalmaxpool') {
    const arg = L.steps.argmax.values, per = L.type === 'globalmaxpool' ? 1 : OH * OW;
    for (let k = 0; k < per; k++) {
      const at = (s * C + c) * per + k;
      if (arg[at] === y * W + x) terms.push({ a: ref('dOutput', at), b: { const: 1, tex: '1' } });
    }
    return terms;
  }
  const scale = ref('step.scale', 0);
  if (L.type === 'globalavgpool') return [{ a: ref('dOutput', s * C + c), b: scale }];
  const [KH, KW] = L.config.size, [SH, SW] = L.config.stride, [PH, PW] = L.config.padding;
  for (let i = 0; i < OH; i++)
    for (let j = 0; j < OW; j++) {
      const p = y + PH - i * SH, q = x + PW - j * SW;
      if (p >= 0 && p < KH && q >= 0 && q < KW) terms.push({ a: ref('dOutput', flat([s, c, i, j], [n, C, OH, OW])), b: scale });
    }
  return terms;
}

// Activations: dx = δ · f′(z) (steps.derivative); PReLU also dα = Σ δ·z over z ≤ 0 (one α, or one per channel).
function activation(trace, L, tensor, index) {
  if (tensor === 'dInput') return [{ a: ref('dOutput', index), b: ref('step.derivative', index) }];
  if (L.type !== 'prelu' || tensor !== 'grad.alpha') return null;
  const z = L.input, per = prod(L.inputShape), plane = per / L.inputShape[0];
  const channelwise = L.grads.alpha.shape[0] > 1;
  const terms = [];
  for (let i = 0; i < z.length; i++) {
    if (channelwise && Math.floor((i % per) / plane) !== index) continue;
    if (z[i] <= 0) terms.push({ a: ref('dOutput', i), b: ref('input', i) });
  }
  return terms;
}
const ACTIVATION = activation;

const BY_TYPE = {
  dense,
  conv2d: conv,
  maxpool2d: pool,
  avgpool2d: pool,
  globalmaxpool: pool,
  globalavgpool: pool,
};

// example.js: a chapter's live example: its sizes (clamped to the chapter's limits, with a
// message naming each bad value), the one-layer float64 net with its loss, the seeded numbers,
// and the two core calls the page makes (trace, numericGradient). No DOM.
import { withBugSteps } from './bugsteps.js';
import { mulberry32 } from '../core/random.js';

// The chapters the page builds, their size controls [name, min, max, default] and "break it" bugs.
export const CHAPTERS = {
  'fc-loss': {
    params: [['in', 1, 6, 4], ['out', 2, 6, 3], ['n', 1, 4, 2]],
    choice: ['loss', ['softmax_cross_entropy', 'mse']],
    bugs: (p) => (p.loss === 'mse' ? ['loss-no-mean', 'mse-no-half'] : ['loss-no-mean']),
  },
  'conv-single': {
    params: [['h', 2, 7, 4], ['w', 2, 7, 4], ['k', 1, 4, 2]],
    bugs: () => ['conv-no-rotate'],
  },
  'conv-multichannel': {
    params: [['cin', 1, 3, 2], ['cout', 1, 3, 2], ['h', 2, 6, 4], ['w', 2, 6, 4], ['k', 1, 4, 2]],
    bugs: () => ['conv-no-rotate'],
  },
  'conv-stride': {
    params: [['cin', 1, 3, 1], ['cout', 1, 3, 1], ['h', 2, 7, 5], ['w', 2, 7, 5], ['k', 1, 4, 2], ['s', 1, 3, 2]],
    bugs: () => ['conv-no-dilate', 'conv-no-rotate'],
  },
  'conv-padding': {
    params: [['cin', 1, 3, 1], ['cout', 1, 3, 1], ['h', 2, 6, 4], ['w', 2, 6, 4], ['k', 1, 4, 3], ['s', 1, 3, 1], ['p', 0, 3, 1]],
    bugs: () => ['conv-crop-off-by-one', 'conv-no-rotate'],
  },
  pooling: {
    params: [['c', 1, 3, 1], ['h', 2, 8, 4], ['w', 2, 8, 4], ['size', 1, 4, 2], ['s', 1, 4, 2]],
    choice: ['pool', ['maxpool2d', 'avgpool2d', 'globalmaxpool', 'globalavgpool']],
    bugs: (p) => (p.pool === 'maxpool2d' ? ['maxpool-wrong-index'] : p.pool === 'avgpool2d' ? ['avgpool-no-scale'] : []),
  },
  activations: {
    params: [['c', 1, 2, 1], ['h', 1, 5, 3], ['w', 1, 5, 4]],
    choice: ['act', ['relu', 'leaky_relu', 'prelu', 'elu', 'selu', 'sigmoid', 'tanh']],
    bugs: (p) => (p.act === 'relu' ? ['relu-no-mask'] : []),
  },
};
/** The chapters with a widget of their own (optimizers.js, network.js) instead of a one-layer example. */
export const WIDGETS = ['optimizers', 'network'];
export const ORDER = [...Object.keys(CHAPTERS), ...WIDGETS];

/**
 * Reads a chapter's settings from a plain object of strings (the hash): every size clamped to its
 * limits and to what the geometry allows. -> { params, problems: [{ key, name, value, min, max }] }
 */
export function settingsOf(chapter, raw) {
  const def = CHAPTERS[chapter], params = {}, problems = [];
  const take = (name, min, max, dflt) => {
    const s = raw[name];
    if (s === undefined || s === '') return (params[name] = dflt);
    const v = Number(s);
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push({ name, value: s, min, max });
      params[name] = Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : dflt;
    } else params[name] = v;
  };
  for (const [name, min, max, dflt] of def.params) take(name, min, max, dflt);
  if (def.choice) {
    const [name, options] = def.choice;
    if (raw[name] !== undefined && !options.includes(raw[name])) problems.push({ name, value: raw[name], options });
    params[name] = options.includes(raw[name]) ? raw[name] : options[0];
  }
  // geometry: the kernel fits the (padded) input; padding < kernel; the pool window fits
  const clamp = (name, max) => {
    if (params[name] > max) problems.push({ name, value: String(params[name]), min: name === 'p' ? 0 : 1, max }), (params[name] = max);
  };
  if (params.k !== undefined) {
    clamp('k', Math.min(params.h, params.w) + 2 * (params.p ?? 0));  // the kernel fits the padded input
    if (params.p !== undefined) clamp('p', params.k - 1);  // padding < kernel (then the kernel still fits)
  }
  if (params.size !== undefined) clamp('size', Math.min(params.h, params.w));
  const seed = Number(raw.seed ?? 1);
  if (!Number.isSafeInteger(seed) || seed < 0) problems.push({ name: 'seed', value: raw.seed, min: 0, max: 2 ** 31 });
  params.seed = Number.isSafeInteger(seed) && seed >= 0 ? seed : 1;
  const bugs = def.bugs(params);
  params.bug = bugs.includes(raw.bug) ? raw.bug : 'none';
  if (raw.bug && raw.bug !== 'none' && params.bug === 'none') problems.push({ name: 'bug', value: raw.bug, options: bugs });
  return { params, problems };
}

/** The net spec of a chapter: one layer and its loss, float64. */
export function specOf(chapter, p) {
  const base = { dtype: 'float64', seed: p.seed, loss: 'mse' };
  if (chapter === 'fc-loss') return { ...base, input: [p.in], layers: [{ type: 'dense', units: p.out }], loss: p.loss };
  if (chapter.startsWith('conv-')) {
    return { ...base, input: [p.cin ?? 1, p.h, p.w], layers: [{ type: 'conv2d', filters: p.cout ?? 1, kernel: p.k, stride: p.s ?? 1, padding: p.p ?? 0 }] };
  }
  if (chapter === 'pooling') {
    const layer = p.pool.startsWith('global') ? { type: p.pool } : { type: p.pool, size: p.size, stride: p.s };
    return { ...base, input: [p.c, p.h, p.w], layers: [layer] };
  }
  return { ...base, input: [p.c, p.h, p.w], layers: [{ type: p.act, ...(p.act === 'prelu' ? { channelwise: p.c > 1 } : {}) }] };
}

// the example's numbers from its seed (mulberry32, web/core/random.js)
const rng = (seed) => mulberry32((seed * 2654435761 + 0x9e3779b9) >>> 0);
// Two decimals so the written-out sums stay readable.
const round2 = (v) => Math.round(v * 100) / 100;

/**
 * Builds the chapter's net and its seeded input and targets. The caller disposes ex.net.
 * given (givenOf(...).given): the trainer's numbers for the input and the parameters instead.
 */
export function buildExample(bp, chapter, p, given = null) {
  const net = bp.sequential(specOf(chapter, p));
  const n = given?.n ?? (chapter === 'fc-loss' ? p.n : 1);
  const r = rng(p.seed);
  const inSize = net.inputShape.reduce((a, b) => a * b, 1), outSize = net.outputShape.reduce((a, b) => a * b, 1);
  const x = new Float64Array(n * inSize);
  for (let i = 0; i < x.length; i++) {
    let v = 0;
    while (v === 0) v = round2(r() * 2 - 1);  // never exactly on a kink
    x[i] = v;
  }
  let targets;
  if (net.spec.loss === 'softmax_cross_entropy') targets = Float64Array.from({ length: n }, () => Math.floor(r() * outSize));
  else targets = Float64Array.from({ length: n * outSize }, () => round2(r() * 2 - 1));
  if (given) {
    if (given.x.length === x.length) x.set(given.x);
    if (given.targets?.length === targets.length) targets = Float64Array.from(given.targets);
    for (const name of ['weight', 'bias']) if (given[name]) net.setParam(0, name, given[name]);
  }
  return { net, x, targets, n, chapter, params: p, given };
}

/**
 * The core's trace of the example (net.trace), with a broken layer's steps as the bug takes them
 * (bugsteps.js), so that every written-out sum adds up to the core's value.
 */
export function traceOf(bp, ex, bug = 'none') {
  return withBugSteps(bp, ex.net.trace(ex.x, ex.targets, ex.n, { bug }));
}

/** The core's float64 centred differences for every entry of one tensor (net.numericGradient). */
export function numericOf(bp, ex, layer, tensor) {
  return ex.net.numericGradient(ex.x, ex.targets, ex.n, { layer, tensor });
}

/** The core's trace of a whole net on (x, targets) (net.trace), a broken layer's steps as the bug takes them. */
export function traceNetOf(bp, net, x, targets, n = 1, { bug = 'none' } = {}) {
  return withBugSteps(bp, net.trace(x, targets, n, { bug }));
}

/**
 * The core's float64 centred differences for one tensor of a whole net (net.numericGradient):
 * 'weight' | 'bias' of layer `layer`, or 'input' of layer `layer` (= number of layers: the loss's input).
 */
export function numericNetOf(bp, net, x, targets, n, { layer, tensor }) {
  return net.numericGradient(x, targets, n, { layer, tensor });
}

// ---- numbers handed over by the trainer (the demo's gradient-check rows) ----

/**
 * A chapter's example from a real layer of the trainer (the record the demo leaves in
 * sessionStorage['backprop-lesson-handoff'], web/demo/handoff.js): the layer's config and the
 * numbers of the checked samples, cut to the chapter's limits (a window of the input where its
 * largest entries are, the first channels and filters, the inputs and outputs that matter).
 * -> { raw (the chapter's settings, as the hash holds them), given: { x, n, weight, bias, targets }, window }
 * or null when the record does not fit the chapter. buildExample(bp, chapter, params, given) uses
 * given's numbers instead of the seeded ones; the lesson's loss stays its own (an MSE or
 * cross-entropy on this one layer), so δ^l is the lesson's, not the trainer's.
 */
export function givenOf(chapter, rec) {
  const def = CHAPTERS[chapter];
  if (!def || !rec || !Array.isArray(rec.input)) return null;
  const lim = Object.fromEntries(def.params.map(([name, min, max]) => [name, [min, max]]));
  const cap = (name, v) => Math.max(lim[name][0], Math.min(lim[name][1], v));
  const cfg = rec.config, shape = rec.inputShape, per = shape.reduce((a, b) => a * b, 1);
  const nAll = Math.floor(rec.input.length / per);
  const sample = (s) => rec.input.slice(s * per, (s + 1) * per);
  if (chapter === 'fc-loss' && cfg.type === 'dense') {
    const n = cap('n', nAll), inAll = per, outAll = cfg.units;
    const x = Array.from({ length: n }, (_, s) => sample(s));
    // the inputs with the largest |x| over the samples; the outputs of the samples' labels first
    const ins = [...Array(inAll).keys()].sort((a, b) => Math.max(...x.map((v) => Math.abs(v[b]))) - Math.max(...x.map((v) => Math.abs(v[a])))).slice(0, cap('in', inAll)).sort((a, b) => a - b);
    const labels = (rec.labels ?? []).slice(0, n).filter((l) => l < outAll);
    const outs = [...new Set([...labels, ...Array(outAll).keys()])].slice(0, cap('out', outAll)).sort((a, b) => a - b);
    const W = rec.weight?.values ?? [], B = rec.bias?.values ?? [];
    const last = labels.length === n && labels.every((l) => outs.includes(l));
    return {
      raw: { in: ins.length, out: outs.length, n, loss: last ? 'softmax_cross_entropy' : 'mse' },
      given: {
        n, x: Float64Array.from(x.flatMap((v) => ins.map((i) => v[i]))),
        weight: Float64Array.from(outs.flatMap((o) => ins.map((i) => W[o * inAll + i] ?? 0))),
        bias: Float64Array.from(outs.map((o) => B[o] ?? 0)),
        targets: last ? Float64Array.from(labels.map((l) => outs.indexOf(l))) : null,
      },
      window: { inputs: ins, outputs: outs, samples: (rec.samples ?? []).slice(0, n) },
    };
  }
  // the image-like chapters: one sample, a window of [C, H, W]
  const [C, H, W] = shape.length === 3 ? shape : [1, Math.ceil(per / Math.min(per, 5)), Math.min(per, 5)];
  const img = shape.length === 3 ? sample(0) : Array.from({ length: C * H * W }, (_, i) => sample(0)[i] ?? 0);
  const raw = {};
  let cin, hName = 'h', wName = 'w';
  if (chapter.startsWith('conv-') && cfg.type === 'conv2d') {
    cin = cap(lim.cin ? 'cin' : 'h', C);
    if (lim.cin) raw.cin = cin, raw.cout = cap('cout', cfg.filters);
    raw.k = cap('k', cfg.kernel[0]);
    if (lim.s) raw.s = cap('s', cfg.stride[0]);
    if (lim.p) raw.p = cap('p', cfg.padding[0]);
  } else if (chapter === 'pooling' && /pool/.test(cfg.type)) {
    cin = cap('c', C);
    raw.c = cin;
    raw.pool = cfg.type;
    if (cfg.size) raw.size = cap('size', cfg.size[0]), raw.s = cap('s', cfg.stride[0]);
  } else if (chapter === 'activations' && def.choice[1].includes(cfg.type)) {
    cin = cap('c', C);
    raw.c = cin;
    raw.act = cfg.type;
  } else return null;
  const h = Math.min(H, lim[hName][1]), w = Math.min(W, lim[wName][1]);
  raw.h = h;
  raw.w = w;
  // the h×w window with the largest Σ|x| over the first cin channels
  let best = [0, 0], bestSum = -1;
  for (let r = 0; r + h <= H; r++) for (let c = 0; c + w <= W; c++) {
    let sum = 0;
    for (let ch = 0; ch < cin; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) sum += Math.abs(img[(ch * H + r + i) * W + c + j]);
    if (sum > bestSum) (bestSum = sum), (best = [r, c]);
  }
  const x = new Float64Array(cin * h * w);
  for (let ch = 0; ch < cin; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) x[(ch * h + i) * w + j] = img[(ch * H + best[0] + i) * W + best[1] + j];
  let weight = null, bias = null;
  if (cfg.type === 'conv2d' && rec.weight) {
    const [OC, C0, KH, KW] = rec.weight.shape, cout = raw.cout ?? 1, k = raw.k;
    weight = new Float64Array(cout * cin * k * k);
    for (let o = 0; o < cout; o++) for (let ch = 0; ch < cin; ch++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++)
      weight[((o * cin + ch) * k + i) * k + j] = o < OC && ch < C0 && i < KH && j < KW ? rec.weight.values[((o * C0 + ch) * KH + i) * KW + j] : 0;
    bias = Float64Array.from({ length: cout }, (_, o) => rec.bias?.values[o] ?? 0);
  }
  return { raw, given: { n: 1, x, weight, bias, targets: null }, window: { rows: [best[0], best[0] + h - 1], cols: [best[1], best[1] + w - 1], channels: cin, samples: (rec.samples ?? []).slice(0, 1) } };
}

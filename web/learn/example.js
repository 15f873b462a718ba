// example.js: a chapter's live example: its sizes (clamped to the chapter's limits, with a
// message naming each bad value), the one-layer float64 net with its loss, the seeded numbers,
// and the two core calls the page makes (trace, numericGradient). No DOM.
import { shimTrace, shimNumericGradient, shimTraceNet, shimNumericGradientNet } from './trace-shim.js';  // TEMPORARY: until net.trace lands

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

// mulberry32: the example's numbers from its seed
function rng(seed) {
  let a = (seed * 2654435761 + 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// Two decimals so the written-out sums stay readable.
const round2 = (v) => Math.round(v * 100) / 100;

/** Builds the chapter's net and its seeded input and targets. The caller disposes ex.net. */
export function buildExample(bp, chapter, p) {
  const net = bp.sequential(specOf(chapter, p));
  const n = chapter === 'fc-loss' ? p.n : 1;
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
  return { net, x, targets, n, chapter, params: p };
}

/** The core's trace of the example (the spec's net.trace; the shim until it lands). */
export function traceOf(bp, ex, bug = 'none') {
  if (typeof ex.net.trace === 'function') return ex.net.trace(ex.x, ex.targets, ex.n, { bug });
  return shimTrace(bp, ex.net, ex.x, ex.targets, ex.n, { bug });
}

/** The core's float64 centred differences for every entry of one tensor (see learn-spec.md). */
export function numericOf(bp, ex, layer, tensor) {
  if (typeof ex.net.numericGradient === 'function') return ex.net.numericGradient(ex.x, ex.targets, ex.n, { layer, tensor });
  return shimNumericGradient(bp, ex.net, ex.x, ex.targets, ex.n, { layer, tensor });
}

/** The core's trace of a whole net on (x, targets) (net.trace; the shim until it lands). */
export function traceNetOf(bp, net, x, targets, n = 1, { bug = 'none' } = {}) {
  if (typeof net.trace === 'function') return net.trace(x, targets, n, { bug });
  if (bug !== 'none') throw new Error(`teaching bug ${bug}: needs the core's net.trace`);
  return shimTraceNet(bp, net, x, targets, n);
}
/** Whether a whole net can be traced with a teaching bug (the core's net.trace). */
export const canBreakNet = (net) => typeof net.trace === 'function';

/**
 * The core's float64 centred differences for one tensor of a whole net: 'weight' | 'bias' of
 * layer `layer`, or 'input' of layer `layer` (= number of layers: the loss's input). `input`: the
 * tensor's values now (the trace's), which the shim needs for 'input'.
 */
export function numericNetOf(bp, net, x, targets, n, { layer, tensor, input }) {
  if (typeof net.numericGradient === 'function') return net.numericGradient(x, targets, n, { layer, tensor });
  return shimNumericGradientNet(bp, net, x, targets, n, { layer, tensor, input });
}

// backprop.js: the ES-module API over the WASM module (the core layer: no DOM, no workers);
// runs in a page, a worker and Node. Users never see Embind handles: a Net owns one and frees it
// in dispose(). The package entry (web/index.js) re-exports this with the rest of the API.
import createBackpropModule from '../../dist/backprop.mjs';
import { BackpropError, check } from './errors.js';
import { track, release } from './lifetime.js';
import { trainingChunks } from './fit.js';
import { assembleTrace } from './trace.js';

let modulePromise = null;

/** Loads (once) and returns the backprop API. */
export async function loadBackprop() {
  if (!modulePromise) modulePromise = createBackpropModule().then((M) => makeApi(M));
  return modulePromise;
}

// ---- an abort (a bug) replaces the module ----
// A trap inside the module (RuntimeError "Aborted()", "memory access out of bounds", ...) leaves
// it corrupt. The call that hit it throws a BackpropError saying so; that instance is marked dead
// (`lost` maps it to the message its nets and datasets then throw) and a new one is loaded, which
// the API uses once ready() resolves. Settings made through the API are applied to it again.
const lost = new WeakMap();
let live = null;  // { M, ready: Promise, settings: { name: args } }

function isAbort(e) {
  return (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) || /^Aborted\(|memory access out of bounds/.test(e?.message ?? '');
}
// Whether a module can still be called into after the error e (it may free what a call left).
function usable(M, e) {
  return !lost.has(M) && !isAbort(e);
}
// A new handle h of module M, filled by fn(h): if fn throws, h is freed (unless M aborted) and
// the error passes on.
function filled(M, h, fn) {
  try {
    fn(h);
    return h;
  } catch (e) {
    if (usable(M, e)) h.delete();
    throw e;
  }
}
// The BackpropError of a lost module (moduleLost(e) is true for it).
function lostError(message) {
  return Object.assign(new BackpropError(message), { moduleLost: true });
}
/** Whether e says the module aborted: what was in it is gone (a worker holding it should be replaced). */
export function moduleLost(e) {
  return e?.moduleLost === true || isAbort(e);
}
function checkAlive(M, what) {
  if (lost.has(M)) throw lostError(`${what}: ${lost.get(M)}`);
}
// The error a call throws: an abort becomes a BackpropError and starts the module's replacement.
function afterAbort(e) {
  if (!isAbort(e) || !live || lost.has(live.M)) return e;
  const why = String(e.message ?? e);
  lost.set(live.M, `the WASM module aborted (${why}) and was reset; every net and dataset made before then is gone: make them again`);
  const settings = live.settings;
  live.ready = createBackpropModule().then((M) => {
    for (const [name, args] of Object.entries(settings)) M[name](...args);
    live.M = M;
  });
  return lostError(`the WASM module aborted (${why}) and was reset: the nets and datasets made before are gone (await bp.ready() before making new ones)`);
}
// fn, turning an abort into afterAbort's error.
function guarded(fn) {
  return function (...args) {
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw afterAbort(e);
    }
  };
}
// Every method and getter of cls, guarded.
function guardAll(target) {
  for (const key of Reflect.ownKeys(target)) {
    const d = Object.getOwnPropertyDescriptor(target, key);
    if (key === 'constructor' || !d.configurable) continue;
    if (typeof d.value === 'function') d.value = guarded(d.value);
    if (typeof d.get === 'function') d.get = guarded(d.get);
    Object.defineProperty(target, key, d);
  }
  return target;
}

function makeApi(first) {
  live = { M: first, ready: Promise.resolve(), settings: {} };
  const module = () => {
    checkAlive(live.M, 'backprop');
    return live.M;
  };
  const setting = (name, ...args) => {
    live.settings[name] = args;
    return module()[name](...args);
  };
  return guardAll({
    /** Builds a Sequential net from a spec object (see README). Throws BackpropError on a bad spec. */
    sequential(spec) {
      return new Net(module(), spec);
    },
    /** Resolves when the module can be used: at once, or after an abort once its replacement has loaded. */
    ready() {
      return live.ready;
    },
    /** The memory budget (docs/memory.md): { inUse, budget } in bytes. */
    memory() {
      return module().memory();
    },
    /** Lowers the memory budget to `bytes` (at most the default, 1.5 GiB); over it, allocations throw. */
    setMemoryBudget(bytes) {
      if (typeof bytes !== 'number') throw new BackpropError(`memory budget must be a number of bytes, got ${describe(bytes)}`);
      check(module().setMemoryBudget(bytes));
      live.settings.setMemoryBudget = [bytes];
    },
    /** Aborts the module as a bug would (for tests of the recovery): throws the abort's BackpropError. */
    simulateAbort() {
      module().simulateAbort();
    },
    /**
     * A dataset held inside the module (copied in once): images is a Uint8Array of pixels
     * (scaled to [0,1] on use) or float values, count*numel(shape) of them; labels holds one
     * class per image (cross-entropy) or D mse targets per image. options: { classes } also
     * checks every label is in [0, classes). Free it with dispose().
     */
    dataset(images, labels, shape, { classes = 0 } = {}) {
      return new Dataset(module(), images, labels, shape, classes);
    },
    /** Rebuilds a net from a model file, net.save()'s or the older 'BPWM' one (parameters bit-identical, optimizer state if saved). */
    load(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new BackpropError(`load: expected a Uint8Array, got ${describe(bytes)}`);
      const M = module();
      const h = filled(M, new M.NetHandle(), (h) => {
        stage(h.stageBytes(bytes.length), bytes);
        check(h.load());
      });
      return new Net(M, null, h);
    },
    /** Rebuilds a net from net.toJSON(): { spec, params: [{ layer, name, shape, values }] }. */
    fromJSON(obj) {
      if (obj == null || typeof obj !== 'object' || !Array.isArray(obj.params))
        throw new BackpropError(`fromJSON: expected { spec, params: [...] }, got ${describe(obj)}`);
      const net = new Net(module(), obj.spec);
      try {
        // Each tensor of the spec's net exactly once, with its shape and finite numbers (setParam).
        const want = net.paramInfo(), seen = new Set();
        const key = (p) => `layer ${p.layer} ${p.name}`;
        for (const p of obj.params) {
          if (p == null || typeof p !== 'object') throw new BackpropError(`fromJSON: each param must be { layer, name, shape, values }, got ${describe(p)}`);
          const w = want.find((q) => q.layer === p.layer && q.name === p.name);
          if (!w) throw new BackpropError(`fromJSON: ${key(p)} is not a parameter of the spec's net (it has: ${want.map(key).join(', ')})`);
          if (seen.has(key(p))) throw new BackpropError(`fromJSON: ${key(p)} is listed twice`);
          seen.add(key(p));
          if (!Array.isArray(p.shape) || p.shape.length !== w.shape.length || p.shape.some((d, i) => d !== w.shape[i]))
            throw new BackpropError(`fromJSON: ${key(p)} has shape ${JSON.stringify(p.shape)}, but the spec's net has ${JSON.stringify(w.shape)}`);
          toLength(p.values, `fromJSON: ${key(p)} values`);
          net.setParam(p.layer, p.name, p.values);
        }
        const missing = want.find((q) => !seen.has(key(q)));
        if (missing) throw new BackpropError(`fromJSON: ${key(missing)} ${JSON.stringify(missing.shape)} is missing`);
      } catch (e) {
        net.dispose();
        throw e;
      }
      return net;
    },
    /** Bytes the WASM heap has allocated right now (for leak checks). */
    heapInUse() {
      return module().heapInUse();
    },
    /** Bytes of WASM linear memory the module has now (it grows on demand, never shrinks). */
    memoryBytes() {
      return module().HEAP8.buffer.byteLength;
    },
    /** GFLOP/s of the GEMM micro-kernel (f32x4 mul+add, L1-resident) measured for about ms milliseconds. */
    peakGflops(ms = 200) {
      return module().peakGflops(ms);
    },
    /** true: every layer runs its reference loops instead of the fast kernels (for tests and the benchmark). */
    setReferenceKernels(on) {
      setting('setReferenceKernels', !!on);
    },
    /** false: stride-1 3×3 convs run im2col + GEMM instead of Winograd F(2×2, 3×3) in the forward pass (default true). */
    setWinograd(on) {
      setting('setWinograd', !!on);
    },
  });
}

// Copies values into a staged C++ buffer (a view, or over the memory budget the message):
// plain arrays and typed arrays alike.
function stage(view, values) {
  if (typeof view === 'string') throw new BackpropError(view);
  if (values.length > 0) view.set(values);
}

const now = () => globalThis.performance?.now() ?? Date.now();

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return 'an object';
  return v?.constructor?.name && typeof v === 'object' ? `a ${v.constructor.name}` : `${typeof v} ${String(v)}`;
}

const HANDLE = Symbol('handle');

/** Images and labels held inside the module; see bp.dataset(). */
export class Dataset {
  #M;
  #h;
  #count;
  #shape;

  constructor(M, images, labels, shape, classes) {
    const n = toLength(images, 'dataset images');
    const nl = toLength(labels, 'dataset labels');
    if (!Array.isArray(shape)) throw new BackpropError(`dataset: shape must be an array like [1,28,28], got ${describe(shape)}`);
    if (!Number.isInteger(classes) || classes < 0) throw new BackpropError(`dataset: classes must be a non-negative integer, got ${classes}`);
    const uint8 = images instanceof Uint8Array || images instanceof Uint8ClampedArray;
    const h = filled(M, new M.DatasetHandle(), (h) => {
      stage(uint8 ? h.stagePixels(n) : h.stageFloats(n), images);
      stage(h.stageTargets(nl), labels);
      check(h.finish(JSON.stringify(shape), uint8, classes));
    });
    this.#M = M;
    this.#h = h;
    this.#count = h.count();
    this.#shape = [...shape];
    track(this, h, 'Dataset');
  }
  [HANDLE]() {
    if (!this.#h) throw new BackpropError('dataset: used after dispose()');
    checkAlive(this.#M, 'dataset');
    return this.#h;
  }
  /** Number of samples. */
  get count() {
    this[HANDLE]();
    return this.#count;
  }
  get shape() {
    return [...this.#shape];
  }
  /** Numbers per sample in the labels: 1 (class labels) or the mse targets per sample. */
  get targetSize() {
    return this[HANDLE]().targetSize();
  }
  /** A copy of what the dataset holds: { images (Uint8Array pixels or Float32Array), labels (Float64Array), shape }. */
  export() {
    const h = this[HANDLE]();
    return { images: h.images().slice(), labels: h.targets().slice(), shape: this.shape };
  }
  /**
   * Samples by index, as a net reads them: { x: Float32Array (pixels scaled to [0,1]), labels:
   * Float64Array (targetSize per sample), n }. For pictures and small probes, not for training.
   */
  samples(indices) {
    const h = this[HANDLE](), S = this.#shape.reduce((a, b) => a * b, 1), D = h.targetSize();
    const n = toLength(indices, 'dataset samples');
    const images = h.images(), targets = h.targets(), scale = images instanceof Uint8Array ? 1 / 255 : 1;
    const x = new Float32Array(n * S), labels = new Float64Array(n * D);
    for (let b = 0; b < n; b++) {
      const i = indices[b];
      if (!Number.isInteger(i) || i < 0 || i >= this.#count)
        throw new BackpropError(`dataset samples: index ${i} at position ${b} is not a sample in [0, ${this.#count})`);
      for (let k = 0; k < S; k++) x[b * S + k] = images[i * S + k] * scale;
      for (let d = 0; d < D; d++) labels[b * D + d] = targets[i * D + d];
    }
    return { x, labels, n };
  }
  dispose() {
    this.#h = release(this, this.#h, lost.has(this.#M));
  }
  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.dispose();
  }
}

function positiveInt(v, what) {
  if (!Number.isInteger(v) || v < 1) throw new BackpropError(`${what} must be an integer >= 1, got ${v}`);
  return v;
}

// The length of an array of numbers about to be staged, checked: a typed array of numbers (not
// BigInt64Array), or an array whose every entry is a number (copying would turn null or "01" into
// a number silently); at most max values, and no more than a staging buffer can hold.
function toLength(values, what, max = Infinity) {
  if (values == null || typeof values.length !== 'number')
    throw new BackpropError(`${what}: expected an array or typed array, got ${values === null ? 'null' : typeof values}`);
  const n = values.length;
  // A buffer past the core's limit would fail to allocate, and that aborts the module.
  if (n > max || n > 0x7fffffff) throw new BackpropError(`${what}: ${n} values, more than the limit of ${Math.min(max, 0x7fffffff)}`);
  if (!Number.isInteger(n) || n < 0) throw new BackpropError(`${what}: length must be a non-negative integer, got ${n}`);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array)
    throw new BackpropError(`${what}: expected numbers, got a ${values.constructor.name} (use a Float32Array or Float64Array)`);
  if (!ArrayBuffer.isView(values))
    for (let i = 0; i < n; i++)
      if (typeof values[i] !== 'number')
        throw new BackpropError(`${what}: [${i}] is ${typeof values[i] === 'string' ? `the string ${JSON.stringify(values[i])}` : describe(values[i])}, not a number`);
  return n;
}

// Embind would wrap or reject these with its own errors: check them here, in the one error type.
function toCount(n, what) {
  // (the same words as the C++ check_input, which sees only what passes here)
  if (!Number.isInteger(n)) throw new BackpropError(`${what}: n must be an integer, got ${n}`);
  if (n < 1) throw new BackpropError(`${what}: n must be >= 1, got ${n}`);
  if (n > 0x7fffffff) throw new BackpropError(`${what}: n is too large, got ${n}`);
  return n;
}
function seedOf(seed, what) {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new BackpropError(`${what}: seed must be a non-negative integer, got ${seed}`);
  return seed;
}
function datasetHandle(dataset, what) {
  if (!(dataset instanceof Dataset)) throw new BackpropError(`${what}: expected a dataset from bp.dataset(), got ${describe(dataset)}`);
  return dataset[HANDLE]();
}
function gradCheckOptions(what, { eps = 1e-6, stencil = 2, maxCoords = 100, seed = 1, bug = 'none' } = {}) {
  if (!Number.isInteger(maxCoords) || maxCoords < 1 || maxCoords > 0x7fffffff)
    throw new BackpropError(`${what}: maxCoords must be an integer >= 1, got ${maxCoords}`);
  seedOf(seed, what);
  if (typeof eps !== 'number' || typeof stencil !== 'number')
    throw new BackpropError(`${what}: eps and stencil must be numbers, got ${typeof eps} and ${typeof stencil}`);
  if (typeof bug !== 'string') throw new BackpropError(`${what}: bug must be a string, got ${describe(bug)}`);
  return { eps, stencil, maxCoords, seed, bug };
}
function checkParamKey(h, layer, name) {
  if (!Number.isInteger(layer) || Math.abs(layer) > 0x7fffffff) throw new BackpropError(`param: layer must be an integer, got ${layer}`);
  if (typeof name !== 'string') throw new BackpropError(`param: name must be a string, got ${typeof name}`);
  check(h.checkParam(layer, name));
}

export class Net {
  #M;
  #h;
  #info;

  constructor(M, spec, loaded = null) {
    if (loaded) {
      this.#M = M;
      this.#h = loaded;
      this.#info = JSON.parse(loaded.info());
      track(this, loaded, 'Net');
      return;
    }
    if (spec == null || typeof spec !== 'object') throw new BackpropError(`spec: must be an object {input, layers, loss}, got ${spec}`);
    this.#M = M;
    let text;
    try {
      text = JSON.stringify(spec);
    } catch (e) {
      throw new BackpropError(`spec: cannot be written as JSON (${e.message})`);
    }
    const h = filled(M, new M.NetHandle(), (h) => check(h.init(text)));
    this.#h = h;
    this.#info = JSON.parse(h.info());
    track(this, h, 'Net');
  }

  #handle() {
    if (!this.#h) throw new BackpropError('net: used after dispose()');
    checkAlive(this.#M, 'net');
    return this.#h;
  }
  // fn(handle) for a call that stages data into the module: if it throws (a refused input), the
  // staged buffers are freed, so a refused call keeps no memory.
  #staged(fn) {
    const h = this.#handle();
    try {
      return fn(h);
    } catch (e) {
      if (usable(this.#M, e)) h.unstage();
      throw e;
    }
  }

  /** 'float32' or 'float64'. */
  get dtype() {
    return this.#handle().float64() ? 'float64' : 'float32';
  }
  get inputShape() {
    this.#handle();
    return [...this.#info.input];
  }
  get outputShape() {
    this.#handle();
    return [...this.#info.output];
  }
  /** The normalised spec (every option with its value). */
  get spec() {
    this.#handle();
    return structuredClone(this.#info.spec);
  }
  /** Per layer: its normalised config with inputShape and outputShape. */
  layers() {
    this.#handle();
    return structuredClone(this.#info.layers);
  }
  /** [{ layer, name, shape }] for every parameter tensor. */
  paramInfo() {
    this.#handle();
    return structuredClone(this.#info.params);
  }

  getParam(layer, name) {
    const h = this.#handle();
    checkParamKey(h, layer, name);
    return h.param(layer, name, false).slice();
  }
  getGrad(layer, name) {
    const h = this.#handle();
    checkParamKey(h, layer, name);
    return h.param(layer, name, true).slice();
  }
  setParam(layer, name, values) {
    this.#staged((h) => {
      checkParamKey(h, layer, name);
      stage(h.stageValues(toLength(values, `setParam: layer ${layer} ${name}`, this.#M.maxValues())), values);
      check(h.setParam(layer, name));
    });
  }

  // ---- data-parallel replicas (web/parallel.js) ----

  /** Parameter gradients only (zeroed first) on (x, targets); returns the loss. No dx, no step. */
  paramGradients(x, targets, n = 1) {
    const h = this.#runOnData('paramGradients', x, targets, n);
    return h.lastLoss();
  }
  /**
   * Every parameter's gradient, layer order (paramInfo order): a new typed array, or copied into
   * `out` (a typed array of that length, e.g. a shared buffer's view), so a step allocates nothing.
   */
  getGradients(out = null) {
    const g = this.#handle().gradients();
    if (out === null) return g.slice();
    if (out.length !== g.length) throw new BackpropError(`getGradients: out holds ${out.length} values, the net has ${g.length} parameters`);
    out.set(g);
    return out;
  }
  /** Overwrites every parameter's gradient from one array (the getGradients layout). */
  setGradients(values) {
    this.#staged((h) => {
      stage(h.stageValues(toLength(values, 'setGradients', this.#M.maxValues())), values);
      check(h.setGradients());
    });
  }
  /** One optimizer step on the current gradients (trainStep without recomputing them). */
  applyGradients() {
    check(this.#handle().applyGradients());
  }

  // Stages x (and targets, unless undefined), then runs fn(h) (#staged: a throw frees them).
  #withData(what, x, targets, fn) {
    return this.#staged((h) => {
      stage(h.stageX(toLength(x, what, this.#M.maxValues())), x);
      if (targets !== undefined) stage(h.stageTargets(toLength(targets, 'targets', this.#M.maxValues())), targets);
      return fn(h);
    });
  }
  // Stages x and targets, then makes the one C++ call `what`(n) that reads them.
  #runOnData(what, x, targets, n) {
    return this.#withData(what, x, targets, (h) => {
      check(h[what](toCount(n, what)));
      return h;
    });
  }

  /** x: n*inputSize numbers -> a new typed array of n*outputSize outputs. */
  forward(x, n = 1) {
    return this.#withData('forward', x, undefined, (h) => {
      check(h.forward(toCount(n, 'forward')));
      return h.output().slice();
    });
  }
  /** After forward: dy (n*outputSize) -> adds into parameter grads, returns dx (n*inputSize). */
  backward(dy) {
    return this.#staged((h) => {
      stage(h.stageDy(toLength(dy, 'backward', this.#M.maxValues())), dy);
      check(h.backward());
      return h.inputGrad().slice();
    });
  }
  zeroGrad() {
    this.#handle().zeroGrad();
  }
  /** Zero grads, forward, loss, backward; returns the loss. */
  computeGradients(x, targets, n = 1) {
    const h = this.#runOnData('computeGradients', x, targets, n);
    return h.lastLoss();
  }
  /** The loss on (x, targets) without touching gradients. */
  loss(x, targets, n = 1) {
    const h = this.#runOnData('loss', x, targets, n);
    return h.lastLoss();
  }
  /**
   * Analytic vs numerical gradients in float64 (a float64 twin for float32 nets) on (x, targets).
   * options: { eps = 1e-6, stencil = 2 | 4, maxCoords = 100, seed = 1, bug = 'none' | a key of BUGS
   * (web/core/checks.js: 'conv-no-rotate', 'relu-no-mask', 'loss-no-mean', 'conv-no-dilate', ...) }.
   * -> { samples: [], brokenLayer, bug, loss, rows: [{ layer, name, shape, maxAbsError, maxRelError,
   *      checked, kinks, passed }] }   (row layer -1 = the input; brokenLayer -1 = no bug,
   *      layers().length = the loss; loss = the mean loss at the checked point)
   */
  gradCheck(x, targets, n = 1, options = {}) {
    const o = gradCheckOptions('gradCheck', options);
    return this.#withData('gradCheck', x, targets, (h) => {
      check(h.gradCheck(toCount(n, 'gradCheck'), o.eps, o.maxCoords, o.seed, o.stencil, o.bug));
      return h.gradCheckReport();
    });
  }
  /**
   * gradCheck on the `samples` highest-loss samples (ties: lower index first) of `pool` distinct
   * samples drawn from the dataset with `seed` (which also seeds the sampled coordinates).
   * options: { samples = 2, pool = 64 (at most dataset.count), seed = 1, eps, stencil, maxCoords, bug }.
   * -> the gradCheck report, with samples = the dataset indices checked, highest loss first.
   */
  gradCheckDataset(dataset, { samples = 2, pool = 64, ...options } = {}) {
    const h = this.#handle();
    const ds = datasetHandle(dataset, 'gradCheckDataset');
    positiveInt(samples, 'gradCheckDataset: samples');
    positiveInt(pool, 'gradCheckDataset: pool');
    const o = gradCheckOptions('gradCheckDataset', options);
    check(h.gradCheckDataset(ds, samples, pool, o.eps, o.maxCoords, o.seed, o.stencil, o.bug));
    return h.gradCheckReport();
  }

  // ---- lessons: one derivation, every number from the core ----

  /**
   * One forward and one backward on (x, targets) in the net's dtype, every gradient (the input's
   * too), with a teaching bug in place if given ({ bug = 'none' }, as gradCheck). ->
   * { dtype, bug, brokenLayer, layers: [{ index, type, config, inputShape, outputShape, input, output,
   *   dOutput, dInput, params, grads, steps }], loss: { type, value, input, targets, probs?, dInput } }
   * (docs/api.md, "Tracing a derivation"). Overwrites the parameter gradients, like computeGradients.
   */
  trace(x, targets, n = 1, { bug = 'none' } = {}) {
    if (typeof bug !== 'string') throw new BackpropError(`trace: bug must be a string, got ${describe(bug)}`);
    return this.#withData('trace', x, targets, (h) => {
      // The softmax probabilities: the core's predict on the same x (its forward gives the same z).
      check(h.predict(toCount(n, 'trace')));
      const probs = this.#info.spec.loss === 'softmax_cross_entropy' ? h.prediction().slice() : undefined;
      check(h.trace(n, bug));
      return assembleTrace(h, this.#info, n, targets, { dtype: this.dtype, bug: bug || 'none', probs, twin: (spec) => new Net(this.#M, spec) });
    });
  }
  /**
   * The float64 centred difference of the loss for EVERY entry of one tensor (a float64 twin for
   * float32 nets): { layer, tensor: 'weight' | 'bias' | 'alpha' | 'input', eps = 1e-6, stencil = 2 | 4 }.
   * 'input' of layer k is the activation entering it; layer = layers().length is the loss's input.
   * -> { values: Float64Array, kinks: Uint8Array (1 where ±h crossed a ReLU sign or a max-pool arg-max) }
   */
  numericGradient(x, targets, n = 1, { layer, tensor, eps = 1e-6, stencil = 2 } = {}) {
    if (!Number.isInteger(layer) || Math.abs(layer) > 0x7fffffff) throw new BackpropError(`numericGradient: layer must be an integer, got ${layer}`);
    if (typeof tensor !== 'string') throw new BackpropError(`numericGradient: tensor must be a string, got ${describe(tensor)}`);
    const L = this.#info.layers.length, names = ['input', ...this.#info.params.filter((p) => p.layer === layer).map((p) => p.name)];
    if (layer < 0 || layer > L) throw new BackpropError(`numericGradient: layer ${layer} is not in [0, ${L}] (${L}: the loss's input)`);
    if (!names.includes(tensor)) throw new BackpropError(`numericGradient: layer ${layer} has no tensor '${tensor}' (it has: ${names.join(', ')})`);
    if (typeof eps !== 'number' || typeof stencil !== 'number')
      throw new BackpropError(`numericGradient: eps and stencil must be numbers, got ${typeof eps} and ${typeof stencil}`);
    return this.#withData('numericGradient', x, targets, (h) => {
      check(h.numericGradient(toCount(n, 'numericGradient'), layer, tensor, eps, stencil));
      const v = h.traced(0, 3), S = v.length / 2;  // the values, then the kink flags
      return { values: v.slice(0, S), kinks: Uint8Array.from(v.subarray(S)) };
    });
  }

  // ---- training ----

  /** The normalised optimizer config, e.g. { type: 'adam', lr: 0.001, beta1: 0.9, ... }. */
  get optimizer() {
    this.#handle();
    return structuredClone(this.#info.spec.optimizer);
  }
  /** Replaces the optimizer (its state starts from zero). A bad config throws and changes nothing. */
  setOptimizer(config) {
    const h = this.#handle();
    if (config == null || typeof config !== 'object')
      throw new BackpropError(`optimizer: must be an object like { type: 'adam', lr: 0.001 }, got ${describe(config)}`);
    check(h.setOptimizer(JSON.stringify(config)));
    this.#info = JSON.parse(h.info());
  }
  /** Gradients on (x, targets), then one optimizer step; returns the loss before the step. */
  trainStep(x, targets, n = 1) {
    const h = this.#runOnData('trainStep', x, targets, n);
    return h.lastLoss();
  }
  /**
   * evaluate(x, targets, n) or evaluate(dataset, { batchSize = 256, limit }) ->
   * { loss, accuracy } (accuracy null for mse nets). No gradients, no step.
   */
  evaluate(x, targets, n = 1) {
    if (x instanceof Dataset) return this.evaluateDataset(x, targets);
    const h = this.#runOnData('evaluate', x, targets, n);
    return this.#lossAccuracy(h);
  }
  /** Loss and accuracy over a whole dataset (or its first `limit` samples), in batches inside WASM. */
  evaluateDataset(dataset, { batchSize = 256, limit = 0 } = {}) {
    const h = this.#handle(), ds = datasetHandle(dataset, 'evaluate');
    if (!Number.isInteger(limit) || limit < 0) throw new BackpropError(`evaluate: limit must be a non-negative integer, got ${limit}`);
    check(h.evaluateDataset(ds, positiveInt(batchSize, 'evaluate: batchSize'), limit));
    return this.#lossAccuracy(h);
  }
  #lossAccuracy(h) {
    const accuracy = h.lastAccuracy();
    return { loss: h.lastLoss(), accuracy: Number.isNaN(accuracy) ? null : accuracy };
  }
  /** Softmax probabilities (cross-entropy nets) or the outputs (mse nets), n*outputSize values. */
  predict(x, n = 1) {
    return this.#withData('predict', x, undefined, (h) => {
      check(h.predict(toCount(n, 'predict')));
      return h.prediction().slice();
    });
  }
  /**
   * Trains on a dataset, k steps per call into WASM. Continues where the last fit on the same
   * dataset (same batchSize, shuffle, seed) stopped, so it can run in chunks.
   * options: { epochs = 1 (to the end of the current epoch, and epochs-1 more), steps (instead
   * of epochs), batchSize = 32, shuffle = true, seed = 1, progressEvery = 10 (steps),
   * onProgress({ step, epoch, loss, samplesPerSec }) (return false to stop) }.
   * -> { steps, samples, loss (mean over this call), lastLoss, epoch, seconds, samplesPerSec }
   */
  fit(dataset, { epochs, steps, batchSize = 32, shuffle = true, seed = 1, progressEvery = 10, onProgress } = {}) {
    positiveInt(progressEvery, 'fit: progressEvery');
    if (onProgress != null && typeof onProgress !== 'function') throw new BackpropError(`fit: onProgress must be a function, got ${describe(onProgress)}`);
    const cfg = { batchSize, shuffle, seed };
    const total = this.fitTotal(dataset, { epochs, steps, ...cfg });
    const t0 = now();
    let done = 0, samples = 0, lossSum = 0, report = null;
    for (const r of trainingChunks((k) => this.fitSteps(dataset, k, cfg), { total, chunk: progressEvery })) {
      report = r;
      done += r.steps;
      samples += r.samples;
      lossSum += r.lossSum;
      if (onProgress?.({ step: r.totalSteps, epoch: r.epoch, loss: r.lossSum / r.steps, samplesPerSec: r.ms > 0 ? (1000 * r.samples) / r.ms : 0 }) === false) break;
    }
    const seconds = (now() - t0) / 1000;
    return {
      steps: done,
      samples,
      loss: done ? lossSum / done : NaN,
      lastLoss: report ? report.lastLoss : NaN,
      epoch: report ? report.epoch : 0,
      seconds,
      samplesPerSec: seconds > 0 ? samples / seconds : 0,
    };
  }
  /**
   * How many steps fit(dataset, { epochs, steps, batchSize, shuffle, seed }) would run: `steps`, or
   * to the end of the current epoch and epochs-1 more (Infinity: until stopped, for Session.fit).
   */
  fitTotal(dataset, { epochs, steps, batchSize = 32, shuffle = true, seed = 1 } = {}) {
    const h = this.#handle(), ds = this.#fitCheck(dataset, { batchSize, seed });
    if (steps !== undefined) {
      if (epochs !== undefined) throw new BackpropError('fit: give epochs or steps, not both');
      return positiveInt(steps, 'fit: steps');
    }
    if (epochs === Infinity) return Infinity;
    const e = positiveInt(epochs ?? 1, 'fit: epochs');
    return h.stepsToEpochEnd(ds, batchSize, !!shuffle, seed) + (e - 1) * Math.ceil(dataset.count / batchSize);
  }
  /**
   * One chunk of training: k optimizer steps in one call into WASM, continuing where the last
   * fit on this dataset and config stopped. -> { steps, samples, lossSum, lastLoss, totalSteps,
   * epoch (completed epochs + the fraction of this one), position }
   */
  fitSteps(dataset, k, { batchSize = 32, shuffle = true, seed = 1 } = {}) {
    const h = this.#handle(), ds = this.#fitCheck(dataset, { batchSize, seed });
    check(h.fitSteps(ds, positiveInt(k, 'fit: steps'), batchSize, !!shuffle, seed));
    const r = h.fitReport();
    return { ...r, epoch: r.epoch + r.position / dataset.count };
  }
  #fitCheck(dataset, { batchSize, seed }) {
    const ds = datasetHandle(dataset, 'fit');
    positiveInt(batchSize, 'fit: batchSize');
    seedOf(seed, 'fit');
    return ds;
  }
  /**
   * The next batch's sample indices (a new Uint32Array), taken from the same trainer state as
   * fit with these options: k nextBatch calls give the batches k fit steps would train on, and a
   * later fit (same options) continues after them. options: { batchSize = 32, shuffle = true, seed = 1 }.
   */
  nextBatch(dataset, { batchSize = 32, shuffle = true, seed = 1 } = {}) {
    const h = this.#handle();
    const ds = datasetHandle(dataset, 'nextBatch');
    positiveInt(batchSize, 'nextBatch: batchSize');
    check(h.nextBatch(ds, batchSize, !!shuffle, seedOf(seed, 'nextBatch')));
    return h.batchIndices().slice();
  }
  /** Where fit / nextBatch are: { totalSteps (since the trainer started), epoch (completed), position (samples into this epoch) }. */
  fitPosition() {
    return this.#handle().fitPosition();
  }
  /**
   * Parameter gradients (zeroed first) on the dataset's samples at `indices` (array or typed
   * array), gathered inside the module; returns their mean loss. No dx, no step (applyGradients).
   */
  gradientsAt(dataset, indices) {
    return this.#staged((h) => {
      const ds = datasetHandle(dataset, 'gradientsAt');
      stage(h.stageIndices(toLength(indices, 'gradientsAt: indices', this.#M.maxValues())), indices);
      check(h.gradientsAt(ds));
      return h.lastLoss();
    });
  }
  /** Forgets where the last fit stopped: the next fit starts a fresh epoch 0. */
  resetFit() {
    this.#handle().resetFit();
  }

  // ---- model files ----

  /**
   * The model file, a Uint8Array: a safetensors file with the parameters under PyTorch's
   * state_dict names ("0.weight", ...), the spec in its __metadata__ and, with
   * { optimizer: true }, the optimizer's state and step count (docs/api.md#model-files).
   */
  save({ optimizer = false } = {}) {
    const h = this.#handle();
    check(h.save(!!optimizer));
    return h.bytes().slice();
  }
  /** Readable weights: { spec, params: [{ layer, name, shape, values: number[] }] }. */
  toJSON() {
    this.#handle();
    return {
      spec: this.spec,
      params: this.paramInfo().map((p) => ({ ...p, values: Array.from(this.getParam(p.layer, p.name)) })),
    };
  }

  /** Frees the WASM memory behind this net; any later call throws. Safe to call twice. */
  dispose() {
    this.#h = release(this, this.#h, lost.has(this.#M));
  }
  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.dispose();
  }
}

guardAll(Net.prototype);
guardAll(Dataset.prototype);

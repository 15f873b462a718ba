// trainer.js: the async trainer API. trainer(spec, { worker: true }) runs one net in a module
// worker (web/worker.js) and returns a Trainer whose calls return promises and whose progress
// arrives as events; { worker: false } runs the same Session (web/session.js) on this thread.
// Importing this file does not load the WASM module on the page.
import { BackpropError } from './errors.js';
import { errorFromMessage, transferList } from './protocol.js';

/** The event a Trainer dispatches: type 'progress' | 'gradcheck' | 'error', payload in detail. */
export class TrainerEvent extends Event {
  constructor(type, detail) {
    super(type);
    this.detail = detail;
  }
}

// A module worker for web/worker.js. A page that loads this file from another origin (a CDN) may
// not start a worker from that URL, so it falls back to a same-origin blob that imports it.
function startWorker() {
  if (typeof Worker !== 'function')
    throw new BackpropError('trainer: { worker: true } needs Web Workers (a page or a worker); in Node use { worker: false }');
  try {
    return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  } catch (e) {
    if (e?.name !== 'SecurityError') throw e;
    const src = `import ${JSON.stringify(new URL('./worker.js', import.meta.url).href)};`;
    return new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
  }
}

export class Trainer extends EventTarget {
  #call;
  #close;
  #info = null;
  #disposed = false;

  /** Use trainer(spec, options); this wires a transport: call(op, args, transfer) -> Promise. */
  constructor(call, close) {
    super();
    this.#call = call;
    this.#close = close;
  }
  #emit = (type, detail) => this.dispatchEvent(new TrainerEvent(type, detail));

  static overPort(port, close) {
    let next = 0;
    const pending = new Map();
    const fail = (err) => {
      for (const { reject } of pending.values()) reject(err);
      pending.clear();
    };
    let t;
    const onMessage = (e) => {
      const msg = e.data;
      if (msg.event === 'error') return t.#emit('error', errorFromMessage(msg.detail));
      if (msg.event) return t.#emit(msg.event, msg.detail);
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(errorFromMessage(msg.error));
      else p.resolve(msg.result);
    };
    port.addEventListener('message', onMessage);
    port.start?.();
    port.addEventListener('error', (e) => {
      const err = new BackpropError(`trainer: the worker failed (${e.message ?? 'error'})`);
      fail(err);
      t.#emit('error', err);
    });
    const call = (op, args, transfer = []) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        port.postMessage({ id, op, args }, transfer);
      });
    t = new Trainer(call, () => {
      fail(new BackpropError('trainer: disposed'));
      close();
    });
    return t;
  }

  static async onThisThread() {
    const { Session } = await import('./session.js');
    let t;
    const session = new Session((type, detail) => t.#emit(type, detail));
    t = new Trainer(async (op, args) => session[op](...args), () => {});
    return t;
  }

  async init(spec) {
    this.#info = await this.#call('init', [spec]);
    return this.#info;
  }
  get inputShape() { return this.#info && [...this.#info.inputShape]; }
  get outputShape() { return this.#info && [...this.#info.outputShape]; }
  get dtype() { return this.#info?.dtype; }
  /** { dtype, inputShape, outputShape, spec, layers, params } as of the last init/load. */
  info() { return structuredClone(this.#info); }

  trainStep(x, targets, n = 1) { return this.#call('trainStep', [x, targets, n]); }
  /** Moves a dataset into the worker (images and labels are transferred: the arrays you pass are detached). */
  setData(name, images, labels, shape, options) {
    return this.#call('setData', [name, images, labels, shape, options], transferList([images, labels]));
  }
  /** Trains on a named dataset; 'progress' events after every `chunk` steps. -> { steps, loss, epoch, samplesPerSec, stopped }. */
  fit(name, options = {}) {
    const { onProgress, ...rest } = options;
    if (!onProgress) return this.#call('fit', [name, rest]);
    const listener = (e) => onProgress(e.detail);
    this.addEventListener('progress', listener);
    return this.#call('fit', [name, rest]).finally(() => this.removeEventListener('progress', listener));
  }
  /** Ends a running fit() after its current chunk. */
  stop() { return this.#call('stop', []); }
  /** evaluate(x, targets, n) or evaluate(datasetName, { batchSize, limit }) -> { loss, accuracy }. */
  evaluate(x, targets, n = 1) { return this.#call('evaluate', [x, targets, n]); }
  predict(x, n = 1) { return this.#call('predict', [x, n]); }
  forward(x, n = 1) { return this.#call('forward', [x, n]); }
  /** Rows as Net.gradCheck; also dispatched as a 'gradcheck' event. */
  gradCheck(x, targets, n = 1, options = {}) { return this.#call('gradCheck', [x, targets, n, options]); }
  getParam(layer, name) { return this.#call('getParam', [layer, name]); }
  setParam(layer, name, values) { return this.#call('setParam', [layer, name, values]); }
  setOptimizer(options) { return this.#call('setOptimizer', [options]); }
  save(options) { return this.#call('save', [options]); }
  async load(bytes) {
    this.#info = await this.#call('load', [bytes]);
    return this.#info;
  }
  /** Frees the net and datasets and ends the worker. Safe to call twice. */
  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    const call = this.#call;
    this.#call = () => Promise.reject(new BackpropError('trainer: used after dispose()'));
    try {
      await call('dispose', []);
    } finally {
      this.#close();
    }
  }
  [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() {
    return this.dispose();
  }
}

/**
 * Builds a Trainer for spec. options.worker: true (a new module worker), false (this thread),
 * or a Worker/MessagePort already running web/worker.js. Rejects with BackpropError on a bad spec.
 */
export async function trainer(spec, { worker = true } = {}) {
  let t;
  if (worker === false) t = await Trainer.onThisThread();
  else if (worker === true) {
    const w = startWorker();
    t = Trainer.overPort(w, () => w.terminate());
  } else t = Trainer.overPort(worker, () => worker.close?.());
  try {
    await t.init(spec);
  } catch (e) {
    await t.dispose().catch(() => {});
    throw e;
  }
  return t;
}

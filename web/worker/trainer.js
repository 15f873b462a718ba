// trainer.js: the one client of a Session. trainer(spec, { worker: true }) starts a worker
// (web/worker/worker.js, through spawn.js) and returns a Trainer whose calls return promises and
// whose events (protocol.js) are dispatched as TrainerEvents; { worker: false } runs the Session
// on this thread; a Worker or MessagePort already serving one is used as it is.
// A worker the Trainer started and that dies (a script error, a trap, an exit) is replaced by a
// new one: pending calls reject with a BackpropError, and a 'restart' event says so. The new
// worker has no net and no data: its owner rebuilds what it needs.
// Importing this file does not load the WASM module on the page.
import { BackpropError } from '../core/errors.js';
import { OPS, errorFromMessage, transferList } from './protocol.js';
import { spawn } from './spawn.js';

/** The event a Trainer dispatches: a protocol event ('progress', 'evaluate', ...) or 'restart' / 'error', payload in detail. */
export class TrainerEvent extends Event {
  constructor(type, detail) {
    super(type);
    this.detail = detail;
  }
}

export class Trainer extends EventTarget {
  #send = null;        // (msg, transfer) -> void, or null on this thread
  #session = null;     // the Session, on this thread
  #worker = null;      // the spawned worker we own (restarted when it dies)
  #pending = new Map();
  #next = 0;
  #info = null;
  #disposed = false;
  /** How many times the worker was replaced. */
  restarts = 0;

  #emit(type, detail) {
    this.dispatchEvent(new TrainerEvent(type, detail));
  }
  #onMessage = (msg) => {
    if (msg?.event === 'fatal') return this.#died(errorFromMessage(msg.detail).message);
    if (msg?.event) return this.#emit(msg.event, msg.detail);
    const p = this.#pending.get(msg?.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.error) p.reject(errorFromMessage(msg.error));
    else p.resolve(msg.result);
  };
  #failAll(err) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
  async #start() {
    const w = await spawn('trainer');
    w.listen(this.#onMessage, (e) => this.#died(e.message));
    this.#worker = w;
    this.#send = (msg, transfer) => w.post(msg, transfer);
  }
  #died(message) {
    if (this.#disposed) return;
    const err = new BackpropError(`trainer: the worker died (${message})`);
    this.#failAll(err);
    if (!this.#worker) return this.#emit('error', err);  // not ours to restart
    this.#worker.terminate();
    this.restarts++;
    this.#start().then(() => this.#emit('restart', { message, restarts: this.restarts }), (e) => this.#emit('error', e));
  }

  /** Use trainer(); this wires the transport: { worker: true | false | a Worker or MessagePort }. */
  static async create({ worker = true } = {}) {
    const t = new Trainer();
    if (worker === false) {
      const { Session } = await import('./session.js');
      t.#session = new Session((type, detail) => t.#emit(type, detail));
    } else if (worker === true) {
      await t.#start();
    } else {
      worker.addEventListener('message', (e) => t.#onMessage(e.data));
      worker.addEventListener('error', (e) => t.#died(e.message ?? 'error'));
      worker.start?.();
      t.#send = (msg, transfer) => worker.postMessage(msg, transfer);
    }
    return t;
  }

  /** Any Session op (protocol.js OPS) with its arguments -> a promise of its result. */
  call(op, ...args) {
    return this.#call(op, args);
  }
  #call(op, args, transfer = []) {
    if (this.#disposed) return Promise.reject(new BackpropError('trainer: used after dispose()'));
    if (!OPS.includes(op)) return Promise.reject(new BackpropError(`trainer: unknown op '${op}'`));
    if (this.#session) {
      try {
        return Promise.resolve(this.#session[op](...args));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, { resolve, reject });
      this.#send({ id, op, args }, transfer);
    });
  }

  async init(spec) {
    this.#info = await this.call('init', spec);
    return this.#info;
  }
  async load(bytes) {
    this.#info = await this.call('load', bytes);
    return this.#info;
  }
  get inputShape() { return this.#info && [...this.#info.inputShape]; }
  get outputShape() { return this.#info && [...this.#info.outputShape]; }
  get dtype() { return this.#info?.dtype; }
  /** { dtype, inputShape, outputShape, spec, layers, params, paramCount } as of the last init/load. */
  info() { return structuredClone(this.#info); }

  trainStep(x, targets, n = 1) { return this.call('trainStep', x, targets, n); }
  /** Moves a dataset into the worker (images and labels are transferred: the arrays you pass are detached). */
  setData(name, images, labels, shape, options) {
    return this.#call('setData', [name, images, labels, shape, options], transferList([images, labels]));
  }
  /** Trains on a named dataset (Session.fit's options); onProgress(detail) for its 'progress' events. */
  fit(name, options = {}) {
    const { onProgress, ...rest } = options;
    if (!onProgress) return this.call('fit', name, rest);
    const listener = (e) => onProgress(e.detail);
    this.addEventListener('progress', listener);
    return this.call('fit', name, rest).finally(() => this.removeEventListener('progress', listener));
  }
  /** Ends a running fit() after its current chunk. */
  stop() { return this.call('stop'); }
  /** evaluate(x, targets, n) or evaluate(datasetName, { batchSize, limit }) -> { loss, accuracy }. */
  evaluate(x, targets, n = 1) { return this.call('evaluate', x, targets, n); }
  predict(x, n = 1) { return this.call('predict', x, n); }
  forward(x, n = 1) { return this.call('forward', x, n); }
  /** A gradient-check report, as net.gradCheck; also dispatched as a 'gradcheck' event. */
  gradCheck(x, targets, n = 1, options = {}) { return this.call('gradCheck', x, targets, n, options); }
  getParam(layer, name) { return this.call('getParam', layer, name); }
  setParam(layer, name, values) { return this.call('setParam', layer, name, values); }
  setOptimizer(options) { return this.call('setOptimizer', options); }
  save(options) { return this.call('save', options); }

  /** For tests: ends the worker as a crash would (it is then replaced). */
  simulateCrash() {
    this.#died('ended by simulateCrash()');
  }
  /** Frees the net and datasets and ends the worker. Safe to call twice. */
  async dispose() {
    if (this.#disposed) return;
    try {
      await this.call('dispose');
    } catch {
      // a dead worker has nothing left to free
    } finally {
      this.#disposed = true;
      this.#failAll(new BackpropError('trainer: disposed'));
      this.#worker?.terminate();
      this.#worker = null;
    }
  }
  [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() {
    return this.dispose();
  }
}

/**
 * A Trainer with `spec` built (no spec: none yet). options.worker: true (a new worker, in a
 * page or in Node), false (this thread), or a Worker/MessagePort already serving a Session.
 * Rejects with BackpropError on a bad spec.
 */
export async function trainer(spec, options = {}) {
  const t = await Trainer.create(options);
  if (spec == null) return t;
  try {
    await t.init(spec);
  } catch (e) {
    await t.dispose();
    throw e;
  }
  return t;
}

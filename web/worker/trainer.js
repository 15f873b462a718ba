// trainer.js: the one client of a Session. trainer(spec, { worker: true }) starts a worker
// (web/worker/worker.js, through spawn.js) and returns a Trainer whose calls return promises and
// whose events (protocol.js) are dispatched as TrainerEvents; { worker: false } runs the Session
// on this thread; a Worker or MessagePort already serving one is used as it is.
//
// A worker the Trainer started is watched, and its work kept:
// - what the new worker needs: the calls that gave it data (setData, with a copy of the arrays;
//   loadMnist), and a checkpoint (Session.checkpoint: the model file with the optimizer's state,
//   the step count and fit's position), taken after each call that changes the net and every
//   checkpointEvery ms while it trains (~4 ms for mnist-cnn; see docs/api.md);
// - whether it lives: any message counts; when it has been quiet for `heartbeat` ms it is pinged
//   (the Session answers between fit's chunks), and after `timeout` ms of silence it is taken
//   for dead (a self.close(), a hang).
// A worker that dies (a script error, a trap, an exit, silence) is ended and replaced: pending
// calls reject with a BackpropError, the new worker gets the data and the checkpoint, and a
// 'restart' event says what was kept and what was lost. Calls made meanwhile wait for it.
// Importing this file does not load the WASM module on the page.
import { BackpropError } from '../core/errors.js';
import { OPS, errorFromMessage, transferList } from './protocol.js';
import { spawn } from './spawn.js';

/** The defaults of trainer()'s watch options (ms). */
const WATCH = Object.freeze({ checkpointEvery: 5000, heartbeat: 1000, timeout: 15000 });
// Calls after which a checkpoint is taken at once (they change the net); calls that train (a
// checkpoint every checkpointEvery ms while they run, and when a fit ends); calls that give data.
const CHANGES_NET = new Set(['init', 'load', 'setParam', 'setOptimizer', 'restore']);
const TRAINS = new Set(['fit', 'trainStep']);
const GIVES_DATA = new Set(['setData', 'loadMnist']);
const now = () => globalThis.performance?.now() ?? Date.now();

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
  #owned = false;      // we started the worker: we watch it and replace it
  #worker = null;      // the spawned worker we own, while it serves
  #pending = new Map();
  #next = 0;
  #info = null;
  #disposed = false;
  #watch = WATCH;
  // What a new worker needs: the calls that gave data (key -> { op, args }), the last checkpoint.
  #data = new Map();
  #checkpoint = null;
  #step = 0;           // the last step count the worker told of
  #dirty = false;      // the net may have trained since the last checkpoint
  #taking = null;      // the checkpoint call in flight
  #again = false;      // another checkpoint is wanted once it is back
  #checkpointAt = -Infinity;
  #heard = 0;          // when the worker last sent anything
  #tickAt = 0;         // when the watchdog last ran
  #pinging = false;
  #timer = 0;          // the watchdog
  #restoring = null;   // a promise while a new worker gets the data and the checkpoint
  #broken = null;      // set when no new worker could take over
  /** How many times the worker was replaced. */
  restarts = 0;

  #emit(type, detail) {
    this.dispatchEvent(new TrainerEvent(type, detail));
  }
  #onMessage = (msg) => {
    this.#heard = now();
    if (msg?.event === 'fatal') return this.#died(errorFromMessage(msg.detail).message);
    if (msg?.event) {
      this.#told(msg.detail);
      if (msg.event === 'progress') this.#dirty = true;
      return this.#emit(msg.event, msg.detail);
    }
    const p = this.#pending.get(msg?.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.error) p.reject(errorFromMessage(msg.error));
    else p.resolve(msg.result);
  };
  // The step count a result or event carries.
  #told(v) {
    if (Number.isInteger(v?.step)) this.#step = v.step;
  }
  #failAll(err) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
  async #start() {
    const w = await spawn('trainer');
    w.listen((m) => this.#worker === w && this.#onMessage(m), (e) => this.#worker === w && this.#died(e.message));
    this.#worker = w;
    this.#send = (msg, transfer) => w.post(msg, transfer);
    this.#heard = this.#tickAt = now();
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.#watch.heartbeat);
      this.#timer.unref?.();  // Node: the watchdog alone does not keep the process alive
    }
  }
  // The watchdog: a quiet worker is pinged, a silent one is dead; training is checkpointed.
  // A late tick means this thread did not run (a busy page, a sleeping laptop, a throttled
  // background tab): the worker's messages may be queued behind it, so its silence starts over.
  #tick() {
    if (!this.#worker) return;
    const { heartbeat, timeout, checkpointEvery } = this.#watch, t = now(), late = t - this.#tickAt > 2 * heartbeat;
    this.#tickAt = t;
    if (late) this.#heard = Math.max(this.#heard, t - heartbeat);
    const quiet = t - this.#heard;
    if (quiet > timeout) return this.#died(`it sent nothing for ${(quiet / 1000).toFixed(1)} s, more than the timeout of ${timeout} ms`);
    if (quiet >= heartbeat && !this.#pinging) {
      this.#pinging = true;
      this.#rpc('ping', [], [], true).then((r) => this.#told(r), () => {}).finally(() => (this.#pinging = false));
    }
    if (this.#dirty && !this.#restoring && t - this.#checkpointAt >= checkpointEvery) this.#takeCheckpoint();
  }
  #takeCheckpoint() {
    if (this.#taking) return void (this.#again = true);
    if (!this.#worker || this.#restoring) return;
    this.#dirty = false;
    this.#checkpointAt = now();
    this.#taking = this.#rpc('checkpoint', [], [], true).then((c) => {
      this.#checkpoint = { ...c, at: Date.now() };
      this.#told(c);
    }, () => {})  // no net (none built yet): nothing to keep
      .finally(() => {
        this.#taking = null;
        if (this.#again) {
          this.#again = false;
          this.#takeCheckpoint();
        }
      });
  }
  #died(message) {
    if (this.#disposed) return;
    if (!this.#owned) {  // not ours to restart
      const err = new BackpropError(`trainer: the worker died (${message})`);
      this.#failAll(err);
      return this.#emit('error', err);
    }
    const w = this.#worker;
    if (!w) return;  // a second report of a death already handled
    this.#worker = null;
    w.terminate();
    // The new worker died while it was given the data and the checkpoint: #restart gives up.
    if (this.#restoring) return this.#failAll(new BackpropError(`trainer: the new worker died too (${message})`));
    this.#restart(message);
  }
  async #restart(message) {
    const kept = this.#checkpoint;
    const lost = { steps: kept ? Math.max(0, this.#step - kept.step) : 0, calls: [...this.#pending.values()].filter((p) => !p.internal).map((p) => p.op) };
    this.restarts++;
    this.#failAll(new BackpropError(`trainer: the worker died (${message}); ${kept ? `a new worker resumes from step ${kept.step}` : 'a new worker takes over'}`));
    let done;
    this.#restoring = new Promise((resolve) => (done = resolve));
    try {
      await this.#start();
      for (const { op, args } of this.#data.values()) await this.#rpc(op, args, [], true);  // copies cross: ours stay for the next time
      if (kept) this.#info = await this.#rpc('restore', [kept], [], true);
      const datasets = Object.keys(await this.#rpc('dataInfo', [], [], true));
      this.#step = kept?.step ?? 0;
      this.#dirty = false;
      this.#emit('restart', {
        kept: { step: kept?.step ?? null, seen: kept?.seen ?? null, at: kept?.at ?? null, datasets },
        lost, message, restarts: this.restarts,
      });
    } catch (e) {
      this.#broken = new BackpropError(`trainer: the worker died (${message}) and no new one could take over: ${e.message}`);
      this.#worker?.terminate();
      this.#worker = null;
      this.#emit('error', this.#broken);
    } finally {
      this.#restoring = null;
      done();
    }
  }

  /**
   * Use trainer(); this wires the transport: { worker: true | false | a Worker or MessagePort },
   * and for a worker it starts, the watch: { checkpointEvery, heartbeat, timeout } (ms, WATCH).
   */
  static async create({ worker = true, ...watch } = {}) {
    const t = new Trainer();
    t.#watch = watchOptions(watch);
    if (worker === false) {
      const { Session } = await import('./session.js');
      t.#session = new Session((type, detail) => t.#emit(type, detail));
    } else if (worker === true) {
      t.#owned = true;
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
    if (!this.#owned) return this.#rpc(op, args, transfer);
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#restoring) return this.#restoring.then(() => this.#call(op, args, transfer));
    // A copy of the data for a new worker, made before the transfer detaches the arrays (a typed
    // array by slice: a view into a larger buffer keeps only its own bytes).
    const kept = GIVES_DATA.has(op) && args.map((a) => (ArrayBuffer.isView(a) && a.slice ? a.slice() : structuredClone(a)));
    const trains = TRAINS.has(op);
    if (trains) this.#dirty = true;
    const p = this.#rpc(op, args, transfer);
    p.then((result) => {
      this.#told(result);
      if (op === 'trainStep') this.#step++;
      if (kept) {
        const key = op === 'setData' ? `setData ${args[0]}` : op;
        this.#data.delete(key);  // the latest call of a key goes last, as it came
        this.#data.set(key, { op, args: kept });
      }
      if (op === 'dispose') {
        this.#data.clear();
        this.#checkpoint = null;
        this.#dirty = false;
      }
      if (CHANGES_NET.has(op) || op === 'fit') this.#takeCheckpoint();
    }, () => {
      if (op === 'fit' && this.#worker) this.#takeCheckpoint();  // a fit that failed midway may have trained
    });
    return p;
  }
  // One request to the Session: internal ones (ping, checkpoint, a restart's) are not counted
  // among the calls a death loses.
  #rpc(op, args, transfer = [], internal = false) {
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, { resolve, reject, op, internal });
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
  /**
   * The last checkpoint kept of a worker the Trainer started (null: none yet): { bytes, step,
   * seen, elapsed, fit, bug, at (Date.now() when it arrived) }; bytes is a copy, a model file.
   */
  get checkpoint() {
    const c = this.#checkpoint;
    return c && { ...c, bytes: c.bytes.slice(), fit: c.fit && { ...c.fit } };
  }

  trainStep(x, targets, n = 1) { return this.call('trainStep', x, targets, n); }
  /**
   * Moves a dataset into the worker (images and labels are transferred: the arrays you pass are
   * detached). A worker the Trainer started gets a copy, which the Trainer keeps for a new worker.
   */
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

  /**
   * For tests: how = 'terminate' (the default) ends the worker from here as a crash would;
   * 'error', 'close', 'hang' and 'abort' have a worker the Trainer started throw an uncaught
   * error, end itself (self.close()), spin forever or abort its WASM module (noticed at the next
   * call that needs it), for the Trainer to notice. It is then replaced.
   */
  simulateCrash(how = 'terminate') {
    if (how === 'terminate') return this.#died('ended by simulateCrash()');
    if (!['error', 'close', 'hang', 'abort'].includes(how)) throw new BackpropError(`simulateCrash: how must be 'terminate', 'error', 'close', 'hang' or 'abort', got ${how}`);
    if (!this.#worker) throw new BackpropError(`simulateCrash('${how}'): only a worker the Trainer started and that is serving can crash so`);
    this.#send({ simulateCrash: how });
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
      clearInterval(this.#timer);
      this.#failAll(new BackpropError('trainer: disposed'));
      this.#worker?.terminate();
      this.#worker = null;
      this.#data.clear();
      this.#checkpoint = null;
    }
  }
  [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() {
    return this.dispose();
  }
}

// trainer()'s watch options over WATCH, checked: heartbeat > 0, timeout > heartbeat (Infinity:
// no hang detection), checkpointEvery > 0 (Infinity: only after calls that change the net and
// when a fit ends). They apply to a worker the Trainer starts.
function watchOptions(o) {
  const known = Object.keys(WATCH);
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new BackpropError(`trainer: unknown option '${k}' (known: worker, ${known.join(', ')})`);
  const w = { ...WATCH, ...o };
  if (!(w.heartbeat > 0 && w.heartbeat < Infinity)) throw new BackpropError(`trainer: heartbeat must be a number of ms > 0, got ${w.heartbeat}`);
  if (!(w.timeout > w.heartbeat)) throw new BackpropError(`trainer: timeout must be a number of ms > heartbeat (${w.heartbeat}), got ${w.timeout}`);
  if (!(w.checkpointEvery > 0)) throw new BackpropError(`trainer: checkpointEvery must be a number of ms > 0, got ${w.checkpointEvery}`);
  return w;
}

/**
 * A Trainer with `spec` built (no spec: none yet). options.worker: true (a new worker, in a
 * page or in Node), false (this thread), or a Worker/MessagePort already serving a Session;
 * for a new worker also the watch (checkpointEvery, heartbeat, timeout: see Trainer.create).
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

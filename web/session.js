// session.js: one net (and its datasets) behind the trainer API. The worker (web/worker.js) runs a
// Session and answers messages with serve(); trainer({ worker: false }) calls the same Session on the
// main thread. Every op takes and returns plain values and typed arrays (results are fresh copies).
import { loadBackprop } from './index.js';
import { BackpropError } from './errors.js';
import { OPS, errorToMessage, transferList } from './protocol.js';
import { ReplicaGroup, BatchStream } from './replicas.js';

// The next turn of the event loop, so messages (pause, requests) get in between chunks of
// training. Not setTimeout(0): after five nested timers browsers wait ≥ 4 ms, a tenth of a 40 ms
// chunk, and a helper replica spinning for the next step (web/replicas.js) would go to sleep.
// A MessageChannel message is queued at once; Node has setImmediate (a port would keep it alive).
export const nextTask = typeof setImmediate === 'function'
  ? () => new Promise((resolve) => setImmediate(resolve))
  : (() => {
    const waiting = [], channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
    return () => new Promise((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });
  })();
const now = () => globalThis.performance?.now() ?? Date.now();

export class Session {
  #bp = null;
  #net = null;
  #data = new Map();
  #raw = new Map();  // name -> { images, labels, count }: the JS arrays, for fit with threads > 1
  #group = null;     // ReplicaGroup while fit runs on threads > 1
  #stopped = false;
  /** emit(type, detail): 'progress' and 'gradcheck' events go here. */
  constructor(emit = () => {}) {
    this.emit = emit;
  }

  #need() {
    if (!this.#net) throw new BackpropError('trainer: no net (call init(spec) or load(bytes) first, or it was disposed)');
    return this.#net;
  }
  #replace(net) {
    this.#group?.terminate();
    this.#group = null;
    this.#net?.dispose();
    this.#net = net;
    return this.info();
  }

  async init(spec) {
    this.#bp ??= await loadBackprop();
    return this.#replace(this.#bp.sequential(spec));
  }
  info() {
    const net = this.#need();
    return { dtype: net.dtype, inputShape: net.inputShape, outputShape: net.outputShape, spec: net.spec, layers: net.layers(), params: net.paramInfo() };
  }
  trainStep(x, targets, n) {
    return this.#need().trainStep(x, targets, n);
  }
  /** Keeps a dataset inside the module under a name ('train', 'test', ...), replacing one of that name. */
  setData(name, images, labels, shape, options) {
    this.#need();
    const ds = this.#bp.dataset(images, labels, shape, options);
    this.#data.get(name)?.dispose();
    this.#data.set(name, ds);
    this.#raw.set(name, { images, labels, count: ds.count });
    return { name, count: ds.count };
  }
  #dataset(name) {
    const ds = this.#data.get(name);
    if (!ds) throw new BackpropError(`trainer: no dataset named '${name}' (call setData('${name}', images, labels, shape) first)`);
    return ds;
  }
  /**
   * Trains on a named dataset in chunks of `chunk` steps (net.fit continues where the last chunk
   * stopped), emitting 'progress' after each chunk and yielding between chunks so stop(),
   * gradCheck() and getParam() are answered while it runs.
   * options: { epochs = 1 | steps, batchSize = 32, shuffle, seed, chunk = 10, threads = 1 }
   * threads 2: data-parallel on this thread and a helper worker (web/replicas.js), where
   * SharedArrayBuffer is available (a cross-origin-isolated page, or Node); elsewhere one thread.
   * Its batches come from a shuffled order of its own (same seed, not net.fit's order).
   * -> { steps, loss (last chunk's mean), epoch, samplesPerSec, stopped, threads }
   */
  async fit(name, { chunk = 10, epochs, steps, batchSize = 32, threads = 1, ...options } = {}) {
    const net = this.#need();
    const ds = this.#dataset(name);
    if (!Number.isInteger(chunk) || chunk < 1) throw new BackpropError(`fit: chunk must be an integer >= 1, got ${chunk}`);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new BackpropError(`fit: threads must be an integer in [1, 64], got ${threads}`);
    const total = steps ?? (epochs ?? 1) * Math.ceil(ds.count / batchSize);
    if (threads > 1 && ReplicaGroup.supported() && net.dtype === 'float32') {
      const raw = this.#raw.get(name);
      this.#group?.terminate();
      // No helper (a worker from another origin, say): train on this thread instead.
      this.#group = await ReplicaGroup.start(net, { threads, maxBatch: batchSize, targetSize: raw.labels.length / raw.count }).catch(() => null);
      if (this.#group) return this.#fitParallel(raw, net, this.#group, total, { chunk, batchSize, threads, seed: options.seed ?? 1 });
    }
    this.#stopped = false;
    let done = 0, last = null;
    while (done < total && !this.#stopped) {
      const r = net.fit(ds, { ...options, batchSize, steps: Math.min(chunk, total - done) });
      done += r.steps;
      last = { step: done, totalSteps: total, epoch: r.epoch, loss: r.loss, samplesPerSec: r.samplesPerSec };
      this.emit('progress', last);
      await nextTask();
      if (this.#net !== net) throw new BackpropError('trainer: the net was replaced or disposed during fit()');
    }
    return { steps: done, loss: last?.loss ?? NaN, epoch: last?.epoch ?? 0, samplesPerSec: last?.samplesPerSec ?? 0, stopped: this.#stopped, threads: 1 };
  }
  async #fitParallel(raw, net, group, total, { chunk, batchSize, threads, seed }) {
    const stream = new BatchStream(raw.images, raw.labels, raw.count, { seed, maxBatch: batchSize });
    this.#stopped = false;
    let done = 0, last = null;
    try {
      while (done < total && !this.#stopped) {
        const t0 = now(), k = Math.min(chunk, total - done);
        const { samples, loss } = group.run(stream, k, batchSize);
        done += k;
        const dt = (now() - t0) / 1000;
        last = { step: done, totalSteps: total, epoch: stream.epoch, loss, samplesPerSec: dt > 0 ? samples / dt : 0, threads };
        this.emit('progress', last);
        await nextTask();
        if (this.#net !== net) throw new BackpropError('trainer: the net was replaced or disposed during fit()');
      }
    } finally {
      if (this.#group === group) {
        group.terminate();
        this.#group = null;
      }
    }
    return { steps: done, loss: last?.loss ?? NaN, epoch: last?.epoch ?? 0, samplesPerSec: last?.samplesPerSec ?? 0, stopped: this.#stopped, threads };
  }
  stop() {
    this.#stopped = true;
  }
  /** evaluate(x, targets, n), or evaluate(datasetName, { batchSize, limit }) on a dataset set by setData. */
  evaluate(x, targets, n) {
    if (typeof x === 'string') return this.#need().evaluate(this.#dataset(x), targets);
    return this.#need().evaluate(x, targets, n);
  }
  predict(x, n) {
    return this.#need().predict(x, n);
  }
  forward(x, n) {
    return this.#need().forward(x, n);
  }
  gradCheck(x, targets, n, options) {
    const rows = this.#need().gradCheck(x, targets, n, options);
    this.emit('gradcheck', rows);
    return rows;
  }
  getParam(layer, name) {
    return this.#need().getParam(layer, name);
  }
  setParam(layer, name, values) {
    this.#need().setParam(layer, name, values);
    this.#group?.invalidate();  // the helpers copy the change before the next step
  }
  setOptimizer(options) {
    this.#need().setOptimizer(options);
    this.#group?.invalidate();  // the helpers copy the change before the next step
  }
  save(options) {
    return this.#need().save(options);
  }
  async load(bytes) {
    this.#bp ??= await loadBackprop();
    return this.#replace(this.#bp.load(bytes));
  }
  /** Frees the net and every dataset. */
  dispose() {
    this.#stopped = true;
    this.#group?.terminate();
    this.#group = null;
    this.#net?.dispose();
    this.#net = null;
    for (const ds of this.#data.values()) ds.dispose();
    this.#data.clear();
  }
}

/**
 * Answers protocol messages (web/protocol.js) on a worker scope or a MessagePort with one Session.
 * Calls run in arrival order except that fit() yields between chunks.
 */
export function serve(port) {
  const post = (msg) => port.postMessage(msg, transferList(msg.result ?? msg.detail));
  const session = new Session((event, detail) => post({ event, detail }));
  const listener = async (e) => {
    const { id, op, args = [] } = e.data ?? {};
    if (id === undefined || op === undefined) return; // not ours (the demo's requests share the worker)
    try {
      if (!OPS.includes(op)) throw new BackpropError(`trainer: unknown op '${op}'`);
      post({ id, result: await session[op](...args) });
    } catch (err) {
      port.postMessage({ id, error: errorToMessage(err) });
      // A trap (out of memory, unreachable) leaves the module unusable: tell the page.
      if (err instanceof WebAssembly.RuntimeError) port.postMessage({ event: 'error', detail: errorToMessage(err) });
    }
  };
  if (port.addEventListener) {
    port.addEventListener('message', listener);
    port.start?.();
  } else port.onmessage = listener;
  return session;
}

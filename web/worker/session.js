// session.js: one net, its datasets and the one training loop. A worker (web/worker/worker.js)
// serves a Session over the protocol (web/worker/protocol.js); trainer({ worker: false }) calls
// one on this thread. The demo, the element and the trainer API all train through Session.fit.
// Every op takes and returns plain values and typed arrays (results are fresh copies).
import { loadBackprop, moduleLost } from '../core/backprop.js';
import { BackpropError } from '../core/errors.js';
import { BUGS } from '../core/checks.js';
import { loadMnist, MNIST_FILES } from '../core/mnist.js';
import { trainingChunks } from '../core/fit.js';
import { OPS, errorToMessage, transferList } from './protocol.js';
import { ReplicaGroup } from './replicas.js';

// The next turn of the event loop, so messages (stop, requests) get in between chunks of
// training. Not setTimeout(0): after five nested timers browsers wait ≥ 4 ms, a tenth of a 40 ms
// chunk, and a helper replica spinning for the next step (replicas.js) would go to sleep.
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

// fit's periodic work, in training time: at least this often apart, and at least OVERHEAD × what
// the last one cost, so each takes at most ~1/OVERHEAD of the time.
const OVERHEAD = 10;
const EVALUATE_MS = 1500, GRADCHECK_MS = 4000;
// restore() replays this many batches of a fit state (~20 ms) between yields to the message loop.
const RESTORE_CHUNK = 4096;

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);
function intIn(v, lo, hi, what) {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new BackpropError(`${what} must be an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

export class Session {
  #bp = null;
  #net = null;
  #data = new Map();   // name -> Dataset (inside the module; the JS arrays are not kept)
  #group = null;       // ReplicaGroup while fit runs on threads > 1
  #fit = null;         // the running fit: { stopped, done: Promise }
  #bug = 'none';       // the last gradCheckData's teaching bug: fit's periodic checks keep it
  #count = null;       // since init/load: { step, seen, elapsed (training ms), evaluateAt, checkAt, ... }
  #lastFit = null;     // the last fit's { data, batchSize, shuffle, seed }: the net's fit state is theirs

  /** emit(type, detail): the protocol's events go here. */
  constructor(emit = () => {}) {
    this.emit = emit;
  }

  async #module() {
    return (this.#bp ??= await loadBackprop());
  }
  #need() {
    if (!this.#net) throw new BackpropError('trainer: no net (call init(spec) or load(bytes) first, or it was disposed)');
    return this.#net;
  }
  #dataset(name) {
    const ds = this.#data.get(name);
    if (!ds) throw new BackpropError(`trainer: no dataset named '${name}' (call setData('${name}', images, labels, shape) first)`);
    return ds;
  }
  #endGroup() {
    this.#group?.terminate();
    this.#group = null;
  }
  async #replace(net) {
    await this.stop();
    this.#endGroup();
    this.#net?.dispose();
    this.#net = net;
    this.#count = { step: 0, seen: 0, elapsed: 0, evaluateAt: 0, checkAt: 0, evaluateCost: 0, checkCost: 0 };
    this.#lastFit = null;
    return this.info();
  }

  // ---- the net ----

  async init(spec) {
    const bp = await this.#module();
    return this.#replace(bp.sequential(spec));
  }
  async load(bytes) {
    const bp = await this.#module();
    return this.#replace(bp.load(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
  }
  /** { dtype, inputShape, outputShape, spec, layers, params, paramCount, step }. */
  info() {
    return { ...describe(this.#need()), step: this.#count.step };
  }
  /** Builds spec without keeping it: its shapes, or the core's error. */
  async validate(spec) {
    const net = (await this.#module()).sequential(spec);
    try {
      return describe(net);
    } finally {
      net.dispose();
    }
  }
  /** Frees the net and every dataset. */
  async dispose() {
    await this.stop();
    this.#endGroup();
    this.#net?.dispose();
    this.#net = null;
    for (const ds of this.#data.values()) ds.dispose();
    this.#data.clear();
  }

  // ---- data ----

  /** Keeps a dataset inside the module under a name ('train', 'test', ...), replacing one of that name. */
  async setData(name, images, labels, shape, options) {
    if (typeof name !== 'string' || !name) throw new BackpropError(`setData: name must be a non-empty string, got ${name}`);
    const ds = (await this.#module()).dataset(images, labels, shape, options);
    const old = this.#data.get(name);
    if (old && this.#group?.dataset === old) this.#endGroup();
    old?.dispose();
    this.#data.set(name, ds);
    if (this.#lastFit?.data === name) this.#lastFit = null;  // the net's fit state was the old dataset's
    return { name, count: ds.count };
  }
  /**
   * MNIST from the folder `base` (a URL; file: URLs read from disk in Node): the four files gzipped
   * (`<name>.gz`, unpacked as they stream in) or, where it has no .gz, the IDX file, into
   * the datasets 'train' and 'test', with 'loading' events as the bytes arrive. probe > 0 also keeps
   * that many training images, evenly spaced, as 'trainProbe' (a fixed set for a running train
   * accuracy). -> dataInfo()
   */
  async loadMnist({ base, sets = ['train', 'test'], probe = 0 } = {}) {
    let dir;
    try {
      dir = new URL(String(base).endsWith('/') ? base : `${base}/`);
    } catch {
      throw new BackpropError(`loadMnist: base must be the URL of a folder with MNIST's IDX files, got ${base}`);
    }
    for (const s of sets)
      if (!MNIST_FILES[s]) throw new BackpropError(`loadMnist: unknown set '${s}' (known: ${Object.keys(MNIST_FILES).join(', ')})`);
    let lastPost = 0;
    const files = new Map();  // name -> { loaded, total, unpacked }
    const report = (force) => {
      const t = now();
      if (!force && t - lastPost < 100) return;
      lastPost = t;
      const sum = (k) => [...files.values()].reduce((a, f) => a + f[k], 0);
      this.emit('loading', { loaded: sum('loaded'), total: sum('total'), unpacked: sum('unpacked') });
    };
    const data = await loadMnist(dir, { sets, onBytes: ({ file, ...p }) => (files.set(file, p), report(false)) });
    report(true);
    for (const set of sets) {
      const m = data[set];
      await this.setData(set, m.images, m.labels, m.shape, { classes: 10 });
    }
    if (probe > 0) {
      const train = this.#dataset('train'), n = intIn(probe, 1, train.count, 'loadMnist: probe');
      const p = train.samples(Array.from({ length: n }, (_, i) => Math.floor((i * train.count) / n)));
      await this.setData('trainProbe', p.x, p.labels, train.shape, { classes: 10 });
    }
    return this.dataInfo();
  }
  /** { name: { count, shape } } for every dataset held. */
  dataInfo() {
    return Object.fromEntries([...this.#data].map(([k, ds]) => [k, { count: ds.count, shape: ds.shape }]));
  }

  // ---- training: the one loop ----

  trainStep(x, targets, n) {
    const loss = this.#need().trainStep(x, targets, n);
    this.#group?.invalidate();
    this.#count.step++;
    this.#count.seen += n;
    return loss;
  }

  /**
   * Trains on a named dataset, in chunks of steps (one call into WASM each), yielding to the
   * message loop between chunks so stop(), gradCheck(), getParam() ... are answered while it runs.
   * It continues where the last fit on the same dataset and batchSize/shuffle/seed stopped.
   * options:
   *   epochs = 1 (to the end of the current epoch and epochs-1 more; Infinity: until stop()) | steps
   *   batchSize = 32, shuffle = true, seed = 1
   *   threads = 1: 2 or more trains data-parallel (replicas.js) where SharedArrayBuffer is available
   *     (a cross-origin-isolated page, a worker of one, Node), on one thread elsewhere (the result's
   *     threadsError says why); the batches are the same at any thread count
   *   chunk: steps per chunk; unset: adapted so a chunk takes about chunkMs = 40 ms
   *   progressMs = 0: a 'progress' event after every chunk; > 0: at most this often, and at each new epoch
   *   evaluate: { data: 'test', limit, probe, everyMs = 1500 }: 'evaluate' events (accuracy on `data`,
   *     and on the dataset `probe` if named) every everyMs of training time
   *   gradCheck: { data: 'train', everyMs = 4000, ...gradCheckData options }: 'gradcheck' events
   *   pace = 0: at most this many samples per second (it sleeps between chunks, and a chunk is then
   *     one step), so a learner can watch training happen; 0: full speed
   * -> { steps, samples, loss (the last chunk's mean), epoch, samplesPerSec, stopped, threads, threadsError }
   */
  async fit(name, options = {}) {
    const net = this.#need(), ds = this.#dataset(name);
    const { epochs, steps, batchSize = 32, shuffle = true, seed = 1, threads = 1, chunkMs = 40, progressMs = 0, evaluate = null, gradCheck = null, pace = 0 } = options;
    if (!(Number.isFinite(pace) && pace >= 0)) throw new BackpropError(`fit: pace must be a number of samples per second >= 0, got ${pace}`);
    const chunk = pace > 0 ? 1 : options.chunk ?? 0;
    if (this.#fit) throw new BackpropError('fit: a fit is already running (call stop() first)');
    intIn(threads, 1, 64, 'fit: threads');
    if (chunk !== 0) intIn(chunk, 1, 1 << 20, 'fit: chunk');
    if (!(chunkMs > 0 && chunkMs <= 60_000)) throw new BackpropError(`fit: chunkMs must be in (0, 60000], got ${chunkMs}`);
    if (!(progressMs >= 0)) throw new BackpropError(`fit: progressMs must be >= 0, got ${progressMs}`);
    if (evaluate) this.#dataset(evaluate.data ?? 'test');
    if (gradCheck) this.#dataset(gradCheck.data ?? name);
    const cfg = { batchSize, shuffle, seed };
    const total = net.fitTotal(ds, { epochs, steps, ...cfg });
    this.#lastFit = { data: name, ...cfg };
    let finish;
    const me = (this.#fit = { stopped: false, done: new Promise((r) => (finish = r)) });  // stop() may come from here on
    const c = this.#count;
    let done = 0, samples = 0, last = null, epoch = NaN, progressAt = -Infinity, lossSum = 0, lossSteps = 0;
    let rateSamples = 0, rateMs = 0, slept = 0;
    const progress = (running) => {
      progressAt = now();
      this.emit('progress', {
        step: c.step, epoch, seen: c.seen, loss: lossSteps ? lossSum / lossSteps : last?.lastLoss ?? NaN,
        samplesPerSec: rateMs > 0 ? (1000 * rateSamples) / rateMs : 0, elapsed: c.elapsed,
        done, total: Number.isFinite(total) ? total : null, running, ...par,
      });
      lossSum = lossSteps = 0;
    };
    let par = { threads: 1, threadsError: '' };
    try {
      par = await this.#threadsFor(net, ds, threads, batchSize);
      if (this.#net !== net) throw new BackpropError('trainer: the net was replaced or disposed during fit()');
      const run = this.#group ? (k) => this.#group.run(k, cfg) : (k) => net.fitSteps(ds, k, cfg);
      for (const r of trainingChunks(run, { total, chunk, chunkMs })) {
        last = r;
        done += r.steps;
        samples += r.samples;
        c.step += r.steps;
        c.seen += r.samples;
        const ms = r.ms + slept;  // paced: the wait counts as training time (elapsed, rate, the periodic work)
        slept = 0;
        c.elapsed += ms;
        lossSum += r.lossSum;
        lossSteps += r.steps;
        rateSamples = 0.7 * rateSamples + 0.3 * r.samples;  // smoothed samples per ms
        rateMs = 0.7 * rateMs + 0.3 * ms;
        const newEpoch = Math.floor(r.epoch) !== Math.floor(epoch);
        epoch = r.epoch;
        if (evaluate && c.elapsed - c.evaluateAt >= Math.max(evaluate.everyMs ?? EVALUATE_MS, OVERHEAD * c.evaluateCost)) {
          const t0 = now();
          c.evaluateAt = c.elapsed;
          this.emit('evaluate', this.#evaluation(evaluate));
          c.evaluateCost = now() - t0;
        }
        if (gradCheck && c.elapsed - c.checkAt >= Math.max(gradCheck.everyMs ?? GRADCHECK_MS, OVERHEAD * c.checkCost)) {
          const t0 = now();
          c.checkAt = c.elapsed;
          const { data = name, everyMs, ...o } = gradCheck;
          this.gradCheckData(data, { bug: this.#bug, ...o });
          c.checkCost = now() - t0;
        }
        if (done < total && !me.stopped && (progressMs === 0 || now() - progressAt >= progressMs || newEpoch)) progress(true);
        if (me.stopped) break;
        if (pace > 0) {
          const t0 = now();
          await this.#sleep((1000 * r.samples) / pace - r.ms, me);
          slept = now() - t0;
        } else await nextTask();
        if (this.#net !== net) throw new BackpropError('trainer: the net was replaced or disposed during fit()');
        if (me.stopped) break;
      }
      progress(false);
    } finally {
      this.#fit = null;
      this.#group?.pause();
      finish();
    }
    return {
      steps: done, samples, loss: last ? last.lossSum / last.steps : NaN, epoch: last ? last.epoch : 0,
      samplesPerSec: c.elapsed > 0 && last ? (1000 * last.samples) / last.ms : 0, stopped: me.stopped, ...par,
    };
  }
  // A paced fit's wait after a chunk: up to ms, cut short by stop().
  #sleep(ms, me) {
    if (!(ms > 0)) return nextTask();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        me.wake = null;
        resolve();
      }
      me.wake = done;
    });
  }
  /** Ends a running fit after its current chunk; resolves once it has ended. */
  async stop() {
    const f = this.#fit;
    if (!f) return { stopped: false };
    f.stopped = true;
    f.wake?.();
    await f.done;
    return { stopped: true };
  }
  // A replica group for `threads` on (net, ds), kept while it fits; on one thread when it cannot run.
  async #threadsFor(net, ds, threads, batchSize) {
    const g = this.#group;
    if (threads === 1) {
      this.#endGroup();
      return { threads: 1, threadsError: '' };
    }
    if (g && g.threads === threads && g.net === net && g.dataset === ds && g.maxBatch >= batchSize) return { threads, threadsError: '' };
    this.#endGroup();
    try {
      this.#group = await ReplicaGroup.start(net, ds, { threads, maxBatch: Math.max(batchSize, 64) });
      return { threads, threadsError: '' };
    } catch (e) {  // no SharedArrayBuffer, or a helper that failed to start: one thread, and why
      return { threads: 1, threadsError: e.message };
    }
  }
  #evaluation({ data = 'test', limit = 0, batchSize, probe = null }) {
    const net = this.#need(), ds = this.#dataset(data), c = this.#count;
    const { loss, accuracy } = net.evaluateDataset(ds, { limit, batchSize });
    const probeAccuracy = probe ? net.evaluateDataset(this.#dataset(probe)).accuracy : null;
    return { step: c.step, seen: c.seen, elapsed: c.elapsed, accuracy, loss, count: limit > 0 ? Math.min(limit, ds.count) : ds.count, probeAccuracy };
  }

  // ---- the net's other calls ----

  /**
   * evaluate(x, targets, n) -> { loss, accuracy }, or evaluate(datasetName, { batchSize, limit, probe })
   * on a dataset set by setData -> the 'evaluate' event's { loss, accuracy, count, probeAccuracy,
   * step, seen, elapsed } now.
   */
  evaluate(x, targets, n) {
    if (typeof x === 'string') return this.#evaluation({ ...targets, data: x });
    return this.#need().evaluate(x, targets, n);
  }
  predict(x, n) {
    return this.#need().predict(x, n);
  }
  forward(x, n) {
    return this.#need().forward(x, n);
  }
  /** net.gradCheck on the samples given; also emitted as a 'gradcheck' event. */
  gradCheck(x, targets, n, options) {
    const report = { ...this.#need().gradCheck(x, targets, n, options), step: this.#count.step };
    this.emit('gradcheck', report);
    return report;
  }
  /**
   * net.gradCheckDataset on a named dataset: the core picks the highest-loss samples of a random
   * pool and checks them; also emitted as a 'gradcheck' event. Its `bug` stays on for fit's checks.
   */
  gradCheckData(name, options = {}) {
    const report = { ...this.#need().gradCheckDataset(this.#dataset(name), options), step: this.#count.step };
    this.#bug = report.bug;
    this.emit('gradcheck', report);
    return report;
  }
  getParam(layer, name) {
    return this.#need().getParam(layer, name);
  }
  setParam(layer, name, values) {
    this.#need().setParam(layer, name, values);
    this.#group?.invalidate();  // the helpers copy the change before the next step
  }
  setOptimizer(options) {
    const net = this.#need();
    net.setOptimizer(options);
    this.#group?.invalidate();
    return net.optimizer;
  }
  save(options) {
    return this.#need().save(options);
  }

  // ---- checkpoints: what a Trainer keeps to resume in a new worker ----

  /**
   * The net and where its training is: { bytes (net.save with the optimizer's state), step, seen,
   * elapsed, fit: the last fit's { data, batchSize, shuffle, seed } and `steps`, the batches its
   * fit state has drawn (net.fitPosition().totalSteps), or null; bug (gradCheckData's) }.
   */
  checkpoint() {
    const net = this.#need(), { step, seen, elapsed } = this.#count;
    const fit = this.#lastFit && { ...this.#lastFit, steps: net.fitPosition().totalSteps };
    return { bytes: net.save({ optimizer: true }), step, seen, elapsed, fit, bug: this.#bug };
  }
  /**
   * Makes a checkpoint's net this session's, with its counts, and fit's batches going on where
   * they were: its fit state is replayed by fit.steps nextBatch calls on the dataset fit.data
   * (which must be here; ~5 µs a step, yielding every RESTORE_CHUNK). A failed restore changes
   * nothing. -> info()
   */
  async restore(checkpoint) {
    const { bytes, step, seen, elapsed, fit = null, bug = 'none' } = checkpoint ?? {}, MAX = Number.MAX_SAFE_INTEGER;
    intIn(step, 0, MAX, 'restore: step');
    intIn(seen, 0, MAX, 'restore: seen');
    if (!(elapsed >= 0 && elapsed < Infinity)) throw new BackpropError(`restore: elapsed must be a number of ms >= 0, got ${elapsed}`);
    if (!Object.hasOwn(BUGS, bug)) throw new BackpropError(`restore: unknown bug '${bug}' (known: ${Object.keys(BUGS).join(', ')})`);
    const ds = fit && this.#dataset(fit.data);
    if (fit) intIn(fit.steps, 0, MAX, 'restore: fit.steps');
    const net = (await this.#module()).load(bytes);
    try {
      const cfg = fit && { batchSize: fit.batchSize, shuffle: fit.shuffle, seed: fit.seed };
      for (let k = 0; k < (fit?.steps ?? 0); k++) {
        net.nextBatch(ds, cfg);
        if (k % RESTORE_CHUNK === RESTORE_CHUNK - 1) await nextTask();  // pings are answered meanwhile
      }
    } catch (e) {
      net.dispose();
      throw e;
    }
    await this.#replace(net);
    Object.assign(this.#count, { step, seen, elapsed });
    this.#lastFit = fit && { data: fit.data, batchSize: fit.batchSize, shuffle: fit.shuffle, seed: fit.seed };
    this.#bug = bug;
    return this.info();
  }
  /** The Trainer's heartbeat: answered between fit's chunks too. -> { step } (null: no net). */
  ping() {
    return { step: this.#count?.step ?? null };
  }

  // ---- looking inside (the demo's panels) ----

  /** The first conv2d or dense layer's weights: { layer, type, shape, inputShape, values }. */
  filters() {
    const net = this.#need(), layers = net.layers();
    const first = layers.findIndex((l) => l.type === 'conv2d' || l.type === 'dense');
    if (first < 0) throw new BackpropError('filters: the net has no conv2d or dense layer');
    const p = net.paramInfo().find((q) => q.layer === first && q.name === 'weight');
    return { layer: first, type: layers[first].type, shape: p.shape, inputShape: layers[first].inputShape, values: net.getParam(first, 'weight') };
  }
  /** Activation maps of sample `index` of a dataset: every layer with a [C,H,W] output (up to 6), from a prefix net with the same weights. */
  activations(name, index = 0) {
    const net = this.#need(), ds = this.#dataset(name), layers = net.layers(), spec = net.spec;
    const i = Math.max(0, Math.min(ds.count - 1, index | 0));
    const { x, labels } = ds.samples([i]);
    const maps = [];
    for (let k = 0; k < layers.length && maps.length < 6; k++) {
      if (layers[k].outputShape.length !== 3) continue;
      const prefix = this.#bp.sequential({ input: spec.input, layers: spec.layers.slice(0, k + 1), loss: 'mse', dtype: spec.dtype });
      try {
        for (const p of prefix.paramInfo()) prefix.setParam(p.layer, p.name, net.getParam(p.layer, p.name));
        maps.push({ layer: k, type: layers[k].type, shape: layers[k].outputShape, values: prefix.forward(x, 1) });
      } finally {
        prefix.dispose();
      }
    }
    return { sample: i, label: labels[0], image: x, maps };
  }
  /**
   * What one layer works on for some samples of a dataset, for a lesson on that layer: its input
   * (the output of a prefix net with the same weights, as activations() does; the samples
   * themselves for layer 0), its normalised config and its parameters now.
   * -> { layer, config, inputShape, outputShape, samples, labels, input, params: { name: { shape, values } } }
   */
  layerSnapshot(name, layer, samples) {
    const net = this.#need(), ds = this.#dataset(name), layers = net.layers(), spec = net.spec;
    intIn(layer, 0, layers.length - 1, 'layerSnapshot: layer');
    if (!Array.isArray(samples) || !samples.length || samples.length > 16) throw new BackpropError(`layerSnapshot: samples must be 1 to 16 indices of '${name}', got ${samples}`);
    for (const i of samples) intIn(i, 0, ds.count - 1, 'layerSnapshot: sample');
    const { x, labels } = ds.samples(samples), n = samples.length;
    let input = x;
    if (layer > 0) {
      const prefix = this.#bp.sequential({ input: spec.input, layers: spec.layers.slice(0, layer), loss: 'mse', dtype: spec.dtype });
      try {
        for (const p of prefix.paramInfo()) prefix.setParam(p.layer, p.name, net.getParam(p.layer, p.name));
        input = prefix.forward(x, n);
      } finally {
        prefix.dispose();
      }
    }
    const { inputShape, outputShape, ...config } = layers[layer];
    const params = {};
    for (const p of net.paramInfo()) if (p.layer === layer) params[p.name] = { shape: p.shape, values: net.getParam(layer, p.name) };
    return { layer, config, inputShape, outputShape, samples: [...samples], labels: Array.from(labels), input, params };
  }
  /**
   * The whole net for the lessons' network chapter: its spec, every parameter now, and the first
   * sample of the batch the next fit on `name` with these options would train on. The trainer is
   * not advanced: a scratch net of the same spec replays the fit state's batches (net.nextBatch on
   * the same dataset and options, fitPosition().totalSteps of them, then the next one); a net that
   * has not trained with these options yet starts over, as its next fit would.
   * -> { spec, params: [{ layer, name, shape, values }], step, sample, label, image, batch: indices }
   */
  networkSnapshot(name, { batchSize = 32, shuffle = true, seed = 1 } = {}) {
    const net = this.#need(), ds = this.#dataset(name), cfg = { batchSize, shuffle, seed };
    intIn(batchSize, 1, 1 << 20, 'networkSnapshot: batchSize');
    const done = net.fitPosition()?.totalSteps ?? 0;
    const scratch = this.#bp.sequential({ ...net.spec, optimizer: { type: 'sgd', lr: 0.1 } });
    let batch;
    try {
      for (let k = 0; k <= done; k++) batch = scratch.nextBatch(ds, cfg);
    } finally {
      scratch.dispose();
    }
    const { x, labels } = ds.samples([batch[0]]);
    const params = net.paramInfo().map((p) => ({ layer: p.layer, name: p.name, shape: [...p.shape], values: net.getParam(p.layer, p.name) }));
    return { spec: net.spec, params, step: this.#count.step, sample: batch[0], label: labels[0], image: x, batch: Array.from(batch) };
  }
  /** The confusion matrix over the first `limit` samples: { matrix (K×K, row = label), count, accuracy, wrong: up to 24 misclassified }. */
  confusion(name, { limit = Infinity } = {}) {
    const net = this.#need(), ds = this.#dataset(name), K = sizeOf(net.outputShape), S = sizeOf(ds.shape);
    const n = Math.min(limit, ds.count), B = 250, matrix = new Array(K * K).fill(0), wrong = [];
    let correct = 0;
    for (let s = 0; s < n; s += B) {
      const { x, labels } = ds.samples(Array.from({ length: Math.min(B, n - s) }, (_, i) => s + i));
      const out = net.predict(x, labels.length);
      for (let i = 0; i < labels.length; i++) {
        let p = 0;
        for (let k = 1; k < K; k++) if (out[i * K + k] > out[i * K + p]) p = k;
        matrix[labels[i] * K + p]++;
        if (p === labels[i]) correct++;
        else if (wrong.length < 24) wrong.push({ index: s + i, label: labels[i], pred: p, image: x.slice(i * S, (i + 1) * S) });
      }
    }
    return { matrix, count: n, accuracy: n ? correct / n : NaN, wrong };
  }
  /** A sanity check on a copy of the net's spec: the initial loss, and whether it overfits the first `samples` samples. */
  overfit(name, { samples = 20, maxSteps = 300 } = {}) {
    const ds = this.#dataset(name), net = this.#bp.sequential({ ...this.#need().spec, optimizer: { type: 'adam', lr: 0.005 } });
    try {
      const { x, labels, n } = ds.samples(Array.from({ length: Math.min(samples, ds.count) }, (_, i) => i));
      const initialLoss = net.evaluate(x, labels, n).loss;
      let loss = initialLoss, steps = 0;
      while (steps < maxSteps && loss > 0.01) {
        loss = net.trainStep(x, labels, n);
        steps++;
      }
      return { initialLoss, overfitLoss: net.evaluate(x, labels, n).loss, overfitSteps: steps };
    } finally {
      net.dispose();
    }
  }
  /** { threads, identical }: whether every replica's parameters equal this one's, byte for byte. */
  async replicas() {
    this.#need();
    return { threads: this.#group?.threads ?? 1, identical: this.#group ? await this.#group.identical() : true, stats: this.#group?.stats() ?? null };
  }
}

function describe(net) {
  const params = net.paramInfo();
  return {
    dtype: net.dtype, inputShape: net.inputShape, outputShape: net.outputShape, spec: net.spec, layers: net.layers(), params,
    paramCount: params.reduce((a, p) => a + sizeOf(p.shape), 0),
  };
}

/**
 * Answers protocol messages on a worker scope, a MessagePort or Node's parentPort with one
 * Session. Calls run in arrival order, except that fit() yields between chunks.
 */
export function serve(port) {
  const post = (msg) => port.postMessage(msg, transferList(msg.result ?? msg.detail));
  const session = new Session((event, detail) => post({ event, detail }));
  const listener = async (e) => {
    const { id, op, args = [] } = e.data ?? {};
    if (id === undefined || op === undefined) return;
    try {
      if (!OPS.includes(op)) throw new BackpropError(`trainer: unknown op '${op}'`);
      post({ id, result: await session[op](...args) });
    } catch (err) {
      port.postMessage({ id, error: errorToMessage(err) });
      // An abort (a bug, a trap) loses the module's nets and datasets: the client replaces the
      // worker and resumes from its checkpoint.
      if (moduleLost(err)) port.postMessage({ event: 'fatal', detail: errorToMessage(err) });
    }
  };
  port.addEventListener('message', listener);
  port.start?.();
  return session;
}

// replicas.js: data-parallel training on K threads with the coordinator inside replica 0.
//
//   The caller's net is replica 0; K−1 helper workers (web/parallel_worker.js) hold copies. One
//   step on a batch of N samples: helper k computes g_k on its share n_k, replica 0 on its own
//   share n_0 at the same time; replica 0 averages  g = Σ_k (n_k / N) · g_k  (float64 sum, the
//   full-batch gradient, as in web/parallel.js) and steps; each helper applies the same g as soon
//   as replica 0 has written it (or, had it gone to sleep by then, before its next command).
//   Same start (a model file with the optimizer state), same g, same optimizer code: the
//   replicas stay bit-identical.
//
// Unlike ParallelTrainer (web/parallel.js: a coordinating thread, one message round trip per
// step) only K threads work here and a step is synchronous: the batch, the gradients and the
// averaged gradient cross in one SharedArrayBuffer and the threads meet with Atomics.wait /
// Atomics.notify (tens of µs instead of a postMessage round trip through two event loops).
// So it needs SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP + COEP headers, as
// scripts/serve.mjs sends) or Node; `ReplicaGroup.supported()` says whether it can run here.
//
// Why not Emscripten pthreads: see web/parallel.js (3.1.6 needs a separate .worker.js even with
// SINGLE_FILE, and would split GEMMs that are already small); here every thread runs the plain
// single-threaded module and only ~6,000 gradient numbers per step cross between threads.
//
// Shared memory layout (one SharedArrayBuffer per helper):
//   Int32 ctrl[8]: SEQ (bumped per command), ACK (= SEQ when done), CMD, N, AVG (= the SEQ whose
//   averaged gradient is in avg), FAILED
//   Float64 loss, Float64 busy (the helper's compute ms, summed), then Float32
//   x[maxBatch·inputSize], targets[maxBatch·outputs], grads[P], avg[P]
import { BackpropError } from './errors.js';
import { spawn } from './parallel.js';
import { mulberry32 } from './random.js';

export const SEQ = 0, ACK = 1, CMD = 2, N = 3, AVG = 4, FAILED = 5;
export const CMD_STEP = 1, CMD_EXIT = 2;
const WAIT_MS = 30_000;  // a helper that does not answer within this is taken as dead

// Spin, then sleep. A thread that sleeps in Atomics.wait lets its (virtual) CPU go idle, and
// waking an idle vCPU took 0.1–2 ms on our 2-core VM: as long as a whole 8-sample share at
// batch 16. Both sides of a step finish within a fraction of a millisecond of each other, so
// each polls the shared word for up to SPIN_MS before it sleeps (as pthreadpool and OpenMP
// runtimes spin before a futex wait). Costs only a core that would otherwise idle.
export const SPIN_MS = 5;
export function spinUntil(done, ms = SPIN_MS) {
  if (done()) return true;
  const t0 = performance.now();
  for (;;) {
    for (let i = 0; i < 256; i++) if (done()) return true;
    if (performance.now() - t0 > ms) return false;
  }
}

/** The views of one helper's shared buffer (both sides build them the same way). */
export function sharedViews(sab, { maxBatch, inputSize, targetSize, paramCount }) {
  let o = 64;
  const f32 = (len) => {
    const v = new Float32Array(sab, o, len);
    o += len * 4;
    return v;
  };
  return {
    ctrl: new Int32Array(sab, 0, 8),
    loss: new Float64Array(sab, 32, 1),
    busy: new Float64Array(sab, 40, 1),  // ms the helper spent computing its shares, summed
    x: f32(maxBatch * inputSize),
    targets: f32(maxBatch * targetSize),
    grads: f32(paramCount),
    avg: f32(paramCount),
  };
}
const sharedBytes = ({ maxBatch, inputSize, targetSize, paramCount }) => 64 + 4 * (maxBatch * (inputSize + targetSize) + 2 * paramCount);

const WORKER_URL = new URL('./parallel_worker.js', import.meta.url);

export class ReplicaGroup {
  #net;
  #helpers = [];  // { worker, v (views), running }
  #layout;
  #dirty = true;
  #seq = 0;
  #g = null;    // float64 accumulator
  #own = null;  // replica 0's gradient (float32, reused every step)
  #stats = { steps: 0, stepMs: 0, ownMs: 0, waitMs: 0 };

  /** True where a ReplicaGroup can run: SharedArrayBuffer usable (cross-origin isolated page, a worker of one, or Node). */
  static supported() {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return false;
    return globalThis.crossOriginIsolated !== false;
  }

  /**
   * Starts `threads − 1` helpers for `net` (which stays the caller's: replica 0).
   * targetSize: target numbers per sample (1 for class labels). maxBatch bounds step()'s n.
   */
  static async start(net, { threads = 2, maxBatch = 1024, targetSize = 1, workerUrl = WORKER_URL } = {}) {
    if (!Number.isInteger(threads) || threads < 2 || threads > 64)
      throw new BackpropError(`replicas: threads must be an integer in [2, 64], got ${threads}`);
    if (!ReplicaGroup.supported())
      throw new BackpropError('replicas: SharedArrayBuffer is not available (the page must be cross-origin isolated: COOP + COEP headers)');
    if (net.dtype !== 'float32') throw new BackpropError(`replicas: float32 nets only (the shared buffers are float32), got ${net.dtype}`);
    const g = new ReplicaGroup();
    g.#net = net;
    g.#layout = {
      maxBatch, targetSize,
      inputSize: net.inputShape.reduce((a, b) => a * b, 1),
      paramCount: net.paramInfo().reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    };
    g.#g = new Float64Array(g.#layout.paramCount);
    g.#own = new Float32Array(g.#layout.paramCount);
    try {
      for (let k = 1; k < threads; k++) {
        const worker = await spawn(workerUrl);
        const sab = new SharedArrayBuffer(sharedBytes(g.#layout));
        const h = { worker, v: sharedViews(sab, g.#layout), running: false, replies: [] };
        worker.listen((m) => h.replies.shift()?.(m), (e) => { h.dead = e; h.replies.splice(0).forEach((f) => f({ type: 'error', message: e.message })); });
        g.#helpers.push(h);
        await g.#ask(h, { type: 'attach', sab, layout: g.#layout });
      }
    } catch (e) {
      g.terminate();
      throw e;
    }
    return g;
  }

  get threads() {
    return this.#helpers.length + 1;
  }

  /** True when `net` has replica 0's shapes (same input size and parameter count), so invalidate(net) may take it. */
  fits(net) {
    return net.inputShape.reduce((a, b) => a * b, 1) === this.#layout.inputSize &&
      net.paramInfo().reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0) === this.#layout.paramCount;
  }

  /** Call after changing replica 0 other than by step() (weights, optimizer, a new net): the helpers copy it before the next step. */
  invalidate(net = this.#net) {
    this.#net = net;
    this.#dirty = true;
    this.stats({ reset: true });
  }

  /**
   * One data-parallel optimizer step on replica 0's net and every helper: x holds n·inputSize
   * numbers, targets n·targetSize (typed arrays). Synchronous (it blocks on Atomics.wait; call it in a worker
   * or Node). -> the batch's mean loss.
   * whileWaiting (optional) runs once replica 0's share is done, before it waits for the helpers:
   * x and targets are no longer read by then, so it may refill them with the next batch
   * (BatchStream.next), which then costs no step time when a helper is still computing.
   */
  step(x, targets, n, whileWaiting = null) {
    const L = this.#layout, K = this.threads;
    if (!Number.isInteger(n) || n < 1 || n > L.maxBatch) throw new BackpropError(`replicas: n must be an integer in [1, ${L.maxBatch}], got ${n}`);
    if (this.#dirty) this.#push();
    const t0 = performance.now();
    // Shares: helpers take the first ceil parts (replica 0 also averages and steps).
    const shares = [];
    for (let k = 0, start = 0; k < K; k++) {
      const nk = Math.floor(n / K) + (k < n % K ? 1 : 0);
      shares.push({ start, nk });
      start += nk;
    }
    const seq = ++this.#seq;
    this.#helpers.forEach((h, i) => {
      const { start, nk } = shares[i];
      h.v.x.set(x.subarray(start * L.inputSize, (start + nk) * L.inputSize));
      h.v.targets.set(targets.subarray(start * L.targetSize, (start + nk) * L.targetSize));
      this.#command(h, CMD_STEP, nk, seq);
    });
    const own = shares[K - 1];
    const g = this.#g;
    let loss = 0;
    if (own.nk > 0) {
      loss = (own.nk / n) * this.#net.paramGradients(
        x.subarray(own.start * L.inputSize, (own.start + own.nk) * L.inputSize),
        targets.subarray(own.start * L.targetSize, (own.start + own.nk) * L.targetSize), own.nk);
      const g0 = this.#net.getGradients(this.#own), w = own.nk / n;
      for (let i = 0; i < g.length; i++) g[i] = w * g0[i];
    } else g.fill(0);
    whileWaiting?.();
    const t1 = performance.now();
    // g += w_k·g_k helper by helper; the last sum is rounded to float32 (once, the same numbers
    // for every replica) as it is stored into the first helper's avg.
    const avg = this.#helpers[0].v.avg;
    let rounded = false;
    this.#helpers.forEach((h, k) => {
      this.#await(h, seq);
      const nk = shares[k].nk;
      if (nk === 0) return;
      const w = nk / n, gk = h.v.grads;
      if (k === K - 2) {
        for (let i = 0; i < g.length; i++) avg[i] = g[i] + w * gk[i];
        rounded = true;
      } else for (let i = 0; i < g.length; i++) g[i] += w * gk[i];
      loss += w * h.v.loss[0];
    });
    if (!rounded) avg.set(g);
    for (let k = 1; k < K - 1; k++) this.#helpers[k].v.avg.set(avg);
    for (const h of this.#helpers) {
      Atomics.store(h.v.ctrl, AVG, seq);  // the helpers step with it while replica 0 does
      Atomics.notify(h.v.ctrl, SEQ);
    }
    const t2 = performance.now();
    this.#net.setGradients(avg);
    this.#net.applyGradients();
    const st = this.#stats, t3 = performance.now();
    st.steps++;
    st.stepMs += t3 - t0;
    st.ownMs += t1 - t0;
    st.waitMs += t2 - t1;
    return loss;
  }

  /**
   * k steps on batches of up to batchSize from a BatchStream, each next batch built while replica
   * 0 waits for the helpers (step's whileWaiting). -> { steps, samples, loss (mean over the steps) }.
   */
  run(stream, k, batchSize) {
    let lossSum = 0, samples = 0, b = stream.next(batchSize), next = null;
    const prefetch = () => (next = stream.next(batchSize));
    for (let i = 0; i < k; i++, b = next) {
      lossSum += this.step(b.x, b.y, b.n, i + 1 < k ? prefetch : null);
      samples += b.n;
    }
    return { steps: k, samples, loss: lossSum / k };
  }

  /**
   * Where replica 0's step time went since the last reset (or invalidate()): { steps, stepMs,
   * ownMs (sending the shares and its own gradient), waitMs (waiting for the helpers, then
   * averaging), helperMs (per helper: computing its shares) }; the rest of stepMs is replica 0's
   * optimizer step.
   */
  stats({ reset = false } = {}) {
    const s = { ...this.#stats, helperMs: this.#helpers.map((h) => h.v.busy[0] - (h.busy0 ?? 0)) };
    if (reset) {
      this.#stats = { steps: 0, stepMs: 0, ownMs: 0, waitMs: 0 };
      for (const h of this.#helpers) h.busy0 = h.v.busy[0];
    }
    return s;
  }

  /** The helpers apply the last step and go back to their message loops (call when training pauses). */
  pause() {
    if (!this.#helpers.some((h) => h.running)) return;
    const seq = ++this.#seq;
    for (const h of this.#helpers) if (h.running) this.#command(h, CMD_EXIT, 0, seq);
    for (const h of this.#helpers) if (h.running) {
      this.#await(h, seq);
      h.running = false;
    }
  }

  /** True when every helper's parameters equal replica 0's, byte for byte (after pause()). */
  async identical() {
    this.pause();
    if (this.#dirty) return true;  // they copy replica 0 before the next step
    const mine = this.#net.save();
    const theirs = await Promise.all(this.#helpers.map((h) => this.#ask(h, { type: 'save' })));
    return theirs.every((r) => r.bytes.length === mine.length && r.bytes.every((b, i) => b === mine[i]));
  }

  terminate() {
    for (const h of this.#helpers) h.worker.terminate();
    this.#helpers = [];
  }

  // ---- internals ----
  #push() {
    this.pause();
    const bytes = this.#net.save({ optimizer: true });
    for (const h of this.#helpers) h.worker.post({ type: 'load', bytes });
    this.#dirty = false;
  }
  #command(h, cmd, n, seq) {
    if (h.dead) throw new BackpropError(`replicas: a helper failed: ${h.dead.message}`);
    const c = h.v.ctrl;
    c[CMD] = cmd;
    c[N] = n;
    Atomics.store(c, SEQ, seq);
    if (!h.running) {
      h.worker.post({ type: 'run' });  // it enters its loop and finds this command waiting
      h.running = true;
    } else Atomics.notify(c, SEQ);
  }
  #await(h, seq) {
    const c = h.v.ctrl, t0 = Date.now();
    spinUntil(() => Atomics.load(c, ACK) === seq);
    while (Atomics.load(c, ACK) !== seq) {
      if (Date.now() - t0 > WAIT_MS) throw new BackpropError(`replicas: a helper did not answer within ${WAIT_MS / 1000} s`);
      Atomics.wait(c, ACK, Atomics.load(c, ACK), 1000);
    }
    if (c[FAILED]) {
      c[FAILED] = 0;
      h.running = false;
      this.#dirty = true;
      throw new BackpropError('replicas: a helper failed on its share of the batch (a NaN or a trap; see its console)');
    }
  }
  #ask(h, msg) {
    return new Promise((resolve, reject) => {
      h.replies.push((m) => (m.type === 'error' ? reject(new BackpropError(m.message)) : resolve(m)));
      h.worker.post(msg);
    });
  }
}

/**
 * Batches for ReplicaGroup.step from data kept in JS: a shuffled order per epoch (seeded; not
 * net.fit's order), pixels (Uint8Array) scaled to [0,1] as a Dataset does, float images as they are.
 * images: count·sampleSize values; targets: count·targetSize values.
 */
export class BatchStream {
  #order = null;
  #x;
  #y;
  constructor(images, targets, count, { seed = 1, maxBatch = 1024 } = {}) {
    this.images = images;
    this.targets = targets;
    this.count = count;
    this.sampleSize = images.length / count;
    this.targetSize = targets.length / count;
    this.seed = seed;
    this.epochs = 0;  // whole epochs done
    this.pos = 0;     // samples of the current epoch done
    this.#x = new Float32Array(maxBatch * this.sampleSize);
    this.#y = new Float32Array(maxBatch * this.targetSize);
  }
  /** Where in training: epochs done + the fraction of this one. */
  get epoch() {
    return this.epochs + this.pos / this.count;
  }
  /** The next batch of up to n samples (fewer at an epoch's end): { x, y, n } (views, valid until the next call). */
  next(n) {
    if (!this.#order || this.pos >= this.count) {
      if (this.#order) this.epochs++;
      this.#order = shuffled(this.count, mulberry32(this.seed * 100_003 + this.epochs));
      this.pos = 0;
    }
    n = Math.min(n, this.count - this.pos);
    const P = this.sampleSize, D = this.targetSize, scale = this.images instanceof Uint8Array || this.images instanceof Uint8ClampedArray;
    const X = this.#x, Y = this.#y, img = this.images, tg = this.targets, order = this.#order;  // (locals: a tight loop)
    for (let b = 0; b < n; b++) {
      const i = order[this.pos + b], s = i * P, o = b * P;
      if (scale) for (let j = 0; j < P; j++) X[o + j] = img[s + j] / 255;
      else X.set(img.subarray(s, s + P), o);
      for (let d = 0; d < D; d++) Y[b * D + d] = tg[i * D + d];
    }
    this.pos += n;
    return { x: this.#x.subarray(0, n * P), y: this.#y.subarray(0, n * D), n };
  }
}

function shuffled(n, rng) {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

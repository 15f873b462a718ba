// replicas.js: data-parallel training on K threads, the one mechanism (Session.fit({ threads })).
//
//   The caller's net is replica 0 and the coordinator; K−1 helper workers (replica_worker.js)
//   each hold a copy of the net AND of the dataset, inside their own module. One step:
//   replica 0 draws the batch's sample indices from its net's fit state (net.nextBatch: the same
//   shuffled order net.fit uses, so a batch sequence is the same at one thread and at K) and
//   writes each helper its share of the indices; every replica gathers its share from its own
//   dataset in C++ and computes its gradient g_k on it (net.gradientsAt) at the same time;
//   replica 0 averages  g = Σ_k (n_k / N) · g_k  (a float64 sum, rounded once to the net's dtype:
//   the full-batch gradient) and steps; each helper applies the same g as soon as replica 0 has
//   written it (or, had it gone to sleep, before its next command). Same start (a model file
//   with the optimizer state), same g, same optimizer code: the replicas stay bit-identical, and
//   they differ from a one-thread run only by the order the batch's sum was taken in.
//
// A step is synchronous: indices, gradients and the averaged gradient cross in one
// SharedArrayBuffer per helper and the threads meet with Atomics.wait / Atomics.notify (tens of
// µs, not a postMessage round trip). So it needs SharedArrayBuffer (a cross-origin-isolated page,
// or Node); where it is missing ReplicaGroup.start rejects and Session.fit trains on one thread
// with the same batches. Why not Emscripten pthreads: see docs/parallel.md.
//
// The shared memory's layout and the spin-then-sleep wait: shared.js.
import { BackpropError } from '../core/errors.js';
import { sharedBytes, sharedViews, spinUntil, CMD_STEP, CMD_EXIT, SEQ, ACK, CMD, N, AVG, FAILED } from './shared.js';
import { spawn } from './spawn.js';

export { SPIN_MS } from './shared.js';

const WAIT_MS = 30_000;  // a helper that does not answer within this is taken as dead

export class ReplicaGroup {
  #helpers = [];  // { worker, v (views), running, replies, dead }
  #layout;
  #dirty = true;
  #seq = 0;
  #g = null;    // float64 accumulator
  #own = null;  // replica 0's gradient (the net's dtype, reused every step)
  #stats = { steps: 0, stepMs: 0, ownMs: 0, waitMs: 0 };
  /** Replica 0's net and the dataset every replica holds a copy of. */
  net = null;
  dataset = null;

  /** True where a ReplicaGroup can run: SharedArrayBuffer usable (cross-origin isolated page, a worker of one, or Node). */
  static supported() {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return false;
    return globalThis.crossOriginIsolated !== false;
  }

  /**
   * Starts `threads − 1` helpers for `net` (which stays the caller's: replica 0), each with a copy
   * of `dataset`. maxBatch bounds a step's batch size.
   */
  static async start(net, dataset, { threads = 2, maxBatch = 1024 } = {}) {
    if (!Number.isInteger(threads) || threads < 2 || threads > 64)
      throw new BackpropError(`replicas: threads must be an integer in [2, 64], got ${threads}`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 1 << 20)
      throw new BackpropError(`replicas: maxBatch must be an integer in [1, 1048576], got ${maxBatch}`);
    if (!ReplicaGroup.supported())
      throw new BackpropError('replicas: SharedArrayBuffer is not available (the page must be cross-origin isolated: COOP + COEP headers)');
    const g = new ReplicaGroup();
    g.net = net;
    g.dataset = dataset;
    const float64 = net.dtype === 'float64';
    g.#layout = { maxBatch, float64, paramCount: net.paramInfo().reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0) };
    g.#g = new Float64Array(g.#layout.paramCount);
    g.#own = new (float64 ? Float64Array : Float32Array)(g.#layout.paramCount);
    const data = dataset.export();
    try {
      for (let k = 1; k < threads; k++) {
        const worker = await spawn('replica');
        const sab = new SharedArrayBuffer(sharedBytes(g.#layout));
        const h = { worker, v: sharedViews(sab, g.#layout), running: false, replies: [] };
        worker.listen((m) => h.replies.shift()?.(m), (e) => {
          h.dead = e;
          h.replies.splice(0).forEach((f) => f({ type: 'error', message: e.message }));
        });
        g.#helpers.push(h);
        await g.#ask(h, { type: 'attach', sab, layout: g.#layout, data });
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
  get maxBatch() {
    return this.#layout.maxBatch;
  }

  /** Call after changing replica 0 other than by step() (weights, optimizer): the helpers copy it before the next step. */
  invalidate() {
    this.#dirty = true;
    this.stats({ reset: true });
  }

  /**
   * One data-parallel optimizer step on the samples `indices` (a Uint32Array) of the dataset:
   * on replica 0's net and every helper. Synchronous (it blocks on Atomics.wait; call it in a
   * worker or Node). -> the batch's mean loss.
   */
  step(indices) {
    const L = this.#layout, K = this.threads, n = indices.length;
    if (!Number.isInteger(n) || n < 1 || n > L.maxBatch) throw new BackpropError(`replicas: a batch must have 1 to ${L.maxBatch} samples, got ${n}`);
    if (this.#dirty) this.#push();
    const t0 = performance.now();
    // Shares: helpers take the first parts (replica 0 also averages and steps).
    const shares = [];
    for (let k = 0, start = 0; k < K; k++) {
      const nk = Math.floor(n / K) + (k < n % K ? 1 : 0);
      shares.push({ start, nk });
      start += nk;
    }
    const seq = ++this.#seq;
    this.#helpers.forEach((h, i) => {
      const { start, nk } = shares[i];
      h.v.idx.set(indices.subarray(start, start + nk));
      this.#command(h, CMD_STEP, nk, seq);
    });
    const own = shares[K - 1];
    const g = this.#g;
    let loss = 0;
    if (own.nk > 0) {
      loss = (own.nk / n) * this.net.gradientsAt(this.dataset, indices.subarray(own.start, own.start + own.nk));
      const g0 = this.net.getGradients(this.#own), w = own.nk / n;
      for (let i = 0; i < g.length; i++) g[i] = w * g0[i];
    } else g.fill(0);
    const t1 = performance.now();
    // g += w_k·g_k helper by helper; the last sum is rounded to the net's dtype (once, the same
    // numbers for every replica) as it is stored into the first helper's avg.
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
    this.net.setGradients(avg);
    this.net.applyGradients();
    const st = this.#stats, t3 = performance.now();
    st.steps++;
    st.stepMs += t3 - t0;
    st.ownMs += t1 - t0;
    st.waitMs += t2 - t1;
    return loss;
  }

  /**
   * k steps on the next batches of replica 0's fit state (net.nextBatch with cfg = { batchSize,
   * shuffle, seed }, the batches net.fit would take) -> the report of net.fitSteps:
   * { steps, samples, lossSum, lastLoss, totalSteps, epoch, position }.
   */
  run(k, cfg) {
    let lossSum = 0, lastLoss = NaN, samples = 0;
    for (let i = 0; i < k; i++) {
      const idx = this.net.nextBatch(this.dataset, cfg);
      lastLoss = this.step(idx);
      lossSum += lastLoss;
      samples += idx.length;
    }
    const at = this.net.fitPosition();
    return { steps: k, samples, lossSum, lastLoss, ...at, epoch: at.epoch + at.position / this.dataset.count };
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

  /** The helpers apply the last step and go back to their message loops (when training pauses). */
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
    const mine = this.net.save();
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
    const bytes = this.net.save({ optimizer: true });
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

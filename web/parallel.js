// parallel.js: data-parallel training on several cores, one replica of the net per worker.
//
//   Each step splits the batch of N samples into K contiguous shares n_k (K workers). Worker k
//   computes g_k = dL_k/dθ on its share (the loss is a mean over n_k, loss.h); this thread
//   averages  g = Σ_k (n_k / N) · g_k  (in float64, then the net's dtype), which is the
//   full-batch gradient, and sends the same g to every worker, which applies one optimizer
//   step with it. Every replica starts from the same spec and seed and applies identical
//   steps, so the replicas stay bit-identical; they differ from a one-thread run only by
//   the order the batch's sum was taken in.
//
// Why workers and not pthreads: Emscripten 3.1.6 pthreads need a separate .worker.js even
// with SINGLE_FILE, SharedArrayBuffer (cross-origin isolation) and would split GEMMs that
// are already small; here each worker runs the plain single-threaded module, the only
// traffic is the gradients (one buffer per step each way), and it works in any page, a
// worker and Node (worker_threads).
//
// Pipelining: the averaged g of step t travels with the batch of step t+1 (one round trip
// per step); toJSON() sends the last one on its own.
import { BackpropError } from './errors.js';

const WORKER_URL = new URL('./parallel_worker.js', import.meta.url);

/** A module Web Worker (page) or a worker_threads Worker (Node) behind one small interface. */
export async function spawn(url) {
  if (typeof globalThis.Worker === 'function') {
    const w = new globalThis.Worker(url, { type: 'module' });
    return {
      post: (m) => w.postMessage(m),
      listen: (f, fail) => {
        w.onmessage = (e) => f(e.data);
        w.onerror = (e) => fail(new BackpropError(`parallel worker failed: ${e.message}`));
      },
      terminate: () => w.terminate(),
    };
  }
  const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
  const w = new Worker(url);
  return {
    post: (m) => w.postMessage(m),
    listen: (f, fail) => {
      w.on('message', f);
      w.on('error', (e) => fail(new BackpropError(`parallel worker failed: ${e.message}`)));
    },
    terminate: () => w.terminate(),
  };
}

export class ParallelTrainer {
  #workers = [];
  #waiting = [];  // per worker: the resolve/reject of the reply it owes
  #pending = null;  // averaged grads not yet applied
  #inputSize = 0;
  #float64 = false;

  /**
   * Starts `workers` replicas of the net `spec` (give it a seed: all replicas must start equal).
   * -> a ParallelTrainer; call terminate() when done.
   */
  static async create(spec, { workers = 2, workerUrl = WORKER_URL } = {}) {
    if (!Number.isInteger(workers) || workers < 1 || workers > 64)
      throw new BackpropError(`parallel: workers must be an integer in [1, 64], got ${workers}`);
    const t = new ParallelTrainer();
    t.#float64 = spec?.dtype === 'float64';
    for (let k = 0; k < workers; k++) {
      const w = await spawn(workerUrl);
      const i = t.#workers.length;
      w.listen(
        (m) => t.#reply(i, m),
        (e) => t.#fail(i, e),
      );
      t.#workers.push(w);
      t.#waiting.push(null);
    }
    try {
      const ready = await Promise.all(t.#workers.map((w, i) => t.#ask(i, { type: 'init', spec })));
      t.#inputSize = ready[0].inputSize;
    } catch (e) {
      t.terminate();
      throw e;
    }
    return t;
  }

  get workers() {
    return this.#workers.length;
  }

  /**
   * One optimizer step on a batch of n samples split across the workers (x: n*inputSize
   * numbers, targets: n labels or n*outputs mse values). -> the batch's mean loss.
   */
  async trainStep(x, targets, n) {
    if (!Number.isInteger(n) || n < 1) throw new BackpropError(`parallel trainStep: n must be an integer >= 1, got ${n}`);
    if (x?.length !== n * this.#inputSize)
      throw new BackpropError(`parallel trainStep: x has ${x?.length} values, expected n*${this.#inputSize} = ${n * this.#inputSize}`);
    if (!targets || targets.length % n !== 0)
      throw new BackpropError(`parallel trainStep: targets has ${targets?.length} values, not a multiple of n = ${n}`);
    const K = this.#workers.length, per = targets.length / n;
    const apply = this.#pending;
    this.#pending = null;
    const shares = [];
    for (let k = 0, start = 0; k < K; k++) {
      const nk = Math.floor(n / K) + (k < n % K ? 1 : 0);
      shares.push({ start, nk });
      start += nk;
    }
    const replies = await Promise.all(
      shares.map(({ start, nk }, k) =>
        this.#ask(k, {
          type: 'step',
          apply,
          n: nk,
          x: x.slice(start * this.#inputSize, (start + nk) * this.#inputSize),
          targets: Array.from(targets.slice(start * per, (start + nk) * per)),
        }),
      ),
    );
    // g = Σ (n_k / N) g_k, summed in float64.
    let sum = null, loss = 0;
    replies.forEach((r, k) => {
      if (!r.grads) return;
      const wk = shares[k].nk / n;
      if (!sum) sum = new Float64Array(r.grads.length);
      for (let i = 0; i < sum.length; i++) sum[i] += wk * r.grads[i];
      loss += wk * r.loss;
    });
    this.#pending = this.#float64 ? sum : Float32Array.from(sum);
    return loss;
  }

  /** The replicas' net as net.toJSON() (worker 0's, after the last step is applied everywhere). */
  async toJSON() {
    return (await this.replicas())[0];
  }
  /** Every replica's net.toJSON(), worker order (they are equal; tests check that). */
  async replicas() {
    const apply = this.#pending;
    this.#pending = null;
    const all = await Promise.all(this.#workers.map((w, k) => this.#ask(k, { type: 'json', apply })));
    return all.map((r) => r.json);
  }

  terminate() {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }

  #ask(k, msg) {
    if (!this.#workers[k]) return Promise.reject(new BackpropError('parallel: the trainer was terminated'));
    return new Promise((resolve, reject) => {
      this.#waiting[k] = { resolve, reject };
      this.#workers[k].post(msg);
    });
  }
  #reply(k, m) {
    const w = this.#waiting[k];
    this.#waiting[k] = null;
    if (!w) return;
    if (m.type === 'error') w.reject(new BackpropError(m.message));
    else w.resolve(m);
  }
  #fail(k, e) {
    const w = this.#waiting[k];
    this.#waiting[k] = null;
    if (w) w.reject(e);
  }
}

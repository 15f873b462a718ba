// replica_worker.js: one helper replica of a ReplicaGroup (replicas.js). A module Web Worker in a
// page, a worker_threads Worker in Node (spawn.js); owns one module, one net and one dataset.
// Messages in:
//   {type:'attach', sab, layout, data}   the shared buffer, and the dataset ({ images, labels, shape })
//                                        -> {type:'attached'}
//   {type:'load', bytes}                 the net becomes this model file (with optimizer state); no reply
//   {type:'run'}                         serves CMD_STEP commands in the shared buffer until CMD_EXIT; no reply
//   {type:'save'}                        -> {type:'saved', bytes} (net.save(), parameters only)
// Any failure -> {type:'error', message}. Once loaded it posts {ready: true} (spawn.js waits for it).
import { loadBackprop } from '../core/backprop.js';
import { nodeBuiltin } from '../core/node-builtin.js';
import { sharedViews, spinUntil, CMD_STEP, CMD_EXIT, SEQ, ACK, CMD, N, AVG, FAILED } from './shared.js';

let post, listen;
if (typeof WorkerGlobalScope !== 'undefined') {
  post = (msg, transfer) => self.postMessage(msg, transfer);
  listen = (f) => (self.onmessage = (e) => f(e.data));
} else {
  const { parentPort } = await nodeBuiltin('worker_threads');
  post = (msg, transfer) => parentPort.postMessage(msg, transfer);
  listen = (f) => parentPort.on('message', f);
}

let bp = null, net = null, dataset = null, shared = null, lastSeq = 0, applied = 0;

// The helper's loop: one command per bump of ctrl[SEQ] (layout in replicas.js), ACK when done.
// Between commands it applies the step's averaged gradient as soon as replica 0 publishes it
// (ctrl[AVG] = that step's SEQ), so neither the apply nor a wake-up sits on the next step's path.
function run() {
  const { ctrl, idx, grads, avg, loss, busy } = shared;
  const pending = () => Atomics.load(ctrl, AVG) === lastSeq && applied !== lastSeq;
  const ready = () => Atomics.load(ctrl, SEQ) !== lastSeq || pending();
  let failed = false;  // reported with the next command's ACK
  const attempt = (f) => {
    try {
      f();
    } catch (e) {
      console.error(`replica: ${e.message}`);
      failed = true;
    }
  };
  for (;;) {
    if (!spinUntil(ready)) Atomics.wait(ctrl, SEQ, lastSeq);
    if (pending()) {
      applied = lastSeq;
      attempt(() => {
        net.setGradients(avg);
        net.applyGradients();
      });
    }
    const seq = Atomics.load(ctrl, SEQ);
    if (seq === lastSeq) continue;
    lastSeq = seq;
    const cmd = ctrl[CMD], n = ctrl[N];
    if (!failed && cmd === CMD_STEP && n > 0) attempt(() => {
      const t0 = performance.now();
      loss[0] = net.gradientsAt(dataset, idx.subarray(0, n));
      net.getGradients(grads);
      busy[0] += performance.now() - t0;
    });
    if (failed) ctrl[FAILED] = 1;
    Atomics.store(ctrl, ACK, seq);
    Atomics.notify(ctrl, ACK);
    if (cmd === CMD_EXIT || failed) return;
  }
}

listen(async (msg) => {
  try {
    if (msg.type === 'attach') {
      bp ??= await loadBackprop();
      shared = sharedViews(msg.sab, msg.layout);
      dataset?.dispose();
      dataset = bp.dataset(msg.data.images, msg.data.labels, msg.data.shape);
      post({ type: 'attached' });
    } else if (msg.type === 'load') {
      net?.dispose();
      net = bp.load(msg.bytes);
    } else if (msg.type === 'run') {
      run();
    } else if (msg.type === 'save') {
      post({ type: 'saved', bytes: net.save() });
    }
  } catch (e) {
    post({ type: 'error', message: e?.message ?? String(e) });
  }
});
post({ ready: true }); // spawn.js waits for it

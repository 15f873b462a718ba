// parallel_worker.js: one replica of a ParallelTrainer (web/parallel.js). Runs as a module
// Web Worker in a page and as a worker_threads Worker in Node; owns one module and one net.
// Messages in (protocol in parallel.js):
//   {type:'init', spec}                      -> {type:'ready', inputSize, paramCount}
//   {type:'step', apply, x, targets, n}      apply (averaged grads or null) is stepped first;
//                                            then n > 0: -> {type:'grads', grads, loss}
//                                                 n = 0: -> {type:'grads', grads: null}
//   {type:'json', apply}                     -> {type:'json', json} (net.toJSON(), after apply)
// Any failure -> {type:'error', message}.
// As a helper of a ReplicaGroup (web/replicas.js: the coordinator is replica 0, steps meet in
// shared memory):
//   {type:'attach', sab, layout}              -> {type:'attached'}
//   {type:'load', bytes}                      the net becomes this model file (with optimizer state); no reply
//   {type:'run'}                              serves CMD_STEP commands in the shared buffer until CMD_EXIT; no reply
//   {type:'save'}                             -> {type:'saved', bytes} (net.save(), parameters only)
import { loadBackprop } from './index.js';
import { sharedViews, spinUntil, CMD_STEP, CMD_EXIT, SEQ, ACK, CMD, N, AVG, FAILED } from './replicas.js';

let post, listen;
if (typeof WorkerGlobalScope !== 'undefined') {
  post = (msg, transfer) => self.postMessage(msg, transfer);
  listen = (f) => (self.onmessage = (e) => f(e.data));
} else {
  const { parentPort } = await import(/* @vite-ignore */ 'node:worker_threads');
  post = (msg, transfer) => parentPort.postMessage(msg, transfer);
  listen = (f) => parentPort.on('message', f);
}

let net = null;
function apply(grads) {
  if (!grads) return;
  net.setGradients(grads);
  net.applyGradients();
}

let bp = null, shared = null, lastSeq = 0, applied = 0;

// The helper's loop: one command per bump of ctrl[SEQ] (layout in replicas.js), ACK when done.
// Between commands it applies the step's averaged gradient as soon as replica 0 publishes it
// (ctrl[AVG] = that step's SEQ), so neither the apply nor a wake-up sits on the next step's path.
function run() {
  const { ctrl, x, targets, grads, avg, loss, busy } = shared.v, { inputSize, targetSize } = shared.layout;
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
      attempt(() => apply(avg));
    }
    const seq = Atomics.load(ctrl, SEQ);
    if (seq === lastSeq) continue;
    lastSeq = seq;
    const cmd = ctrl[CMD], n = ctrl[N];
    if (!failed && cmd === CMD_STEP && n > 0) attempt(() => {
      const t0 = performance.now();
      loss[0] = net.paramGradients(x.subarray(0, n * inputSize), targets.subarray(0, n * targetSize), n);
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
      shared = { v: sharedViews(msg.sab, msg.layout), layout: msg.layout };
      post({ type: 'attached' });
    } else if (msg.type === 'load') {
      bp ??= await loadBackprop();
      net?.dispose();
      net = bp.load(msg.bytes);
    } else if (msg.type === 'run') {
      run();
    } else if (msg.type === 'save') {
      post({ type: 'saved', bytes: net.save() });
    } else if (msg.type === 'init') {
      const bp = await loadBackprop();
      net = bp.sequential(msg.spec);
      const inputSize = net.inputShape.reduce((a, b) => a * b, 1);
      post({ type: 'ready', inputSize, paramCount: net.paramInfo().reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0) });
    } else if (msg.type === 'step') {
      apply(msg.apply);
      if (msg.n === 0) return post({ type: 'grads', grads: null, loss: 0 });
      const loss = net.paramGradients(msg.x, msg.targets, msg.n);
      const grads = net.getGradients();
      post({ type: 'grads', grads, loss }, [grads.buffer]);
    } else if (msg.type === 'json') {
      apply(msg.apply);
      post({ type: 'json', json: net.toJSON() });
    }
  } catch (e) {
    post({ type: 'error', message: e && e.message ? e.message : String(e) });
  }
});

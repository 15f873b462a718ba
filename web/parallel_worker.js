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
import { sharedViews, CMD_STEP, CMD_EXIT } from './replicas.js';

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

let bp = null, shared = null, lastSeq = 0;

// The helper's loop: one command per bump of ctrl[SEQ] (layout in replicas.js), ACK when done.
function run() {
  const { ctrl, x, targets, grads, avg, loss } = shared.v, { inputSize, targetSize } = shared.layout;
  for (;;) {
    Atomics.wait(ctrl, 0, lastSeq);
    const seq = Atomics.load(ctrl, 0);
    if (seq === lastSeq) continue;
    lastSeq = seq;
    const cmd = ctrl[2], n = ctrl[3];
    try {
      if (ctrl[4]) apply(avg);
      if (cmd === CMD_STEP && n > 0) {
        loss[0] = net.paramGradients(x.subarray(0, n * inputSize), targets.subarray(0, n * targetSize), n);
        grads.set(net.getGradients());
      }
    } catch (e) {
      console.error(`replica: ${e.message}`);
      ctrl[5] = 1;
    }
    const stop = cmd === CMD_EXIT || ctrl[5] === 1;
    Atomics.store(ctrl, 1, seq);
    Atomics.notify(ctrl, 1);
    if (stop) return;
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

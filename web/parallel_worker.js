// parallel_worker.js: one replica of a ParallelTrainer (web/parallel.js). Runs as a module
// Web Worker in a page and as a worker_threads Worker in Node; owns one module and one net.
// Messages in (protocol in parallel.js):
//   {type:'init', spec}                      -> {type:'ready', inputSize, paramCount}
//   {type:'step', apply, x, targets, n}      apply (averaged grads or null) is stepped first;
//                                            then n > 0: -> {type:'grads', grads, loss}
//                                                 n = 0: -> {type:'grads', grads: null}
//   {type:'json', apply}                     -> {type:'json', json} (net.toJSON(), after apply)
// Any failure -> {type:'error', message}.
import { loadBackprop } from './index.js';

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

listen(async (msg) => {
  try {
    if (msg.type === 'init') {
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

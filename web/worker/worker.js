// worker.js: the trainer worker. It owns one WASM module and serves one Session
// (web/worker/session.js) over the protocol (web/worker/protocol.js): in a page a module Web
// Worker, in Node a worker_threads Worker (both started by web/worker/spawn.js).
import { serve } from './session.js';
import { loadBackprop } from '../core/backprop.js';
import { nodeBuiltin } from '../core/node-builtin.js';

const port = typeof WorkerGlobalScope !== 'undefined'
  ? self
  : (await nodeBuiltin('worker_threads')).parentPort;
serve(port);

// For tests (Trainer.simulateCrash): { simulateCrash: 'error' | 'close' | 'hang' | 'abort' }, the
// ways a worker goes that its Trainer must notice: an uncaught error, ending itself (self.close()
// in a page; in Node, where nothing ends silently, process.exit), spinning forever, or its WASM
// module aborting (the next call that needs the module fails and the worker reports 'fatal').
port.addEventListener('message', (e) => {
  const how = e.data?.simulateCrash;
  if (how === 'error') setTimeout(() => { throw new Error('simulateCrash: an uncaught error'); });
  else if (how === 'abort') loadBackprop().then((bp) => bp.simulateAbort()).catch(() => {});
  else if (how === 'close') typeof WorkerGlobalScope !== 'undefined' ? self.close() : process.exit(0);
  else if (how === 'hang') for (;;);
});
port.postMessage({ ready: true }); // first: spawn.js waits for it (protocol.js)

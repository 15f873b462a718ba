// worker.js: the trainer worker. It owns one WASM module and serves one Session
// (web/worker/session.js) over the protocol (web/worker/protocol.js): in a page a module Web
// Worker, in Node a worker_threads Worker (both started by web/worker/spawn.js).
import { serve } from './session.js';
import { nodeBuiltin } from '../core/node-builtin.js';

const port = typeof WorkerGlobalScope !== 'undefined'
  ? self
  : (await nodeBuiltin('worker_threads')).parentPort;
serve(port);
port.postMessage({ ready: true }); // first: spawn.js waits for it (protocol.js)

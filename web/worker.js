// worker.js: the demo's trainer, a module Web Worker. It owns the WASM module, MNIST (loaded
// once) and the net; the page talks to it only through the messages of protocol.js.
// It is also the worker behind trainer(spec, { worker: true }) (web/trainer.js): those messages
// carry `op` and are answered by serve() (web/session.js) with a Session of their own.
// Training runs in chunks of ~40 ms so pause/step/gradcheck messages are handled in between.
// Every request is answered; a BackpropError becomes { ok: false, error } and the worker goes on.
// With threads: 2 (build/setOptions) it trains data-parallel: this worker's net is replica 0 and
// the coordinator, a helper worker holds replica 1 (web/replicas.js); everything else (tests,
// gradient checks, filters, predictions, save) reads replica 0, which equals the helper's.
import { loadBackprop } from './index.js';
import { mnistFromIdx, MNIST_FILES } from './mnist.js';
import { REQ, EVT, MNIST_DIR } from './protocol.js';
import { serve, nextTask } from './session.js';
import { mulberry32 } from './random.js';
import { ReplicaGroup, BatchStream } from './replicas.js';

const CHUNK_MS = 40;          // training work per turn of the message loop
const PROGRESS_MS = 200;      // progress events while training: at most this often (and at each new epoch)
const TEST_EVERY_MS = 1500;   // test accuracy interval (training time), at least
const CHECK_EVERY_MS = 4000;  // automatic gradient check interval, at least
const OVERHEAD = 10;          // ... and at least 10× what the last one cost, so each takes ≤ ~10%
const TEST_SUBSET = 1000;     // held-out test images for the running accuracy (default of testImages)
const PIX = 784;

let bp = null;
let mnist = null;  // { train: {images, labels, count}, test: {...} } (pixels kept in JS for checks and pictures)
let sets = null;   // the same images inside the module: { train, test, trainProbe } (bp.dataset)
const TRAIN_PROBE = 1000;  // training images for the running train accuracy
const S = {
  net: null, spec: null, optimizer: null, batchSize: 32, seed: 1,
  running: false, step: 0, seen: 0, epoch: 0, rng: null, stepsPerChunk: 4,
  elapsed: 0, lastTest: 0, lastCheck: 0, testCost: 0, checkCost: 0, rateSeen: 0, rateMs: 0, bug: 'none', loss: NaN, acc: NaN,
  threads: 1, group: null, stream: null, testImages: TEST_SUBSET, progressAt: 0, progressEpoch: 0,
  lossSum: 0, lossSteps: 0,
};

const post = (type, payload = {}, transfer = []) => self.postMessage({ type, ...payload }, transfer);

// ---- data ----

async function fetchBytes(name, onBytes) {
  const res = await fetch(new URL(`../${MNIST_DIR}${name}`, import.meta.url));
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const reader = res.body.getReader();
  const parts = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    got += value.length;
    onBytes(value.length, total);
  }
  const out = new Uint8Array(got);
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

async function loadData() {
  const names = [...MNIST_FILES.train, ...MNIST_FILES.test];
  const sizes = { 'train-images-idx3-ubyte': 47040016, 'train-labels-idx1-ubyte': 60008, 't10k-images-idx3-ubyte': 7840016, 't10k-labels-idx1-ubyte': 10008 };
  const total = names.reduce((a, n) => a + sizes[n], 0);
  let loaded = 0, lastPost = 0;
  const bytes = await Promise.all(names.map((n) => fetchBytes(n, (k) => {
    loaded += k;
    const now = performance.now();
    if (now - lastPost > 100) { lastPost = now; post(EVT.LOADING, { phase: 'mnist', loaded, total }); }
  })));
  post(EVT.LOADING, { phase: 'mnist', loaded: total, total });
  return { train: mnistFromIdx(bytes[0], bytes[1], 'mnist train'), test: mnistFromIdx(bytes[2], bytes[3], 'mnist test') };
}

// x for samples idx[] of a set: pixels / 255, NCHW.
function batchOf(set, idx) {
  const x = new Float32Array(idx.length * PIX), y = new Array(idx.length);
  for (let b = 0; b < idx.length; b++) {
    const src = set.images.subarray(idx[b] * PIX, idx[b] * PIX + PIX);
    for (let i = 0; i < PIX; i++) x[b * PIX + i] = src[i] / 255;
    y[b] = set.labels[idx[b]];
  }
  return { x, y };
}

// ---- the net ----

function argmaxRows(out, n, k) {
  const pred = new Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (out[i * k + j] > out[i * k + best]) best = j;
    pred[i] = best;
  }
  return pred;
}

function describe(net) {
  const params = net.paramInfo();
  return { layers: net.layers(), params, paramCount: params.reduce((a, p) => a + p.shape.reduce((u, v) => u * v, 1), 0), spec: net.spec };
}

function withSeed(spec, seed) {
  return { ...spec, seed };
}

function checkBatch(batchSize) {
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1024))
    throw new Error(`batchSize must be an integer in [1, 1024], got ${batchSize}`);
}

// Makes `net` the session's net (the old one is freed); throws, leaving the session as it was,
// when the optimizer or batch size is bad (the caller then disposes `net`).
async function install(net, { optimizer, batchSize, seed, threads = S.threads, testImages = S.testImages }) {
  net.setOptimizer(optimizer);
  checkBatch(batchSize);
  checkThreads(threads);
  checkTestImages(testImages);
  if (net.inputShape.reduce((a, b) => a * b, 1) !== PIX || net.outputShape.join() !== '10')
    throw new Error(`the net maps ${JSON.stringify(net.inputShape)} -> ${JSON.stringify(net.outputShape)}; MNIST needs 784 inputs ([1,28,28] or [784]) -> [10]`);
  if (S.net !== net) S.net?.dispose();
  Object.assign(S, {
    net, spec: net.spec, optimizer, batchSize, seed, running: false, step: 0, seen: 0, epoch: 0,
    elapsed: 0, lastTest: 0, lastCheck: 0, testCost: 0, checkCost: 0, rateSeen: 0, rateMs: 0, loss: NaN, acc: NaN,
    lossSum: 0, lossSteps: 0, progressEpoch: 0, rng: mulberry32(seed), stepsPerChunk: 4, stream: null, testImages,
  });
  await setThreads(threads);
  const initialLoss = net.evaluateDataset(sets.trainProbe, { limit: 256 }).loss;
  return { ...describe(net), initialLoss, threads: S.threads, threadsError: S.threadsError };
}

async function build({ spec, optimizer, batchSize, seed, threads, testImages }) {
  const net = bp.sequential(withSeed({ ...spec, optimizer: undefined }, seed));
  try {
    return await install(net, { optimizer, batchSize, seed, threads, testImages });
  } catch (e) {
    if (S.net !== net) net.dispose();
    throw e;
  }
}

function checkThreads(threads) {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 2))
    throw new Error(`threads must be 1 or 2, got ${threads}`);
  if (threads > 1 && !ReplicaGroup.supported())
    throw new Error(`threads ${threads} needs SharedArrayBuffer: serve the page cross-origin isolated (COOP + COEP headers, as npm start does)`);
}
function checkTestImages(n) {
  if (!(Number.isInteger(n) && n >= 1 && n <= 10000)) throw new Error(`testImages must be an integer in [1, 10000], got ${n}`);
}

// Threads for S.net: 1 trains with net.fit; 2 starts (or keeps) a helper replica, which copies
// replica 0 (weights and optimizer state) before its first step.
async function setThreads(threads) {
  if (threads === 1 || !S.group || S.group.threads !== threads || !S.group.fits(S.net)) {
    S.group?.terminate();
    S.group = null;
  }
  S.threadsError = '';
  try {
    if (threads > 1 && !S.group) S.group = await ReplicaGroup.start(S.net, { threads, maxBatch: 1024 });
  } catch (e) {  // no helper (it failed to start): train on this thread and say why
    S.threadsError = e.message;
    threads = 1;
  }
  S.group?.invalidate(S.net);
  S.threads = threads;
}

function needNet() {
  if (!S.net) throw new Error('no net built yet');
  return S.net;
}

// ---- training loop ----

function progress() {
  post(EVT.PROGRESS, {
    step: S.step, epoch: Math.floor(S.epoch), epochFraction: S.epoch, seen: S.seen,
    loss: S.lossSteps > 0 ? S.lossSum / S.lossSteps : S.loss, trainAcc: S.acc, samplesPerSec: S.rateMs > 0 ? (S.rateSeen * 1000) / S.rateMs : 0,
    elapsed: S.elapsed, running: S.running, threads: S.threads,
  });
  S.lossSum = S.lossSteps = 0;
}

// k steps in one call into WASM (net.fit continues the epoch where the last call stopped);
// k adapts so a chunk takes about maxMs.
function runSteps(maxMs, exactSteps = 0) {
  const k = exactSteps || S.stepsPerChunk;
  const r = S.group ? parallelSteps(k) : S.net.fit(sets.train, { steps: k, batchSize: S.batchSize, shuffle: true, seed: S.seed, progressEvery: k });
  const ms = r.seconds * 1000;
  if (!exactSteps) S.stepsPerChunk = Math.max(1, Math.min(4096, Math.round((k * maxMs) / Math.max(ms, 1))));
  S.step += r.steps;
  S.seen += r.samples;
  S.epoch = r.epoch;
  S.elapsed += ms;
  S.rateSeen = 0.7 * S.rateSeen + 0.3 * r.samples;  // smoothed samples per ms
  S.rateMs = 0.7 * S.rateMs + 0.3 * ms;
  S.loss = r.loss;
  S.lossSum += r.loss * r.steps;  // the mean over the steps since the last progress event is posted
  S.lossSteps += r.steps;
}

// k data-parallel steps (S.group) on batches from S.stream (web/replicas.js: BatchStream).
function parallelSteps(k) {
  const t0 = performance.now();
  S.stream ??= new BatchStream(mnist.train.images, mnist.train.labels, mnist.train.count, { seed: S.seed });
  const r = S.group.run(S.stream, k, S.batchSize);
  return { ...r, epoch: S.stream.epoch, seconds: (performance.now() - t0) / 1000 };
}

function testAccuracy(limit = S.testImages) {
  const { loss, accuracy } = S.net.evaluateDataset(sets.test, { limit });
  S.acc = S.net.evaluateDataset(sets.trainProbe).accuracy;
  return { step: S.step, seen: S.seen, accuracy, loss, count: Math.min(limit, mnist.test.count), trainAcc: S.acc, elapsed: S.elapsed };
}

// The check runs on the `samples` highest-loss images of a random pool: a sample the net
// already gets right with confidence has near-zero gradients, which pass |a − n| ≤ atol even
// when they are wrong, so they would prove little.
function gradcheck({ bug = S.bug, samples = 2, maxCoords = 24, pool = 64 } = {}) {
  const net = needNet();
  S.bug = bug;
  const cand = Array.from({ length: pool }, () => Math.floor(S.rng() * mnist.train.count));
  const c = batchOf(mnist.train, cand), logits = net.forward(c.x, pool);
  const lossOf = (i) => {
    const z = logits.subarray(i * 10, i * 10 + 10), m = Math.max(...z);
    return Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0)) - (z[c.y[i]] - m);
  };
  const idx = cand.map((k, i) => [lossOf(i), k]).sort((a, b) => b[0] - a[0]).slice(0, samples).map((p) => p[1]);
  const { x, y } = batchOf(mnist.train, idx);
  const rows = net.gradCheck(x, y, samples, { stencil: 4, eps: 1e-5, maxCoords, seed: S.step + 1, bug });
  const layers = net.layers();
  const want = { 'conv-no-rotate': 'conv2d', 'relu-no-mask': 'relu' }[bug];
  const brokenLayer = bug === 'none' ? -1 : bug === 'loss-no-mean' ? layers.length : layers.findLastIndex((l) => l.type === want);
  const result = { step: S.step, bug, brokenLayer, samples, rows };
  post(EVT.GRADCHECK, result);
  return result;
}

function loop() {
  if (!S.running) return;
  try {
    runSteps(CHUNK_MS);
    if (S.elapsed - S.lastTest >= Math.max(TEST_EVERY_MS, OVERHEAD * S.testCost)) {
      const t0 = performance.now();
      S.lastTest = S.elapsed;
      post(EVT.TEST, testAccuracy());
      S.testCost = performance.now() - t0;
    }
    if (S.elapsed - S.lastCheck >= Math.max(CHECK_EVERY_MS, OVERHEAD * S.checkCost)) {
      const t0 = performance.now();
      S.lastCheck = S.elapsed;
      gradcheck();
      S.checkCost = performance.now() - t0;
    }
  } catch (e) {
    S.running = false;
    post(EVT.FATAL, { message: `training stopped: ${e.message}`, restart: trapped(e) });
  }
  const now = performance.now(), epoch = Math.floor(S.epoch);
  if (!S.running || now - S.progressAt >= PROGRESS_MS || epoch !== S.progressEpoch) {
    S.progressAt = now;
    S.progressEpoch = epoch;
    progress();
  }
  if (S.running) nextTask().then(loop);
}

// ---- looking inside ----

function filters() {
  const net = needNet();
  const layers = net.layers(), first = layers.findIndex((l) => l.type === 'conv2d' || l.type === 'dense');
  if (first < 0) throw new Error('the net has no conv2d or dense layer');
  const p = net.paramInfo().find((q) => q.layer === first && q.name === 'weight');
  return { layer: first, type: layers[first].type, shape: p.shape, inputShape: layers[first].inputShape, values: net.getParam(first, 'weight') };
}

// Activation maps: a prefix net (layers 0..k, same weights) for each layer with a [C,H,W] output.
function activations({ sample = 0 }) {
  const net = needNet(), layers = net.layers(), spec = net.spec;
  const i = Math.max(0, Math.min(mnist.test.count - 1, sample | 0));
  const { x, y } = batchOf(mnist.test, [i]);
  const maps = [];
  for (let k = 0; k < layers.length && maps.length < 6; k++) {
    if (layers[k].outputShape.length !== 3) continue;
    const prefix = bp.sequential({ input: spec.input, layers: spec.layers.slice(0, k + 1), loss: 'mse' });
    try {
      for (const p of prefix.paramInfo()) prefix.setParam(p.layer, p.name, net.getParam(p.layer, p.name));
      maps.push({ layer: k, type: layers[k].type, shape: layers[k].outputShape, values: prefix.forward(x, 1) });
    } finally {
      prefix.dispose();
    }
  }
  return { sample: i, label: y[0], image: x, maps };
}

function confusion({ limit = mnist.test.count }) {
  const net = needNet(), n = Math.min(limit, mnist.test.count), B = 250, matrix = new Array(100).fill(0), wrong = [];
  let correct = 0;
  for (let s = 0; s < n; s += B) {
    const idx = Array.from({ length: Math.min(B, n - s) }, (_, i) => s + i);
    const { x, y } = batchOf(mnist.test, idx);
    const pred = argmaxRows(net.forward(x, idx.length), idx.length, 10);
    pred.forEach((p, i) => {
      matrix[y[i] * 10 + p]++;
      if (p === y[i]) correct++;
      else if (wrong.length < 24) wrong.push({ index: idx[i], label: y[i], pred: p, image: x.slice(i * PIX, (i + 1) * PIX) });
    });
  }
  return { matrix, count: n, accuracy: correct / n, wrong };
}

// Sanity badges on a separate net: the initial loss ≈ ln 10; 20 samples overfit to ~0 loss.
function sanity() {
  const net = bp.sequential({ ...S.spec, optimizer: { type: 'adam', lr: 0.005 } });
  try {
    const idx = Array.from({ length: 20 }, (_, i) => i), { x, y } = batchOf(mnist.train, idx);
    const initialLoss = net.evaluate(x, y, 20).loss;
    let loss = initialLoss, steps = 0;
    while (steps < 300 && loss > 0.01) { loss = net.trainStep(x, y, 20); steps++; }
    return { initialLoss, overfitLoss: net.evaluate(x, y, 20).loss, overfitSteps: steps };
  } finally {
    net.dispose();
  }
}

function save() {
  const net = needNet();
  const bytes = net.save();
  return { bytes, name: `backprop-mnist-step${S.step}.bpm` };
}

async function load({ bytes }) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const net = bp.load(u8);
  try {
    const r = await install(net, { optimizer: net.optimizer ?? S.optimizer, batchSize: S.batchSize, seed: S.seed });
    return { ...r, test: testAccuracy() };
  } catch (e) {
    if (S.net !== net) net.dispose();
    throw e;
  }
}

// ---- dispatch ----

const handlers = {
  async [REQ.INIT]() {
    if (!bp) bp = await loadBackprop();
    if (!mnist) mnist = await loadData();
    if (!sets) {
      const probe = Array.from({ length: TRAIN_PROBE }, (_, i) => Math.floor((i * mnist.train.count) / TRAIN_PROBE));
      const p = batchOf(mnist.train, probe);
      sets = {
        train: bp.dataset(mnist.train.images, mnist.train.labels, [1, 28, 28], { classes: 10 }),
        test: bp.dataset(mnist.test.images, mnist.test.labels, [1, 28, 28], { classes: 10 }),
        trainProbe: bp.dataset(p.x, p.y, [1, 28, 28], { classes: 10 }),
      };
    }
    return { train: mnist.train.count, test: mnist.test.count };
  },
  [REQ.VALIDATE]({ spec }) {
    const net = bp.sequential(spec);
    try { return describe(net); } finally { net.dispose(); }
  },
  [REQ.BUILD]: build,
  async [REQ.SET_OPTIONS]({ optimizer, batchSize, threads = S.threads, testImages = S.testImages }) {
    const net = needNet();
    checkBatch(batchSize);
    checkThreads(threads);
    checkTestImages(testImages);
    net.setOptimizer(optimizer);
    Object.assign(S, { optimizer, batchSize, testImages });
    await setThreads(threads);
    return { threads: S.threads, threadsError: S.threadsError };
  },
  [REQ.START]() {
    needNet();
    if (!S.running) { S.running = true; nextTask().then(loop); }
    return { running: true };
  },
  [REQ.PAUSE]() {
    S.running = false;
    progress();
    return { running: false };
  },
  [REQ.STEP]() {
    needNet();
    S.running = false;
    runSteps(0, 1);
    S.acc = S.net.evaluateDataset(sets.trainProbe).accuracy;
    progress();
    return { step: S.step, loss: S.loss };
  },
  [REQ.RESET]() {
    return build({ spec: S.spec, optimizer: S.optimizer, batchSize: S.batchSize, seed: S.seed });
  },
  [REQ.GRADCHECK]: gradcheck,
  [REQ.FILTERS]: filters,
  [REQ.ACTIVATIONS]: activations,
  [REQ.CONFUSION]: confusion,
  [REQ.PREDICT]({ pixels }) {
    return { probs: Array.from(needNet().predict(pixels, 1)) };
  },
  [REQ.SANITY]: sanity,
  [REQ.SAVE]: save,
  [REQ.LOAD]: load,
  [REQ.TEST]() {
    needNet();
    return testAccuracy();
  },
  async [REQ.REPLICAS]() {
    needNet();
    return { threads: S.threads, identical: S.group ? await S.group.identical() : true, stats: S.group?.stats() ?? null };
  },
};

// The same worker answers the trainer API (web/trainer.js: trainer(spec, { worker: true })):
// its messages carry `op` and are handled by serve() with a Session of their own.
serve(self);

self.onmessage = async ({ data }) => {
  if (data?.op !== undefined) return; // the trainer API's (serve above)
  const { type, id } = data;
  const h = handlers[type];
  try {
    if (!h) throw new Error(`worker: unknown request '${type}'`);
    if (type !== REQ.INIT && !mnist) throw new Error('worker: not initialised (send init first)');
    const result = await h(data);
    self.postMessage({ type: EVT.REPLY, id, ok: true, result });
  } catch (e) {
    self.postMessage({ type: EVT.REPLY, id, ok: false, error: e?.message ?? String(e) });
    if (trapped(e)) post(EVT.FATAL, { message: `the WASM module trapped: ${e.message}`, restart: true });
  }
};

// A trap (out of memory, unreachable) leaves the module unusable: only a new worker helps.
function trapped(e) {
  return e instanceof WebAssembly.RuntimeError;
}

// worker.js: the demo's trainer, a module Web Worker. It owns the WASM module, MNIST (loaded
// once) and the net; the page talks to it only through the messages of protocol.js.
// Training runs in chunks of ~40 ms so pause/step/gradcheck messages are handled in between.
// Every request is answered; a BackpropError becomes { ok: false, error } and the worker goes on.
import { loadBackprop } from './index.js';
import { mnistFromIdx, MNIST_FILES } from './mnist.js';
import { REQ, EVT, MNIST_DIR } from './protocol.js';
import { jsOptimizer, saveModel, loadModel } from './worker-shims.js';

const CHUNK_MS = 40;          // training work per turn of the message loop
const TEST_EVERY_MS = 1500;   // test accuracy interval (training time)
const CHECK_EVERY_MS = 4000;  // automatic gradient check interval
const TEST_SUBSET = 1000;     // held-out test images for the running accuracy
const PIX = 784;

let bp = null;
let mnist = null;  // { train: {images, labels, count}, test: {...} }
const S = {
  net: null, opt: null, spec: null, optimizer: null, batchSize: 32, seed: 1,
  running: false, step: 0, seen: 0, order: null, pos: 0, epoch: 0, rng: null,
  elapsed: 0, lastTest: 0, lastCheck: 0, rateSeen: 0, rateMs: 0, bug: 'none', loss: NaN, acc: NaN,
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

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(n, rng) {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function nextBatchIdx() {
  const n = mnist.train.count, B = S.batchSize, idx = new Array(B);
  for (let b = 0; b < B; b++) {
    if (S.pos >= n) { S.order = shuffle(n, S.rng); S.pos = 0; S.epoch++; }
    idx[b] = S.order[S.pos++];
  }
  return idx;
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

function makeOptimizer(net, optimizer) {
  if (typeof net.setOptimizer === 'function') {
    net.setOptimizer(optimizer);
    return { step: null };
  }
  return jsOptimizer(net, optimizer);
}

// One SGD step on (x, y): the real trainStep when the core has it, else the shim.
function trainStep(net, opt, x, y, n) {
  if (!opt.step) return net.trainStep(x, y, n);
  const loss = net.computeGradients(x, y, n);
  opt.step();
  return loss;
}

function describe(net) {
  const params = net.paramInfo();
  return { layers: net.layers(), params, paramCount: params.reduce((a, p) => a + p.shape.reduce((u, v) => u * v, 1), 0), spec: net.spec };
}

function withSeed(spec, seed) {
  return { ...spec, seed };
}

function install(net, { optimizer, batchSize, seed }) {
  const opt = makeOptimizer(net, optimizer);  // throws on a bad optimizer: the caller disposes net
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1024))
    throw new Error(`batchSize must be an integer in [1, 1024], got ${batchSize}`);
  S.net?.dispose();
  Object.assign(S, {
    net, opt, spec: net.spec, optimizer, batchSize, seed, running: false, step: 0, seen: 0, epoch: 0, pos: 0,
    elapsed: 0, lastTest: 0, lastCheck: 0, rateSeen: 0, rateMs: 0, loss: NaN, acc: NaN, rng: mulberry32(seed),
  });
  S.order = shuffle(mnist.train.count, S.rng);
  const { x, y } = batchOf(mnist.train, Array.from({ length: 256 }, (_, i) => i));
  const initialLoss = net.loss(x, y, 256);
  return { ...describe(net), initialLoss };
}

function build({ spec, optimizer, batchSize, seed }) {
  const net = bp.sequential(withSeed(spec, seed));
  try {
    return install(net, { optimizer, batchSize, seed });
  } catch (e) {
    if (S.net !== net) net.dispose();
    throw e;
  }
}

function needNet() {
  if (!S.net) throw new Error('no net built yet');
  return S.net;
}

// ---- training loop ----

function progress() {
  post(EVT.PROGRESS, {
    step: S.step, epoch: S.epoch, epochFraction: S.epoch + S.pos / mnist.train.count, seen: S.seen,
    loss: S.loss, trainAcc: S.acc, samplesPerSec: S.rateMs > 0 ? (S.rateSeen * 1000) / S.rateMs : 0,
    elapsed: S.elapsed, running: S.running,
  });
}

function runSteps(maxMs, maxSteps = Infinity) {
  const t0 = performance.now();
  let steps = 0, lossSum = 0, x, y;
  while (steps < maxSteps && (steps === 0 || performance.now() - t0 < maxMs)) {
    ({ x, y } = batchOf(mnist.train, nextBatchIdx()));
    lossSum += trainStep(S.net, S.opt, x, y, S.batchSize);
    steps++;
  }
  const out = S.net.forward(x, S.batchSize), pred = argmaxRows(out, S.batchSize, 10);
  const ms = performance.now() - t0;
  S.step += steps;
  S.seen += steps * S.batchSize;
  S.elapsed += ms;
  S.rateSeen = 0.7 * S.rateSeen + 0.3 * steps * S.batchSize;  // smoothed samples per ms
  S.rateMs = 0.7 * S.rateMs + 0.3 * ms;
  S.loss = lossSum / steps;
  S.acc = pred.filter((p, i) => p === y[i]).length / S.batchSize;
}

function testAccuracy(limit = TEST_SUBSET) {
  const n = Math.min(limit, mnist.test.count), B = 250;
  let correct = 0, lossSum = 0;
  for (let s = 0; s < n; s += B) {
    const idx = Array.from({ length: Math.min(B, n - s) }, (_, i) => s + i);
    const { x, y } = batchOf(mnist.test, idx);
    const pred = argmaxRows(S.net.forward(x, idx.length), idx.length, 10);
    lossSum += S.net.loss(x, y, idx.length) * idx.length;
    correct += pred.filter((p, i) => p === y[i]).length;
  }
  return { step: S.step, seen: S.seen, accuracy: correct / n, loss: lossSum / n, count: n };
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
  const rows = net.gradCheck(x, y, samples, { stencil: 4, eps: 1e-4, maxCoords, seed: S.step + 1, bug });
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
    if (S.elapsed - S.lastTest >= TEST_EVERY_MS) { S.lastTest = S.elapsed; post(EVT.TEST, testAccuracy()); }
    if (S.elapsed - S.lastCheck >= CHECK_EVERY_MS) { S.lastCheck = S.elapsed; gradcheck(); }
  } catch (e) {
    S.running = false;
    post(EVT.FATAL, { message: `training stopped: ${e.message}`, restart: trapped(e) });
  }
  progress();
  if (S.running) setTimeout(loop, 0);
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

function softmax(z) {
  const m = Math.max(...z), e = Array.from(z, (v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

// Sanity badges on a separate net: the initial loss ≈ ln 10; 20 samples overfit to ~0 loss.
function sanity() {
  const net = bp.sequential(S.spec);
  try {
    const idx = Array.from({ length: 20 }, (_, i) => i), { x, y } = batchOf(mnist.train, idx);
    const initialLoss = net.loss(x, y, 20);
    const opt = makeOptimizer(net, { type: 'adam', lr: 0.005 });
    let loss = initialLoss, steps = 0;
    while (steps < 300 && loss > 0.01) { loss = trainStep(net, opt, x, y, 20); steps++; }
    return { initialLoss, overfitLoss: net.loss(x, y, 20), overfitSteps: steps };
  } finally {
    net.dispose();
  }
}

function save() {
  const net = needNet();
  const bytes = typeof net.save === 'function' ? net.save() : saveModel(net);
  return { bytes, name: `backprop-mnist-step${S.step}.bpm` };
}

function load({ bytes }) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const net = typeof bp.load === 'function' ? bp.load(u8) : loadModel(bp, u8);
  try {
    if (net.inputShape.join() !== '1,28,28' || net.outputShape.join() !== '10')
      throw new Error(`model file: input ${JSON.stringify(net.inputShape)} -> output ${JSON.stringify(net.outputShape)}, this page needs [1,28,28] -> [10]`);
    const r = install(net, { optimizer: S.optimizer ?? { type: 'adam', lr: 0.001 }, batchSize: S.batchSize, seed: S.seed });
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
    return { train: mnist.train.count, test: mnist.test.count };
  },
  [REQ.VALIDATE]({ spec }) {
    const net = bp.sequential(spec);
    try { return describe(net); } finally { net.dispose(); }
  },
  [REQ.BUILD]: build,
  [REQ.SET_OPTIONS]({ optimizer, batchSize }) {
    const net = needNet();
    const opt = makeOptimizer(net, optimizer);
    if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1024))
      throw new Error(`batchSize must be an integer in [1, 1024], got ${batchSize}`);
    Object.assign(S, { opt, optimizer, batchSize });
    return {};
  },
  [REQ.START]() {
    needNet();
    if (!S.running) { S.running = true; setTimeout(loop, 0); }
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
    return { probs: softmax(needNet().forward(pixels, 1)) };
  },
  [REQ.SANITY]: sanity,
  [REQ.SAVE]: save,
  [REQ.LOAD]: load,
  [REQ.TEST]() {
    needNet();
    return testAccuracy();
  },
};

self.onmessage = async ({ data }) => {
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

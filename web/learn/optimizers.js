// optimizers.js: the optimizer chapter's two races, every number from the core.
//  1. MNIST: the same small net (the same seed, so the same initial weights) trained by each
//     optimizer of the core (net.setOptimizer + net.trainStep) on the same minibatches in the same
//     order; the training loss of every step (trainStep's return) drawn side by side.
//  2. A 2-D loss surface: a dense 1 -> 1 net (weight w, bias b: exactly two parameters) with MSE
//     on five points, an elongated bowl. Its contours are net.loss at a grid of setParam values;
//     each optimizer's path is getParam after every trainStep.
// Adam without bias correction (the chapter's "break it") races too, in red: the core's Adam
// with biasCorrection: false.
import { loadSubset, batchOf } from './mnist.js';
import { paragraphs } from './tex.js';
import { mulberry32 } from '../core/random.js';

const h = (tag, { dataset, ...props } = {}, ...kids) => {
  const el = Object.assign(document.createElement(tag), props);
  Object.assign(el.dataset, dataset);
  el.append(...kids.filter((k) => k != null));
  return el;
};

// The racers: the core's optimizer configs (rates chosen so that each moves in a short race).
export const RACERS = [
  { id: 'sgd', color: '#555555', mnist: { type: 'sgd', lr: 0.05 }, surface: { type: 'sgd', lr: 0.15 } },
  { id: 'momentum', color: '#1f77b4', mnist: { type: 'sgd', lr: 0.05, momentum: 0.9 }, surface: { type: 'sgd', lr: 0.02, momentum: 0.9 } },
  { id: 'nesterov', color: '#17becf', mnist: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }, surface: { type: 'sgd', lr: 0.02, momentum: 0.9, nesterov: true } },
  { id: 'adagrad', color: '#2ca02c', mnist: { type: 'adagrad', lr: 0.01 }, surface: { type: 'adagrad', lr: 0.5 } },
  { id: 'rmsprop', color: '#9467bd', mnist: { type: 'rmsprop', lr: 0.001 }, surface: { type: 'rmsprop', lr: 0.02 } },
  { id: 'adadelta', color: '#8c564b', mnist: { type: 'adadelta', lr: 1 }, surface: { type: 'adadelta', lr: 1 } },
  { id: 'adam', color: '#ff7f0e', mnist: { type: 'adam', lr: 0.001 }, surface: { type: 'adam', lr: 0.1 } },
  { id: 'adamNoBias', color: '#d62728', mnist: { type: 'adam', lr: 0.001, biasCorrection: false }, surface: { type: 'adam', lr: 0.1, biasCorrection: false } },
];
const configText = (c) => Object.entries(c).filter(([k]) => k !== 'type').map(([k, v]) => `${k === 'lr' ? 'η' : k} = ${v}`).join(', ');

// The race's net: a small MLP (fast enough for eight optimizers in a few seconds).
export const RACE_SPEC = { input: [1, 28, 28], layers: [{ type: 'flatten' }, { type: 'dense', units: 32 }, { type: 'relu' }, { type: 'dense', units: 10 }], loss: 'softmax_cross_entropy', seed: 1 };
export const RACE = { steps: 150, batch: 32, seed: 7 };

// The surface: five points t = x/2 + 1, x in [1, 3]: the minimum at w = 1/2, b = 1, a long valley.
export const SURFACE = { xs: [1, 1.5, 2, 2.5, 3], start: [-1.5, 3.5], steps: 100, w: [-2, 2.5], b: [-1, 4.5], grid: 64 };

// the seeded numbers (mulberry32, web/core/random.js)
const rng = mulberry32;

/** The MNIST race: one net per optimizer, the same batches; -> { curves: { id: [loss per step] } } (runs in chunks). */
function raceMnist(core, batches, onProgress) {
  const nets = RACERS.map((r) => {
    const net = core.sequential({ ...RACE_SPEC, optimizer: r.mnist });
    return net;
  });
  const curves = Object.fromEntries(RACERS.map((r) => [r.id, []]));
  let step = 0, stopped = false, running = false;
  const chunk = () => {
    if (stopped || step >= batches.length) return (running = false);
    const end = Math.min(batches.length, step + 10);
    for (; step < end; step++) {
      const { x, y, n } = batches[step];
      RACERS.forEach((r, k) => curves[r.id].push(nets[k].trainStep(x, y, n)));
    }
    onProgress(step);
    if (step < batches.length) requestAnimationFrame(chunk);
    else running = false;
  };
  return {
    curves,
    get step() {
      return step;
    },
    get running() {
      return running;
    },
    start() {
      if (running || stopped || step >= batches.length) return;
      running = true;
      requestAnimationFrame(chunk);
    },
    pause() {
      running = false;
      stopped = true;
    },
    resume() {
      stopped = false;
      this.start();
    },
    dispose() {
      stopped = true;
      for (const n of nets) n.dispose();
    },
  };
}

/** The 2-D surface from the core: contour values and each optimizer's path. */
function raceSurface(core) {
  const { xs, start, steps, w: [w0, w1], b: [b0, b1], grid } = SURFACE;
  const x = Float64Array.from(xs), t = Float64Array.from(xs, (v) => v / 2 + 1);
  const spec = { input: [1], layers: [{ type: 'dense', units: 1 }], loss: 'mse', dtype: 'float64', seed: 1 };
  const net = core.sequential(spec);
  const loss = new Float64Array(grid * grid);
  try {
    for (let j = 0; j < grid; j++)
      for (let i = 0; i < grid; i++) {
        net.setParam(0, 'weight', Float64Array.of(w0 + ((w1 - w0) * i) / (grid - 1)));
        net.setParam(0, 'bias', Float64Array.of(b0 + ((b1 - b0) * j) / (grid - 1)));
        loss[j * grid + i] = net.loss(x, t, xs.length);
      }
  } finally {
    net.dispose();
  }
  const paths = {};
  for (const r of RACERS) {
    const m = core.sequential({ ...spec, optimizer: r.surface });
    try {
      m.setParam(0, 'weight', Float64Array.of(start[0]));
      m.setParam(0, 'bias', Float64Array.of(start[1]));
      const p = [[m.getParam(0, 'weight')[0], m.getParam(0, 'bias')[0], m.loss(x, t, xs.length)]];
      for (let s = 0; s < steps; s++) {
        m.trainStep(x, t, xs.length);
        p.push([m.getParam(0, 'weight')[0], m.getParam(0, 'bias')[0], m.loss(x, t, xs.length)]);
      }
      paths[r.id] = p;
    } finally {
      m.dispose();
    }
  }
  return { loss, paths };
}

function setupCanvas(canvas, cssW, cssH) {
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function drawCurves(canvas, curves, total, t) {
  const W = 560, H = 300, L = 44, R = 10, T = 10, B = 30;
  const ctx = setupCanvas(canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  const all = Object.values(curves).flat();
  const max = Math.max(2.5, ...all.filter(Number.isFinite).map((v) => Math.min(v, 5)));
  const X = (s) => L + ((W - L - R) * s) / Math.max(1, total - 1), Y = (v) => T + (H - T - B) * (1 - Math.min(v, max) / max);
  ctx.strokeStyle = '#ccc';
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  for (let v = 0; v <= max; v += 0.5) {
    ctx.beginPath();
    ctx.moveTo(L, Y(v));
    ctx.lineTo(W - R, Y(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(1), 6, Y(v) + 4);
  }
  ctx.fillText(`${t('opt.stepAxis')} →`, W - 60, H - 8);
  ctx.fillText(t('opt.lossAxis'), L + 4, T + 12);
  // a running mean over 5 steps keeps eight noisy curves readable; the table holds the raw numbers
  RACERS.forEach((r) => {
    const c = curves[r.id];
    if (!c?.length) return;
    ctx.strokeStyle = r.color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (let s = 0; s < c.length; s++) {
      const lo = Math.max(0, s - 4);
      let m = 0;
      for (let k = lo; k <= s; k++) m += c[k];
      m /= s - lo + 1;
      if (s === 0) ctx.moveTo(X(s), Y(m));
      else ctx.lineTo(X(s), Y(m));
    }
    ctx.stroke();
  });
}

function drawSurface(canvas, { loss, paths }) {
  const S = 360, { w: [w0, w1], b: [b0, b1], grid } = SURFACE;
  const ctx = setupCanvas(canvas, S, S);
  // filled contour bands of log L (one band per level)
  const logs = Array.from(loss, (v) => Math.log10(Math.max(v, 1e-6)));
  const lo = Math.min(...logs), hi = Math.max(...logs), levels = 14;
  const cell = S / grid;
  for (let j = 0; j < grid; j++)
    for (let i = 0; i < grid; i++) {
      const q = Math.floor(((logs[j * grid + i] - lo) / (hi - lo + 1e-12)) * levels) / levels;
      const g = Math.round(250 - 150 * q);
      ctx.fillStyle = `rgb(${g},${g + 3 > 255 ? 255 : g + 3},255)`;
      ctx.fillRect(i * cell, S - (j + 1) * cell, cell + 0.5, cell + 0.5);
    }
  // the contour lines: where the band changes between neighbouring cells
  const band = (i, j) => Math.floor(((logs[j * grid + i] - lo) / (hi - lo + 1e-12)) * levels);
  ctx.strokeStyle = 'rgba(30, 50, 120, .45)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let j = 0; j < grid; j++)
    for (let i = 0; i < grid; i++) {
      if (i + 1 < grid && band(i, j) !== band(i + 1, j)) (ctx.moveTo((i + 1) * cell, S - j * cell), ctx.lineTo((i + 1) * cell, S - (j + 1) * cell));
      if (j + 1 < grid && band(i, j) !== band(i, j + 1)) (ctx.moveTo(i * cell, S - (j + 1) * cell), ctx.lineTo((i + 1) * cell, S - (j + 1) * cell));
    }
  ctx.stroke();
  const X = (w) => ((w - w0) / (w1 - w0)) * S, Y = (b) => S - ((b - b0) / (b1 - b0)) * S;
  ctx.fillStyle = '#000';
  ctx.beginPath();
  ctx.arc(X(0.5), Y(1), 3, 0, 2 * Math.PI);
  ctx.fill();
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText('w →', S - 30, S - 6);
  ctx.fillText('b ↑', 4, 12);
  for (const r of RACERS) {
    const p = paths[r.id];
    ctx.strokeStyle = r.color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    p.forEach(([w, b], k) => (k ? ctx.lineTo(X(w), Y(b)) : ctx.moveTo(X(w), Y(b))));
    ctx.stroke();
  }
}

const num = (v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)).replace('-', '−');

/** Mounted by lesson.js below the chapter's text. */
export async function mount(root, { core, tr, headingLevel = 3, lesson }) {
  const t = tr.t, H = `h${Math.min(6, headingLevel)}`;
  const state = (lesson.state.optimizers = { race: null, surface: null });
  const legend = h('ul', { className: 'opt-legend' });
  for (const r of RACERS) legend.append(h('li', {}, h('i', { className: 'swatch', style: `background:${r.color}` }), ` ${t(`opt.${r.id}`)}`));

  // ---- the 2-D surface (cheap: drawn at once) ----
  const surf = raceSurface(core);
  state.surface = surf;
  const surfCanvas = h('canvas', { className: 'surface', role: 'img' });
  surfCanvas.style.width = '360px';
  surfCanvas.style.maxWidth = '100%';
  surfCanvas.setAttribute('aria-label', t('opt.surfaceAlt'));
  drawSurface(surfCanvas, surf);
  const surfTable = h('table', { className: 'numbers' }, h('caption', { textContent: t('opt.surfaceTable', { count: SURFACE.steps }) }),
    h('thead', {}, h('tr', {}, ...['', t('opt.config'), 'w', 'b', 'L'].map((c) => h('th', { textContent: c })))));
  const sb = h('tbody');
  for (const r of RACERS) {
    const [w, b, L] = surf.paths[r.id].at(-1);
    sb.append(h('tr', { dataset: { opt: r.id } }, h('th', { textContent: t(`opt.${r.id}`) }), h('td', { textContent: configText(r.surface) }), h('td', { textContent: num(w) }), h('td', { textContent: num(b) }), h('td', { textContent: num(L) })));
  }
  surfTable.append(sb);

  // ---- the MNIST race (runs on Start, in chunks, one per animation frame) ----
  const raceCanvas = h('canvas', { className: 'race', role: 'img' });
  raceCanvas.style.width = '560px';
  raceCanvas.style.maxWidth = '100%';
  raceCanvas.setAttribute('aria-label', t('opt.raceAlt'));
  const status = h('p', { className: 'note', role: 'status' });
  const startBtn = h('button', { type: 'button', className: 'race-start', textContent: t('opt.start') });
  const resetBtn = h('button', { type: 'button', textContent: t('opt.reset') });
  const raceTable = h('table', { className: 'numbers' });
  let race = null, batches = null;
  const marks = [0, 10, 25, 50, 100, RACE.steps - 1];
  const fillTable = () => {
    raceTable.textContent = '';
    raceTable.append(h('caption', { textContent: t('opt.raceTable') }),
      h('thead', {}, h('tr', {}, h('th', { textContent: '' }), h('th', { textContent: t('opt.config') }), ...marks.map((m) => h('th', { textContent: `${t('opt.stepAxis')} ${m + 1}` })))));
    const body = h('tbody');
    for (const r of RACERS) {
      const c = race?.curves[r.id] ?? [];
      body.append(h('tr', { dataset: { opt: r.id } }, h('th', { textContent: t(`opt.${r.id}`) }), h('td', { textContent: configText(r.mnist) }), ...marks.map((m) => h('td', { textContent: c[m] !== undefined ? num(c[m]) : '–' }))));
    }
    raceTable.append(body);
  };
  const progress = (step) => {
    drawCurves(raceCanvas, race.curves, RACE.steps, t);
    fillTable();
    status.textContent = t('opt.steps', { count: step });
    if (step >= RACE.steps) {
      state.race.done = true;
      startBtn.disabled = true;
      startBtn.textContent = t('opt.start');
    }
  };
  const newRace = async () => {
    race?.dispose();
    if (!batches) {
      const set = (await loadSubset()).train;
      const r = rng(RACE.seed);
      batches = Array.from({ length: RACE.steps }, () => batchOf(set, Array.from({ length: RACE.batch }, () => Math.floor(r() * set.count))));
    }
    race = raceMnist(core, batches, progress);
    state.race = { curves: race.curves, done: false };
    startBtn.disabled = false;
    startBtn.textContent = t('opt.start');
    drawCurves(raceCanvas, race.curves, RACE.steps, t);
    fillTable();
    status.textContent = t('opt.sameBatches');
  };
  startBtn.addEventListener('click', async () => {
    if (!race) await newRace();
    if (race.running) {
      race.pause();
      startBtn.textContent = t('opt.start');
    } else {
      race.resume();
      startBtn.textContent = t('opt.pause');
    }
  });
  resetBtn.addEventListener('click', () => newRace());

  const noBias = tr.chapterText('optimizers').bugs?.['adam-no-bias-correction'];
  root.append(
    h('section', { className: 'card' }, h(H, { textContent: t('opt.race') }),
      h('p', { className: 'note', textContent: t('opt.raceAbout', { steps: RACE.steps, batch: RACE.batch }) }),
      h('div', { className: 'row wrap' }, startBtn, resetBtn, status), legend, raceCanvas, raceTable),
    h('section', { className: 'card' }, h(H, { textContent: t('opt.surface') }),
      h('p', { className: 'note', textContent: t('opt.surfaceAbout', { steps: SURFACE.steps }) }),
      legend.cloneNode(true), surfCanvas, surfTable),
    h('section', { className: 'card' }, h(H, { textContent: t('bug.adam-no-bias-correction') }),
      ...(noBias ? paragraphs(noBias) : [])),
  );
  await newRace();
  // like a figure that pauses when it leaves the viewport: a running race waits while unseen
  let hiddenPause = false;
  const seen = typeof IntersectionObserver === 'function' ? new IntersectionObserver(([e]) => {
    if (!race) return;
    if (!e.isIntersecting && race.running) (race.pause(), (hiddenPause = true));
    else if (e.isIntersecting && hiddenPause) (race.resume(), (hiddenPause = false));
  }) : null;
  seen?.observe(raceCanvas);
  return {
    destroy() {
      seen?.disconnect();
      race?.dispose();
      root.textContent = '';
    },
  };
}

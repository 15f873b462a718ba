// network.js: the network chapter's stepper. The tiny CNN of the series (preset derivation-cnn)
// on one real MNIST digit of the bundled subset, one step at a time: forward layer by layer, the
// loss, backward layer by layer, the update (plain SGD, net.trainStep). The layer in focus opens
// above in its own chapter's view (mountLesson with that layer of the whole net's trace), with
// the numerical check of the whole net. Every number is the core's: the trace of the whole net
// (traceNetOf), the update's weights from getParam after trainStep. lesson.js passes mountLesson
// in (no import back, no cycle).
//
// learn.html#network&from=demo: params.given is the demo's record (web/demo/handoff.js
// NETWORK_HANDOFF_KEY): the demo's net (its spec, whatever its layers, and every parameter) and
// the first digit of the batch it would train on next take the place of derivation-cnn and the
// bundled digit; "another digit" goes on with the subset's digits on the demo's weights.
import { presets } from '../core/presets.js';
import { loadSubset, batchOf } from './mnist.js';
import { numericNetOf, traceNetOf } from './example.js';
import { renderText } from './tex.js';
import { createGrid, full } from './grid.js';

const h = (tag, { dataset, ...props } = {}, ...kids) => {
  const el = Object.assign(document.createElement(tag), props);
  Object.assign(el.dataset, dataset);
  el.append(...kids.filter((k) => k != null));
  return el;
};

/** The chapter that derives a layer type. */
export const CHAPTER_OF = { conv2d: 'conv-single', relu: 'activations', maxpool2d: 'pooling', dense: 'fc-loss' };
// A layer whose chapter view draws more numbers than this opens on request, not by itself.
const AUTO_OPEN = 6000;
const BIG_GRID = 800;

/** The steps: forward 0..L-1, the loss, backward L-1..0, the update. */
export function stepsOf(nLayers) {
  const s = [];
  for (let i = 0; i < nLayers; i++) s.push({ kind: 'forward', layer: i });
  s.push({ kind: 'loss' });
  for (let i = nLayers - 1; i >= 0; i--) s.push({ kind: 'backward', layer: i });
  s.push({ kind: 'update' });
  return s;
}

function settingsOf(raw) {
  const digit = Number(raw.digit ?? 0), lr = Number(raw.lr ?? 0.1);
  return {
    digit: Number.isInteger(digit) && digit >= 0 && digit < 2000 ? digit : 0,
    lr: Number.isFinite(lr) && lr > 0 && lr <= 10 ? lr : 0.1,
    step: Number.isInteger(Number(raw.step)) ? Number(raw.step) : 0,
    bug: typeof raw.bug === 'string' ? raw.bug : 'none',
  };
}

function drawDigit(canvas, x) {
  canvas.width = 28;
  canvas.height = 28;
  const ctx = canvas.getContext('2d'), img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - Math.round(x[i] * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** The demo's network record when it is whole (a spec, parameters, a 784-pixel digit), else null. */
function validGiven(g) {
  if (!g || g.version !== 1 || !g.spec?.layers || !Array.isArray(g.params) || g.image?.length !== 784) return null;
  return Number.isInteger(g.label) ? g : null;
}

/** Mounted by lesson.js below the chapter's text. */
export async function mount(root, { core, tr, params = {}, onChange, headingLevel = 3, lesson, mountLesson }) {
  const t = tr.t, H = `h${Math.min(6, headingLevel)}`;
  const set = (await loadSubset()).train;
  let s = settingsOf(params);
  let net = null, x = null, y = null, trace = null, focus = null, updated = null;
  const given = validGiven(params.given);
  let onGiven = !!given;  // the digit is the demo's (until "another digit")
  const state = (lesson.state.network = { step: 0, steps: [], trace: null, update: null, focusChapter: null });

  const focusBox = h('div', { className: 'focus-lesson' });
  const digitCanvas = h('canvas', { className: 'digit', role: 'img' });
  const digitLine = h('p', { className: 'note' });
  const position = h('p', { className: 'position', role: 'status' });
  const panel = h('div', { className: 'step-panel tensors' });
  const prev = h('button', { type: 'button', className: 'step-prev', textContent: `← ${t('step.prev')}` });
  const next = h('button', { type: 'button', className: 'step-next', textContent: `${t('step.next')} →` });
  const restart = h('button', { type: 'button', textContent: t('step.restart') });
  const another = h('button', { type: 'button', textContent: t('step.newDigit') });
  const lrInput = h('input', { type: 'number', name: 'lr', min: 0.001, max: 10, step: 'any', value: s.lr });
  const bugs = Object.keys(tr.chapterText('network').bugs ?? {});
  const bugSel = h('select', { name: 'bug' }, h('option', { value: 'none', textContent: t('bug.off') }), ...bugs.map((b) => h('option', { value: b, textContent: t(`bug.${b}`) })));
  const bugWhy = h('div', { className: 'bug-why' });
  const bar = h('div', { className: 'row wrap stepper-controls' }, prev, next, restart, another, h('label', {}, `${t('step.lr')} `, lrInput),
    h('label', { className: 'bug' }, `${t('bug.label')} `, bugSel));
  const stepList = h('ol', { className: 'step-list' });
  root.append(
    h('section', { className: 'card layer-focus' }, h(H, { textContent: t('step.focus') }), focusBox),
    h('section', { className: 'card stepper' }, h(H, { textContent: t('step.title') }),
      h('div', { className: 'row wrap' }, digitCanvas, digitLine), bar, bugWhy, stepList, position, panel),
  );

  const steps = () => state.steps;
  const typeName = (type) => (t(`layer.${type}`) === `layer.${type}` ? type : t(`layer.${type}`));
  const layerName = (i) => t('step.layer', { i, type: typeName(trace.layers[i].type) });
  const stepText = (st) => (st.kind === 'forward' ? `${t('step.forward')}: ${layerName(st.layer)}`
    : st.kind === 'backward' ? `${t('step.backward')}: ${layerName(st.layer)}`
      : st.kind === 'loss' ? t('step.loss') : t('step.update'));

  function build() {
    net?.dispose();
    net = core.sequential({ ...(given?.spec ?? presets['derivation-cnn'].spec), optimizer: { type: 'sgd', lr: s.lr } });
    if (given) for (const p of given.params) net.setParam(p.layer, p.name, Float32Array.from(p.values));
    if (onGiven) {
      x = Float32Array.from(given.image);
      y = Float32Array.of(given.label);
      digitLine.textContent = t('demo.networkGiven', { step: given.step, index: given.sample, label: given.label });
    } else {
      ({ x, y } = batchOf(set, [s.digit]));
      digitLine.textContent = t('step.digit', { index: s.digit, label: y[0] });
    }
    drawDigit(digitCanvas, x);
    digitCanvas.setAttribute('aria-label', digitLine.textContent);
    retrace();
  }
  function retrace() {
    if (!bugs.includes(s.bug)) s = { ...s, bug: 'none' };
    bugSel.value = s.bug;
    bugWhy.textContent = '';
    if (s.bug !== 'none') {
      bugWhy.append(h('strong', { textContent: t('bug.active', { name: t(`bug.${s.bug}`) }) }));
      bugWhy.append(renderText(h('p'), tr.chapterText('network').bugs[s.bug]));
    }
    trace = traceNetOf(core, net, x, y, 1, { bug: s.bug });
    state.trace = trace;
    state.steps = stepsOf(trace.layers.length);
    updated = null;
    stepList.textContent = '';
    steps().forEach((st, k) => {
      const b = h('button', { type: 'button', textContent: stepText(st) });
      b.addEventListener('click', () => go(k));
      stepList.append(h('li', {}, b));
    });
  }
  const numeric = (layer, tensor) => numericNetOf(core, net, x, y, 1, { layer, tensor });

  function grid(id, title, shape, values, kind) {
    const g = createGrid({ id, title, shape, values, kind, entryName: (i) => `${title}[${i}]` });
    return g.el;
  }
  const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);
  const tensorFig = (id, title, shape, values, kind) => (sizeOf(shape) <= BIG_GRID
    ? grid(id, title, shape, values, kind)
    : h('p', { className: 'note', dataset: { tensor: id }, textContent: t('step.tooBig', { name: title, shape: shape.join('×') }) }));

  function openFocus(i, force = false) {
    focus?.destroy();
    focus = null;
    focusBox.textContent = '';
    state.focusChapter = null;
    if (i == null) return void focusBox.append(h('p', { className: 'note', textContent: t('step.noFocus') }));
    const L = trace.layers[i], chapter = CHAPTER_OF[L.type];
    if (!chapter) return void focusBox.append(h('p', { className: 'note', textContent: t('step.noChapter', { type: typeName(L.type) }) }));
    const cells = L.input.length * 3 + L.output.length * 3 + Object.values(L.params).reduce((a, p) => a + 2 * p.values.length, 0);
    if (!force && cells > AUTO_OPEN) {
      const open = h('button', { type: 'button', className: 'open-chapter', textContent: t('step.openChapter') });
      open.addEventListener('click', () => openFocus(i, true));
      focusBox.append(h('p', { className: 'note', textContent: t('step.bigLayer', { name: layerName(i), count: cells }) }), open);
      return;
    }
    state.focusChapter = chapter;
    focus = mountLesson(focusBox, { chapter, lang: tr.lang, bp: core, params: { layer: { trace, index: i, numeric } }, headingLevel: headingLevel + 1, compact: true });
  }

  function show() {
    const st = steps()[state.step];
    position.textContent = t('step.position', { n: state.step + 1, total: steps().length, what: stepText(st) });
    [...stepList.children].forEach((li, k) => li.firstChild.toggleAttribute('aria-current', k === state.step));
    prev.disabled = state.step === 0;
    panel.textContent = '';
    if (st.kind === 'forward') {
      const L = trace.layers[st.layer];
      panel.append(tensorFig('output', `z^${st.layer + 1}`, L.outputShape, L.output));
      openFocus(st.layer);
    } else if (st.kind === 'loss') {
      const { probs, value } = trace.loss;
      let best = 0;
      for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
      panel.append(h('p', { className: 'loss-line', textContent: `${t('result.loss', { value: full(value) })}; ${t('result.prediction', { digit: best, p: probs[best].toFixed(3), label: y[0] })}` }),
        grid('loss.probs', 'a', [probs.length], probs), grid('loss.dInput', `δ^${trace.layers.length}`, [probs.length], trace.loss.dInput));
      openFocus(trace.layers.length - 1);
    } else if (st.kind === 'backward') {
      const L = trace.layers[st.layer];
      panel.append(tensorFig('dInput', `δ^${st.layer}`, L.inputShape, L.dInput));
      for (const [name, g] of Object.entries(L.grads)) panel.append(tensorFig(`grad.${name}`, `∂L/∂${name === 'weight' ? 'W' : 'b'}^${st.layer}`, g.shape, g.values, name === 'weight' ? 'weight' : 'data'));
      openFocus(st.layer);
    } else {
      if (!updated) update();
      openFocus(null);
      panel.append(h('p', { className: 'loss-line', textContent: t('step.lossChange', { before: full(updated.before), after: full(updated.after) }) }));
      for (const u of updated.tensors) {
        if (u.before.length > BIG_GRID) continue;
        const fig = h('div', { className: 'update-row' }, h('strong', { textContent: t('step.layer', { i: u.layer, type: t(`tensor.${u.name}`) }) }));
        fig.append(grid(`before.${u.layer}.${u.name}`, t('step.before'), u.shape, u.before), grid(`after.${u.layer}.${u.name}`, t('step.after'), u.shape, u.after),
          grid(`change.${u.layer}.${u.name}`, t('step.change'), u.shape, u.after.map((v, k) => v - u.before[k])));
        panel.append(fig);
      }
      panel.append(h('p', { className: 'note', textContent: t('step.updateNote', { lr: s.lr }) }));
    }
  }

  // The update: one SGD step of the core on this digit; weights before (getParam), after (getParam),
  // the gradient the step used (getGrad) and the loss before (trainStep's) and after (net.loss).
  function update() {
    const info = net.paramInfo();
    const before = info.map((p) => net.getParam(p.layer, p.name));
    net.setOptimizer({ type: 'sgd', lr: s.lr });
    const lossBefore = net.trainStep(x, y, 1);
    const tensors = info.map((p, k) => ({ layer: p.layer, name: p.name, shape: p.shape, before: before[k], after: net.getParam(p.layer, p.name), grad: net.getGrad(p.layer, p.name) }));
    updated = { lr: s.lr, before: lossBefore, after: net.loss(x, y, 1), tensors };
    state.update = updated;
  }

  function go(k) {
    if (k >= steps().length) {  // past the update: the next forward pass runs with the new weights
      retrace();
      k = 0;
    }
    state.step = Math.max(0, k);
    show();
    onChange?.(hashParams());
  }
  const hashParams = () => ({ ...(given ? { from: 'demo' } : {}), digit: s.digit, lr: s.lr, step: state.step, ...(s.bug !== 'none' ? { bug: s.bug } : {}) });
  bugSel.addEventListener('change', () => {
    s = { ...s, bug: bugSel.value };
    retrace();
    show();
    onChange?.(hashParams());
  });
  prev.addEventListener('click', () => go(state.step - 1));
  next.addEventListener('click', () => go(state.step + 1));
  restart.addEventListener('click', () => {
    build();
    go(0);
  });
  another.addEventListener('click', () => {
    if (onGiven) onGiven = false;
    else s = { ...s, digit: (s.digit + 1) % set.count };
    build();
    go(0);
  });
  lrInput.addEventListener('change', () => {
    const v = Number(lrInput.value);
    if (Number.isFinite(v) && v > 0) s = { ...s, lr: v };
    lrInput.value = s.lr;
    onChange?.(hashParams());
  });

  build();
  state.step = Math.min(s.step, steps().length - 2);  // never lands on the update without a click
  show();
  return {
    /** New settings from the page (digit, lr, step). */
    update(raw) {
      const n = settingsOf(raw);
      const rebuild = n.digit !== s.digit || n.lr !== s.lr || n.bug !== s.bug;
      if (rebuild) {
        s = n;
        lrInput.value = s.lr;
        build();
      }
      if (rebuild || (n.step !== state.step && n.step < steps().length - 1)) {
        state.step = Math.min(n.step, steps().length - 2);
        show();
      }
    },
    /** Resolves when the layer in focus is drawn and typeset. */
    get focus() {
      return focus;
    },
    destroy() {
      focus?.destroy();
      net?.dispose();
      root.textContent = '';
    },
  };
}

// lesson.js: one chapter of the lesson as a mountable component, for learn.html, the
// <backprop-demo lesson=...> embed and the network chapter's layer in focus.
//
//   const lesson = mountLesson(root, { chapter, lang, params, onChange });
//   await lesson.ready;  lesson.update(params);  lesson.destroy();
//
// root: any element or a shadow root (the lesson looks nothing up by document id; in a shadow
// root it links its style sheets itself, STYLE_URLS). params: the chapter's settings as the hash
// holds them (strings or numbers; settingsOf clamps them) or, for one real layer of a bigger net,
// { layer: { trace, index, numeric(layer, tensor) } } (a trace of the whole net and the index of
// the layer to show; see layerTrace). onChange(params) is called when the learner changes a
// setting (the page puts it in its URL). Every number on screen comes from the core's trace.
import { loadBackprop } from '../core/backprop.js';
import { translator } from './i18n.js';
import { mathEl, paragraphs, renderText, typeset } from './tex.js';
import { checkOf, createGrid, fmt, full } from './grid.js';
import { CHAPTERS, buildExample, givenOf, numericOf, settingsOf, traceOf } from './example.js';
import { shapeOf, termsOf, unflat, valuesOf, withViews } from './terms.js';

// Where the style sheets are. Where this file sits in the package: beside it, and KaTeX's in the
// node_modules two folders up (a plain URL, which bundlers leave alone). A bundler that moved
// this file (Vite pre-bundles dependencies) finds both by package name, and copies them.
const inPlace = /\/web\/learn\/lesson\.js(?:[?#]|$)/.test(import.meta.url);
const beside = (path) => new URL(path, import.meta.url);
/** The style sheets a lesson needs (a caller may adopt them instead; learn.html links both). */
export const STYLE_URLS = (inPlace
  ? [new URL('./learn.css', import.meta.url), beside('../../node_modules/katex/dist/katex.min.css')]
  : [new URL('backprop-wasm/web/learn/learn.css', import.meta.url), new URL('katex/dist/katex.min.css', import.meta.url)]
).map(String);

let corePromise = null;
/** The core, loaded once for every lesson on the page. */
export const loadCore = () => (corePromise ??= loadBackprop().then((bp) => (globalThis.performance?.mark?.('core'), bp)));

const MAX_TERMS = 12;
const h = (tag, props = {}, ...kids) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...kids.filter((k) => k != null));
  return el;
};

// Notes of content/<lang>.js that every chapter carries; the rest are the chapter's own.
const COMMON_NOTES = ['check', 'numerical', 'kink', 'roundoff', 'layout', 'batch', 'tiny', 'sum'];
// A note shown under the grid of a tensor (when that grid is drawn).
const NOTE_AT = {
  'loss.onehot': 'onehot', 'loss.probs': 'stability', 'step.argmax': 'argmax', 'step.derivative': 'mask',
  'grad.alpha': 'prelu', 'step.dInputPadded': 'ring', 'step.deltaDilated': 'dilation', 'step.weightRot180': 'correlation',
  'step.deltaPadded': 'sizes',
};

// The labels of the sizes and choices (keys of messages/<lang>.js).
const SIZE_KEY = {
  in: 'size.inFeatures', out: 'size.outFeatures', n: 'size.samples', cin: 'size.inChannels', cout: 'size.outChannels',
  c: 'size.channels', h: 'size.height', w: 'size.width', k: 'size.kernel', s: 'size.stride', p: 'size.padding',
  size: 'size.poolSize', seed: 'size.seed', bug: 'bug.label', loss: 'choose.loss', pool: 'choose.pool', act: 'choose.activation',
};
const CHOICE_PREFIX = { loss: 'loss', pool: 'pool', act: 'act' };
export const sizeLabel = (t, chapter, name) => t(chapter === 'pooling' && name === 's' ? 'size.poolStride' : SIZE_KEY[name] ?? name);
const choiceLabel = (t, name, value) => t(`${CHOICE_PREFIX[name]}.${value}`);

// What a chapter draws: [section, tensor (terms' name), tensor key of messages, options].
function figuresOf(trace) {
  const L = trace.layers[0], cfg = L.config, loss = trace.loss.type, upstream = loss === 'upstream';
  const f = [['forward', 'input', 'input']];
  if (L.steps.inputPadded && (cfg.padding?.[0] || cfg.padding?.[1])) f.push(['forward', 'step.inputPadded', 'inputPadded']);
  for (const name of Object.keys(L.params)) f.push(['forward', `param.${name}`, name, { kind: name === 'weight' ? 'weight' : 'data' }]);
  f.push(['forward', 'output', 'output']);
  if (loss === 'softmax_cross_entropy') f.push(['forward', 'loss.probs', 'probs'], ['forward', 'loss.onehot', 'onehot']);
  else if (!upstream) f.push(['forward', 'loss.targets', 'targets']);
  f.push(['backward', 'loss.dInput', 'dOutput', { result: !upstream, check: [1, 'input'] }]);
  if (L.type === 'conv2d') {
    if (cfg.stride[0] > 1 || cfg.stride[1] > 1 || trace.bug === 'conv-no-dilate') f.push(['backward', 'step.deltaDilated', 'deltaDilated']);
    f.push(['backward', 'step.deltaPadded', 'deltaPadded'], ['backward', 'step.weightRot180', 'weightRot180', { kind: 'weight' }]);
  }
  for (const s of ['argmax', 'scale', 'derivative']) if (L.steps[s]) f.push(['backward', `step.${s}`, s]);
  const gradKey = { weight: 'dWeight', bias: 'dBias', alpha: 'dAlpha' };
  for (const name of Object.keys(L.grads)) f.push(['backward', `grad.${name}`, gradKey[name], { result: true, check: [0, name], kind: name === 'weight' ? 'weight' : 'data' }]);
  if (L.steps.dInputPadded && (cfg.padding[0] || cfg.padding[1] || trace.bug === 'conv-crop-off-by-one')) f.push(['backward', 'step.dInputPadded', 'dInputPadded', { result: true }]);
  f.push(['backward', 'dInput', 'dInput', { result: true, check: [0, 'input'] }]);
  return f;
}
// In a one-layer view the layer's δ^l is the loss's δ, and the loss's input is the layer's output;
// without padding the padded input is the input itself (its grid is not drawn twice).
const ALIAS = { dOutput: 'loss.dInput', 'loss.input': 'output' };
const FALLBACK = { 'step.inputPadded': 'input', 'step.dInputPadded': 'dInput' };

// The symbol of an entry, in TeX: W_{0,1,1,0}, δ^{l-1}_{0,0,2,1}, ...
const SYM = {
  input: 'z^{l-1}', 'step.inputPadded': 'pz^{l-1}', 'param.weight': 'W', 'param.bias': 'b', 'param.alpha': '\\alpha', output: 'z^l',
  'loss.probs': 'a', 'loss.onehot': 'y', 'loss.targets': 't', 'loss.input': 'z^l', 'loss.dInput': '\\delta^l', dOutput: '\\delta^l',
  'step.deltaDilated': '\\tilde\\delta^l', 'step.deltaPadded': 'p\\delta^l', 'step.weightRot180': '\\mathrm{rot180}(W)',
  'step.argmax': '\\mathrm{argmax}', 'step.scale': 's', 'step.derivative': "f'", 'grad.weight': '\\frac{\\partial L}{\\partial W}',
  'grad.bias': '\\frac{\\partial L}{\\partial b}', 'grad.alpha': '\\frac{\\partial L}{\\partial \\alpha}', 'step.dInputPadded': '\\frac{\\partial L}{\\partial pz}', dInput: '\\delta^{l-1}',
};
const LHS = { 'grad.weight': (i) => `\\frac{\\partial L}{\\partial W_{${i}}}`, 'grad.bias': (i) => `\\frac{\\partial L}{\\partial b_{${i}}}`, 'grad.alpha': (i) => `\\frac{\\partial L}{\\partial \\alpha_{${i}}}` };
const layerOf = (tensor) => (tensor.startsWith('loss.') ? 'loss' : 0);
function indexText(trace, tensor, i) {
  return unflat(i, shapeOf(trace, layerOf(tensor), tensor)).join(',');
}
function entryTex(trace, tensor, i) {
  const idx = indexText(trace, tensor, i);
  if (LHS[tensor]) return LHS[tensor](idx);
  const s = SYM[tensor] ?? tensor;
  return /[_]/.test(s) || s.includes('(') || s.includes('frac') ? `{${s}}[${idx}]` : `${s}_{${idx}}`;
}
const entryPlain = (trace, tensor, i) => `${(SYM[tensor] ?? tensor).replace(/\\frac\{\\partial L\}\{\\partial (\w+)\}/, '∂L/∂$1').replace(/\\tilde\\delta/, 'δ̃').replace(/\\delta/, 'δ').replace(/\\|[{}]/g, '')}[${indexText(trace, tensor, i)}]`;

/**
 * The one-layer view of layer `index` of a whole net's trace: the layer itself, and as its "loss"
 * the δ^l that reached it from above (type 'upstream').
 */
export function layerTrace(trace, index) {
  const L = trace.layers[index];
  const n = L.input.length / L.inputShape.reduce((a, b) => a * b, 1);
  const loss = { type: 'upstream', input: L.output, dInput: L.dOutput };
  return withViews({ dtype: trace.dtype, bug: trace.bug, brokenLayer: trace.brokenLayer, loss, layers: [{ ...L, index: 0 }] }, n);
}

// Where the trainer's numbers come from, in words.
function givenNote(t, rec, g) {
  const w = g.window, samples = w.samples.map((i) => `#${i}`).join(', ');
  const where = w.rows ? t('demo.given.window', { r0: w.rows[0], r1: w.rows[1], c0: w.cols[0], c1: w.cols[1] })
    : t('demo.given.dense', { inputs: w.inputs.join(', '), outputs: w.outputs.join(', ') });
  return t('demo.given', { step: rec.step ?? 0, layer: rec.layer ?? 0, type: rec.type ?? rec.config?.type, samples, where });
}

/**
 * Mounts one chapter into root. -> { el, state, ready (a promise: drawn and typeset),
 * drawn (a promise: the grids painted), update(params), destroy() }. compact: the chapter's
 * derivation folded away under its summary (the network chapter's layer in focus).
 */
export function mountLesson(root, { chapter, lang = 'en', params = {}, onChange = null, bp = null, styles = true, headingLevel = 2, compact = false } = {}) {
  const el = h('div', { className: 'lesson' });
  el.dataset.chapter = chapter;
  const links = [];
  if (styles && typeof ShadowRoot !== 'undefined' && root instanceof ShadowRoot) {
    for (const href of STYLE_URLS) {
      const link = h('link', { rel: 'stylesheet', href });
      links.push(link);
      root.append(link);
    }
    // @font-face does not reach into a shadow root: KaTeX's fonts come from the document.
    if (!document.querySelector(`link[href="${STYLE_URLS[1]}"]`)) document.head.append(h('link', { rel: 'stylesheet', href: STYLE_URLS[1] }));
  }
  root.append(el);
  const state = { ready: false, chapter, lang, params: null, trace: null, numeric: {}, checks: {}, grids: {}, ex: null, explained: null };
  const H = (k) => `h${Math.min(6, headingLevel + k)}`;
  let tr = null, core = null, destroyed = false, widget = null;
  const part = {};  // the lesson's own elements (no ids)
  const t = (key, p) => tr.t(key, p);
  const gridKey = (tensor) => {
    const k = ALIAS[tensor] ?? tensor;
    return state.grids[k] ? k : FALLBACK[k] ?? k;
  };
  const noteEl = (key, cls = 'note') => {
    const text = tr.chapterText(chapter).notes?.[key];
    return text ? renderText(h('p', { className: cls }), text) : null;
  };

  // ---- the text of the chapter ----
  function renderText_() {
    const text = tr.chapterText(chapter);
    el.lang = tr.lang === 'zh' ? 'zh-CN' : 'en';
    el.append(h(H(0), { className: 'lesson-title', textContent: text.title ?? t(`chapter.${chapter}`) }));
    if (text.summary) el.append(renderText(h('p', { className: 'summary' }), text.summary));
    const body = h('div', { className: 'sections' });
    for (const s of text.sections ?? []) {
      const sec = h('section', { className: 'text-section' }, h(H(1), { textContent: s.heading }));
      sec.append(...paragraphs(s.text ?? ''));
      if (s.tex?.length) sec.append(h('div', { className: 'equations' }, ...s.tex.map((tex) => mathEl(tex, true))));
      body.append(sec);
    }
    if (compact) el.append(h('details', { className: 'derivation' }, h('summary', { textContent: t('lesson.derivation') }), body));
    else el.append(body);
  }

  // ---- the live example of a one-layer chapter ----
  function renderFrame(layerMode) {
    if (!layerMode) {
      const def = CHAPTERS[chapter];
      const form = h('form', { className: 'controls card' });
      form.addEventListener('submit', (e) => e.preventDefault());
      form.append(h(H(1), { textContent: t('controls.title') }), h('p', { className: 'note', textContent: t('controls.hint') }));
      const row = h('div', { className: 'row wrap' });
      for (const [name, min, max] of def.params) {
        row.append(h('label', {}, `${sizeLabel(t, chapter, name)} `, h('input', { type: 'number', name, min, max, step: 1, required: true })));
      }
      if (def.choice) {
        const [name, options] = def.choice;
        const sel = h('select', { name });
        for (const o of options) sel.append(h('option', { value: o, textContent: choiceLabel(t, name, o) }));
        row.append(h('label', {}, `${sizeLabel(t, chapter, name)} `, sel));
      }
      row.append(h('label', {}, `${t('size.seed')} `, h('input', { type: 'number', name: 'seed', min: 0, step: 1 })));
      const again = h('button', { type: 'button', className: 'new-numbers', textContent: t('size.newNumbers') });
      row.append(again);
      row.append(h('label', { className: 'bug' }, `${t('bug.label')} `, h('select', { name: 'bug' })));
      part.problems = h('div', { className: 'problems', role: 'alert' });
      part.bugWhy = h('div', { className: 'bug-why' });
      form.append(row, part.problems, part.bugWhy);
      el.append(form);
      part.form = form;
      const changed = () => {
        const raw = Object.fromEntries(new FormData(form).entries());
        onChange?.(raw);
        update(raw);
      };
      form.addEventListener('change', changed);
      again.addEventListener('click', () => {
        form.elements.seed.value = Number(form.elements.seed.value || 0) + 1;
        changed();
      });
    }
    part.lossLine = h('p', { className: 'loss-line' });
    part.forward = h('div', { className: 'tensors' });
    part.backward = h('div', { className: 'tensors' });
    part.wrong = h('p', { className: 'wrong-count' });
    part.explain = h('section', { className: 'explain card', ariaLive: 'polite' });
    part.tiny = h('div');
    const checkNotes = h('details', { className: 'about-check' }, h('summary', { textContent: t('check.title') }), noteEl('check'), noteEl('numerical'), noteEl('kink'));
    part.roundoff = h('div');
    el.append(
      part.lossLine,
      h('section', { className: 'card' }, h(H(1), { textContent: t('step.forward') }), layerMode ? null : noteEl('layout'), part.forward),
      h('section', { className: 'card' }, h(H(1), { textContent: t('step.backward') }), noteEl('sum') ?? h('p', { className: 'note', textContent: t('explain.prompt') }),
        legend(), checkNotes, part.roundoff, part.wrong, part.tiny, part.backward),
      part.explain,
    );
    const own = Object.keys(tr.chapterText(chapter).notes ?? {}).filter((k) => !COMMON_NOTES.includes(k) && !Object.values(NOTE_AT).includes(k));
    if (own.length) el.append(h('aside', { className: 'notes card' }, h(H(1), { textContent: t('lesson.notes') }), ...own.map((k) => noteEl(k))));
  }

  function legend() {
    const p = h('p', { className: 'legend' });
    for (const b of ['good', 'fine', 'suspicious', 'wrong', 'kinked']) p.append(h('span', { className: `band-${b}`, title: t(`band.${b}.hint`) }, h('i', { className: 'mark' }), ` ${t(`band.${b}`)}: ${t(`band.${b}.hint`)}`));
    return p;
  }

  // Settings -> the example's net, its trace from the core, and every grid with its checks.
  function renderExample(input) {
    let trace, numeric, params;
    if (input.layer) {
      const { trace: whole, index, numeric: num } = input.layer;
      trace = layerTrace(whole, index);
      params = { bug: whole.bug ?? 'none', layer: index };
      numeric = (cl, ct) => num(index + cl, ct);
      state.ex?.net.dispose();
      state.ex = null;
    } else {
      // params.given: a real layer's numbers from the trainer (example.js givenOf); kept while the
      // sizes stay the ones they fit (break-it and the seed may change)
      const rec = input.given ?? state.given;
      let g = rec ? givenOf(chapter, rec) : null;
      if (g && !input.given && Object.entries(g.raw).some(([k, v]) => input[k] !== undefined && String(input[k]) !== String(v))) g = null;
      state.given = g ? rec : null;
      const s = settingsOf(chapter, g ? { ...input, ...g.raw } : input);
      params = s.params;
      const def = CHAPTERS[chapter], form = part.form;
      for (const [name] of def.params) form.elements[name].value = params[name];
      if (def.choice) form.elements[def.choice[0]].value = params[def.choice[0]];
      form.elements.seed.value = params.seed;
      const bugSel = form.elements.bug;
      bugSel.textContent = '';
      for (const b of ['none', ...def.bugs(params)]) bugSel.append(h('option', { value: b, textContent: b === 'none' ? t('bug.off') : t(`bug.${b}`) }));
      bugSel.value = params.bug;
      bugSel.disabled = def.bugs(params).length === 0;
      part.problems.textContent = s.problems.map((p) => (p.options
        ? t('controls.badChoice', { name: sizeLabel(t, chapter, p.name), value: p.value, options: p.options.map((o) => (p.name === 'bug' ? t(`bug.${o}`) : choiceLabel(t, p.name, o))).join(', ') })
        : t('controls.clamped', { name: sizeLabel(t, chapter, p.name), value: p.value, min: p.min, max: p.max, used: params[p.name] }))).join(' ');
      part.bugWhy.textContent = '';
      if (params.bug !== 'none') {
        const why = tr.chapterText(chapter).bugs?.[params.bug];
        part.bugWhy.append(h('strong', { textContent: t('bug.active', { name: t(`bug.${params.bug}`) }) }));
        if (why) part.bugWhy.append(renderText(h('p'), why));
      }
      if (chapter === 'fc-loss' && params.n === 1) part.bugWhy.append(noteEl('samples') ?? '');
      if (g) part.bugWhy.prepend(h('p', { className: 'given-note', textContent: givenNote(t, rec, g) }));
      state.ex?.net.dispose();
      const ex = buildExample(core, chapter, params, g?.given);
      trace = withViews(traceOf(core, ex, params.bug), ex.n);
      numeric = (cl, ct) => numericOf(core, ex, cl, ct);
      state.ex = ex;
    }
    Object.assign(state, { params, trace, numeric: {}, checks: {}, grids: {}, explained: null });
    part.lossLine.textContent = trace.loss.type === 'upstream'
      ? t('result.dtype', { dtype: trace.dtype })
      : `${t('result.loss', { value: full(trace.loss.value ?? NaN) })} · ${t('result.dtype', { dtype: trace.dtype })}`;
    part.roundoff.textContent = '';
    if (trace.dtype === 'float32') part.roundoff.append(noteEl('roundoff') ?? '');
    part.forward.textContent = '';
    part.backward.textContent = '';
    part.explain.textContent = '';
    let wrong = 0, total = 0;
    for (const [section, tensor, key, opt = {}] of figuresOf(trace)) {
      const layer = layerOf(tensor);
      const values = valuesOf(trace, layer, tensor);
      const title = h('span', { className: 'tensor-title' }, mathEl(t(`tex.${key}`)), ` ${t(`tensor.${key}`)}`);
      const grid = createGrid({
        id: tensor, title, shape: shapeOf(trace, layer, tensor), values, kind: opt.kind,
        entryName: (i) => entryPlain(trace, tensor, i),
        onActivate: opt.result ? (i) => explain(tensor, i) : null,
      });
      state.grids[tensor] = grid;
      if (opt.check) {
        const [cl, ct] = opt.check;
        const num = numeric(cl, ct);
        state.numeric[tensor] = num;
        const checks = Array.from(values, (a, i) => checkOf(a, num.values[i], num.kinks[i]));
        state.checks[tensor] = checks;
        grid.setChecks(checks);
        wrong += checks.filter((c) => c.band === 'wrong').length;
        total += checks.length;
      }
      if (NOTE_AT[tensor]) {
        const note = noteEl(NOTE_AT[tensor]);
        if (note && !(tensor === 'step.derivative' && trace.layers[0].type !== 'relu')) grid.el.append(note);
      }
      (section === 'forward' ? part.forward : part.backward).append(grid.el);
    }
    part.wrong.textContent = params.bug !== 'none' || wrong ? t('check.wrongCount', { count: wrong, total }) : '';
    part.wrong.classList.toggle('bad', wrong > 0);
    part.tiny.textContent = '';
    if (params.bug !== 'none') part.tiny.append(noteEl('tiny') ?? '');
  }

  // Lights up the terms of one entry and writes the sum out with the core's numbers.
  function explain(tensor, i) {
    const { trace } = state;
    for (const g of Object.values(state.grids)) g.clear();
    const layer = layerOf(tensor);
    const terms = termsOf(trace, layer, tensor, i);
    state.grids[tensor].highlight([i], 'role-target');
    for (const { a, b } of terms) {
      state.grids[gridKey(a.tensor)]?.highlight([a.index], 'role-a');
      if (b.tensor) state.grids[gridKey(b.tensor)]?.highlight([b.index], 'role-b');
    }
    const box = part.explain;
    box.textContent = '';
    const sum = h('p', { className: 'sum' }, mathEl(entryTex(trace, tensor, i)), ' = ');
    const value = valuesOf(trace, layer, tensor)[i];
    const factor = (ref, role) => {
      if (ref.const !== undefined) return h('span', { className: `f ${role}`, title: ref.tex, textContent: fmt(ref.const) });
      const v = valuesOf(trace, layerOf(ref.tensor), ref.tensor)[ref.index];
      const s = fmt(v);
      return h('span', { className: `f ${role}`, title: `${entryPlain(trace, ref.tensor, ref.index)} = ${full(v)}`, textContent: v < 0 ? `(${s})` : s });
    };
    if (terms.length === 0) sum.append(h('span', { textContent: t('explain.noTerms') }));
    terms.slice(0, MAX_TERMS).forEach(({ a, b }, k) => {
      if (k) sum.append(' + ');
      sum.append(h('span', { className: 'term' }, factor(a, 'role-a'), '·', factor(b, 'role-b')));
    });
    if (terms.length > MAX_TERMS) sum.append(' + ', t('explain.more', { count: terms.length - MAX_TERMS }));
    sum.append(' = ', h('strong', { className: 'core-value', textContent: full(value) }));
    box.append(sum);
    const ck = state.checks[tensor]?.[i];
    if (ck) {
      const line = h('p', { className: `check band-${ck.band}` }, h('i', { className: 'mark' }));
      line.append(` ${t('explain.numerical')}: ${full(ck.numeric)}`);
      if (ck.kink) {
        line.append(`. ${t('band.kinked.hint')}`);
        box.append(line);
        const L = trace.layers[0];
        box.append(noteEl(L.type.includes('maxpool') && tr.chapterText(chapter).notes?.tie ? 'tie' : 'kink') ?? '');
      } else {
        line.append(`; ${t('explain.relError')}: ${ck.rel.toExponential(2)} (${t(`band.${ck.band}`)}: ${t(`band.${ck.band}.hint`)})`);
        box.append(line);
      }
    } else box.append(h('p', { className: 'note', textContent: t('explain.noCheck') }));
    if (ck?.band === 'wrong' && state.params.bug !== 'none') {
      const why = tr.chapterText(chapter).bugs?.[state.params.bug];
      const p = h('div', { className: 'bug-why' }, h('strong', { textContent: t('bug.active', { name: t(`bug.${state.params.bug}`) }) }));
      if (why) p.append(renderText(h('p'), why));
      box.append(p);
    }
    state.explained = { tensor, index: i, terms, value };
    typeset();
  }

  // ---- life cycle ----
  let drawnResolve;
  const drawn = new Promise((r) => (drawnResolve = r));
  let queue = (async () => {
    [tr, core] = await Promise.all([translator(lang), bp ?? loadCore()]);
    if (destroyed) return;
    renderText_();
    if (CHAPTERS[chapter] || params.layer) {
      renderFrame(!!params.layer);
      performance.mark('lesson-text');
      renderExample(params);
    } else {
      const special = { optimizers: () => import('./optimizers.js'), network: () => import('./network.js') }[chapter];
      if (special) {
        const box = h('div', { className: 'widget' });
        el.append(box);
        const mod = await special();
        if (destroyed) return;
        widget = await mod.mount(box, { core, tr, params, onChange, headingLevel: headingLevel + 1, lesson: api, mountLesson });
      }
    }
    drawnResolve();
    await typeset();
    state.ready = true;
  })();
  queue.catch((e) => {
    drawnResolve();
    el.append(h('p', { className: 'error', role: 'alert', textContent: tr ? t('error.core', { message: e.message }) : e.message }));
  });

  /** Shows the chapter with new settings (same chapter and language). */
  function update(next = {}) {
    state.ready = false;
    queue = queue.catch(() => {}).then(async () => {
      if (destroyed) return;
      if (widget?.update) await widget.update(next);
      else if (CHAPTERS[chapter] || next.layer) renderExample(next);
      await typeset();
      state.ready = true;
    });
    api.ready = queue;
    return queue;
  }
  function destroy() {
    destroyed = true;
    state.ex?.net.dispose();
    state.ex = null;
    widget?.destroy?.();
    el.remove();
    for (const l of links) l.remove();
  }
  const api = { el, state, ready: queue, drawn, update, destroy };
  return api;
}

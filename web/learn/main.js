// main.js: the learn page (learn.html). The whole state lives in the hash:
//   learn.html#conv-multichannel&lang=zh&cin=2&cout=2&h=5&w=5&k=3&seed=1&bug=conv-no-rotate
// One chapter at a time: its equations, a live one-layer example traced by the core, every
// tensor drawn, click-to-explain with the sum written out, the numerical check beside every result.
import { loadBackprop } from '../core/backprop.js';
import { chapterText, getLang, pickLang, setLang, t } from './i18n.js';
import { renderDisplay, renderText, texHTML } from './tex.js';
import { checkOf, createGrid, fmt, full } from './grid.js';
import { CHAPTERS, COMING, ORDER, buildExample, numericOf, settingsOf, traceOf } from './example.js';
import { shapeOf, termsOf, unflat, valuesOf, withViews } from './terms.js';

const $ = (sel) => document.querySelector(sel);
const h = (tag, props = {}, ...kids) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...kids);
  return el;
};
const MAX_TERMS = 12;

const state = { ready: false, chapter: null, lang: null, params: null, trace: null, numeric: {}, checks: {}, grids: {}, ex: null };
window.learn = { state, termsOf, valuesOf };
let bp = null;

// ---- the hash ----
function parseHash() {
  const parts = location.hash.replace(/^#/, '').split('&').filter(Boolean);
  let chapter = ORDER[0];
  const raw = {};
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) chapter = decodeURIComponent(p);
    else raw[decodeURIComponent(p.slice(0, eq))] = decodeURIComponent(p.slice(eq + 1));
  }
  if (!ORDER.includes(chapter)) chapter = ORDER[0];
  return { chapter, raw };
}
function hashOf(chapter, lang, params = null) {
  const parts = [chapter, `lang=${lang}`];
  const def = CHAPTERS[chapter];
  if (def && params) {
    for (const [name] of def.params) parts.push(`${name}=${params[name]}`);
    if (def.choice) parts.push(`${def.choice[0]}=${params[def.choice[0]]}`);
    parts.push(`seed=${params.seed}`);
    if (params.bug !== 'none') parts.push(`bug=${params.bug}`);
  }
  return '#' + parts.join('&');
}

// ---- the page around the chapter ----
function renderChrome() {
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
  document.title = `backprop-wasm: ${t('site.title')}`;
  $('#site-title').textContent = t('site.title');
  $('#lede').textContent = t('site.lede');
  $('#demo-link').textContent = `← ${t('nav.demo')}`;
  $('#demo-link').href = `index.html`;
  $('#lang-label span').textContent = t('lang.label');
  $('#lang').value = getLang();
  $('#nav-title').textContent = t('nav.label');
  const ol = $('#chapters ol');
  ol.textContent = '';
  ORDER.forEach((id) => {
    const a = h('a', { href: hashOf(id, getLang()), textContent: chapterText(id).title ?? id });
    if (id === state.chapter) a.setAttribute('aria-current', 'page');
    const li = h('li', {}, a);
    if (COMING.includes(id)) li.append(h('span', { className: 'soon', textContent: ` (${t('nav.coming')})` }));
    ol.append(li);
  });
}

// ---- one chapter ----
function renderChapter(id) {
  const main = $('#chapter');
  main.textContent = '';
  const text = chapterText(id);
  main.append(h('h2', { textContent: text.title ?? id }));
  if (text.intro) {
    const p = h('div', { className: 'intro' });
    renderText(p, text.intro);
    main.append(p);
  }
  if (text.equations?.length) {
    const sec = h('section', { className: 'equations', ariaLabel: t('ui.equations') });
    for (const e of text.equations) {
      const d = h('div', { className: 'eq' });
      renderDisplay(d, typeof e === 'string' ? e : e.tex);
      sec.append(d);
    }
    main.append(sec);
  }
  if (COMING.includes(id)) {
    main.append(h('section', { className: 'card coming' }, h('h3', { textContent: t('ui.comingTitle') }), h('p', { textContent: t('ui.comingNote') })));
    state.ready = true;
    return;
  }
  const def = CHAPTERS[id];
  const form = h('form', { className: 'controls card', id: 'controls' });
  form.addEventListener('submit', (e) => e.preventDefault());
  form.append(h('h3', { textContent: t('ui.example') }));
  const row = h('div', { className: 'row wrap' });
  for (const [name, min, max] of def.params) {
    row.append(h('label', {}, `${t(`param.${name}`)} `, h('input', { type: 'number', name, min, max, step: 1, required: true })));
  }
  if (def.choice) {
    const [name, options] = def.choice;
    const sel = h('select', { name });
    for (const o of options) sel.append(h('option', { value: o, textContent: t(`choice.${o}`) }));
    row.append(h('label', {}, `${t(`param.${name}`)} `, sel));
  }
  row.append(h('label', {}, `${t('ui.seed')} `, h('input', { type: 'number', name: 'seed', min: 0, step: 1 })));
  const again = h('button', { type: 'button', id: 'new-numbers', textContent: t('ui.newNumbers') });
  row.append(again);
  row.append(h('label', { className: 'bug' }, `${t('ui.breakIt')} `, h('select', { name: 'bug', id: 'bug' })));
  form.append(row, h('div', { id: 'problems', className: 'problems', role: 'alert' }), h('p', { id: 'bug-why', className: 'bug-why' }));
  main.append(form);
  const onChange = () => {
    const raw = Object.fromEntries(new FormData(form).entries());
    history.replaceState(null, '', hashOf(id, getLang(), raw));
    renderExample(id, raw);
  };
  form.addEventListener('change', onChange);
  again.addEventListener('click', () => {
    form.elements.seed.value = Number(form.elements.seed.value || 0) + 1;
    onChange();
  });
  main.append(
    h('p', { id: 'loss-line', className: 'loss-line' }),
    h('section', { className: 'card' }, h('h3', { textContent: t('ui.forward') }), h('div', { id: 'forward', className: 'tensors' })),
    h('section', { className: 'card' }, h('h3', { textContent: t('ui.backward') }), h('p', { className: 'note', textContent: t('ui.clickHint') }), legend(), h('p', { id: 'wrong-count', className: 'wrong-count' }), h('div', { id: 'backward', className: 'tensors' })),
    h('section', { id: 'explain', className: 'explain card', ariaLive: 'polite' }),
  );
}

function legend() {
  const p = h('p', { className: 'legend' });
  for (const b of ['good', 'fine', 'suspicious', 'wrong', 'kinked']) p.append(h('span', { className: `band-${b}` }, h('i', { className: 'mark' }), ` ${t(`band.${b}`)}`));
  return p;
}

// What a chapter draws: [section, tensor (terms' name), title key, options].
function figuresOf(trace) {
  const L = trace.layers[0], cfg = L.config, ce = trace.loss.type === 'softmax_cross_entropy';
  const f = [['forward', 'input', 'tensor.input']];
  if (L.steps.inputPadded && (cfg.padding?.[0] || cfg.padding?.[1])) f.push(['forward', 'step.inputPadded', 'tensor.inputPadded']);
  for (const name of Object.keys(L.params)) f.push(['forward', `param.${name}`, `tensor.${name}`, { kind: name === 'weight' ? 'weight' : 'data' }]);
  f.push(['forward', 'output', 'tensor.output']);
  if (ce) f.push(['forward', 'loss.probs', 'tensor.probs'], ['forward', 'loss.onehot', 'tensor.onehot']);
  else f.push(['forward', 'loss.targets', 'tensor.targets']);
  f.push(['backward', 'loss.dInput', 'tensor.dOutput', { result: true, check: [1, 'input'] }]);
  if (L.type === 'conv2d') {
    if (cfg.stride[0] > 1 || cfg.stride[1] > 1 || trace.bug === 'conv-no-dilate') f.push(['backward', 'step.deltaDilated', 'tensor.deltaDilated']);
    f.push(['backward', 'step.deltaPadded', 'tensor.deltaPadded'], ['backward', 'step.weightRot180', 'tensor.weightRot180', { kind: 'weight' }]);
  }
  for (const s of ['argmax', 'scale', 'derivative']) if (L.steps[s]) f.push(['backward', `step.${s}`, `tensor.${s}`]);
  const gradTitle = { weight: 'tensor.dWeight', bias: 'tensor.dBias', alpha: 'tensor.dAlpha' };
  for (const name of Object.keys(L.grads)) f.push(['backward', `grad.${name}`, gradTitle[name], { result: true, check: [0, name], kind: name === 'weight' ? 'weight' : 'data' }]);
  if (L.steps.dInputPadded && (cfg.padding[0] || cfg.padding[1] || trace.bug === 'conv-crop-off-by-one')) f.push(['backward', 'step.dInputPadded', 'tensor.dInputPadded', { result: true }]);
  f.push(['backward', 'dInput', 'tensor.dInput', { result: true, check: [0, 'input'] }]);
  return f;
}
// In a one-layer net the layer's δ^l is the loss's δ, and the loss's input is the layer's output;
// without padding the padded input is the input itself (its grid is not drawn twice).
const ALIAS = { dOutput: 'loss.dInput', 'loss.input': 'output' };
const FALLBACK = { 'step.inputPadded': 'input', 'step.dInputPadded': 'dInput' };
const gridKey = (tensor) => {
  const t = ALIAS[tensor] ?? tensor;
  return state.grids[t] ? t : FALLBACK[t] ?? t;
};
window.learn.gridOf = gridKey;

// The symbol of an entry, in TeX: W_{0,1,1,0}, δ^{l-1}_{0,0,2,1}, ...
const SYM = {
  input: 'z^{l-1}', 'step.inputPadded': '\\tilde z^{l-1}', 'param.weight': 'W', 'param.bias': 'b', 'param.alpha': '\\alpha', output: 'z^l',
  'loss.probs': 'p', 'loss.onehot': 'y', 'loss.targets': 't', 'loss.input': 'z^l', 'loss.dInput': '\\delta^l', dOutput: '\\delta^l',
  'step.deltaDilated': '\\delta^l_{\\mathrm{dil}}', 'step.deltaPadded': 'p\\delta^l', 'step.weightRot180': '\\mathrm{rot180}(W)',
  'step.argmax': '\\mathrm{argmax}', 'step.scale': 's', 'step.derivative': "f'", 'grad.weight': '\\frac{\\partial L}{\\partial W}',
  'grad.bias': '\\frac{\\partial L}{\\partial b}', 'grad.alpha': '\\frac{\\partial L}{\\partial \\alpha}', 'step.dInputPadded': '\\mathrm{full}', dInput: '\\delta^{l-1}',
};
const LHS = { 'grad.weight': (i) => `\\frac{\\partial L}{\\partial W_{${i}}}`, 'grad.bias': (i) => `\\frac{\\partial L}{\\partial b_{${i}}}`, 'grad.alpha': (i) => `\\frac{\\partial L}{\\partial \\alpha_{${i}}}` };
function indexText(trace, tensor, i) {
  const layer = tensor.startsWith('loss.') ? 'loss' : 0;
  return unflat(i, shapeOf(trace, layer, tensor)).join(',');
}
function entryTex(trace, tensor, i) {
  const idx = indexText(trace, tensor, i);
  if (LHS[tensor]) return LHS[tensor](idx);
  const s = SYM[tensor] ?? tensor;
  return /[_]/.test(s) || s.includes('(') ? `{${s}}[${idx}]` : `${s}_{${idx}}`;
}
const entryPlain = (trace, tensor, i) => `${(SYM[tensor] ?? tensor).replace(/\\frac\{\\partial L\}\{\\partial (\w+)\}/, '∂L/∂$1').replace(/\\|[{}]/g, '')}[${indexText(trace, tensor, i)}]`;

// ---- the live example ----
function renderExample(id, raw) {
  const { params, problems } = settingsOf(id, raw);
  const def = CHAPTERS[id], form = $('#controls');
  // the form shows what is used; each clamped value named
  for (const [name] of def.params) form.elements[name].value = params[name];
  if (def.choice) form.elements[def.choice[0]].value = params[def.choice[0]];
  form.elements.seed.value = params.seed;
  const bugSel = form.elements.bug;
  bugSel.textContent = '';
  for (const b of ['none', ...def.bugs(params)]) bugSel.append(h('option', { value: b, textContent: t(`bug.${b}`) }));
  bugSel.value = params.bug;
  bugSel.disabled = def.bugs(params).length === 0;
  $('#problems').textContent = problems.map((p) => (p.options
    ? t('ui.badChoice', { name: t(`param.${p.name}`), value: p.value, options: p.options.map((o) => t(`choice.${o}`)).join(', ') })
    : t('ui.clamped', { name: t(`param.${p.name}`), value: p.value, min: p.min, max: p.max, used: params[p.name] }))).join(' ');
  const why = chapterText(id).bugs?.[params.bug];
  $('#bug-why').textContent = params.bug === 'none' ? '' : `${t('ui.bugOn', { bug: t(`bug.${params.bug}`) })}${why ? ': ' : ''}`;
  if (why && params.bug !== 'none') renderText($('#bug-why').appendChild(h('span')), why);

  state.ex?.net.dispose();
  const ex = buildExample(bp, id, params);
  const trace = withViews(traceOf(bp, ex, params.bug), ex.n);
  Object.assign(state, { ex, params, trace, numeric: {}, checks: {}, grids: {} });
  $('#loss-line').textContent = t('ui.lossValue', { value: full(trace.loss.value ?? NaN) });

  const fwd = $('#forward'), bwd = $('#backward');
  fwd.textContent = '';
  bwd.textContent = '';
  $('#explain').textContent = '';
  let wrong = 0, total = 0;
  for (const [section, tensor, titleKey, opt = {}] of figuresOf(trace)) {
    const layer = tensor.startsWith('loss.') ? 'loss' : 0;
    const values = valuesOf(trace, layer, tensor);
    const title = h('span', { className: 'tensor-title' });
    renderText(title, t(titleKey));
    const grid = createGrid({
      id: tensor, title, shape: shapeOf(trace, layer, tensor), values, kind: opt.kind,
      entryName: (i) => entryPlain(trace, tensor, i),
      onActivate: opt.result ? (i) => explain(tensor, i) : null,
    });
    state.grids[tensor] = grid;
    if (opt.check) {
      const [cl, ct] = opt.check;
      const num = numericOf(bp, ex, cl, ct);
      state.numeric[tensor] = num;
      const checks = Array.from(values, (a, i) => checkOf(a, num.values[i], num.kinks[i]));
      state.checks[tensor] = checks;
      grid.setChecks(checks);
      wrong += checks.filter((c) => c.band === 'wrong').length;
      total += checks.length;
    }
    (section === 'forward' ? fwd : bwd).append(grid.el);
  }
  $('#wrong-count').textContent = params.bug !== 'none' || wrong ? t('ui.wrongCount', { count: wrong, total }) : '';
  $('#wrong-count').classList.toggle('bad', wrong > 0);
  state.ready = true;
}

// Lights up the terms of one entry and writes the sum out with the core's numbers.
function explain(tensor, i) {
  const { trace } = state;
  for (const g of Object.values(state.grids)) g.clear();
  const layer = tensor.startsWith('loss.') ? 'loss' : 0;
  const terms = termsOf(trace, layer, tensor, i);
  state.grids[tensor].highlight([i], 'role-target');
  for (const { a, b } of terms) {
    state.grids[gridKey(a.tensor)]?.highlight([a.index], 'role-a');
    if (b.tensor) state.grids[gridKey(b.tensor)]?.highlight([b.index], 'role-b');
  }
  const box = $('#explain');
  box.textContent = '';
  const sum = h('p', { className: 'sum' });
  sum.innerHTML = texHTML(entryTex(trace, tensor, i)) + ' = ';
  const value = valuesOf(trace, layer, tensor)[i];
  const factor = (ref, role) => {
    if (ref.const !== undefined) return h('span', { className: `f ${role}`, title: ref.tex, textContent: fmt(ref.const) });
    const v = valuesOf(trace, ref.tensor.startsWith('loss.') ? 'loss' : 0, ref.tensor)[ref.index];
    const s = fmt(v);
    return h('span', { className: `f ${role}`, title: `${entryPlain(trace, ref.tensor, ref.index)} = ${full(v)}`, textContent: v < 0 ? `(${s})` : s });
  };
  if (terms.length === 0) sum.append(h('span', { textContent: t('ui.noTerms') }));
  terms.slice(0, MAX_TERMS).forEach(({ a, b }, k) => {
    if (k) sum.append(' + ');
    sum.append(h('span', { className: 'term' }, factor(a, 'role-a'), '·', factor(b, 'role-b')));
  });
  if (terms.length > MAX_TERMS) sum.append(' + ', t('ui.moreTerms', { count: terms.length }));
  sum.append(' = ', h('strong', { className: 'core-value', textContent: full(value) }));
  box.append(sum);
  const ck = state.checks[tensor]?.[i];
  if (ck) {
    const line = h('p', { className: `check band-${ck.band}` }, h('i', { className: 'mark' }));
    line.append(ck.kink ? ` ${t('ui.numerical')}: ${full(ck.numeric)}. ${t('ui.kink')}` : ` ${t('ui.numerical')}: ${full(ck.numeric)}; ${t('ui.relError')}: ${ck.rel.toExponential(2)} (${t(`band.${ck.band}`)})`);
    box.append(line);
  } else box.append(h('p', { className: 'note', textContent: t('ui.noCheck') }));
  if (ck?.band === 'wrong' && state.params.bug !== 'none') {
    const why = chapterText(state.chapter).bugs?.[state.params.bug];
    const p = h('p', { className: 'bug-why' }, `${t('ui.bugOn', { bug: t(`bug.${state.params.bug}`) })}${why ? ': ' : ''}`);
    if (why) renderText(p.appendChild(h('span')), why);
    box.append(p);
  }
  state.explained = { tensor, index: i, terms, value };
}

// ---- routing ----
async function route() {
  const { chapter, raw } = parseHash();
  const lang = pickLang(raw.lang);
  const fresh = chapter !== state.chapter || lang !== state.lang;
  state.ready = false;
  if (lang !== state.lang) await setLang(lang);
  state.chapter = chapter;
  state.lang = lang;
  if (!raw.lang) history.replaceState(null, '', location.hash ? `${location.hash}&lang=${lang}` : hashOf(chapter, lang));
  renderChrome();
  if (fresh) renderChapter(chapter);
  if (CHAPTERS[chapter]) renderExample(chapter, raw);
}

async function start() {
  const status = $('#status');
  try {
    const core = loadBackprop();  // the module and the language's tables load side by side
    await setLang(pickLang(parseHash().raw.lang));
    status.textContent = t('ui.loading');
    bp = await core;
    $('#lang').addEventListener('change', (e) => {
      const { chapter, raw } = parseHash();
      const rest = Object.entries({ ...raw, lang: e.target.value }).filter(([k]) => k !== 'lang').map(([k, v]) => `&${k}=${encodeURIComponent(v)}`).join('');
      location.hash = `${chapter}&lang=${e.target.value}${rest}`;
    });
    window.addEventListener('hashchange', () => route().catch(fail));
    await route();
    performance.mark('drawn');  // page start -> first chapter drawn (the load-time test reads it)
  } catch (e) {
    fail(e);
  }
}
function fail(e) {
  const status = $('#status') ?? $('#chapter').appendChild(h('p', { id: 'status', role: 'status' }));
  status.textContent = t('ui.error', { message: e.message });
  status.classList.add('error');
  console.error(e);
}

start();

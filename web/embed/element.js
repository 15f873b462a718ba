// element.js: <backprop-demo>, a live training demo for blog posts. One <script type="module">, no
// server headers (the module is single-threaded), shadow-DOM styles, several per page. Each instance
// trains in its own worker through the trainer API (web/worker/trainer.js) on the bundled MNIST subset
// (dist/mnist-subset.bin) or, with src="folder/", on full MNIST in that folder (the four files
// gzipped, as `npm run build` writes them to dist/mnist/, or the IDX files).
// Starts when scrolled into view (start="visible", the default) or on click (start="click", and
// always when the reader prefers reduced motion). speed="watch" (the default) paces the steps so an
// epoch takes WATCH_EPOCH_S seconds and the loss curve fills while the reader looks; "fast" does not.
// One thread unless the author opts in with threads="2": then it trains data-parallel on two
// workers (web/worker/replicas.js) where the page is cross-origin isolated (COOP + COEP headers, which
// blogs rarely send), and on one thread elsewhere; the `threads` property says which.
// Colours and font come from CSS custom properties (THEME: --bp-bg, --bp-fg, ...), with a dark
// scheme under prefers-color-scheme: dark or theme="dark" (docs/embed.md lists them).
import { trainer } from '../worker/trainer.js';
import { loadMnistSubset } from '../core/mnist-subset.js';
import { loadMnist } from '../core/mnist.js';
import { presets } from '../core/presets.js';
import { BUGS, errorBand } from '../core/checks.js';
import { BackpropError } from '../core/errors.js';
import { mnistPreprocess } from '../core/preprocess.js';
import { ATTRIBUTES, DEFAULTS, LESSON_CHOICES, LESSON_SIZES, settingsFromAttributes } from './embed-code.js';
import { pickLang, translatorOf } from '../learn/i18n.js';
import { restartText } from './notice.js';
import en from '../learn/messages/en.js';
import zh from '../learn/messages/zh.js';

const MESSAGES = { en, zh };
const toFloats = (u8) => Float32Array.from(u8, (v) => v / 255);

/** speed="watch": the pace that makes one epoch over the training images take this many seconds. */
export const WATCH_EPOCH_S = 8;

// The theme: each --bp-<name> custom property the page may set, and its value in the light and
// the dark scheme. Text colours keep 4.5:1 contrast on their scheme's bg and panel.
export const THEME = {
  bg: ['#fbfcfe', '#14181f'],
  fg: ['#1d2430', '#e6ebf2'],
  muted: ['#4a5263', '#a9b3c2'],
  panel: ['#ffffff', '#1c222c'],
  border: ['#c3cad6', '#3a4352'],
  accent: ['#2f5fc4', '#7fa8ff'],
  good: ['#17733a', '#5fd38a'],
  warn: ['#8a5a00', '#e5b94e'],
  bad: ['#b3261e', '#ff8f85'],
  'notice-bg': ['#fff6e5', '#3a2c0c'],
  font: ['14px/1.4 system-ui, sans-serif', '14px/1.4 system-ui, sans-serif'],
};
const scheme = (i) => Object.entries(THEME).map(([k, v]) => `--_${k}: var(--bp-${k}, ${v[i]});`).join(' ');

const STYLE = `
:host { ${scheme(0)} color-scheme: light; }
:host([theme=dark]) { ${scheme(1)} color-scheme: dark; }
@media (prefers-color-scheme: dark) { :host(:not([theme=light])) { ${scheme(1)} color-scheme: dark; } }
:host { display: block; font: var(--_font); color: var(--_fg); border: 1px solid var(--_border);
  border-radius: 8px; padding: 12px; max-width: 720px; background: var(--_bg); contain: content; }
.titlebar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.titlebar b { flex: 1; }
button, select { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--_border); background: var(--_panel); color: var(--_fg); cursor: pointer; }
button:focus-visible, select:focus-visible, canvas:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.status { color: var(--_muted); font-variant-numeric: tabular-nums; }
.error, :host([data-state=error]) .status { color: var(--_bad); font-weight: 600; }
.notice { margin: 8px 0 0; padding: 4px 8px; border: 1px solid var(--_warn); border-radius: 6px; background: var(--_notice-bg); }
.notice button { margin-left: 8px; padding: 0 8px; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-top: 8px; }
section { min-width: 0; }
section.gradcheck { grid-column: 1 / -1; order: 1; }  /* its own row under the curve and the pad: the table needs the width */
.breakit select { max-width: 100%; }
h4 { margin: 4px 0; font-size: 13px; }
canvas.curve { width: 100%; height: 140px; background: var(--_panel); border: 1px solid var(--_border); }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
td, th { padding: 2px 4px; text-align: left; border-bottom: 1px solid var(--_border); font-variant-numeric: tabular-nums; }
th abbr { text-decoration: underline dotted; cursor: help; }
tr.good td.err, tr.fine td.err, tr.good td.verdict, tr.fine td.verdict { color: var(--_good); }
tr.suspicious td.err, tr.kinked td.err, tr.suspicious td.verdict, tr.kinked td.verdict { color: var(--_warn); }
tr.wrong td.err, tr.wrong td.verdict { color: var(--_bad); font-weight: 600; }
.note, .breakit { font-size: 12px; color: var(--_muted); margin: 4px 0; }
.breakit select { padding: 2px 6px; font-size: 12px; margin-left: 4px; }
.verdict-line { margin: 4px 0; font-weight: 600; }
.verdict-line.pass { color: var(--_good); } .verdict-line.fail { color: var(--_bad); }
canvas.pad { width: 140px; height: 140px; background: #000; touch-action: none; border-radius: 4px; cursor: crosshair; }
.bars { display: grid; grid-template-columns: 1em 1fr; gap: 1px 4px; font-size: 12px; }
.bar { background: var(--_accent); height: 10px; align-self: center; }
`;

// "conv 8×3×3 → relu → maxpool 2 → dense 10": a net's layers in a heading (flatten is implied).
export function netTitle(layers) {
  const word = (l) => {
    switch (l.type) {
      case 'conv2d': return `conv ${l.filters}×${l.kernel}×${l.kernel}${l.stride > 1 ? ` /${l.stride}` : ''}`;
      case 'dense': return `dense ${l.units}`;
      case 'maxpool2d': return `maxpool ${l.size}`;
      case 'avgpool2d': return `avgpool ${l.size}`;
      default: return l.type;
    }
  };
  return layers.filter((l) => l.type !== 'flatten').map(word).join(' → ');
}

// The teaching bugs whose broken backward this net runs through (the loss's always), so that
// each choice of "break it" shows in the check.
const BUG_APPLIES = {
  'conv-no-rotate': (l) => l.type === 'conv2d',
  'conv-no-dilate': (l) => l.type === 'conv2d' && l.stride > 1,
  'conv-crop-off-by-one': (l) => l.type === 'conv2d' && l.padding > 0,
  'avgpool-no-scale': (l) => l.type === 'avgpool2d',
  'maxpool-wrong-index': (l) => l.type === 'maxpool2d',
  'relu-no-mask': (l) => l.type === 'relu',
};
// The layers an element's settings train: layers= or its preset's.
const layersOf = (s) => s.layers ?? presets[s.preset].spec.layers;
const bugsFor = (layers) => Object.keys(BUGS).filter((k) => k === 'none' || k === 'loss-no-mean' || (BUG_APPLIES[k] && layers.some(BUG_APPLIES[k])));

export class BackpropDemoElement extends HTMLElement {
  static observedAttributes = ATTRIBUTES;
  #root;
  #trainer = null;
  #state = 'idle';
  #points = [];    // [step, loss] of every progress event of the run
  #observer = null;
  #timer = null;
  #stopping = false;
  #threads = 1;
  #goal = null;    // the steps the training runs to (its first progress event's total)
  #offset = 0;     // steps before the running fit (a fit resumed in a new worker goes on from there)
  #bug = 'none';   // the "break it" switch: the teaching bug the gradient check runs with
  #probe = null;   // the two held-out test images the gradient check runs on
  #verdict = '';

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
  }

  /** The settings read from the attributes, over the defaults (the preset's optimizer, lr, batch size). */
  get settings() {
    const s = { ...DEFAULTS, ...settingsFromAttributes((a) => this.getAttribute(a)) };
    s.lang = pickLang(s.lang);
    if (s.lesson) return s;
    const p = presets[s.preset];
    return { optimizer: p.spec.optimizer.type, lr: p.spec.optimizer.lr, batchSize: p.fit.batchSize, ...s };
  }
  get state() {
    return this.#state;
  }
  #setState(s, text) {
    this.#state = s;
    this.dataset.state = s;
    if (text !== undefined) this.#$('.status').textContent = text;
  }
  #$(sel) {
    return this.#root.querySelector(sel);
  }
  #t = translatorOf('en', { messages: en }).t;
  #lesson = null;
  /** The lesson mounted by lesson="<chapter>" (web/learn/lesson.js mountLesson's handle), or null. */
  get lesson() {
    return this.#lesson;
  }
  /** The heading: the preset's name, or the net's layers when layers= gives them. */
  get heading() {
    const s = this.settings;
    return this.#t('embed.heading', { net: s.layers ? netTitle(s.layers) : s.preset, optimizer: s.optimizer, lr: s.lr });
  }

  connectedCallback() {
    if (this.#root.childElementCount) return;
    let s;
    try {
      s = this.settings;
    } catch (e) {
      // A bad attribute: its message, in the element, where the post's author sees it.
      this.#root.innerHTML = `<style>${STYLE}</style><p class="error" role="alert"></p>`;
      this.#$('.error').textContent = e.message;
      this.#setState('error');
      return;
    }
    const t = (this.#t = translatorOf(s.lang, { messages: MESSAGES[s.lang] }).t);
    if (s.lesson) return this.#mountLesson(s);
    const panels = new Set(s.panels);
    const layers = layersOf(s);
    this.#bug = 'none';  // a new view (new settings, maybe a new net): "break it" off, no verdict yet
    this.#verdict = '';
    const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    const said = (key, fallback) => (t(key) === key ? fallback : t(key));
    const bugs = bugsFor(layers).map((k) => `<option value="${esc(k)}">${esc(said(`demo.bug.${k}`, BUGS[k]))}</option>`).join('');
    const th = (key) => `<th scope="col"><abbr title="${esc(t(`${key}Hint`))}">${esc(t(key))}</abbr></th>`;
    this.#root.innerHTML = `<style>${STYLE}</style>
      <div class="titlebar"><b class="title">${esc(this.heading)}</b>
        <button class="start" type="button">${esc(t('embed.train'))}</button><span class="status">${esc(t('embed.notStarted'))}</span></div>
      <p class="notice" role="alert" hidden><span></span><button class="dismiss" type="button">${esc(t('worker.dismiss'))}</button></p>
      ${s.pace > 0 ? `<p class="pace">${esc(t('embed.pace', { n: s.pace.toLocaleString() }))}</p>` : ''}
      <div class="panels">
        ${panels.has('train') ? `<section class="train"><h4>${esc(t('embed.lossTitle'))}</h4><canvas class="curve" width="400" height="140" role="img" aria-label="${esc(t('embed.curveEmpty'))}"></canvas><div class="acc"></div></section>` : ''}
        ${panels.has('gradcheck') ? `<section class="gradcheck"><h4>${esc(t('embed.gcTitle'))}</h4>
          <label class="breakit">${esc(t('embed.breakIt'))} <select class="bug">${bugs}</select></label>
          <p class="verdict-line" aria-live="polite"></p>
          <table><thead><tr>${th('embed.col.layer')}${th('embed.col.param')}${th('embed.col.maxRel')}${th('embed.col.n')}${th('embed.col.verdict')}</tr></thead><tbody></tbody></table>
          <p class="note">${esc(t('embed.gcNote'))}</p></section>` : ''}
        ${panels.has('draw') ? `<section class="draw"><h4>${esc(t('embed.draw'))}</h4><canvas class="pad" width="140" height="140" role="img" aria-label="${esc(t('embed.padLabel'))}"></canvas><div class="bars"></div><button class="clear" type="button">${esc(t('embed.clear'))}</button></section>` : ''}
      </div>`;
    this.#setState('idle');
    this.#$('.start').addEventListener('click', () => (this.#state === 'training' || this.#state === 'loading' ? this.stop() : this.start()));
    this.#$('.dismiss').addEventListener('click', () => (this.#$('.notice').hidden = true));
    this.#$('select.bug')?.addEventListener('change', (e) => this.breakIt(e.target.value));
    if (panels.has('draw')) this.#setupPad();
    const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    if (s.start !== 'click' && !reduced && typeof IntersectionObserver === 'function') {
      this.#observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.#observer.disconnect();
          if (this.#state === 'idle') this.start();
        }
      });
      this.#observer.observe(this);
    }
  }

  /**
   * "Break it": runs the gradient check with a teaching bug in its float64 twin (a key of BUGS that
   * touches this net's layers; 'none' turns it off), so the table shows the check catching it.
   * Training is not affected. Checks at once when a net is there (while and after training).
   */
  async breakIt(bug = 'none') {
    const known = bugsFor(layersOf(this.settings));
    if (!known.includes(bug)) throw new BackpropError(`backprop-demo: unknown bug "${bug}" for this net (known: ${known.join(', ')})`);
    this.#bug = bug;
    const sel = this.#$('select.bug');
    if (sel) sel.value = bug;
    await this.#check();
  }
  /** The teaching bug the gradient check runs with ('none': off). */
  get bug() {
    return this.#bug;
  }

  // The gradient check on the held-out probe (its report arrives as a 'gradcheck' event).
  #check() {
    const tr = this.#trainer, p = this.#probe;
    if (!tr || !p || !this.#$('.gradcheck')) return Promise.resolve();
    return tr.gradCheck(p.x, p.y, 2, { maxCoords: 20, bug: this.#bug }).catch(() => {});
  }

  // lesson="<chapter>": one chapter of the lesson (no worker: the lesson's one-layer nets run on
  // the page, on the core loaded once for every lesson of the page).
  async #mountLesson(s) {
    const t = this.#t;
    this.#root.innerHTML = `<style>${STYLE}</style><p class="status"></p>`;
    this.#$('.status').textContent = t('embed.lessonLoading');
    this.#setState('loading');
    const params = { seed: s.seed, ...(s.bug ? { bug: s.bug } : {}) };
    for (const k of [...LESSON_SIZES, ...LESSON_CHOICES]) if (s[k] !== undefined) params[k] = s[k];
    try {
      const { mountLesson } = await import('../learn/lesson.js');
      if (!this.isConnected) return;
      this.#lesson?.destroy();
      this.#lesson = mountLesson(this.#root, { chapter: s.lesson, lang: s.lang, params, headingLevel: 3 });
      await this.#lesson.ready;
      this.#$('p.status')?.remove();
      this.#setState('ready');
      this.dispatchEvent(new CustomEvent('backprop-lesson', { detail: { chapter: s.lesson, lang: s.lang } }));
    } catch (e) {
      this.#setState('error');
      const p = this.#$('p.status') ?? this.#root.appendChild(document.createElement('p'));
      p.className = 'status error';
      p.textContent = t('embed.lessonError', { message: e.message });
      this.dispatchEvent(new CustomEvent('backprop-error', { detail: { message: e.message } }));
    }
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#lesson?.destroy();
    this.#lesson = null;
    // A lesson, or an element with a bad attribute, renders afresh when connected again.
    if (!this.#$('.start')) return void this.#root.replaceChildren();
    this.stop();
  }

  attributeChangedCallback(name, old, value) {
    if (old !== value && this.#root.childElementCount && (old !== null || this.#lesson)) {
      this.#lesson?.destroy();
      this.#lesson = null;
      // Settings changed after render: rebuild the view; a running demo restarts on the next click.
      this.stop();
      this.#root.replaceChildren();
      this.connectedCallback();
    }
  }

  #netSpec(s) {
    const p = presets[s.preset].spec;
    // The preset's optimizer keeps its other settings (momentum, decay) when only lr changes.
    const optimizer = s.optimizer === p.optimizer.type ? { ...p.optimizer, lr: s.lr } : { type: s.optimizer, lr: s.lr };
    const layers = s.layers ?? p.layers;
    return { input: s.layers ? [1, 28, 28] : p.input, layers, loss: 'softmax_cross_entropy', seed: s.seed, optimizer };
  }

  async #loadData(src) {
    if (!src) return loadMnistSubset();
    return loadMnist(new URL(src.endsWith('/') ? src : src + '/', document.baseURI));  // the .gz files, else the IDX files
  }

  /** Loads the data, starts a worker and trains; resolves when training ends. */
  async start() {
    if (this.#state === 'loading' || this.#state === 'training') return;
    const s = this.settings;
    if (s.lesson) return;  // a lesson does not train
    await this.#release();
    this.#points = [];
    this.#stopping = false;
    this.#goal = null;
    this.#offset = 0;
    this.#probe = null;
    const t = this.#t;
    this.#setState('loading', t('embed.loading'));
    this.#$('.start').textContent = t('embed.stop');
    this.#drawCurve();
    try {
      const spec = this.#netSpec(s);
      const [tr, data] = await Promise.all([trainer(spec, { worker: true }), this.#loadData(s.src)]);
      if (this.#stopping) return void tr.dispose();
      this.#trainer = tr;
      const trainCount = data.train.count;
      await tr.setData('train', data.train.images.slice(), data.train.labels.slice(), tr.inputShape, { classes: 10 });
      await tr.setData('test', data.test.images.slice(), data.test.labels.slice(), tr.inputShape, { classes: 10 });
      // The gradient check runs on two held-out images (float64 twin of the net, in the worker).
      this.#probe = { x: toFloats(data.test.images.subarray(0, 2 * 784)), y: Array.from(data.test.labels.subarray(0, 2)) };
      tr.addEventListener('progress', (e) => this.#onProgress(e.detail));
      tr.addEventListener('gradcheck', (e) => this.#onGradCheck(e.detail));
      tr.addEventListener('restart', (e) => this.#onRestart(e.detail));
      this.#setState('training', t('embed.training', { count: trainCount }));
      await this.#check();
      this.#timer = setInterval(() => this.#check(), 3000);
      // watch: an epoch in WATCH_EPOCH_S seconds; pace= (samples/s) over it; fast: full speed.
      const pace = s.pace ?? (s.speed === 'watch' ? Math.ceil(trainCount / WATCH_EPOCH_S) : 0);
      const result = await this.#fit(tr, { epochs: s.epochs, batchSize: s.batchSize, shuffle: true, seed: s.seed, chunk: 5, threads: s.threads ?? 1, pace });
      this.#threads = result.threads ?? 1;
      clearInterval(this.#timer);
      const { accuracy } = await tr.evaluate('test');
      await this.#check();
      const acc = (100 * accuracy).toFixed(1);
      this.#$('.acc') && (this.#$('.acc').textContent = t('embed.testAccuracy', { acc, count: data.test.count }));
      this.#setState('done', t(result.stopped ? 'embed.stoppedAt' : 'embed.done', { loss: result.loss?.toFixed(3), acc }));
      this.#$('.start').textContent = t('embed.trainAgain');
      this.dispatchEvent(new CustomEvent('backprop-done', { detail: { loss: result.loss, testAccuracy: accuracy } }));
      // The net stays for the drawing pad and for "break it"; otherwise its worker goes.
      if (!this.#$('.draw') && !this.#$('.gradcheck')) await this.#release();
    } catch (e) {
      clearInterval(this.#timer);
      if (this.#stopping) return; // stop() ended it
      await this.#release();
      this.#setState('error', e.message);
      this.#$('.start').textContent = t('embed.retry');
      this.dispatchEvent(new CustomEvent('backprop-error', { detail: { message: e.message } }));
    }
  }

  // tr.fit(options); when the worker dies meanwhile, the Trainer resumes from its checkpoint in a
  // new worker, and the fit goes on from the kept step to the same last step.
  async #fit(tr, options) {
    for (;;) {
      const restarts = tr.restarts;
      try {
        return await tr.fit('train', options);
      } catch (e) {
        if (this.#stopping || this.#trainer !== tr || tr.restarts === restarts) throw e;
        const { kept } = await new Promise((resolve, reject) => {
          tr.addEventListener('restart', (ev) => resolve(ev.detail), { once: true });
          tr.addEventListener('error', (ev) => reject(ev.detail), { once: true });
        });
        this.#offset = kept.step;
        if (this.#goal !== null) {
          const { epochs, ...rest } = options;
          options = { ...rest, steps: Math.max(1, this.#goal - kept.step) };
        }
      }
    }
  }

  #onRestart(d) {
    const n = this.#$('.notice');
    if (!n) return;
    n.firstChild.textContent = restartText(this.#t, d);
    n.hidden = false;
    this.dispatchEvent(new CustomEvent('backprop-restart', { detail: d }));
  }

  async #release() {
    const t = this.#trainer;
    this.#trainer = null;
    await t?.dispose().catch(() => {});
  }

  /** Stops training and frees the worker (pending calls reject, which start() takes as the stop). */
  async stop() {
    clearInterval(this.#timer);
    if (this.#state !== 'loading' && this.#state !== 'training') return this.#release();
    this.#stopping = true;
    await this.#release();
    this.#setState('idle', this.#t('embed.stopped'));
    const b = this.#$('.start');
    if (b) b.textContent = this.#t('embed.train');
  }

  /** Threads the last training ran on (1 unless threads="2" and the page is cross-origin isolated). */
  get threads() {
    return this.#threads;
  }

  #onProgress(p) {
    this.#threads = p.threads ?? 1;
    this.#goal ??= p.total;
    const done = this.#offset + p.done, total = this.#offset + p.total;
    this.#points.push([done, p.loss]);
    this.#$('.status').textContent = this.#t(this.#threads > 1 ? 'embed.progressThreads' : 'embed.progress', { done, total, loss: p.loss.toFixed(3), threads: this.#threads });
    this.#drawCurve(total);
    this.dispatchEvent(new CustomEvent('backprop-progress', { detail: p }));
  }

  // The loss against the step, on an x axis as long as the whole run, so the curve fills as it
  // trains; its aria-label says in words what it draws.
  #drawCurve(total = 1) {
    const c = this.#$('canvas.curve');
    if (!c) return;
    const g = c.getContext('2d');
    const P = this.#points, max = Math.max(...P.map(([, v]) => v), 1e-9);
    g.clearRect(0, 0, c.width, c.height);
    g.strokeStyle = getComputedStyle(this).getPropertyValue('--_accent').trim() || '#2f5fc4';
    g.lineWidth = 2;
    g.beginPath();
    P.forEach(([step, v], i) => {
      const x = (step / Math.max(total, 1)) * (c.width - 4) + 2, y = c.height - 4 - (v / max) * (c.height - 8);
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
    c.setAttribute('aria-label', P.length
      ? this.#t('embed.curveLabel', { first: P[0][1].toFixed(3), last: P.at(-1)[1].toFixed(3), done: P.at(-1)[0], total })
      : this.#t('embed.curveEmpty'));
  }

  // The check table: per tensor its layer (index and type), name, max relative error, the
  // coordinates checked and a verdict word; above it one verdict line, announced politely.
  #onGradCheck(report) {
    const tbody = this.#$('.gradcheck tbody');
    if (!tbody) return;
    const t = this.#t;
    const layers = layersOf(this.settings);
    const word = { good: 'embed.pass', fine: 'embed.pass', suspicious: 'embed.pass', kinked: 'embed.kinked', wrong: 'embed.fail' };
    tbody.replaceChildren(
      ...report.rows.map((r) => {
        const tr = document.createElement('tr');
        const band = errorBand(r);
        tr.className = band;
        const layer = r.layer < 0 ? t('embed.input') : r.layer >= layers.length ? t('embed.loss') : `${r.layer} ${layers[r.layer].type}`;
        for (const [cls, text] of [['', layer], ['', r.layer < 0 ? 'dL/dx' : r.name], ['err', r.maxRelError.toExponential(1)], ['', r.checked], ['verdict', t(word[band])]]) {
          const td = document.createElement('td');
          td.className = cls;
          td.textContent = String(text);
          tr.append(td);
        }
        return tr;
      }),
    );
    const failed = report.rows.filter((r) => !r.passed).length;
    const line = this.#$('.verdict-line');
    const verdict = failed ? t('embed.verdictFail', { failed, total: report.rows.length }) : t('embed.verdictPass', { n: report.rows.filter((r) => r.checked).length });
    const text = verdict + (report.bug && report.bug !== 'none' ? ' ' + t('embed.bugOn') : '');
    // Announced (aria-live) only when it changes, not at every periodic check.
    if (text !== this.#verdict) {
      this.#verdict = text;
      line.textContent = text;
      line.className = `verdict-line ${failed ? 'fail' : 'pass'}`;
    }
    this.dispatchEvent(new CustomEvent('backprop-gradcheck', { detail: report }));
  }

  #setupPad() {
    const pad = this.#$('canvas.pad');
    const g = pad.getContext('2d');
    const clear = () => {
      g.fillStyle = '#000';
      g.fillRect(0, 0, pad.width, pad.height);
      const bars = this.#$('.bars');
      bars.replaceChildren();
      bars.removeAttribute('role');  // an image (with its label) only when it shows a prediction
      bars.removeAttribute('aria-label');
    };
    clear();
    let drawing = false;
    const at = (e) => {
      const r = pad.getBoundingClientRect();
      return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
    };
    pad.addEventListener('pointerdown', (e) => {
      drawing = true;
      pad.setPointerCapture?.(e.pointerId);
      g.beginPath();
      g.moveTo(...at(e));
    });
    pad.addEventListener('pointermove', (e) => {
      if (!drawing) return;
      g.strokeStyle = '#fff';
      g.lineWidth = 10;
      g.lineCap = 'round';
      g.lineTo(...at(e));
      g.stroke();
    });
    pad.addEventListener('pointerup', () => {
      drawing = false;
      this.#classify();
    });
    this.#$('.clear').addEventListener('click', clear);
  }

  async #classify() {
    if (!this.#trainer) return;
    const pad = this.#$('canvas.pad');
    const rgba = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
    const ink = Float32Array.from({ length: pad.width * pad.height }, (_, i) => rgba[4 * i] / 255);
    const digit = mnistPreprocess(ink, pad.width, pad.height);
    if (!digit) return;
    const probs = Array.from(await this.#trainer.predict(digit.pixels, 1));
    const best = probs.indexOf(Math.max(...probs));
    this.#$('.bars').setAttribute('role', 'img');
    this.#$('.bars').setAttribute('aria-label', this.#t('embed.barsLabel', { digit: best, p: (100 * probs[best]).toFixed(0) }));
    this.#$('.bars').replaceChildren(
      ...probs.flatMap((p, d) => {
        const label = document.createElement('span');
        label.textContent = d;
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.style.width = `${(100 * p).toFixed(1)}%`;
        return [label, bar];
      }),
    );
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('backprop-demo')) customElements.define('backprop-demo', BackpropDemoElement);

// element.js: <backprop-demo>, a live training demo for blog posts. One <script type="module">, no
// server headers (the module is single-threaded), shadow-DOM styles, several per page. Each instance
// trains in its own worker through the trainer API (web/worker/trainer.js) on the bundled MNIST subset
// (dist/mnist-subset.bin) or, with src="folder/", on the full IDX files in that folder.
// Starts when scrolled into view (start="visible", the default) or on click (start="click", and
// always when the reader prefers reduced motion).
// One thread unless the author opts in with threads="2": then it trains data-parallel on two
// workers (web/worker/replicas.js) where the page is cross-origin isolated (COOP + COEP headers, which
// blogs rarely send), and on one thread elsewhere; the `threads` property says which.
import { trainer } from '../worker/trainer.js';
import { loadMnistSubset } from '../core/mnist-subset.js';
import { loadMnist } from '../core/mnist.js';
import { presets } from '../core/presets.js';
import { mnistPreprocess } from '../core/preprocess.js';
import { ATTRIBUTES, LESSON_CHOICES, LESSON_SIZES, settingsFromAttributes } from './embed-code.js';
import { pickLang, translatorOf } from '../learn/i18n.js';
import { restartText } from './notice.js';
import en from '../learn/messages/en.js';
import zh from '../learn/messages/zh.js';

const MESSAGES = { en, zh };
const toFloats = (u8) => Float32Array.from(u8, (v) => v / 255);

// Unset attributes: the preset's optimizer, lr and batch size; these for the rest.
const DEFAULTS = { preset: 'tiny-cnn', epochs: 1, seed: 1, panels: ['train', 'gradcheck'], start: 'visible' };

const STYLE = `
:host { display: block; font: 14px/1.4 system-ui, sans-serif; color: #1d2430; border: 1px solid #d5dae3;
  border-radius: 8px; padding: 12px; max-width: 720px; background: #fbfcfe; contain: content; }
header { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
header b { flex: 1; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid #8a94a6; background: #fff; cursor: pointer; }
.status { color: #556; font-variant-numeric: tabular-nums; }
.notice { margin: 8px 0 0; padding: 4px 8px; border: 1px solid #b26b00; border-radius: 6px; background: #fff6e5; }
.notice button { margin-left: 8px; padding: 0 8px; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-top: 8px; }
section { min-width: 0; }
h4 { margin: 4px 0; font-size: 13px; }
canvas.curve { width: 100%; height: 140px; background: #fff; border: 1px solid #e3e7ee; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
td, th { padding: 2px 4px; text-align: left; border-bottom: 1px solid #eef0f4; font-variant-numeric: tabular-nums; }
tr.pass td.err { color: #17733a; } tr.warn td.err { color: #9a6700; } tr.fail td.err { color: #b3261e; font-weight: 600; }
canvas.pad { width: 140px; height: 140px; background: #000; touch-action: none; border-radius: 4px; cursor: crosshair; }
.bars { display: grid; grid-template-columns: 1em 1fr; gap: 1px 4px; font-size: 12px; }
.bar { background: #3b6fd8; height: 10px; align-self: center; }
.error { color: #b3261e; }
`;

export class BackpropDemoElement extends HTMLElement {
  static observedAttributes = ATTRIBUTES;
  #root;
  #trainer = null;
  #state = 'idle';
  #losses = [];
  #observer = null;
  #timer = null;
  #stopping = false;
  #threads = 1;
  #goal = null;    // the steps the training runs to (its first progress event's total)
  #offset = 0;     // steps before the running fit (a fit resumed in a new worker goes on from there)

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
    if (!p) throw new SyntaxError(`backprop-demo: unknown preset "${s.preset}" (known: ${Object.keys(presets).join(', ')})`);
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

  connectedCallback() {
    if (this.#root.childElementCount) return;
    let s;
    try {
      s = this.settings;
    } catch (e) {
      this.#root.innerHTML = `<style>${STYLE}</style><p class="error"></p>`;
      this.#$('.error').textContent = e.message;
      return;
    }
    const t = (this.#t = translatorOf(s.lang, { messages: MESSAGES[s.lang] }).t);
    if (s.lesson) return this.#mountLesson(s);
    const panels = new Set(s.panels);
    const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
    this.#root.innerHTML = `<style>${STYLE}</style>
      <header><b>${esc(t('embed.heading', { preset: s.preset ?? t('embed.customNet'), optimizer: s.optimizer, lr: s.lr }))}</b>
        <button class="start" type="button">${esc(t('embed.train'))}</button><span class="status">${esc(t('embed.notStarted'))}</span></header>
      <p class="notice" role="alert" hidden><span></span><button class="dismiss" type="button">${esc(t('worker.dismiss'))}</button></p>
      ${s.pace > 0 ? `<p class="pace">${esc(t('embed.pace', { n: s.pace.toLocaleString() }))}</p>` : ''}
      <div class="panels">
        ${panels.has('train') ? `<section class="train"><h4>${esc(t('embed.lossTitle'))}</h4><canvas class="curve" width="400" height="140"></canvas><div class="acc"></div></section>` : ''}
        ${panels.has('gradcheck') ? `<section class="gradcheck"><h4>${esc(t('embed.gcTitle'))}</h4><table><thead><tr><th>${esc(t('embed.col.layer'))}</th><th>${esc(t('embed.col.param'))}</th><th>${esc(t('embed.col.maxRel'))}</th><th>${esc(t('embed.col.n'))}</th></tr></thead><tbody></tbody></table></section>` : ''}
        ${panels.has('draw') ? `<section class="draw"><h4>${esc(t('embed.draw'))}</h4><canvas class="pad" width="140" height="140"></canvas><div class="bars"></div><button class="clear" type="button">${esc(t('embed.clear'))}</button></section>` : ''}
      </div>`;
    this.#$('.start').addEventListener('click', () => (this.#state === 'training' || this.#state === 'loading' ? this.stop() : this.start()));
    this.#$('.dismiss').addEventListener('click', () => (this.#$('.notice').hidden = true));
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
    if (this.settings.lesson) return void this.#root.replaceChildren();
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
    const dir = new URL(src.endsWith('/') ? src : src + '/', document.baseURI);
    return loadMnist(async (f) => {
      const res = await fetch(new URL(f, dir));
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${f}`);
      return res.arrayBuffer();
    });
  }

  /** Loads the data, starts a worker and trains; resolves when training ends. */
  async start() {
    if (this.#state === 'loading' || this.#state === 'training') return;
    const s = this.settings;
    if (s.lesson) return;  // a lesson does not train
    await this.#release();
    this.#losses = [];
    this.#stopping = false;
    this.#goal = null;
    this.#offset = 0;
    const t = this.#t;
    this.#setState('loading', t('embed.loading'));
    this.#$('.start').textContent = t('embed.stop');
    try {
      const spec = this.#netSpec(s);
      const [tr, data] = await Promise.all([trainer(spec, { worker: true }), this.#loadData(s.src)]);
      if (this.#stopping) return void tr.dispose();
      this.#trainer = tr;
      const trainCount = data.train.count;
      await tr.setData('train', data.train.images.slice(), data.train.labels.slice(), tr.inputShape, { classes: 10 });
      await tr.setData('test', data.test.images.slice(), data.test.labels.slice(), tr.inputShape, { classes: 10 });
      // The gradient check runs on two held-out images (float64 twin of the net, in the worker).
      const probe = { x: toFloats(data.test.images.subarray(0, 2 * 784)), y: Array.from(data.test.labels.subarray(0, 2)) };
      tr.addEventListener('progress', (e) => this.#onProgress(e.detail));
      tr.addEventListener('gradcheck', (e) => this.#onGradCheck(e.detail));
      tr.addEventListener('restart', (e) => this.#onRestart(e.detail));
      this.#setState('training', t('embed.training', { count: trainCount }));
      const check = () => tr.gradCheck(probe.x, probe.y, 2, { maxCoords: 20 }).catch(() => {});
      if (new Set(s.panels).has('gradcheck')) {
        await check();
        this.#timer = setInterval(check, 3000);
      }
      const result = await this.#fit(tr, { epochs: s.epochs, batchSize: s.batchSize, shuffle: true, seed: s.seed, chunk: 5, threads: s.threads ?? 1, pace: s.pace ?? 0 });
      this.#threads = result.threads ?? 1;
      clearInterval(this.#timer);
      const { accuracy } = await tr.evaluate('test');
      if (new Set(s.panels).has('gradcheck')) await check();
      const acc = (100 * accuracy).toFixed(1);
      this.#$('.acc') && (this.#$('.acc').textContent = t('embed.testAccuracy', { acc, count: data.test.count }));
      this.#setState('done', t(result.stopped ? 'embed.stoppedAt' : 'embed.done', { loss: result.loss?.toFixed(3), acc }));
      this.#$('.start').textContent = t('embed.trainAgain');
      this.dispatchEvent(new CustomEvent('backprop-done', { detail: { loss: result.loss, testAccuracy: accuracy } }));
      if (!this.#$('.draw')) await this.#release();
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
    this.#losses.push(p.loss);
    this.#threads = p.threads ?? 1;
    this.#goal ??= p.total;
    const done = this.#offset + p.done, total = this.#offset + p.total;
    this.#$('.status').textContent = this.#t(this.#threads > 1 ? 'embed.progressThreads' : 'embed.progress', { done, total, loss: p.loss.toFixed(3), threads: this.#threads });
    this.#drawCurve();
    this.dispatchEvent(new CustomEvent('backprop-progress', { detail: p }));
  }

  #drawCurve() {
    const c = this.#$('canvas.curve');
    if (!c) return;
    const g = c.getContext('2d');
    const L = this.#losses, max = Math.max(...L, 1e-9);
    g.clearRect(0, 0, c.width, c.height);
    g.strokeStyle = '#3b6fd8';
    g.lineWidth = 2;
    g.beginPath();
    L.forEach((v, i) => {
      const x = (i / Math.max(L.length - 1, 1)) * (c.width - 4) + 2, y = c.height - 4 - (v / max) * (c.height - 8);
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  }

  #onGradCheck(report) {
    const rows = report.rows;
    const tbody = this.#$('.gradcheck tbody');
    if (!tbody) return;
    tbody.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        tr.className = r.maxRelError < 1e-4 ? 'pass' : r.maxRelError < 1e-2 && r.passed ? 'warn' : r.passed ? 'pass' : 'fail';
        for (const [cls, text] of [['', r.layer < 0 ? this.#t('embed.input') : r.layer], ['', r.name], ['err', r.maxRelError.toExponential(1)], ['', r.checked]]) {
          const td = document.createElement('td');
          td.className = cls;
          td.textContent = String(text);
          tr.append(td);
        }
        return tr;
      }),
    );
    this.dispatchEvent(new CustomEvent('backprop-gradcheck', { detail: report }));
  }

  #setupPad() {
    const pad = this.#$('canvas.pad');
    const g = pad.getContext('2d');
    const clear = () => {
      g.fillStyle = '#000';
      g.fillRect(0, 0, pad.width, pad.height);
      this.#$('.bars').replaceChildren();
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
    const probs = await this.#trainer.predict(digit.pixels, 1);
    this.#$('.bars').replaceChildren(
      ...Array.from(probs).flatMap((p, d) => {
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

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
import { decodeMnistSubset } from '../core/mnist-subset.js';
import { loadMnist } from '../core/mnist.js';
import { presets } from '../core/presets.js';
import { mnistPreprocess } from '../core/preprocess.js';
import { ATTRIBUTES, settingsFromAttributes } from './embed-code.js';

const SUBSET_URL = new URL('../../dist/mnist-subset.bin', import.meta.url);
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

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
  }

  /** The settings read from the attributes, over the defaults (the preset's optimizer, lr, batch size). */
  get settings() {
    const s = { ...DEFAULTS, ...settingsFromAttributes((a) => this.getAttribute(a)) };
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
    const panels = new Set(s.panels);
    this.#root.innerHTML = `<style>${STYLE}</style>
      <header><b>Training ${s.preset ?? 'custom net'} on MNIST (${s.optimizer}, lr ${s.lr})</b>
        <button class="start" type="button">Train</button><span class="status">not started</span></header>
      <div class="panels">
        ${panels.has('train') ? '<section class="train"><h4>Training loss</h4><canvas class="curve" width="400" height="140"></canvas><div class="acc"></div></section>' : ''}
        ${panels.has('gradcheck') ? '<section class="gradcheck"><h4>Gradient check (float64)</h4><table><thead><tr><th>layer</th><th>param</th><th>max rel. error</th><th>n</th></tr></thead><tbody></tbody></table></section>' : ''}
        ${panels.has('draw') ? '<section class="draw"><h4>Draw a digit</h4><canvas class="pad" width="140" height="140"></canvas><div class="bars"></div><button class="clear" type="button">clear</button></section>' : ''}
      </div>`;
    this.#$('.start').addEventListener('click', () => (this.#state === 'training' || this.#state === 'loading' ? this.stop() : this.start()));
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

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.stop();
  }

  attributeChangedCallback(name, old, value) {
    if (old !== null && old !== value && this.#root.childElementCount) {
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
    if (!src) {
      const res = await fetch(SUBSET_URL);
      if (!res.ok) throw new Error(`backprop-demo: cannot load ${SUBSET_URL} (HTTP ${res.status})`);
      return decodeMnistSubset(await res.arrayBuffer());
    }
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
    await this.#release();
    const s = this.settings;
    this.#losses = [];
    this.#stopping = false;
    this.#setState('loading', 'loading…');
    this.#$('.start').textContent = 'Stop';
    try {
      const spec = this.#netSpec(s);
      const [t, data] = await Promise.all([trainer(spec, { worker: true }), this.#loadData(s.src)]);
      if (this.#stopping) return void t.dispose();
      this.#trainer = t;
      const trainCount = data.train.count;
      await t.setData('train', data.train.images.slice(), data.train.labels.slice(), t.inputShape, { classes: 10 });
      await t.setData('test', data.test.images.slice(), data.test.labels.slice(), t.inputShape, { classes: 10 });
      // The gradient check runs on two held-out images (float64 twin of the net, in the worker).
      const probe = { x: toFloats(data.test.images.subarray(0, 2 * 784)), y: Array.from(data.test.labels.subarray(0, 2)) };
      t.addEventListener('progress', (e) => this.#onProgress(e.detail));
      t.addEventListener('gradcheck', (e) => this.#onGradCheck(e.detail));
      this.#setState('training', `training on ${trainCount} images…`);
      const check = () => t.gradCheck(probe.x, probe.y, 2, { maxCoords: 20 }).catch(() => {});
      if (new Set(s.panels).has('gradcheck')) {
        await check();
        this.#timer = setInterval(check, 3000);
      }
      const result = await t.fit('train', { epochs: s.epochs, batchSize: s.batchSize, shuffle: true, seed: s.seed, chunk: 5, threads: s.threads ?? 1 });
      this.#threads = result.threads ?? 1;
      clearInterval(this.#timer);
      const { accuracy } = await t.evaluate('test');
      if (new Set(s.panels).has('gradcheck')) await check();
      this.#$('.acc') && (this.#$('.acc').textContent = `test accuracy ${(100 * accuracy).toFixed(1)}% on ${data.test.count} images`);
      this.#setState('done', `${result.stopped ? 'stopped' : 'done'}: loss ${result.loss?.toFixed(3)}, test accuracy ${(100 * accuracy).toFixed(1)}%`);
      this.#$('.start').textContent = 'Train again';
      this.dispatchEvent(new CustomEvent('backprop-done', { detail: { loss: result.loss, testAccuracy: accuracy } }));
      if (!this.#$('.draw')) await this.#release();
    } catch (e) {
      clearInterval(this.#timer);
      if (this.#stopping) return; // stop() ended it
      await this.#release();
      this.#setState('error', e.message);
      this.#$('.start').textContent = 'Retry';
      this.dispatchEvent(new CustomEvent('backprop-error', { detail: { message: e.message } }));
    }
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
    this.#setState('idle', 'stopped');
    const b = this.#$('.start');
    if (b) b.textContent = 'Train';
  }

  /** Threads the last training ran on (1 unless threads="2" and the page is cross-origin isolated). */
  get threads() {
    return this.#threads;
  }

  #onProgress(p) {
    this.#losses.push(p.loss);
    this.#threads = p.threads ?? 1;
    this.#$('.status').textContent = `step ${p.done}/${p.total}, loss ${p.loss.toFixed(3)}${this.#threads > 1 ? `, ${this.#threads} threads` : ''}`;
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
        for (const [cls, text] of [['', r.layer < 0 ? 'input' : r.layer], ['', r.name], ['err', r.maxRelError.toExponential(1)], ['', r.checked]]) {
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

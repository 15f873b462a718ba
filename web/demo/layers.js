// layers.js: the editable layer list. Each row: type, its options, the output shape the core
// computed. Edits call onChange(layers); the page validates with the worker and calls
// showShapes(info) or showError(message) (the core's own message, e.g. "layer 3 (dense): ...").
import { t } from '../learn/i18n.js';

// The options the page offers per type (the core validates them; these are only the inputs).
export const LAYER_OPTIONS = {
  conv2d: { filters: 4, kernel: 3, stride: 1, padding: 0 },
  dense: { units: 32 },
  flatten: {},
  maxpool2d: { size: 2 },
  avgpool2d: { size: 2 },
  globalavgpool: {},
  globalmaxpool: {},
  relu: {},
  leaky_relu: { slope: 0.01 },
  prelu: {},
  elu: { alpha: 1 },
  selu: {},
  sigmoid: {},
  tanh: {},
};

const shapeText = (s) => `[${s.join('×')}]`;
// A word of the page's language for a layer type or an option, with the spec's own identifier in
// it ("卷积 conv2d"); the identifier alone where the table has no entry.
const said = (key, fallback) => (t(key) === key ? fallback : t(key));
const typeName = (type) => said(`demo.layer.${type}`, type);
const optionName = (name) => said(`demo.option.${name}`, name);

export class LayerEditor {
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.layers = [];
    this.tbody = root.querySelector('tbody');
    this.msg = root.querySelector('.layer-msg');
    const add = (this.add = root.querySelector('.add-type'));
    for (const t of Object.keys(LAYER_OPTIONS)) add.append(new Option(typeName(t), t));
    root.querySelector('.add-layer').addEventListener('click', () => {
      const t = add.value;
      this.layers.splice(this.layers.length ? this.layers.length - 1 : 0, 0, { type: t, ...LAYER_OPTIONS[t] });
      this.render();
      this.onChange(this.layers);
    });
  }

  set(layers) {
    this.layers = structuredClone(layers);
    this.render();
  }

  render() {
    this.tbody.replaceChildren();
    this.layers.forEach((layer, i) => {
      const tr = document.createElement('tr');
      const num = document.createElement('td');
      num.textContent = String(i);
      const typeTd = document.createElement('td');
      const sel = document.createElement('select');
      sel.setAttribute('aria-label', t('demo.layerType', { i }));
      for (const t of Object.keys(LAYER_OPTIONS)) sel.append(new Option(typeName(t), t, false, t === layer.type));
      sel.addEventListener('change', () => {
        this.layers[i] = { type: sel.value, ...LAYER_OPTIONS[sel.value] };
        this.render();
        this.onChange(this.layers);
      });
      typeTd.append(sel);
      const opts = document.createElement('td');
      opts.className = 'layer-opts';
      for (const [k, v] of Object.entries(layer)) {
        if (k === 'type') continue;
        const label = document.createElement('label');
        const input = document.createElement('input');
        input.type = 'number';
        input.value = Array.isArray(v) ? v[0] : v;
        input.step = k === 'slope' || k === 'alpha' ? '0.01' : '1';
        input.dataset.key = k;
        input.addEventListener('change', () => {
          this.layers[i][k] = input.value === '' ? input.value : Number(input.value);
          this.onChange(this.layers);
        });
        label.append(`${optionName(k)} `, input);
        opts.append(label);
      }
      const shape = document.createElement('td');
      shape.className = 'layer-shape';
      const rm = document.createElement('td');
      const btn = document.createElement('button');
      btn.textContent = '×';
      btn.title = t('demo.removeLayer', { i });
      btn.className = 'remove-layer';
      btn.addEventListener('click', () => {
        this.layers.splice(i, 1);
        this.render();
        this.onChange(this.layers);
      });
      rm.append(btn);
      tr.append(num, typeTd, opts, shape, rm);
      this.tbody.append(tr);
    });
  }

  /** Writes the rows and the message again in the page's current language. */
  relabel() {
    for (const o of this.add.options) o.textContent = typeName(o.value);
    this.render();
    this.last?.();
  }

  showShapes(info, inputShape) {
    this.last = () => this.showShapes(info, inputShape);
    const cells = this.tbody.querySelectorAll('.layer-shape');
    info.layers.forEach((l, i) => { if (cells[i]) cells[i].textContent = shapeText(l.outputShape); });
    this.msg.className = 'layer-msg ok';
    this.msg.textContent = t('demo.shapes', { input: shapeText(inputShape), output: shapeText(info.layers.at(-1)?.outputShape ?? inputShape), params: info.paramCount.toLocaleString() });
  }

  showError(message) {
    this.last = () => this.showError(message);
    for (const c of this.tbody.querySelectorAll('.layer-shape')) c.textContent = '';
    const m = /^layer (\d+)/.exec(message);
    if (m) this.tbody.children[+m[1]]?.classList.add('bad');
    this.msg.className = 'layer-msg error';
    this.msg.textContent = t('demo.invalidStack', { message });
  }
}

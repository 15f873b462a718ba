// layers.js: the editable layer list. Each row: type, every option of that type (the spec's own
// names: cpp/layers/*.h), the output shape the core computed, and move up / move down / insert
// below / remove. Edits call onChange(layers); the page validates with the worker and calls
// showShapes(info) or showError(message) (the core's own message, e.g. "layer 3 (dense): ...").
import { t } from '../learn/i18n.js';

// Every option of every type: its default for a new layer, and what an empty field means
// (the core's default; null: the option is required). Pairs take "3" or "3x2" ([h,w]).
const PAIR = new Set(['kernel', 'stride', 'padding', 'size']);
export const LAYER_FIELDS = {
  conv2d: { filters: [4, null], kernel: [3, null], stride: [1, '1'], padding: [0, '0'] },
  dense: { units: [32, null] },
  flatten: {},
  maxpool2d: { size: [2, null], stride: [undefined, 'size'], padding: [0, '0'] },
  avgpool2d: { size: [2, null], stride: [undefined, 'size'], padding: [0, '0'] },
  globalavgpool: {},
  globalmaxpool: {},
  relu: {},
  leaky_relu: { slope: [0.01, '0.01'] },
  prelu: { channelwise: [false, 'false'] },
  elu: { alpha: [1, '1'] },
  selu: {},
  sigmoid: {},
  tanh: {},
};
/** A new layer of a type: its options at their defaults (those left out take the core's). */
export function newLayer(type) {
  const l = { type };
  for (const [k, [v]] of Object.entries(LAYER_FIELDS[type])) if (v !== undefined && v !== false) l[k] = v;
  return l;
}
// A field's text for a value, and the value for a text: numbers, or [h,w] written "hxw".
const fieldText = (v) => (v === undefined ? '' : Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : `${v[0]}x${v[1]}`) : String(v));
function fieldValue(key, text) {
  const m = PAIR.has(key) && /^\s*(\d+)\s*[x×,]\s*(\d+)\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : Number(text);
}

const shapeText = (s) => `[${s.join('×')}]`;
// A word of the page's language for a layer type or an option, with the spec's own identifier in
// it ("卷积 conv2d"); the identifier alone where the table has no entry.
const said = (key, fallback) => (t(key) === key ? fallback : t(key));
const typeName = (type) => said(`demo.layer.${type}`, type);
const optionName = (name) => said(`demo.option.${name}`, name);
const button = (text, cls, label, onClick) => {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.className = cls;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
};

export class LayerEditor {
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.layers = [];
    this.tbody = root.querySelector('tbody');
    this.msg = root.querySelector('.layer-msg');
    this.add = root.querySelector('.add-type');
    this.where = root.querySelector('.add-where');
    for (const type of Object.keys(LAYER_FIELDS)) this.add.append(new Option(typeName(type), type));
    this.where.addEventListener('change', () => (this.whereChosen = true));
    root.querySelector('.add-layer').addEventListener('click', () => this.insert(Number(this.where.value)));
  }

  /** Inserts a layer of the chosen type at index i (0: at the top; layers.length: at the end). */
  insert(i) {
    this.layers.splice(i, 0, newLayer(this.add.value));
    this.changed();
  }
  move(i, by) {
    const [l] = this.layers.splice(i, 1);
    this.layers.splice(i + by, 0, l);
    this.changed();
  }
  changed() {
    this.render();
    this.onChange(this.layers);
  }

  set(layers) {
    this.layers = structuredClone(layers);
    this.render();
  }

  render() {
    this.tbody.replaceChildren();
    const n = this.layers.length;
    this.layers.forEach((layer, i) => {
      const tr = document.createElement('tr');
      const num = document.createElement('td');
      num.textContent = String(i);
      const typeTd = document.createElement('td');
      const sel = document.createElement('select');
      sel.setAttribute('aria-label', t('demo.layerType', { i }));
      for (const type of Object.keys(LAYER_FIELDS)) sel.append(new Option(typeName(type), type, false, type === layer.type));
      if (!LAYER_FIELDS[layer.type]) sel.append(new Option(layer.type, layer.type, false, true));  // unknown: the core says so
      sel.addEventListener('change', () => {
        this.layers[i] = newLayer(sel.value);
        this.changed();
      });
      typeTd.append(sel);
      const opts = document.createElement('td');
      opts.className = 'layer-opts';
      // The type's options, then any other the layer has (the core refuses those by name).
      const fields = { ...LAYER_FIELDS[layer.type] };
      for (const k of Object.keys(layer)) if (k !== 'type' && !(k in fields)) fields[k] = [undefined, null];
      for (const [k, [, dflt]] of Object.entries(fields)) {
        const label = document.createElement('label');
        const input = document.createElement('input');
        input.dataset.key = k;
        if (typeof layer[k] === 'boolean' || dflt === 'false') {
          input.type = 'checkbox';
          input.checked = layer[k] === true;
          input.addEventListener('change', () => {
            if (input.checked) this.layers[i][k] = true;
            else delete this.layers[i][k];
            this.onChange(this.layers);
          });
        } else {
          const v = layer[k];
          input.type = PAIR.has(k) ? 'text' : 'number';  // a pair takes 3 or 3x2
          input.value = fieldText(v);
          input.step = k === 'slope' || k === 'alpha' ? '0.01' : '1';
          if (dflt !== null) input.placeholder = dflt === 'size' ? fieldText(layer.size) : dflt;
          input.addEventListener('change', () => {
            if (input.value.trim() === '') delete this.layers[i][k];  // the core's default, or its "is required"
            else this.layers[i][k] = fieldValue(k, input.value);
            this.onChange(this.layers);
          });
        }
        label.append(`${optionName(k)} `, input);
        opts.append(label);
      }
      const shape = document.createElement('td');
      shape.className = 'layer-shape';
      const tools = document.createElement('td');
      tools.className = 'layer-tools';
      const up = button('↑', 'move-up', t('demo.moveUp', { i }), () => this.move(i, -1));
      const down = button('↓', 'move-down', t('demo.moveDown', { i }), () => this.move(i, 1));
      up.disabled = i === 0;
      down.disabled = i === n - 1;
      tools.append(up, down,
        button('+', 'insert-below', t('demo.insertBelow', { i }), () => this.insert(i + 1)),
        button('×', 'remove-layer', t('demo.removeLayer', { i }), () => { this.layers.splice(i, 1); this.changed(); }));
      tr.append(num, typeTd, opts, shape, tools);
      this.tbody.append(tr);
    });
    // Where "add layer" puts the new one: at the top, below any layer; by default before the last
    // (the output layer), or where the reader last chose while the count allows.
    const keep = this.where.value === '' ? null : Number(this.where.value);
    this.where.replaceChildren(new Option(t('demo.addTop'), '0'));
    for (let i = 0; i < n; i++) this.where.append(new Option(i === n - 1 ? t('demo.addEnd') : t('demo.addBelow', { i }), String(i + 1)));
    this.where.value = String(keep !== null && keep <= n && this.whereChosen ? keep : Math.max(0, n - 1));
  }

  /** Writes the rows and the message again in the page's current language. */
  relabel() {
    for (const o of this.add.options) o.textContent = typeName(o.value);
    this.render();
    this.last?.();
  }

  showShapes(info, inputShape) {
    this.last = () => this.showShapes(info, inputShape);
    this.#shapes(info);
    this.msg.className = 'layer-msg ok';
    this.msg.textContent = t('demo.shapes', { input: shapeText(inputShape), output: shapeText(info.layers.at(-1)?.outputShape ?? inputShape), params: info.paramCount.toLocaleString() });
  }

  /** An invalid stack: the core's message, or the page's (row: the layer it is about; info: the shapes, when the core built it). */
  showError(message, { row, info } = {}) {
    this.last = () => this.showError(message, { row, info });
    this.#shapes(info);
    const m = /^layer (\d+)/.exec(message);
    this.tbody.children[row ?? (m ? +m[1] : -1)]?.classList.add('bad');
    this.msg.className = 'layer-msg error';
    this.msg.textContent = t('demo.invalidStack', { message });
  }

  #shapes(info) {
    const cells = this.tbody.querySelectorAll('.layer-shape');
    for (const [i, c] of cells.entries()) c.textContent = info?.layers[i] ? shapeText(info.layers[i].outputShape) : '';
    for (const tr of this.tbody.children) tr.classList.remove('bad');
  }
}

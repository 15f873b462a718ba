// embed-code.js: <backprop-demo> settings as attributes, as a URL hash (embed.html#...), and as the
// tag a blog author pastes. No DOM; the demo page's "copy embed code" button calls embedCode().
// Reading checks every choice (preset, panels, speed, ...) once, here: an unknown value throws a
// BackpropError that names it and lists the known ones, and the element shows that message.
import { BackpropError } from '../core/errors.js';
import { presets } from '../core/presets.js';
import { CHAPTERS, ORDER } from '../learn/example.js';
import { LANGS } from '../learn/i18n.js';

/** A lesson's size attributes (learn.html's hash names: in, out, n, cin, cout, c, h, w, k, s, p, size) and choices. */
export const LESSON_SIZES = ['in', 'out', 'n', 'cin', 'cout', 'c', 'h', 'w', 'k', 's', 'p', 'size'];
export const LESSON_CHOICES = ['loss', 'pool', 'act'];
// A lesson choice's values (the options of the chapter that offers it) and what a message calls it.
const choiceOptions = (name) => Object.values(CHAPTERS).find((c) => c.choice?.[0] === name).choice[1];
const CHOICE_WHAT = { loss: 'loss', pool: 'pool', act: 'activation' };

/** The panels an element can show, its speeds and colour themes, its optimizers. */
export const PANELS = ['train', 'gradcheck', 'draw'];
export const SPEEDS = ['watch', 'fast'];
export const THEMES = ['auto', 'light', 'dark'];
export const OPTIMIZERS = ['sgd', 'adagrad', 'rmsprop', 'adadelta', 'adam'];

/** Unset attributes: these (and the preset's optimizer, lr and batch size). */
export const DEFAULTS = Object.freeze({ preset: 'tiny-cnn', epochs: 1, seed: 1, panels: ['train', 'gradcheck'], start: 'visible', speed: 'watch', theme: 'auto' });

// A layer list as an attribute: "conv2d filters=8 kernel=3, relu, maxpool2d size=2, flatten, dense units=10"
// (each layer its type and key=value options, comma-separated). A JSON list is read too.
/** [{ type, ...options }] -> 'conv2d filters=8 kernel=3, relu, ...'. */
export function layersToText(layers) {
  return layers.map(({ type, ...o }) => [type, ...Object.entries(o).map(([k, v]) => `${k}=${v}`)].join(' ')).join(', ');
}

/** 'conv2d filters=8 kernel=3, relu, ...' (or a JSON list) -> [{ type, ...options }]. */
export function layersFromText(text) {
  if (/^\s*\[/.test(text)) return JSON.parse(text);
  return text.split(',').map((item) => item.trim()).filter(Boolean).map((item) => {
    const [type, ...options] = item.split(/\s+/);
    const layer = { type };
    for (const o of options) {
      const m = /^([A-Za-z_]\w*)=(\S+)$/.exec(o);
      if (!m) throw new Error(`"${o}" in "${item}" is not key=value`);
      layer[m[1]] = Number.isFinite(Number(m[2])) ? Number(m[2]) : m[2];
    }
    return layer;
  });
}

const toNumber = (s) => {
  const v = Number(s);
  if (!Number.isFinite(v)) throw new Error('not a number');
  return v;
};
const toList = (s) => s.split(',').map((p) => p.trim()).filter(Boolean);

// Attribute name <-> settings key, how the value is read/written, and the values it may take
// ({ what, known }: a function of nothing, so that presets are looked up when read).
const FIELDS = [
  ['preset', 'preset', String, String, { what: 'preset', known: () => Object.keys(presets) }],
  ['layers', 'layers', layersFromText, layersToText],
  ['optimizer', 'optimizer', String, String, { what: 'optimizer', known: () => OPTIMIZERS }],
  ['lr', 'lr', toNumber],
  ['batch-size', 'batchSize', toNumber],
  ['epochs', 'epochs', toNumber],
  ['seed', 'seed', toNumber],
  ['panels', 'panels', toList, (a) => a.join(','), { what: 'panel', known: () => PANELS }],
  ['start', 'start', String, String, { what: 'start', known: () => ['visible', 'click'] }],
  ['speed', 'speed', String, String, { what: 'speed', known: () => SPEEDS }],  // watch: paced so an epoch takes seconds; fast: full speed
  ['theme', 'theme', String, String, { what: 'theme', known: () => THEMES }],  // auto follows prefers-color-scheme
  ['src', 'src', String],
  ['threads', 'threads', toNumber],  // opt-in: 2 trains data-parallel where the page is cross-origin isolated
  ['pace', 'pace', toNumber],        // samples per second (0: full speed), over speed's
  ['lang', 'lang', String, String, { what: 'language', known: () => LANGS }],  // unset: the reader's browser language
  // a lesson instead of training: one chapter of learn.html (web/learn/lesson.js), its sizes and bug
  ['lesson', 'lesson', String, String, { what: 'lesson', known: () => ORDER }],
  ['break', 'bug', String],
  ...LESSON_SIZES.map((name) => [name, name, toNumber]),
  ...LESSON_CHOICES.map((name) => [name, name, String, String, { what: CHOICE_WHAT[name], known: () => choiceOptions(name) }]),
];

/** Attribute names a <backprop-demo> reads. */
export const ATTRIBUTES = FIELDS.map(([attr]) => attr);

/** settings -> [[attribute, string value]] for the fields that are set. */
export function settingsToAttributes(settings = {}) {
  const out = [];
  for (const [attr, key, , write = String] of FIELDS) if (settings[key] !== undefined && settings[key] !== null) out.push([attr, write(settings[key])]);
  return out;
}

/**
 * get(attribute) -> string | null  ->  settings. A value that does not read (bad JSON in `layers`,
 * lr="fast") or is not one of the known ones (panels="train,gradchek") throws a BackpropError naming it.
 */
export function settingsFromAttributes(get) {
  const out = {};
  for (const [attr, key, read, , choices] of FIELDS) {
    const v = get(attr);
    if (v === null || v === undefined || v === '') continue;
    try {
      out[key] = read(v);
    } catch (e) {
      throw new BackpropError(`backprop-demo: attribute ${attr}="${v}" is not valid (${e.message})`);
    }
    if (!choices) continue;
    const known = choices.known();
    for (const x of [out[key]].flat())
      if (!known.includes(x)) throw new BackpropError(`backprop-demo: unknown ${choices.what} "${x}" (known: ${known.join(', ')})`);
  }
  return out;
}

/** settings -> 'preset=mnist-cnn&epochs=3&...' (the part after # in embed.html#...). */
export function settingsToHash(settings) {
  return new URLSearchParams(settingsToAttributes(settings)).toString();
}

/** '#preset=...&lr=...' -> settings. */
export function settingsFromHash(hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  return settingsFromAttributes((name) => params.get(name));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The fewest attributes that give these settings: a layer list that is a preset's becomes its
 * name, and what the element would use anyway (the preset's optimizer, lr and batch size, the
 * defaults) is left out.
 */
export function shortSettings(settings = {}) {
  const s = { ...settings };
  if (s.lesson) return s;
  if (s.layers) {
    const name = Object.keys(presets).find((n) => same(presets[n].spec.layers, s.layers));
    if (name && (s.preset === undefined || s.preset === name)) {
      s.preset = name;
      delete s.layers;
    }
  }
  const p = presets[s.preset ?? DEFAULTS.preset];
  if (p) {
    const sameType = s.optimizer === undefined || s.optimizer === p.spec.optimizer.type;
    if (sameType && (s.lr === undefined || s.lr === p.spec.optimizer.lr)) delete s.lr;
    if (sameType) delete s.optimizer;
    if (s.batchSize === p.fit.batchSize) delete s.batchSize;
  }
  for (const [k, v] of Object.entries(DEFAULTS)) if (k !== 'preset' && same(s[k], v)) delete s[k];
  if (s.layers && s.preset === DEFAULTS.preset) delete s.preset;
  return s;
}

const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Where embed code expects the package by default: a copy the author's site serves beside the post. */
export const EMBED_BASE = './backprop-wasm/';

/**
 * The HTML a blog author pastes for settings: the script tag and a <backprop-demo> with the fewest
 * attributes (shortSettings). base: where the author's site
 * serves the package (the folder holding dist/ and web/; a copy of the installed package), relative
 * to the post or a full URL. iframe: true gives an <iframe src=".../web/embed/embed.html#..."> for
 * platforms that strip scripts.
 */
export function embedCode(settings = {}, { base = EMBED_BASE, iframe = false } = {}) {
  const root = base.replace(/\/$/, '');
  const short = shortSettings(settings);
  if (iframe) {
    const [height, title] = settings.lesson ? [900, 'backprop-wasm lesson'] : [560, 'backprop-wasm demo'];
    return `<iframe src="${escapeAttr(`${root}/web/embed/embed.html#${settingsToHash(short)}`)}" width="720" height="${height}" style="border:0" loading="lazy" title="${title}"></iframe>`;
  }
  const attrs = settingsToAttributes(short).map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  return `<script type="module" src="${escapeAttr(`${root}/dist/element.js`)}"></script>\n<backprop-demo${attrs}></backprop-demo>`;
}

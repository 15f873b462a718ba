// embed-code.js: <backprop-demo> settings as attributes, as a URL hash (embed.html#...), and as the
// tag a blog author pastes. No DOM; the demo page's "copy embed code" button calls embedCode().

/** A lesson's size attributes (learn.html's hash names: in, out, n, cin, cout, c, h, w, k, s, p, size) and choices. */
export const LESSON_SIZES = ['in', 'out', 'n', 'cin', 'cout', 'c', 'h', 'w', 'k', 's', 'p', 'size'];
export const LESSON_CHOICES = ['loss', 'pool', 'act'];

// Attribute name <-> settings key, and how the value is written/read.
const FIELDS = [
  ['preset', 'preset', String],
  ['layers', 'layers', JSON.parse, JSON.stringify],
  ['optimizer', 'optimizer', String],
  ['lr', 'lr', Number],
  ['batch-size', 'batchSize', Number],
  ['epochs', 'epochs', Number],
  ['seed', 'seed', Number],
  ['panels', 'panels', (s) => s.split(',').map((p) => p.trim()).filter(Boolean), (a) => a.join(',')],
  ['start', 'start', String],
  ['src', 'src', String],
  ['threads', 'threads', Number],  // opt-in: 2 trains data-parallel where the page is cross-origin isolated
  ['pace', 'pace', Number],        // samples per second (0 or unset: full speed), to watch training happen
  ['lang', 'lang', String],        // 'en' | 'zh'; unset: the reader's browser language
  // a lesson instead of training: one chapter of learn.html (web/learn/lesson.js), its sizes and bug
  ['lesson', 'lesson', String],
  ['break', 'bug', String],
  ...LESSON_SIZES.map((name) => [name, name, Number]),
  ...LESSON_CHOICES.map((name) => [name, name, String]),
];

/** Attribute names a <backprop-demo> reads. */
export const ATTRIBUTES = FIELDS.map(([attr]) => attr);

/** settings -> [[attribute, string value]] for the fields that are set. */
export function settingsToAttributes(settings = {}) {
  const out = [];
  for (const [attr, key, , write = String] of FIELDS) if (settings[key] !== undefined && settings[key] !== null) out.push([attr, write(settings[key])]);
  return out;
}

/** get(attribute) -> string | null  ->  settings (bad JSON in `layers` throws SyntaxError naming it). */
export function settingsFromAttributes(get) {
  const out = {};
  for (const [attr, key, read] of FIELDS) {
    const v = get(attr);
    if (v === null || v === undefined || v === '') continue;
    try {
      out[key] = read(v);
    } catch (e) {
      throw new SyntaxError(`backprop-demo: attribute ${attr}="${v}" is not valid (${e.message})`);
    }
  }
  return out;
}

/** settings -> 'preset=mnist-cnn&lr=0.001&...' (the part after # in embed.html#...). */
export function settingsToHash(settings) {
  return new URLSearchParams(settingsToAttributes(settings)).toString();
}

/** '#preset=...&lr=...' -> settings. */
export function settingsFromHash(hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  return settingsFromAttributes((name) => params.get(name));
}

const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Where embed code expects the package by default: a copy the author's site serves beside the post. */
export const EMBED_BASE = './backprop-wasm/';

/**
 * The HTML a blog author pastes for settings. base: where the author's site serves the package
 * (the folder holding dist/ and web/; a copy of the installed package), relative to the post or a
 * full URL. iframe: true gives an <iframe src=".../web/embed/embed.html#..."> for platforms that
 * strip scripts.
 */
export function embedCode(settings = {}, { base = EMBED_BASE, iframe = false } = {}) {
  const root = base.replace(/\/$/, '');
  if (iframe && settings.lesson)
    return `<iframe src="${escapeAttr(`${root}/web/embed/embed.html#${settingsToHash(settings)}`)}" width="720" height="900" style="border:0" loading="lazy" title="backprop-wasm lesson"></iframe>`;
  if (iframe)
    return `<iframe src="${escapeAttr(`${root}/web/embed/embed.html#${settingsToHash(settings)}`)}" width="720" height="520" style="border:0" loading="lazy" title="backprop-wasm demo"></iframe>`;
  const attrs = settingsToAttributes(settings).map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  return `<script type="module" src="${escapeAttr(`${root}/dist/element.js`)}"></script>\n<backprop-demo${attrs}></backprop-demo>`;
}

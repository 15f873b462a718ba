// i18n.js: every word of the learn page goes through t(key, params). The language comes from
// `&lang=` in the hash, else navigator.language (zh* -> zh, else en). One flat message table per
// language (messages/<lang>.js) and the chapters' text (content/<lang>.js); a missing key shows
// the key itself.
export const LANGS = ['en', 'zh'];

// The message and content tables are written on another branch. Until they land the page loads
// placeholder.js (a few words per key); set TABLES_LANDED to true when messages/ and content/ exist.
const TABLES_LANDED = false;

let lang = 'en', messages = {}, content = {};

/** The language the page should show: the hash's lang, else the browser's. */
export function pickLang(hashLang, navigatorLang = globalThis.navigator?.language ?? 'en') {
  if (LANGS.includes(hashLang)) return hashLang;
  return /^zh/i.test(navigatorLang) ? 'zh' : 'en';
}

// withContent false: the messages only (the demo page and the training embed show no chapter text).
async function tables(l, withContent = true) {
  const m = import(`./messages/${l}.js`).then((x) => x.default ?? x.messages);
  if (!TABLES_LANDED) {
    const p = await import('./placeholder.js');
    return { messages: { ...(await m), ...p.messages[l] }, content: p.content[l] };
  }
  const [mm, c] = await Promise.all([m, withContent ? import(`./content/${l}.js`) : null]);
  return { messages: mm, content: c ? c.default ?? c.content : {} };
}

/** Loads the tables of a language and makes it current. { content: false }: the messages only. */
export async function setLang(l, { content: withContent = true } = {}) {
  const next = LANGS.includes(l) ? l : 'en';
  const tb = await tables(next, withContent);
  lang = next;
  messages = tb.messages ?? {};
  content = tb.content ?? {};
  return lang;
}
export const getLang = () => lang;

/** The message of a key with {name} placeholders filled; the key itself when the table lacks it. */
export function t(key, params = {}) {
  return fill(messages, key, params);
}

/** Fills {name} placeholders; a {word} without a param stays as it is (TeX like \mathrm{rot}). */
export function format(s, params = {}) {
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
}

/**
 * { lang, t(key, params), chapterText(id) } over given tables, whatever the page's language: for
 * several <backprop-demo> elements in different languages on one page (each keeps its own).
 */
export function translatorOf(lang, { messages: m = {}, content: c = {} } = {}) {
  return {
    lang,
    t: (key, params) => (m[key] === undefined ? key : format(m[key], params)),
    chapterText: (id) => c[id] ?? {},
  };
}

function fill(table, key, params) {
  return table[key] === undefined ? key : format(table[key], params);
}

/** A chapter's text: { title, intro, equations: [latex], bugs: { name: why } } (missing parts absent). */
export function chapterText(id) {
  return content[id] ?? {};
}

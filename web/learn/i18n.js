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

async function tables(l) {
  if (!TABLES_LANDED) {
    const p = await import('./placeholder.js');
    return { messages: p.messages[l], content: p.content[l] };
  }
  const [m, c] = await Promise.all([import(`./messages/${l}.js`), import(`./content/${l}.js`)]);
  return { messages: m.default ?? m.messages, content: c.default ?? c.content };
}

/** Loads the tables of a language and makes it current. */
export async function setLang(l) {
  const next = LANGS.includes(l) ? l : 'en';
  const tb = await tables(next);
  lang = next;
  messages = tb.messages ?? {};
  content = tb.content ?? {};
  return lang;
}
export const getLang = () => lang;

/** The message of a key with {name} placeholders filled; the key itself when the table lacks it. */
export function t(key, params = {}) {
  const s = messages[key];
  if (s === undefined) return key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
}

/** A chapter's text: { title, intro, equations: [latex], bugs: { name: why } } (missing parts absent). */
export function chapterText(id) {
  return content[id] ?? {};
}

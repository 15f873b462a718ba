// i18n.js: every word of the learn page goes through t(key, params). The language comes from
// `&lang=` in the hash, else navigator.language (zh* -> zh, else en). One flat message table per
// language (messages/<lang>.js) and the chapters' text (content/<lang>.js); a missing key shows
// the key itself. Several lessons on one page may speak different languages: translator(lang)
// gives a t() of its own; the page's current language (setLang/getLang/t) is one of them.
export const LANGS = ['en', 'zh'];

const loaded = new Map();  // lang -> Promise<{ messages, content }>

/** The language the page should show: the hash's lang, else the browser's. */
export function pickLang(hashLang, navigatorLang = globalThis.navigator?.language ?? 'en') {
  if (LANGS.includes(hashLang)) return hashLang;
  return /^zh/i.test(navigatorLang) ? 'zh' : 'en';
}

/** Loads (once) the message and content tables of a language. */
export function loadTables(l) {
  const lang = LANGS.includes(l) ? l : 'en';
  if (!loaded.has(lang)) {
    const p = lang === 'zh'
      ? Promise.all([import('./messages/zh.js'), import('./content/zh.js')])
      : Promise.all([import('./messages/en.js'), import('./content/en.js')]);
    loaded.set(lang, p.then(([m, c]) => ({ messages: m.default, content: c.default })));
  }
  return loaded.get(lang);
}

/** Fills {name} placeholders; a {word} without a param stays as it is (TeX like \mathrm{rot}). */
export function format(s, params = {}) {
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
}

/** { lang, t(key, params), chapterText(id) } over loaded tables. */
export function translatorOf(lang, { messages = {}, content = {} } = {}) {
  return {
    lang,
    t: (key, params) => (messages[key] === undefined ? key : format(messages[key], params)),
    chapterText: (id) => content[id] ?? {},
  };
}

/** A translator for a language, its tables loaded. */
export async function translator(l) {
  const lang = LANGS.includes(l) ? l : 'en';
  return translatorOf(lang, await loadTables(lang));
}

let current = translatorOf('en');

/** Loads the tables of a language and makes it the page's current one. */
export async function setLang(l) {
  current = await translator(l);
  return current.lang;
}
export const getLang = () => current.lang;
/** The message of a key in the current language. */
export const t = (key, params) => current.t(key, params);
/** A chapter's text in the current language: { title, summary, sections, bugs, notes } (missing parts absent). */
export const chapterText = (id) => current.chapterText(id);

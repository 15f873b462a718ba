// main.js: the learn page (learn.html): header, chapter navigation, language switch and the URL
// hash around one mounted lesson (lesson.js). The whole state lives in the hash:
//   learn.html#conv-multichannel&lang=zh&cin=2&cout=2&h=5&w=5&k=3&seed=1&bug=conv-no-rotate
import { chapterText, getLang, pickLang, setLang, t } from './i18n.js';
import { ORDER } from './example.js';
import { loadCore, mountLesson } from './lesson.js';
import { termsOf, valuesOf } from './terms.js';

const $ = (sel) => document.querySelector(sel);
const h = (tag, props = {}, ...kids) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...kids);
  return el;
};

let lesson = null, shown = { chapter: null, lang: null };
const idle = { ready: false };
// For the tests and the curious: the lesson on screen.
window.learn = {
  get state() {
    return lesson?.state ?? idle;
  },
  get lesson() {
    return lesson;
  },
  mountLesson,
  termsOf,
  valuesOf,
  gridOf(tensor) {
    const alias = { dOutput: 'loss.dInput', 'loss.input': 'output' }[tensor] ?? tensor;
    const grids = lesson?.state.grids ?? {};
    return grids[alias] ? alias : { 'step.inputPadded': 'input', 'step.dInputPadded': 'dInput' }[alias] ?? alias;
  },
};

// ---- the hash ----
function parseHash() {
  const parts = location.hash.replace(/^#/, '').split('&').filter(Boolean);
  let chapter = ORDER[0];
  const raw = {};
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) chapter = decodeURIComponent(p);
    else raw[decodeURIComponent(p.slice(0, eq))] = decodeURIComponent(p.slice(eq + 1));
  }
  if (!ORDER.includes(chapter)) chapter = ORDER[0];
  return { chapter, raw };
}
function hashOf(chapter, lang, raw = null) {
  const parts = [chapter, `lang=${lang}`];
  for (const [k, v] of Object.entries(raw ?? {})) if (k !== 'lang' && v !== '' && !(k === 'bug' && v === 'none')) parts.push(`${k}=${encodeURIComponent(v)}`);
  return '#' + parts.join('&');
}

// ---- the page around the lesson ----
function renderChrome(chapter) {
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
  document.title = `backprop-wasm: ${t('page.title')}`;
  $('#site-title').textContent = t('page.title');
  $('#lede').textContent = t('page.subtitle');
  $('#demo-link').textContent = `← ${t('nav.backToDemo')}`;
  $('#lang-label span').textContent = t('lang.label');
  $('#lang').value = getLang();
  $('#nav-title').textContent = t('nav.chapters');
  const ol = $('#chapters ol');
  ol.textContent = '';
  for (const id of ORDER) {
    const a = h('a', { href: hashOf(id, getLang()), textContent: t(`chapter.${id}`) });
    a.title = chapterText(id).title ?? '';
    if (id === chapter) a.setAttribute('aria-current', 'page');
    ol.append(h('li', {}, a));
  }
  const i = ORDER.indexOf(chapter), pager = $('#pager');
  pager.textContent = '';
  if (i > 0) pager.append(h('a', { href: hashOf(ORDER[i - 1], getLang()), rel: 'prev', textContent: `← ${t('nav.prev', { title: t(`chapter.${ORDER[i - 1]}`) })}` }));
  pager.append(h('span', { className: 'note', textContent: t('nav.chapterOf', { n: i + 1, total: ORDER.length }) }));
  if (i < ORDER.length - 1) pager.append(h('a', { href: hashOf(ORDER[i + 1], getLang()), rel: 'next', textContent: `${t('nav.next', { title: t(`chapter.${ORDER[i + 1]}`) })} →` }));
}

// The demo's record (web/demo/handoff.js) for this chapter, or undefined: the network chapter's
// under 'backprop-network-handoff' (the whole net and a digit), a layer's chapter's under
// 'backprop-lesson-handoff'.
function handoff(chapter) {
  try {
    if (chapter === 'network') return JSON.parse(sessionStorage.getItem('backprop-network-handoff') ?? 'null') ?? undefined;
    const rec = JSON.parse(sessionStorage.getItem('backprop-lesson-handoff') ?? 'null');
    return rec?.chapter === chapter ? rec : undefined;
  } catch {
    return undefined;
  }
}

// ---- routing ----
async function route() {
  const { chapter, raw } = parseHash();
  const lang = pickLang(raw.lang);
  if (lang !== getLang() || !shown.lang) await setLang(lang);
  if (!raw.lang) history.replaceState(null, '', hashOf(chapter, lang, raw));
  const params = { ...raw };
  delete params.lang;
  // learn.html#<chapter>&from=demo: the numbers the demo's gradient-check row handed over
  if (params.from === 'demo') params.given = handoff(chapter);
  delete params.from;
  if (lesson && shown.chapter === chapter && shown.lang === lang) {
    await lesson.update(params);
    return;
  }
  renderChrome(chapter);
  lesson?.destroy();
  shown = { chapter, lang };
  const main = $('#chapter');
  main.textContent = '';
  lesson = mountLesson(main, {
    chapter, lang, params,
    onChange: (next) => history.replaceState(null, '', hashOf(chapter, lang, next)),
  });
  await lesson.drawn;
}

async function start() {
  const status = $('#status');
  try {
    loadCore();  // the core and the language's tables load side by side
    await setLang(pickLang(parseHash().raw.lang));
    status.textContent = t('page.loading');
    $('#lang').addEventListener('change', (e) => {
      const { chapter, raw } = parseHash();
      location.hash = hashOf(chapter, e.target.value, raw);
    });
    window.addEventListener('hashchange', () => route().catch(fail));
    await route();
    performance.mark('drawn');  // page start -> first chapter drawn (the load-time test reads it)
    await lesson.ready;
  } catch (e) {
    fail(e);
  }
}
function fail(e) {
  const main = $('#chapter');
  const status = main.querySelector('.page-error') ?? main.appendChild(h('p', { className: 'page-error', role: 'alert' }));
  status.textContent = t('error.load', { message: e.message });
  console.error(e);
}

start();

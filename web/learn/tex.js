// tex.js: typesets the chapters' LaTeX with KaTeX (an npm dependency; learn.html maps the bare
// name 'katex' to node_modules/katex/dist/katex.mjs and links katex.min.css). KaTeX loads lazily:
// math is first written as its TeX source (class tex-pending) so that the grids paint at once,
// then typeset() swaps every pending element for KaTeX's output.
let katex = null, loading = null;
const pending = new Set();
const OPTIONS = { throwOnError: false, output: 'htmlAndMathml' };

// Where KaTeX is when no import map names it (a blog post that loads the element): beside web/
// in this repository, or beside the package in a node_modules folder.
const KATEX_URLS = ['../../node_modules/katex/dist/katex.mjs', '../../../katex/dist/katex.mjs'].map((p) => new URL(p, import.meta.url).href);

/** Starts loading KaTeX (once); resolves when it is there. */
export function loadKatex() {
  loading ??= KATEX_URLS.reduce((p, url) => p.catch(() => import(/* @vite-ignore */ url)), import('katex')).then((m) => {
    katex = m.default ?? m;
  });
  return loading;
}

function render(el) {
  katex.render(el.dataset.tex, el, { ...OPTIONS, displayMode: el.dataset.display === '1' });
  el.classList.remove('tex-pending');
}

/** A math element: a <div> in display mode, else a <span>; typeset now if KaTeX is loaded. */
export function mathEl(tex, display = false) {
  const el = document.createElement(display ? 'div' : 'span');
  el.className = display ? 'eq tex-pending' : 'tex-pending';
  el.dataset.tex = tex;
  if (display) el.dataset.display = '1';
  el.textContent = tex;
  if (katex) render(el);
  else pending.add(el);
  return el;
}

/** Renders one display equation into el. */
export function renderDisplay(el, tex) {
  el.textContent = '';
  el.append(mathEl(tex, true));
}

/** Fills el with text in which $...$ is inline math and $$...$$ display math; the rest stays text. */
export function renderText(el, text) {
  el.textContent = '';
  for (const part of String(text).split(/(\$\$[^$]+\$\$|\$[^$]+\$)/)) {
    if (!part) continue;
    if (part.startsWith('$$')) el.append(mathEl(part.slice(2, -2), true));
    else if (part.startsWith('$')) el.append(mathEl(part.slice(1, -1)));
    else el.append(part);
  }
  return el;
}

/** Paragraphs ('\n\n' between them) as <p> elements with inline math. */
export function paragraphs(text) {
  return String(text).split(/\n\n+/).filter(Boolean).map((p) => renderText(document.createElement('p'), p));
}

/** Typesets every pending math element (loading KaTeX first if needed). */
export async function typeset() {
  await loadKatex();
  for (const el of pending) render(el);
  pending.clear();
}

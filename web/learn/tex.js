// tex.js: typesets the chapters' LaTeX with KaTeX (an npm dependency; learn.html maps the bare
// name 'katex' to node_modules/katex/dist/katex.mjs and links katex.min.css).
import katex from 'katex';

/** Renders one display equation into el. */
export function renderDisplay(el, tex) {
  katex.render(tex, el, { displayMode: true, throwOnError: false, output: 'htmlAndMathml' });
}

/** Fills el with text in which $...$ is inline math and $$...$$ display math; the rest stays text. */
export function renderText(el, text) {
  el.textContent = '';
  for (const part of String(text).split(/(\$\$[^$]+\$\$|\$[^$]+\$)/)) {
    if (!part) continue;
    if (part.startsWith('$$')) {
      const d = document.createElement('div');
      renderDisplay(d, part.slice(2, -2));
      el.append(d);
    } else if (part.startsWith('$')) {
      const s = document.createElement('span');
      katex.render(part.slice(1, -1), s, { throwOnError: false, output: 'htmlAndMathml' });
      el.append(s);
    } else el.append(part);
  }
}

/** A KaTeX string for inline use in innerHTML. */
export function texHTML(tex) {
  return katex.renderToString(tex, { throwOnError: false, output: 'htmlAndMathml' });
}

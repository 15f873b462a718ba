// grid.js: a tensor drawn as grids of numbers, one small table per plane (sample × channel, or
// filter × channel for weights). Cells are focusable with one roving tab stop per tensor (arrow
// keys move, Home/End jump, Enter re-announces); focusing or clicking a cell calls onActivate(i).
// highlight(indices, role) marks cells; setChecks(checks) puts each result cell's check mark.
import { errorBand } from '../core/checks.js';

/** 4 significant digits, the minus sign typeset; '0' for zero. */
export function fmt(v) {
  if (v === 0 || Object.is(v, -0)) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(2).replace(/\.?0+e/, 'e');
  return s.replace('-', '−');
}
/** The full value, for titles and screen readers. */
export const full = (v) => String(v).replace('-', '−');

/** Per-entry check: the band of the demo's table for one entry (see learn-spec.md). */
export function checkOf(analytic, numeric, kink) {
  const absErr = Math.abs(analytic - numeric);
  const scale = Math.max(Math.abs(analytic), Math.abs(numeric));
  const rel = scale === 0 ? 0 : absErr / scale;
  const passed = absErr <= 1e-5 + 1e-3 * Math.abs(numeric);
  const band = errorBand({ checked: kink ? 0 : 1, passed, maxRelError: rel });
  return { analytic, numeric, rel, passed, kink: !!kink, band };
}

// How the planes of a shape are laid out: [rows, cols] per plane and a label for each plane.
function layout(shape, kind) {
  if (shape.length <= 1) return { planes: 1, rows: 1, cols: shape[0] ?? 1, label: () => '' };
  if (shape.length === 2) return { planes: 1, rows: shape[0], cols: shape[1], label: () => '' };
  const rows = shape[shape.length - 2], cols = shape[shape.length - 1];
  const lead = shape.slice(0, -2), planes = lead.reduce((a, b) => a * b, 1);
  const label = (pi) => {
    const idx = [];
    let r = pi;
    for (let d = lead.length - 1; d >= 0; d--) (idx[d] = r % lead[d]), (r = Math.floor(r / lead[d]));
    const names = kind === 'weight' ? ['o', 'c'] : lead.length === 1 ? ['c'] : ['n', 'c'];
    return idx.map((v, d) => `${names[d] ?? 'i'}=${v}`).join(', ');
  };
  return { planes, rows, cols, label };
}

/**
 * createGrid({ id, title (node or text), shape, values, kind ('weight' | 'data'), entryName(i) ->
 * text, onActivate(i) }) -> { el, highlight(indices, role), clear(), setChecks(checks), focus(i) }
 */
export function createGrid({ id, title, shape, values, kind = 'data', entryName = (i) => `[${i}]`, onActivate = null }) {
  const el = document.createElement('figure');
  el.className = 'tensor' + (onActivate ? ' result' : '');
  el.dataset.tensor = id;
  const cap = document.createElement('figcaption');
  cap.append(title);
  const dims = document.createElement('span');
  dims.className = 'dims';
  dims.textContent = ` [${shape.join('×')}]`;
  cap.append(dims);
  const { planes, rows, cols, label } = layout(shape, kind);
  const wrap = document.createElement('div');
  wrap.className = 'planes';
  // A grid wider than the screen scrolls in this box: without entries to focus, the box itself
  // takes the focus, so the keyboard scrolls it too.
  if (!onActivate) {
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'group');
    wrap.setAttribute('aria-label', cap.textContent);
  }
  const cells = [];
  for (let pi = 0; pi < planes; pi++) {
    const table = document.createElement('table');
    table.className = 'plane';
    const name = label(pi);
    if (name) {
      const c = document.createElement('caption');
      c.textContent = name;
      table.append(c);
    }
    const body = document.createElement('tbody');
    for (let r = 0; r < rows; r++) {
      const tr = document.createElement('tr');
      for (let c = 0; c < cols; c++) {
        const i = (pi * rows + r) * cols + c;
        const td = document.createElement('td');
        td.dataset.i = i;
        const v = values[i];
        td.textContent = fmt(v);
        td.title = `${entryName(i)} = ${full(v)}`;
        td.setAttribute('aria-label', td.title);
        if (onActivate) td.tabIndex = i === 0 ? 0 : -1;
        cells[i] = td;
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    wrap.append(table);
  }
  el.append(cap, wrap);

  if (onActivate) {
    let current = 0;
    const move = (to) => {
      if (to < 0 || to >= cells.length) return;
      cells[current].tabIndex = -1;
      current = to;
      cells[current].tabIndex = 0;
      cells[current].focus();
    };
    wrap.addEventListener('focusin', (e) => {
      const i = Number(e.target.dataset?.i);
      if (!Number.isInteger(i)) return;
      if (i !== current) (cells[current].tabIndex = -1), (current = i), (cells[i].tabIndex = 0);
      onActivate(i);
    });
    wrap.addEventListener('click', (e) => {
      const td = e.target.closest('td');
      if (td) td.focus();
    });
    wrap.addEventListener('keydown', (e) => {
      const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, Home: -current, End: cells.length - 1 - current };
      if (e.key in moves) {
        e.preventDefault();
        move(current + moves[e.key]);
      } else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onActivate(current);
      }
    });
  }

  return {
    el,
    cells,
    highlight(indices, role) {
      for (const i of indices) cells[i]?.classList.add(role);
    },
    clear() {
      for (const td of cells) td.classList.remove('role-a', 'role-b', 'role-target');
    },
    /** checks[i] = checkOf(...) or null: the coloured mark and the words beside the value. */
    setChecks(checks) {
      checks.forEach((ck, i) => {
        const td = cells[i];
        if (!ck || !td) return;
        td.classList.add(`band-${ck.band}`);
        const mark = document.createElement('i');
        mark.className = 'mark';
        mark.setAttribute('aria-hidden', 'true');
        td.append(mark);
        const words = ck.kink ? `numerical ${full(ck.numeric)} (kink)` : `numerical ${full(ck.numeric)}, rel. error ${ck.rel.toExponential(1)}, ${ck.band}`;
        td.title += `; ${words}`;
        td.setAttribute('aria-label', td.title);
      });
    },
    focus(i) {
      cells[i]?.focus();
    },
  };
}

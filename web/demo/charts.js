// charts.js: the few canvas drawings the demo needs (no chart library): line charts,
// grey-scale images, a heat map. DOM only; every function redraws a whole canvas.

// CSS box sizes, cached by a ResizeObserver: reading clientWidth in a task that just changed
// the DOM forces a synchronous layout of the whole page (a long main-thread task); the
// observer hands over sizes after layouts the browser does anyway. The first read of an
// element measures it once.
const sizes = new WeakMap();
const observer = new ResizeObserver((entries) => {
  for (const e of entries) sizes.set(e.target, { w: e.contentRect.width, h: e.contentRect.height });
});
export function sizeOf(el) {
  let s = sizes.get(el);
  if (!s) {
    s = { w: el.clientWidth, h: el.clientHeight };
    sizes.set(el, s);
    observer.observe(el);
  }
  return s;
}

/** The canvases' colours: the page's --bp-* custom properties (web/demo/demo.css), which follow the colour scheme. */
export function palette(el = document.documentElement) {
  const css = getComputedStyle(el), c = {};
  for (const k of ['fg', 'muted', 'border', 'accent', 'good', 'fine', 'bad']) c[k] = css.getPropertyValue(`--bp-${k}`).trim();
  return c;
}

// Sizes the backing store to the CSS box × devicePixelRatio; returns the 2-D context in CSS px.
function fit(canvas, cssW, cssH) {
  const box = cssW === undefined ? sizeOf(canvas) : { w: cssW, h: cssH };
  const dpr = window.devicePixelRatio || 1, w = box.w || canvas.width, h = box.h || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

const fmt = (v) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 1e4 ? 0 : 1)}k` : Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(0) : +v.toFixed(2) + '');

/**
 * series: [{ label, color, points: [[x, y], ...], dots? }]; opts: { yMin, yMax, log, xLabel, guides: [{y, color, label}] }.
 * Points are thinned to the canvas width, so long runs stay cheap to draw.
 */
export function lineChart(canvas, series, opts = {}) {
  const { ctx, w, h } = fit(canvas);
  const pad = { l: 40, r: 8, t: 8, b: 30 };
  const all = series.flatMap((s) => s.points);
  const tf = opts.log ? (v) => Math.log10(Math.max(v, 1e-16)) : (v) => v;
  let x0 = 0, x1 = 1, y0 = opts.yMin ?? Infinity, y1 = opts.yMax ?? -Infinity;
  if (all.length) {
    x0 = Math.min(...all.map((p) => p[0]));
    x1 = Math.max(...all.map((p) => p[0]));
    if (opts.yMin === undefined) y0 = Math.min(...all.map((p) => tf(p[1])));
    if (opts.yMax === undefined) y1 = Math.max(...all.map((p) => tf(p[1])));
  }
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) { y0 = 0; y1 = 1; }
  if (opts.log) { y0 = Math.floor(opts.yMin !== undefined ? tf(opts.yMin) : y0); y1 = Math.ceil(opts.yMax !== undefined ? tf(opts.yMax) : y1); }
  if (y1 - y0 < 1e-9) y1 = y0 + 1;
  if (x1 - x0 < 1e-9) x1 = x0 + 1;
  const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const Y = (y) => h - pad.b - ((tf(y) - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const Yr = (t) => h - pad.b - ((t - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const c = palette(canvas);
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = c.border;
  ctx.fillStyle = c.muted;
  ctx.lineWidth = 1;
  const ticks = opts.log ? Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i).filter((t, i, a) => a.length <= 7 || i % 2 === 0) : [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  for (const t of ticks) {
    const y = Yr(t);
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
    ctx.fillText(opts.log ? `1e${t}` : fmt(t), 2, y + 4);
  }
  for (const g of opts.guides ?? []) {
    ctx.strokeStyle = g.color; ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(pad.l, Y(g.y)); ctx.lineTo(w - pad.r, Y(g.y)); ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.fillStyle = c.muted;
  ctx.fillText(fmt(x0), pad.l, h - pad.b + 13);
  const xr = fmt(x1);
  ctx.fillText(xr, w - pad.r - ctx.measureText(xr).width, h - pad.b + 13);
  if (opts.xLabel) ctx.fillText(opts.xLabel, (w - ctx.measureText(opts.xLabel).width) / 2, h - pad.b + 13);
  let lx = pad.l;
  for (const s of series) {
    const pts = thin(s.points, Math.max(50, Math.floor(w)));
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
    ctx.stroke();
    if (s.dots) for (const p of pts) { ctx.beginPath(); ctx.arc(X(p[0]), Y(p[1]), 2.5, 0, 7); ctx.fill(); }
    ctx.fillRect(lx, h - 10, 10, 3);
    ctx.fillText(s.label, lx + 13, h - 4);
    lx += 20 + ctx.measureText(s.label).width;
  }
}

function thin(points, max) {
  if (points.length <= max) return points;
  const step = points.length / max, out = [];
  for (let i = 0; i < max; i++) out.push(points[Math.floor(i * step)]);
  out.push(points[points.length - 1]);
  return out;
}

/** The smallest and the largest of values: { lo, hi } (Infinity, -Infinity for none). */
export function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return { lo, hi };
}

/** Draws a w×h grey image (values scaled lo..hi -> black..white, or white..black with invert) at (x, y) scaled by s. */
export function drawGray(ctx, values, w, h, x, y, s, { lo, hi, invert = false, diverging = false } = {}) {
  let a = lo, b = hi;
  if (a === undefined || b === undefined) {
    ({ lo: a, hi: b } = extent(values));
    if (diverging) { const m = Math.max(Math.abs(a), Math.abs(b)); a = -m; b = m; }
  }
  const img = ctx.createImageData(w, h), r = b - a || 1;
  for (let i = 0; i < w * h; i++) {
    let t = (values[i] - a) / r;
    t = Math.max(0, Math.min(1, invert ? 1 - t : t));
    if (diverging) {  // blue (−) white (0) red (+)
      const u = t * 2 - 1;
      img.data[i * 4] = u > 0 ? 255 : 255 * (1 + u);
      img.data[i * 4 + 1] = 255 * (1 - Math.abs(u));
      img.data[i * 4 + 2] = u < 0 ? 255 : 255 * (1 - u);
    } else {
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = 255 * t;
    }
    img.data[i * 4 + 3] = 255;
  }
  // Scale with a tiny canvas and drawImage (nearest neighbour).
  const tmp = new OffscreenCanvas(w, h);
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, x, y, w * s, h * s);
}

/** A grid of images: items [{values, w, h, caption}], each drawn at scale s, at most maxWidth CSS px wide. */
export function imageGrid(canvas, items, s, opts = {}) {
  const cell = Math.max(...items.map((it) => it.w * s), 1) + 6, rowH = Math.max(...items.map((it) => it.h * s), 1) + (opts.captions ? 18 : 6);
  const cols = Math.max(1, Math.floor((opts.maxWidth || 300) / cell));
  const cw = Math.min(items.length, cols) * cell, ch = Math.ceil(items.length / cols) * rowH;
  canvas.style.width = `${cw}px`;
  canvas.style.height = `${ch}px`;
  const { ctx } = fit(canvas, cw, ch), fg = palette(canvas).fg;
  ctx.font = '11px system-ui, sans-serif';
  items.forEach((it, i) => {
    const x = (i % cols) * cell + 3, y = Math.floor(i / cols) * rowH + 3;
    drawGray(ctx, it.values, it.w, it.h, x, y, s, opts);
    if (opts.captions && it.caption) { ctx.fillStyle = it.color ?? fg; ctx.fillText(it.caption, x, y + it.h * s + 12); }
  });
}

/** The 10×10 confusion matrix as a heat map with counts. */
export function confusionChart(canvas, matrix) {
  const { ctx, w } = fit(canvas), col = palette(canvas);
  const c = Math.floor((w - 24) / 10), max = Math.max(...matrix.filter((_, i) => i % 11 !== 0), 1);
  ctx.font = `${Math.max(8, Math.min(11, c / 3))}px system-ui, sans-serif`;
  for (let t = 0; t < 10; t++) {
    ctx.fillStyle = col.muted;
    ctx.fillText(String(t), 6, 20 + t * c + c / 2 + 4);
    ctx.fillText(String(t), 24 + t * c + c / 2 - 3, 12);
    for (let p = 0; p < 10; p++) {
      const v = matrix[t * 10 + p], diag = t === p;
      const a = diag ? 0.15 + 0.5 * Math.min(1, v / (matrix.slice(t * 10, t * 10 + 10).reduce((x, y) => x + y, 0) || 1)) : Math.min(1, v / max);
      ctx.globalAlpha = diag ? a : v ? 0.1 + 0.6 * a : 0;  // light enough for the counts on top
      ctx.fillStyle = diag ? col.good : col.bad;
      ctx.fillRect(24 + p * c, 20 + t * c, c - 1, c - 1);
      ctx.globalAlpha = 1;
      if (v) { ctx.fillStyle = col.fg; const s = String(v); ctx.fillText(s, 24 + p * c + (c - ctx.measureText(s).width) / 2, 20 + t * c + c / 2 + 4); }
    }
  }
}

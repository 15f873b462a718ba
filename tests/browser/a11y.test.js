// Accessibility and layout of the demo (index.html), the lessons (learn.html, every chapter) and the
// embed (examples/blog-post.html, a lesson in web/embed/embed.html), in headless Chromium:
// - axe-core's WCAG 2 A/AA rules, in the light and the dark colour scheme: no serious or critical
//   violation (a failure prints each rule's id and the elements it found), and the colour-contrast
//   rule really ran on text;
// - every canvas has a text alternative that says the numbers it draws;
// - from 375 px to 1920 px: no sideways page scroll, nothing cut by an overflow: hidden box, every
//   table and control inside the viewport and inside the box that scrolls it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.js';
import { CHAPTERS } from '../../web/learn/example.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CHAPTER_IDS = [...Object.keys(CHAPTERS), 'optimizers', 'network'];
const WIDTHS = [375, 768, 1280, 1920];
let srv, chromium, page;

beforeAll(async () => {
  srv = await serve({ port: 0, quiet: true });
  chromium = await launch();
  page = await chromium.page();
});
afterAll(async () => {
  await chromium?.close();
  await srv?.close();
});

// The pages, each opened and waited for until what it draws is there.
async function demo(lang = 'en') {
  await page.goto('about:blank');  // a new document even when only the hash differs
  await page.goto(`${srv.url}index.html#lang=${lang}`);
  await page.waitForFunction(() => window.demo?.state.built, null, { timeout: 120_000 });
  // one gradient check in the table, so its coloured verdicts are judged too
  await page.click('#check-now');
  await page.waitForFunction(() => document.querySelectorAll('#gc-table tbody tr').length > 0, null, { timeout: 60_000 });
}
async function learn(chapter, lang = 'en') {
  await page.goto(`${srv.url}learn.html#${chapter}&lang=${lang}`);
  await page.waitForFunction(() => window.learn?.state.ready, null, { timeout: 60_000 });
}
async function embed() {
  await page.goto(`${srv.url}examples/blog-post.html`);
  // the first demo trains when scrolled into view: wait for its check table and its curve's label
  await page.waitForFunction(() => {
    const r = document.getElementById('first')?.shadowRoot;
    return r?.querySelectorAll('tbody tr').length > 0 && /step/.test(r.querySelector('canvas.curve').getAttribute('aria-label'));
  }, null, { timeout: 90_000 });
}
async function embedLesson(more = '') {
  await page.goto(`${srv.url}web/embed/embed.html#lesson=conv-multichannel&cin=2&cout=2&h=5&w=5&k=3${more}`);
  await page.waitForFunction(() => document.querySelector('backprop-demo')?.state === 'ready', null, { timeout: 60_000 });
}

/** axe's WCAG 2 A/AA pass: the serious and critical violations, and the elements the contrast rule judged. */
async function axe() {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] });
    const contrast = [...r.passes, ...r.violations].filter((v) => v.id === 'color-contrast').reduce((n, v) => n + v.nodes.length, 0);
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.split('\n').slice(1).join(' ').trim()}]` : ''}`).join('; ')}`);
    return { bad, contrast };
  });
}

describe('axe: no serious or critical WCAG 2 A/AA violation, light and dark', () => {
  for (const scheme of ['light', 'dark']) {
    it(`the demo, ${scheme}`, async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      await demo();
      const { bad, contrast } = await axe();
      expect(bad, bad.join('\n')).toEqual([]);
      expect(contrast).toBeGreaterThan(50);
      expect(page.errors).toEqual([]);
    });

    it(`the lessons, every chapter in English and Chinese, ${scheme}`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      const found = {};
      for (const lang of ['en', 'zh']) {
        for (const id of CHAPTER_IDS) {
          await learn(id, lang);
          const { bad, contrast } = await axe();
          if (bad.length) found[`${id} ${lang}`] = bad;
          expect(contrast, `${id} ${lang}`).toBeGreaterThan(20);
        }
      }
      expect(found, JSON.stringify(found, null, 1)).toEqual({});
      expect(page.errors).toEqual([]);
    });

    it(`the embed (a blog post with two demos, a lesson in a frame), ${scheme}`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await embed();
      const post = await axe();
      expect(post.bad, post.bad.join('\n')).toEqual([]);
      expect(post.contrast).toBeGreaterThan(20);
      await embedLesson();
      const lesson = await axe();
      expect(lesson.bad, lesson.bad.join('\n')).toEqual([]);
      expect(lesson.contrast).toBeGreaterThan(20);
      // the theme attribute against the reader's scheme: the lesson's colours follow the element's
      const other = scheme === 'dark' ? 'light' : 'dark';
      await embedLesson(`&theme=${other}`);
      const fixed = await axe();
      expect(fixed.bad, fixed.bad.join('\n')).toEqual([]);
      expect(await page.$eval('backprop-demo', (e) => getComputedStyle(e.shadowRoot.querySelector('table.plane td')).backgroundColor))
        .toBe(other === 'dark' ? 'rgb(28, 34, 44)' : 'rgb(255, 255, 255)');
      expect(page.errors).toEqual([]);
    });
  }
  it('the contrast rule catches low contrast here (the pass can fail)', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await learn('fc-loss');
    await page.evaluate(() => (document.querySelector('#lede').style.color = '#bbb'));
    const { bad } = await axe();
    expect(bad.join('\n')).toMatch(/^color-contrast \(serious\): #lede/m);
  });
});

describe('one palette', () => {
  it("the demo's --bp-* and the lessons' --_* are the embed's THEME, light and dark", async () => {
    const got = { demo: {}, learn: {} };
    for (const [i, scheme] of ['light', 'dark'].entries()) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${srv.url}index.html`);
      const theme = await page.evaluate("import('./web/embed/element.js').then((m) => m.THEME)");  // a string: the test runner rewrites import() in functions
      got.demo[scheme] = await page.evaluate((keys) => Object.fromEntries(keys.map((k) => [k, getComputedStyle(document.documentElement).getPropertyValue(`--bp-${k}`).trim()])), Object.keys(theme));
      await learn('fc-loss');
      got.learn[scheme] = await page.evaluate((keys) => Object.fromEntries(keys.map((k) => [k, getComputedStyle(document.documentElement).getPropertyValue(`--_${k}`).trim()])), Object.keys(theme).filter((k) => k !== 'notice-bg' && k !== 'font'));
      const want = Object.fromEntries(Object.entries(theme).map(([k, v]) => [k, v[i]]));
      expect(got.demo[scheme], scheme).toEqual(Object.fromEntries(Object.keys(want).map((k) => [k, k === 'font' ? '' : want[k]])));
      const { 'notice-bg': _n, font: _f, ...lessons } = want;
      expect(got.learn[scheme], scheme).toEqual(lessons);
    }
  });
});

describe('text alternatives of the canvases', () => {
  it('the demo: every canvas is an image with a label that says its numbers', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await demo();
    await page.fill('#lr', '0.003');
    await page.click('#start');
    await page.waitForFunction(() => window.demo.state.testAcc.length > 0 && window.demo.state.loss.length > 2, null, { timeout: 90_000 });
    await page.click('#pause');
    await page.click('#refresh-inside');
    await page.click('#evaluate');
    await page.waitForFunction(() => /%/.test(document.getElementById('eval-result').textContent) && document.querySelectorAll('#activations canvas').length > 1, null, { timeout: 60_000 });
    const labels = await page.$$eval('canvas', (cs) => cs.map((c) => [c.id || c.closest('figure')?.querySelector('figcaption')?.textContent, c.getAttribute('role'), c.getAttribute('aria-label')]));
    for (const [what, role, label] of labels) {
      expect(role, what).toBe('img');
      expect(label, what).toBeTruthy();
    }
    const label = (id) => page.getAttribute(`#${id}`, 'aria-label');
    // the charts redraw (and relabel) at most every half second: wait for the last numbers
    await page.waitForFunction(() => {
      const s = window.demo.state, l = s.loss.at(-1), a = s.testAcc.at(-1), label = (id) => document.getElementById(id).getAttribute('aria-label');
      return label('loss-chart').includes(`after ${l[0].toLocaleString()} samples`) && label('acc-chart').includes(`after ${a[0].toLocaleString()} samples`);
    }, null, { timeout: 10_000 }).catch(() => {});
    const s = await page.evaluate(() => window.demo.state);
    expect(await label('loss-chart')).toContain(`loss ${s.loss.at(-1)[1].toFixed(3)} after ${s.loss.at(-1)[0].toLocaleString()} samples`);
    expect(await label('acc-chart')).toContain(`test ${(100 * s.testAcc.at(-1)[1]).toFixed(1)}%`);
    expect(await label('gc-chart')).toMatch(/max relative error \d\.\de[-+]\d+ at step \d+/);
    expect(await label('filters')).toMatch(/^first-layer weights: 1 × \[1×3×3\], values from \S+ to \S+$/);
    expect(await label('confusion')).toMatch(/^confusion matrix of [\d,]+ test images: \d+(\.\d)?% right; most often confused: \d taken for \d \(\d+ times\)$/);
    expect(await label('pad')).toBe('drawing pad: empty');
    expect(await page.$$eval('#activations canvas', (cs) => cs.map((c) => c.getAttribute('aria-label'))))
      .toEqual(expect.arrayContaining([expect.stringMatching(/^test sample 0, digit \d/), expect.stringMatching(/^\d+ \w+ \[\d+×\d+×\d+\]: values from/)]));
    // a drawn digit: the pad says what the net predicts
    const box = await page.locator('#pad').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 30);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 30, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => /predicts \d \(\d+%\)/.test(document.getElementById('pad').getAttribute('aria-label')), null, { timeout: 10_000 });
    // the verdict is announced politely; numbers that change at every step are not live
    expect(await page.getAttribute('#gc-verdict', 'aria-live')).toBe('polite');
    expect(await page.textContent('#gc-verdict')).toMatch(/^gradient check: (all \d+ checked tensors pass|\d+ of \d+ tensors FAIL)$/);
    for (const id of ['s-step', 's-loss', 'loss-chart', 'gc-table']) expect(await page.$eval(`#${id}`, (e) => e.closest('[aria-live]')), id).toBe(null);
    // with everything drawn, axe again, light then dark (switched live: the canvases redraw in the
    // dark palette, the loss line in its accent #7fa8ff instead of #2f5fc4)
    const lossPixels = (rgb) => page.$eval('#loss-chart', (c, rgb) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 12) n++;
      return n;
    }, rgb);
    expect(await lossPixels([0x2f, 0x5f, 0xc4])).toBeGreaterThan(20);
    expect((await axe()).bad).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(20, 24, 31)');
    await expect.poll(() => lossPixels([0x7f, 0xa8, 0xff]), { timeout: 5_000 }).toBeGreaterThan(20);
    expect(await lossPixels([0x2f, 0x5f, 0xc4])).toBe(0);
    const dark = await axe();
    expect(dark.bad, dark.bad.join('\n')).toEqual([]);
    expect(page.errors).toEqual([]);
  });
});

describe('text alternatives in the lessons and the embed', () => {
  it('every canvas of every chapter and of the embed is an image with a label; the digit says which', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    const labels = {};
    for (const id of CHAPTER_IDS) {
      await learn(id);
      for (const [role, label] of await page.$$eval('canvas', (cs) => cs.map((c) => [c.getAttribute('role'), c.getAttribute('aria-label')]))) {
        expect(role, id).toBe('img');
        expect(label, id).toBeTruthy();
        (labels[id] ??= []).push(label);
      }
    }
    expect(labels.network).toEqual([expect.stringMatching(/^digit #0, label \d$/)]);
    expect(labels.optimizers).toHaveLength(2);
    await embed();
    const curve = await page.$eval('#first', (e) => e.shadowRoot.querySelector('canvas.curve').getAttribute('aria-label'));
    expect(curve).toMatch(/\d\.\d{3}/);
    expect(await page.$eval('#first', (e) => [...e.shadowRoot.querySelectorAll('canvas')].every((c) => c.getAttribute('role') === 'img' && c.getAttribute('aria-label')))).toBe(true);
  });
});

// Boxes that cut or hide what does not fit: every table and control must sit inside the viewport and
// inside each box around it that clips or scrolls (nothing to scroll sideways to reach); only the
// lessons' grids of numbers scroll in a box of their own. No overflow: hidden box may hold more than it shows.
async function layoutProblems() {
  return page.evaluate(() => {
    const out = [], W = window.innerWidth;
    const name = (e) => e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''}`;
    if (document.documentElement.scrollWidth > W) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${W}`);
    const all = (root) => [...root.querySelectorAll('*')].flatMap((e) => (e.shadowRoot ? [e, ...all(e.shadowRoot)] : [e]));
    const els = all(document);
    const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
    const hides = (e) => { const s = getComputedStyle(e); return s.overflowX === 'hidden' || s.overflowX === 'clip'; };
    for (const e of els) {
      if (!visible(e)) continue;
      const s = getComputedStyle(e);
      // a visually hidden text (1 px, clipped) or KaTeX's struts are meant to be so
      if (e.closest?.('.visually-hidden, .katex') || s.clip !== 'auto') continue;
      if (hides(e) && e.scrollWidth > e.clientWidth + 1) out.push(`${name(e)} cuts its content: ${e.scrollWidth} > ${e.clientWidth}`);
    }
    for (const e of els.filter((x) => x.matches('table, button, select, input, textarea, a') && visible(x) && !x.closest('.visually-hidden, .katex'))) {
      // the lessons' grids of numbers (a 28×28 digit, an optimizer's table) scroll in their own
      // box, which the keyboard can focus: that box must be inside the viewport
      const grid = e.matches('table.plane, table.numbers') ? e.closest('.planes, table.numbers') : null;
      if (grid) {
        const b = grid.getBoundingClientRect();
        if (b.left < -0.5 || b.right > W + 0.5) out.push(`${name(grid)} (a grid's scroll box) is outside the viewport: ${Math.round(b.left)}..${Math.round(b.right)} of ${W}`);
        continue;
      }
      const r = e.getBoundingClientRect();
      if (r.left < -0.5 || r.right > W + 0.5) out.push(`${name(e)} is outside the viewport: ${Math.round(r.left)}..${Math.round(r.right)} of ${W}`);
      // nor may it stick out of its panel (drawn under the panel beside it, it would be cut all the same)
      const card = e.closest('.card')?.getBoundingClientRect();
      if (card && (r.left < card.left - 0.5 || r.right > card.right + 0.5)) out.push(`${name(e)} sticks out of its .card: ${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(card.left)}..${Math.round(card.right)}`);
      // every ancestor (across shadow roots) that clips or scrolls must hold it whole
      for (let a = e.parentElement ?? e.getRootNode().host; a && a !== document.body && a !== document.documentElement; a = a.parentElement ?? a.getRootNode().host) {
        const s = getComputedStyle(a);
        if (s.overflowX === 'visible') continue;
        const b = a.getBoundingClientRect();
        if (r.left < b.left - 0.5 || r.right > b.right + 0.5) { out.push(`${name(e)} overflows ${name(a)} (${s.overflowX}): ${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(b.left)}..${Math.round(b.right)}`); break; }
      }
    }
    return [...new Set(out)];
  });
}

describe('layout: no clipping and no sideways scrolling from 375 to 1920 px', () => {
  it('the demo, in English and Chinese (whose labels are longer)', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    const found = {};
    for (const lang of ['en', 'zh']) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await demo(lang);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(200);
        const p = await layoutProblems();
        if (p.length) found[`${width} ${lang}`] = p;
      }
    }
    expect(found, JSON.stringify(found, null, 1)).toEqual({});
  });
  it('the lessons', async () => {
    const found = {};
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const id of CHAPTER_IDS) {
        await learn(id);
        const p = await layoutProblems();
        if (p.length) found[`${width} ${id}`] = p;
      }
    }
    expect(found, JSON.stringify(found, null, 1)).toEqual({});
  });
  it('the embed', async () => {
    const found = {};
    await embed();
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(200);
      const p = await layoutProblems();
      if (p.length) found[width] = p;
    }
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await embedLesson();
      const p = await layoutProblems();
      if (p.length) found[`${width} lesson`] = p;
    }
    expect(found, JSON.stringify(found, null, 1)).toEqual({});
  });
});

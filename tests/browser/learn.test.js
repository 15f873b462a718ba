// End-to-end: the learn page (learn.html + web/learn/*.js) in headless Chromium. Every built
// chapter in both languages without a console error; a clicked entry lights exactly its terms and
// writes the core's value; each "break it" bug turns red exactly the entries whose analytic value
// the numerical gradient rejects; 375 px without horizontal scrolling; a screenshot per language.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.js';
import { CHAPTERS } from '../../web/learn/example.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const results = join(root, 'test-results');
let srv, chromium, page;

async function open(hash, { width = 1200 } = {}) {
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${srv.url}learn.html#${hash}`);
  await page.waitForFunction(() => window.learn?.state.ready, null, { timeout: 30_000 });
}
// Same page, new hash (the router re-renders): waits for the new example.
async function go(hash) {
  await page.evaluate((h) => {
    if (location.hash === `#${h}`) return;  // no hashchange: the page already shows it
    window.learn.state.ready = false;
    location.hash = h;
  }, hash);
  await page.waitForFunction(() => window.learn.state.ready, null, { timeout: 30_000 });
}

beforeAll(async () => {
  mkdirSync(results, { recursive: true });
  srv = await serve({ port: 0, quiet: true });
  chromium = await launch();
  page = await chromium.page();
});
afterAll(async () => {
  await chromium?.close();
  await srv?.close();
});

describe('learn page', () => {
  it('opens every built chapter in English and Chinese with no console error', async () => {
    await open('fc-loss&lang=en');
    for (const lang of ['en', 'zh']) {
      for (const id of [...Object.keys(CHAPTERS), 'optimizers', 'network']) {
        await go(`${id}&lang=${lang}`);
        const info = await page.evaluate(() => ({
          lang: document.documentElement.lang,
          title: document.querySelector('#chapter h2')?.textContent,
          katex: document.querySelectorAll('#chapter .katex').length,
          grids: document.querySelectorAll('figure.tensor').length,
          checked: document.querySelectorAll('td .mark').length,
          widget: !!document.querySelector('#chapter .widget'),
        }));
        expect(info.lang.startsWith(lang), `${id} ${lang}`).toBe(true);
        expect(info.title).toBeTruthy();
        if (CHAPTERS[id]) {
          expect(info.grids, id).toBeGreaterThan(4);
          expect(info.checked, id).toBeGreaterThan(0);
          expect(info.katex, id).toBeGreaterThan(0);
        } else expect(info.widget, id).toBe(true);
      }
    }
    // the Chinese page speaks Chinese
    expect(await page.textContent('#site-title')).toMatch(/[\u4e00-\u9fff]/);
    expect(page.errors).toEqual([]);
  });

  it('clicking an entry lights its terms (as in the trace) and writes out the core value', async () => {
    for (const [hash, tensor, index] of [
      ['conv-multichannel&lang=en&cin=2&cout=2&h=4&w=4&k=2&seed=3', 'grad.weight', 5],
      ['conv-multichannel&lang=en&cin=2&cout=2&h=4&w=4&k=2&seed=3', 'dInput', 7],
      ['conv-padding&lang=en&cin=1&cout=2&h=4&w=4&k=3&s=2&p=1&seed=2', 'dInput', 3],
      ['fc-loss&lang=zh&in=3&out=3&n=2&loss=softmax_cross_entropy&seed=1', 'loss.dInput', 4],
      ['pooling&lang=en&c=1&h=4&w=4&size=2&s=2&pool=maxpool2d&seed=1', 'dInput', 5],
    ]) {
      await go(hash);
      await page.click(`figure[data-tensor="${tensor}"] td[data-i="${index}"]`);
      const got = await page.evaluate(([tensor, index]) => {
        const { state, termsOf, valuesOf } = window.learn;
        const layer = tensor.startsWith('loss.') ? 'loss' : 0;
        const terms = termsOf(state.trace, layer, tensor, index);
        const val = (r) => (r.const !== undefined ? r.const : valuesOf(state.trace, r.tensor.startsWith('loss.') ? 'loss' : 0, r.tensor)[r.index]);
        const key = (r) => `${window.learn.gridOf(r.tensor)}#${r.index}`;
        const lit = (role) => [...document.querySelectorAll(`td.${role}`)].map((td) => `${td.closest('figure').dataset.tensor}#${td.dataset.i}`).sort();
        return {
          sum: terms.reduce((s, { a, b }) => s + val(a) * val(b), 0),
          value: valuesOf(state.trace, layer, tensor)[index],
          wantA: [...new Set(terms.map((t) => key(t.a)))].sort(),
          wantB: [...new Set(terms.filter((t) => t.b.tensor).map((t) => key(t.b)))].sort(),
          litA: lit('role-a'), litB: lit('role-b'), target: lit('role-target'),
          shown: document.querySelector('.explain .core-value')?.textContent,
          nterms: terms.length,
          text: document.querySelector('.explain').textContent,
        };
      }, [tensor, index]);
      expect(got.nterms, hash).toBeGreaterThan(0);
      expect(Math.abs(got.sum - got.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(got.value)));
      expect(got.litA).toEqual(got.wantA);
      expect(got.litB).toEqual(got.wantB);
      expect(got.target).toEqual([`${tensor}#${index}`]);
      expect(got.shown).toBe(String(got.value).replace('-', '−'));
      expect(got.text).toMatch(/numerical|数值梯度/);
    }
    // by keyboard: the arrow key moves the focus to the next entry and explains it
    await page.focus('figure[data-tensor="dInput"] td[data-i="5"]');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => [document.activeElement.dataset.i, window.learn.state.explained.index])).toEqual(['6', 6]);
    expect(page.errors).toEqual([]);
  });

  it('each break-it bug turns red exactly the entries the numerical gradient rejects', async () => {
    const cases = [
      ['fc-loss&lang=en&in=3&out=3&n=2&loss=softmax_cross_entropy', 'loss-no-mean'],
      ['fc-loss&lang=en&in=3&out=3&n=2&loss=mse', 'loss-no-mean'],
      ['fc-loss&lang=en&in=3&out=3&n=2&loss=mse', 'mse-no-half'],
      ['conv-single&lang=en&h=4&w=4&k=2', 'conv-no-rotate'],
      ['conv-multichannel&lang=zh&cin=2&cout=2&h=4&w=4&k=3', 'conv-no-rotate'],
      ['conv-stride&lang=en&cin=1&cout=1&h=5&w=5&k=2&s=2', 'conv-no-dilate'],
      ['conv-padding&lang=en&cin=1&cout=1&h=4&w=4&k=3&s=1&p=1', 'conv-crop-off-by-one'],
      ['pooling&lang=en&c=1&h=4&w=4&size=2&s=2&pool=maxpool2d', 'maxpool-wrong-index'],
      ['pooling&lang=en&c=1&h=4&w=4&size=2&s=2&pool=avgpool2d', 'avgpool-no-scale'],
      ['activations&lang=en&c=1&h=3&w=4&act=relu', 'relu-no-mask'],
    ];
    for (const [hash, bug] of cases) {
      for (const b of ['none', bug]) {
        await go(`${hash}&seed=1${b === 'none' ? '' : `&bug=${b}`}`);
        const got = await page.evaluate(() => {
          const { state, valuesOf } = window.learn;
          const want = [], red = [];
          for (const [tensor, num] of Object.entries(state.numeric)) {
            const a = valuesOf(state.trace, tensor.startsWith('loss.') ? 'loss' : 0, tensor);
            for (let i = 0; i < a.length; i++)
              if (!num.kinks[i] && !(Math.abs(a[i] - num.values[i]) <= 1e-5 + 1e-3 * Math.abs(num.values[i]))) want.push(`${tensor}#${i}`);
          }
          for (const td of document.querySelectorAll('td.band-wrong')) red.push(`${td.closest('figure').dataset.tensor}#${td.dataset.i}`);
          return { want: want.sort(), red: red.sort(), bug: state.trace.bug, select: document.querySelector('select[name=bug]').value, why: document.querySelector('.controls .bug-why').textContent };
        });
        expect(got.bug).toBe(b);
        expect(got.select).toBe(b);
        expect(got.red, `${hash} ${b}`).toEqual(got.want);
        if (b === 'none') expect(got.red, `${hash}: no bug, nothing red`).toEqual([]);
        else {
          expect(got.red.length, `${hash} ${b} turns something red`).toBeGreaterThan(0);
          expect(got.why).toBeTruthy();
        }
      }
    }
    // the switch itself: choosing a bug in the select puts it in the hash and recomputes
    await go('conv-single&lang=en&h=4&w=4&k=2&seed=1');
    await page.evaluate(() => (window.learn.state.ready = false));
    await page.selectOption('select[name=bug]', 'conv-no-rotate');
    await page.waitForFunction(() => window.learn.state.ready);
    expect(await page.evaluate(() => location.hash)).toContain('bug=conv-no-rotate');
    expect(await page.$$eval('td.band-wrong', (c) => c.length)).toBeGreaterThan(0);
    expect(page.errors).toEqual([]);
  });

  it('names a size outside its limits and uses the nearest allowed one', async () => {
    await go('conv-padding&lang=en&cin=9&h=4&w=4&k=3&p=5&seed=1');
    const msg = await page.textContent('.problems');
    expect(msg).toMatch(/C_in = 9 is outside 1…3; using 3/);
    expect(msg).toMatch(/padding P = 5 is outside 0…3; using 2/);
    expect(await page.inputValue('input[name=cin]')).toBe('3');
  });

  it('fits a 375-px screen without horizontal scrolling of the page; screenshots in both languages', async () => {
    for (const lang of ['en', 'zh']) {
      await open(`conv-multichannel&lang=${lang}&cin=2&cout=2&h=5&w=5&k=3&seed=1`, { width: 375 });
      await page.click('figure[data-tensor="grad.weight"] td[data-i="4"]');
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(scroll, lang).toBeLessThanOrEqual(client);
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.click('figure[data-tensor="grad.weight"] td[data-i="4"]');
      await page.screenshot({ path: join(results, `learn-${lang}.png`), fullPage: true });
    }
    expect(page.errors).toEqual([]);
  });

  it('the network stepper: the layer in focus shows its real numbers; it reaches the update and the weights move exactly by the SGD step read from the core', async () => {
    for (const lang of ['zh', 'en']) {
      await page.goto('about:blank');  // a fresh page (goto to another hash of the same page would not reload it)
      await open(`network&lang=${lang}&digit=3&lr=0.1`);
      // step 1: the conv layer's forward; its chapter view above holds the layer's real numbers
      await page.waitForFunction(() => window.learn.lesson.state.network && document.querySelector('.focus-lesson .lesson'));
      await page.waitForFunction(() => document.querySelector('.focus-lesson figure[data-tensor="grad.weight"]'), null, { timeout: 30_000 });
      const focus = await page.evaluate(() => {
        const { trace } = window.learn.state.network;
        const cells = [...document.querySelectorAll('.focus-lesson figure[data-tensor="grad.weight"] td')].map((td) => td.getAttribute('aria-label'));
        return { chapter: document.querySelector('.focus-lesson .lesson').dataset.chapter, cells, grad: Array.from(trace.layers[0].grads.weight.values), red: document.querySelectorAll('.focus-lesson td.band-wrong').length };
      });
      expect(focus.chapter).toBe('conv-single');
      expect(focus.cells.length).toBe(9);
      focus.cells.forEach((label, i) => expect(label).toContain(`= ${String(focus.grad[i]).replace('-', '−')}`));
      expect(focus.red, 'no bug: nothing red in the real layer').toBe(0);
      const total = await page.evaluate(() => window.learn.state.network.steps.length);
      expect(total).toBe(16);
      for (let k = 1; k < total; k++) await page.click('.step-next');
      const got = await page.evaluate(() => {
        const { step, steps, update } = window.learn.state.network;
        let worst = 0, moved = 0, count = 0;
        for (const u of update.tensors)
          for (let i = 0; i < u.before.length; i++) {
            const want = Math.fround(u.before[i] - update.lr * u.grad[i]);
            const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
            worst = Math.max(worst, Math.abs(u.after[i] - want) / ulp);
            if (u.after[i] !== u.before[i]) moved++;
            count++;
          }
        return { step, last: steps.length - 1, kind: steps[step].kind, worst, moved, count, lossBefore: update.before, lossAfter: update.after, shown: document.querySelectorAll('.step-panel figure.tensor').length };
      });
      expect(got.step).toBe(got.last);
      expect(got.kind).toBe('update');
      expect(got.worst, 'after = before − η·grad, to the float32 rounding of the core').toBeLessThanOrEqual(1);
      expect(got.moved).toBeGreaterThan(0);
      expect(got.count).toBe(11540);
      expect(got.lossAfter).toBeLessThan(got.lossBefore);
      expect(got.shown).toBeGreaterThanOrEqual(3);
    }
    // break it in the whole net: the unrotated kernel of the first layer reddens only δ^0, in the conv's chapter view
    await page.goto('about:blank');
    await open('network&lang=en&digit=3&step=14&bug=conv-no-rotate');
    await page.waitForFunction(() => document.querySelector('.focus-lesson figure[data-tensor="dInput"]'), null, { timeout: 30_000 });
    const broken = await page.evaluate(() => ({
      step: window.learn.state.network.steps[window.learn.state.network.step],
      bug: window.learn.state.network.trace.bug,
      red: [...new Set([...document.querySelectorAll('.focus-lesson td.band-wrong')].map((td) => td.closest('figure').dataset.tensor))],
      why: document.querySelector('.stepper .bug-why').textContent,
    }));
    expect(broken.step).toEqual({ kind: 'backward', layer: 0 });
    expect(broken.bug).toBe('conv-no-rotate');
    expect(broken.red).toEqual(['dInput']);
    expect(broken.why).toBeTruthy();
    expect(page.errors).toEqual([]);
  });

  it('the optimizer race draws a curve per optimizer (and the numbers beside it); the 2-D surface a path per optimizer', async () => {
    await page.goto('about:blank');
    await open('optimizers&lang=en');
    await page.click('.race-start');
    await page.waitForFunction(() => window.learn.state.optimizers.race?.done, null, { timeout: 120_000 });
    const got = await page.evaluate(() => {
      const { race, surface } = window.learn.state.optimizers;
      const canvas = document.querySelector('canvas.race');
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0) ink++;
      return {
        curves: Object.fromEntries(Object.entries(race.curves).map(([k, c]) => [k, { n: c.length, finite: c.every(Number.isFinite), first: c[0], last: c.at(-1) }])),
        paths: Object.fromEntries(Object.entries(surface.paths).map(([k, p]) => [k, { n: p.length, end: p.at(-1) }])),
        rows: document.querySelectorAll('table.numbers tbody tr').length,
        ink,
      };
    });
    const ids = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamNoBias'];
    expect(Object.keys(got.curves).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(got.curves[id].n, id).toBe(150);
      expect(got.curves[id].finite, id).toBe(true);
      expect(got.paths[id].n, id).toBe(101);
    }
    // the same first batch and the same initial weights: every curve starts at the same loss
    expect(new Set(ids.map((id) => got.curves[id].first)).size).toBe(1);
    expect(got.curves.adam.last).toBeLessThan(got.curves.adam.first);
    // Adam without bias correction: the same first loss, then its own curve (steps ~3× Adam's early on)
    expect(got.curves.adamNoBias.last).not.toBe(got.curves.adam.last);
    expect(new Set(ids.map((id) => got.paths[id].end.join())).size).toBe(ids.length);
    expect(got.rows).toBe(2 * ids.length);
    expect(got.ink).toBeGreaterThan(1000);
    expect(page.errors).toEqual([]);
  });

  it('mountLesson renders a chapter into a shadow root; two lessons side by side keep their own language and state', async () => {
    await page.goto('about:blank');
    await open('fc-loss&lang=en');
    const got = await page.evaluate(async () => {
      const { mountLesson } = window.learn;  // the page's own module instance
      const out = [];
      for (const [chapter, lang, params] of [['conv-multichannel', 'zh', { cin: 2, cout: 1, h: 4, w: 4, k: 2, seed: 5 }], ['pooling', 'en', { pool: 'avgpool2d', bug: 'avgpool-no-scale' }]]) {
        const host = document.body.appendChild(document.createElement('div'));
        const root = host.attachShadow({ mode: 'open' });
        const changes = [];
        const lesson = mountLesson(root, { chapter, lang, params, onChange: (p) => changes.push(p) });
        await lesson.ready;
        const info = {
          lang: lesson.el.lang,
          title: root.querySelector('.lesson-title').textContent,
          grids: root.querySelectorAll('figure.tensor').length,
          red: root.querySelectorAll('td.band-wrong').length,
          katex: root.querySelectorAll('.katex').length,
          links: root.querySelectorAll('link[rel=stylesheet]').length,
          ids: root.querySelectorAll('[id]').length,
          bug: lesson.state.params.bug,
        };
        await lesson.update({ ...params, seed: 9 });
        info.seed = lesson.state.params.seed;
        lesson.destroy();
        info.after = root.querySelectorAll('.lesson').length;
        host.remove();
        out.push(info);
      }
      return out;
    });
    expect(got[0].lang).toBe('zh-CN');
    expect(got[0].title).toMatch(/[\u4e00-\u9fff]/);
    expect(got[1].lang).toBe('en');
    for (const g of got) {
      expect(g.grids).toBeGreaterThan(4);
      expect(g.katex).toBeGreaterThan(0);
      expect(g.links).toBe(2);
      expect(g.ids).toBe(0);
      expect(g.seed).toBe(9);
      expect(g.after).toBe(0);
    }
    expect(got[0].red).toBe(0);
    expect(got[1].bug).toBe('avgpool-no-scale');
    expect(got[1].red).toBeGreaterThan(0);
    // the page's own lesson is untouched
    expect(await page.evaluate(() => window.learn.state.chapter)).toBe('fc-loss');
    expect(page.errors).toEqual([]);
  });

  it('loads in under a second from the local server (best of three, page start to first chapter drawn)', async () => {
    const times = [];
    for (let k = 0; k < 3; k++) {
      await page.goto('about:blank');
      await page.goto(`${srv.url}learn.html#conv-padding&lang=en`);
      await page.waitForFunction(() => window.learn?.state.ready, null, { timeout: 30_000 });
      times.push(await page.evaluate(() => performance.getEntriesByName('drawn')[0].startTime));
    }
    console.log(`learn page ready after ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    expect(Math.min(...times)).toBeLessThan(1000);
  });
});

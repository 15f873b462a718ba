// The packed package, as a user gets it: `npm pack`, install the tarball into a fresh project, then
// (a) train a small net in Node through `import 'backprop-wasm'`, and (b) build a page importing it
// with Vite and run that page in headless Chromium: on the main thread and in the module worker.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  // npm pack runs prepack (the WASM build; up to date here, so make does nothing).
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const info = JSON.parse(out.slice(out.search(/^\[\s*\{/m)))[0]; // after prepack's build output
  files = info.files.map((f) => f.path).sort();
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, info.filename)], { cwd: app, stdio: 'ignore' });
  writeFileSync(join(app, 'train.js'), TRAIN);
}, 300_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the npm tarball', () => {
  it('holds what users need and nothing else', () => {
    expect(files.filter((f) => !/^(web\/|types\/|dist\/(backprop\.mjs|element\.js|mnist-subset\.bin)$|package\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);
    for (const f of ['web/index.js', 'web/worker/worker.js', 'web/embed/element.js', 'web/embed/embed.html', 'dist/backprop.mjs', 'dist/element.js', 'dist/mnist-subset.bin', 'types/index.d.ts', 'types/element.d.ts'])
      expect(files).toContain(f);
  });

  it('(a) trains in Node: import "backprop-wasm" and the loss falls', () => {
    writeFileSync(join(app, 'node-train.js'), `
      import { loadBackprop, loadMnistFromDir } from 'backprop-wasm';
      import { train, spec } from './train.js';
      const net = (await loadBackprop()).sequential(spec);
      const r = await train(net);
      net.dispose();
      console.log(JSON.stringify({ ...r, nodeHelpers: typeof loadMnistFromDir }));`);
    const r = spawnSync(process.execPath, ['node-train.js'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { first, last, probs, nodeHelpers } = JSON.parse(r.stdout);
    expect(nodeHelpers).toBe('function'); // the "node" condition adds the Node helpers
    expect(first).toBeCloseTo(Math.LN2, 0);
    expect(last).toBeLessThan(0.05);
    // each sample's probability of its XOR label > 0.9
    [0, 1, 1, 0].forEach((label, i) => expect(probs[2 * i + label]).toBeGreaterThan(0.9));
  });

  it('(b) builds with Vite and trains in Chromium, on the page and in the module worker', async () => {
    writeFileSync(join(app, 'index.html'), `<!doctype html><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"><pre id="result">running</pre><script type="module" src="./main.js"></script>`);
    writeFileSync(join(app, 'main.js'), `
      import { loadBackprop } from 'backprop-wasm';
      import { trainer } from 'backprop-wasm/trainer';
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
        out.textContent = JSON.stringify({ page, worker, checked: rows.every((r) => r.passed) && rows.length, events, fitSteps: fit.steps });
      } catch (e) {
        out.textContent = 'error: ' + e.message;
      }`);
    writeFileSync(join(app, 'vite.config.js'), `export default { logLevel: 'error', build: { outDir: 'dist', target: 'es2022' }, worker: { format: 'es' } };`);
    const vite = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: app, encoding: 'utf8' });
    expect(vite.stderr).toBe('');
    expect(vite.status).toBe(0);
    expect(readdirSync(join(app, 'dist/assets')).some((f) => /^worker-.*\.js$/.test(f))).toBe(true);

    const server = await serve({ port: 0, dir: join(app, 'dist'), allow: ['/'], isolate: false, quiet: true });
    const browser = await launch();
    try {
      const page = await browser.page();
      await page.goto(server.url);
      await page.waitForFunction(() => document.getElementById('result').textContent !== 'running', null, { timeout: 60_000 });
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
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

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

// A tiny XOR net: 4 samples, dense 8 -> tanh -> dense 2, softmax cross-entropy; loss starts ~ln 2.
const TRAIN = `
const spec = { input: [2], layers: [{ type: 'dense', units: 8 }, { type: 'tanh' }, { type: 'dense', units: 2 }],
  loss: 'softmax_cross_entropy', seed: 3 };
const X = [0, 0, 0, 1, 1, 0, 1, 1], Y = [0, 1, 1, 0];
function sgdStep(net, lr) {
  const loss = net.computeGradients(X, Y, 4);
  for (const { layer, name } of net.paramInfo()) {
    const w = net.getParam(layer, name), g = net.getGrad(layer, name);
    for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
    net.setParam(layer, name, w);
  }
  return loss;
}
export async function train(bp) {
  const net = bp.sequential(spec);
  const first = sgdStep(net, 0.5);
  let last = first;
  for (let i = 0; i < 300; i++) last = sgdStep(net, 0.5);
  const probs = net.forward(X, 4);
  net.dispose();
  return { first, last, probs: Array.from(probs) };
}
export { spec, X, Y };
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
    for (const f of ['web/index.js', 'web/worker.js', 'web/element.js', 'web/embed.html', 'dist/backprop.mjs', 'dist/element.js', 'dist/mnist-subset.bin', 'types/index.d.ts', 'types/element.d.ts'])
      expect(files).toContain(f);
  });

  it('(a) trains in Node: import "backprop-wasm" and the loss falls', () => {
    writeFileSync(join(app, 'node-train.js'), `
      import { loadBackprop, loadMnistFromDir } from 'backprop-wasm';
      import { train } from './train.js';
      const r = await train(await loadBackprop());
      console.log(JSON.stringify({ ...r, nodeHelpers: typeof loadMnistFromDir }));`);
    const r = spawnSync(process.execPath, ['node-train.js'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { first, last, probs, nodeHelpers } = JSON.parse(r.stdout);
    expect(nodeHelpers).toBe('function'); // the "node" condition adds the Node helpers
    expect(first).toBeCloseTo(Math.LN2, 0);
    expect(last).toBeLessThan(0.1);
    // each sample's probability of its XOR label > 0.9
    [0, 1, 1, 0].forEach((label, i) => expect(probs[2 * i + label]).toBeGreaterThan(0.9));
  });

  it('(b) builds with Vite and trains in Chromium, on the page and in the module worker', async () => {
    writeFileSync(join(app, 'index.html'), `<!doctype html><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"><pre id="result">running</pre><script type="module" src="./main.js"></script>`);
    writeFileSync(join(app, 'main.js'), `
      import { loadBackprop, trainer } from 'backprop-wasm';
      import { train, spec, X, Y } from './train.js';
      const out = document.getElementById('result');
      try {
        const page = await train(await loadBackprop());
        const t = await trainer(spec, { worker: true });
        const rows = await t.gradCheck(X, Y, 4);
        const w = await t.getParam(0, 'weight');
        await t.dispose();
        out.textContent = JSON.stringify({ page, worker: { passed: rows.every((r) => r.passed), rows: rows.length, weights: w.length } });
      } catch (e) {
        out.textContent = 'error: ' + e.message;
      }`);
    writeFileSync(join(app, 'vite.config.js'), `export default { logLevel: 'error', build: { outDir: 'dist', target: 'es2022' }, worker: { format: 'es' } };`);
    const vite = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: app, encoding: 'utf8' });
    expect(vite.stderr).toBe('');
    expect(vite.status).toBe(0);
    expect(readdirSync(join(app, 'dist/assets')).some((f) => /^worker-.*\.js$/.test(f))).toBe(true);

    const server = await serve({ port: 0, dir: join(app, 'dist'), isolate: false, quiet: true });
    const browser = await launch();
    try {
      const page = await browser.page();
      await page.goto(server.url);
      await page.waitForFunction(() => document.getElementById('result').textContent !== 'running', null, { timeout: 60_000 });
      const text = await page.locator('#result').textContent();
      expect(text).not.toMatch(/^error/);
      const r = JSON.parse(text);
      expect(r.page.last).toBeLessThan(0.1);
      expect(r.page.last).toBeLessThan(r.page.first);
      expect(r.worker).toEqual({ passed: true, rows: 5, weights: 16 });
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

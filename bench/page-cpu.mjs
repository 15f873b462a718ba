// page-cpu.mjs: `node bench/page-cpu.mjs [repo] [threads]` (default: this checkout, 2). Opens the demo
// page in headless Chromium, trains mnist-cnn-race, and reads every Chromium thread's CPU time from
// /proc over 10 s: the two trainer workers, and everything else (the page's main thread, the
// compositor, raster and GPU threads). On two threads both cores train, so the second number is
// time taken from a replica. Linux only; a diagnostic, not a benchmark.
import { readFileSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const repo = process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), '..'), threads = process.argv[3] || '2';
const { serve } = await import(join(repo, 'scripts/serve.mjs'));
const server = await serve({ port: 0, quiet: true, isolate: true });
const { launch } = await import(join(repo, 'tests/browser/chromium.js'));
const browser = await launch();
const page = await browser.page();
await page.goto(server.url);
await page.waitForFunction(() => window.demo?.state.built, null, { timeout: 120000 });
await page.selectOption('#preset', 'mnist-cnn-race');
await page.selectOption('#threads', threads);
await page.click('#reset');
await page.waitForFunction(() => window.demo.state.built, null, { timeout: 60000 });
await page.waitForTimeout(1000);
await page.click('#start');
await page.waitForTimeout(4000);
const snap = () => {
  const out = new Map();
  for (const pid of execSync('pgrep -f chromium').toString().trim().split('\n'))
    for (const tid of (() => { try { return readdirSync(`/proc/${pid}/task`); } catch { return []; } })()) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'), comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}/${comm}`, +f[11] + +f[12]);
      } catch {}
    }
  return out;
};
await page.evaluate(() => window.demo.trainer.call('replicas')).catch(() => {});
const e0 = await page.evaluate(() => window.demo.state.elapsed);
const a = snap(), t0 = Date.now();
await page.waitForTimeout(10000);
const b = snap(), dt = (Date.now() - t0) / 1000;
const e1 = await page.evaluate(() => window.demo.state.elapsed);
const rate = await page.evaluate(() => document.getElementById('s-rate').textContent);
let workers = 0, other = 0; const rows = [];
for (const [k, v] of b) { const d = v - (a.get(k) ?? 0); if (d <= 0) continue; if (k.endsWith('DedicatedWorker')) workers += d; else { other += d; rows.push([d, k]); } }
rows.sort((p, q) => q[0] - p[0]);
console.log(`${repo} threads ${threads}: workers ${(workers / dt).toFixed(0)}%, everything else ${(other / dt).toFixed(0)}% of a core; training clock ${((e1 - e0) / 10 / dt).toFixed(0)}% of wall; page rate ${rate}; top: ${rows.slice(0, 5).map(([d, k]) => k.split('/')[2] + ' ' + (d / dt).toFixed(1)).join(', ')}`);
await page.click('#pause');
await browser.close();
await server.close();

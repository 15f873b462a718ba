// demo.mjs: `npm run bench:demo` (and `npm run bench -- --demo`). Opens the real demo page
// (index.html, served cross-origin isolated by scripts/serve.mjs) in headless Chromium and trains
// like a user who picks a preset and presses start. Per run it records:
//   - epochSeconds: training time until 60,000 samples were seen, and samples/s over it;
//   - accuracy on the 10,000 test images at 15/30/45/60 s of training (asked for the moment
//     the training clock passes each mark), and every `every` s, for timeToTarget (the first
//     evaluation at or above --target, default 0.99);
//   - threads, batch, the page's own live samples/s.
// The training clock is the page's: wall time spent in training steps. Evaluations (here, the
// page's own, the gradient checks) are not counted; wallSeconds says what the whole run took.
// Benchmarks are not tests: nothing here asserts a time.
// Flags: --preset=<key of the demo's presets> (default mnist-cnn-race), --threads=2,1 (runs in
//        that order), --seeds=1,2, --batch=<n> (instead of the preset's), --seconds=60, --every=5, --target=0.99, --out=<file>
//        (default bench/results/demo-<date>.json), --warmup=8 (seconds of training on the most threads
//        first, not recorded: both modules tier up to optimized code, so the first timed run is
//        not the only one that pays for it), --quick (few seconds, for a smoke run).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

function options(argv) {
  const value = (name, d) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
  const quick = argv.includes('--quick');
  return {
    quick,
    preset: value('preset', 'mnist-cnn-race'),
    threads: value('threads', '2,1').split(',').map(Number),
    seeds: value('seeds', '1').split(',').map(Number),
    seconds: Number(value('seconds', quick ? 4 : 60)),
    every: Number(value('every', quick ? 2 : 5)),
    target: Number(value('target', 0.99)),
    batch: value('batch', null) && Number(value('batch')),
    out: value('out', null),
    warmup: Number(value('warmup', quick ? 0 : 8)),
  };
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One run on an open page: build the preset with seed and threads, train `seconds`, return the record. */
async function trainOnce(page, { preset, seed, threads, seconds, every, target, batch, log }) {
  await page.selectOption('#preset', preset);
  if (batch) await page.fill('#batch', String(batch));
  await page.fill('#seed', String(seed));
  await page.selectOption('#threads', String(threads));
  await page.evaluate(() => { window.before = window.demo.state.info; });
  await page.click('#reset');
  await page.waitForFunction(() => window.demo.state.info !== window.before && window.demo.state.built, null, { timeout: 60_000 });
  const info = await page.evaluate(() => ({ threads: window.demo.state.threads, batch: Number(document.getElementById('batch').value) }));
  if (info.threads !== threads) throw new Error(`bench:demo: asked for ${threads} threads, the page trains on ${info.threads} (${await page.getAttribute('#s-threads', 'title')})`);
  const wall0 = Date.now();
  await page.click('#start');
  // Evaluate all 10,000 test images each time the training clock passes a mark.
  const marks = [];
  for (let t = every; t <= seconds + 1e-9; t += every) marks.push(Math.round(t * 1000));
  for (const t of [15, 30, 45, 60]) if (t <= seconds && !marks.includes(t * 1000)) marks.push(t * 1000);
  marks.sort((a, b) => a - b);
  const evals = await page.evaluate(async (marks) => {
    const { state, trainer } = window.demo, out = [];
    for (const m of marks) {
      while (state.elapsed < m) await new Promise((r) => setTimeout(r, 100));  // state.elapsed moves every ~200 ms
      const r = await trainer.call('evaluate', 'test', { limit: state.testImages ?? 1000 });
      out.push({ mark: m / 1000, elapsed: r.elapsed / 1000, seen: r.seen, accuracy: r.accuracy, count: r.count });
    }
    return out;
  }, marks);
  const wallSeconds = (Date.now() - wall0) / 1000;
  await page.click('#pause');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'paused');
  const s = await page.evaluate(() => ({ firstEpoch: window.demo.state.firstEpoch, elapsed: window.demo.state.elapsed, rate: document.getElementById('s-rate').textContent }));
  const replicas = await page.evaluate(() => window.demo.trainer.call('replicas'));
  const hit = evals.find((e) => e.accuracy >= target);
  const at = Object.fromEntries([15, 30, 45, 60].filter((t) => t <= seconds).map((t) => [t, evals.find((e) => e.mark === t)?.accuracy ?? null]));
  const rec = {
    preset, seed, threads, batch: info.batch,
    epochSeconds: s.firstEpoch ? s.firstEpoch.elapsed / 1000 : null,
    epochSamplesPerSec: s.firstEpoch ? s.firstEpoch.seen / (s.firstEpoch.elapsed / 1000) : null,
    pageSamplesPerSec: Number(s.rate.replace(/,/g, '')) || null,
    accuracyAt: at,
    target, timeToTarget: hit ? hit.elapsed : null,
    evaluations: evals,
    trainingSeconds: s.elapsed / 1000, wallSeconds,
    replicasIdentical: replicas.identical,
    replicaStats: replicas.stats,
  };
  log(`${preset} seed ${seed}, ${threads} thread${threads > 1 ? 's' : ''}, batch ${info.batch}: epoch ${rec.epochSeconds?.toFixed(1) ?? '—'} s ` +
    `(${rec.epochSamplesPerSec?.toFixed(0) ?? '—'} samples/s); test acc ${Object.entries(at).map(([t, a]) => `${t}s ${a == null ? '—' : (100 * a).toFixed(2) + '%'}`).join(', ')}; ` +
    `≥ ${(100 * target).toFixed(1)}% at ${hit ? `${hit.elapsed.toFixed(1)} s` : 'not reached'}; replicas identical: ${replicas.identical}` +
    (replicas.stats ? `; per step ${(replicas.stats.stepMs / replicas.stats.steps).toFixed(2)} ms, own share ${(replicas.stats.ownMs / replicas.stats.steps).toFixed(2)}, helper's ${(replicas.stats.helperMs[0] / replicas.stats.steps).toFixed(2)}, replica 0 waited ${(replicas.stats.waitMs / replicas.stats.steps).toFixed(2)}` : ''));
  return rec;
}

/** Runs the whole benchmark; returns the JSON record (run.mjs calls this with --demo). */
export async function runDemoBench(argv = [], log = console.log) {
  const o = options(argv);
  const { serve } = await import('../scripts/serve.mjs');
  const { chromium } = await import('playwright-core');
  const server = await serve({ port: 0, quiet: true, isolate: true });
  const profile = mkdtempSync(join(tmpdir(), 'bp-bench-demo-'));
  let context;
  const started = new Date();
  const result = {
    date: started.toISOString(),
    machine: { loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') },
    settings: o,
    caveat: 'Shared 2-core machine: other work ran at the same time. Times are the page\'s training clock (evaluations excluded).',
    runs: [],
  };
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.url);
    await page.waitForFunction(() => window.demo?.state.built, null, { timeout: 120_000 }).catch(() => {
      throw new Error(`bench:demo: the page did not build its net: ${errors.join('; ')}`);
    });
    result.browser = { crossOriginIsolated: await page.evaluate(() => crossOriginIsolated), hardwareConcurrency: await page.evaluate(() => navigator.hardwareConcurrency) };
    if (o.warmup > 0) {
      log(`warm-up: ${o.warmup} s on ${Math.max(...o.threads)} threads (not recorded)`);
      await trainOnce(page, { ...o, seed: o.seeds[0], threads: Math.max(...o.threads), seconds: o.warmup, every: o.warmup, log: () => {} });
    }
    for (const seed of o.seeds)
      for (const threads of o.threads)
        result.runs.push(await trainOnce(page, { ...o, seed, threads, log }));
    if (errors.length) result.pageErrors = errors;
  } finally {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  result.summary = {};
  for (const threads of o.threads) {
    const rs = result.runs.filter((r) => r.threads === threads && r.epochSeconds != null);
    if (!rs.length) continue;
    const ep = rs.map((r) => r.epochSeconds), sps = rs.map((r) => r.epochSamplesPerSec);
    result.summary[threads] = { runs: rs.length, epochSeconds: { median: median(ep), min: Math.min(...ep), max: Math.max(...ep) },
      samplesPerSec: { median: median(sps), min: Math.min(...sps), max: Math.max(...sps) } };
  }
  if (result.summary[1] && result.summary[2]) result.summary.speedup = result.summary[2].samplesPerSec.median / result.summary[1].samplesPerSec.median;
  result.finished = new Date().toISOString();
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  runDemoBench(argv).then((r) => {
    const o = options(argv);
    const out = o.out ?? join(root, o.quick ? 'test-results/bench-demo-quick.json' : `bench/results/demo-${r.date.slice(0, 10)}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(r, null, 2) + '\n');
    if (r.summary.speedup) console.log(`two threads ÷ one: ${r.summary.speedup.toFixed(2)}× (median epoch samples/s)`);
    console.log(`bench:demo: wrote ${out}`);
  }).catch((e) => {
    console.error(e.stack ?? e);
    process.exit(1);
  });
}

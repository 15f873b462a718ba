// ab.mjs: is build B faster or slower than build A? Both builds are loaded into ONE Node process
// and timed in alternating blocks, so a busy minute on a shared machine slows both alike.
//
//   nice -n -19 node bench/ab.mjs <A>/web/index.js <B>/web/index.js [flags]
//
// Each path is a checkout's package entry; it imports its own dist/backprop.mjs, so two checkouts
// give two modules. Per (net, mode) (train = net.trainStep with the bench's plain SGD, infer =
// net.predict, both on bench/suite.js's fixed batch): both builds warm up (V8 tiers the wasm up),
// k steps are picked so a block lasts about --ms, then --blocks blocks per build alternate A B,
// B A, A B, ... Each block's rate is samples per process-CPU-second (process.cpuUsage: the time
// other processes run does not count; their contention for the cores' caches still does), and
// each pair of blocks gives a ratio B/A. Each repeat runs in a fresh process, every other one
// loading B first. Printed: each repeat's median pair ratio with the pairs' interquartile range,
// then per measure the median of all pairs with its 95% confidence interval (docs/speed.md,
// "Comparing two builds", says how to read them). Run a tree against a copy of itself (cp -r web
// dist to another directory) to see the noise floor.
//
// Flags: --nets=mnist-cnn,medium  --modes=train,infer  --repeats=3  --blocks=12  --ms=300
//        --warmup=1000 (ms per build, twice each)  --json=<file> (every block's numbers)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NETS, ourSpec } from './nets.js';
import { batchData } from './suite.js';

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const median = (v) => {
  const s = [...v].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (v, q) => {
  const s = [...v].sort((a, b) => a - b), i = q * (s.length - 1), lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
};
/** A 95% confidence interval of the median (distribution-free: order statistics n/2 ± 0.98·√n). */
const medianCI = (v) => {
  const s = [...v].sort((a, b) => a - b), k = Math.max(0, Math.floor((s.length - 1.96 * Math.sqrt(s.length)) / 2));
  return [s[k], s[s.length - 1 - k]];
};

/** One build's step for (net, mode): a function of the step count, returning process-CPU seconds. */
function stepper(bp, net, mode) {
  const { x, labels } = batchData(net, net.batch);
  const model = bp.sequential(ourSpec(net));
  const one = mode === 'train' ? () => model.trainStep(x, labels, net.batch) : () => model.predict(x, net.batch);
  return {
    run(k) {
      const t = cpuSeconds();
      for (let i = 0; i < k; ++i) one();
      return cpuSeconds() - t;
    },
    dispose: () => model.dispose(),
  };
}

/** Times one (net, mode) on both builds; returns the blocks' rates and the pair ratios B/A. */
function measure(bps, netName, mode, { blocks, ms, warmup }) {
  const net = NETS[netName];
  const s = bps.map((bp) => stepper(bp, net, mode));
  try {
    // Warm-up, alternating, and the step time that sets k (the same k for both builds, so both
    // nets take the same steps: training moves both sets of weights alike).
    let steps = 0, secs = 0;
    for (let round = 0; round < 2; ++round)
      for (const side of s) {
        const t0 = performance.now();
        do {
          const t = side.run(1);
          if (round) (secs += t), ++steps; // the second round: both builds tiered up
        } while (performance.now() - t0 < warmup / 2);
      }
    const k = Math.max(1, Math.round(ms / 1000 / (secs / steps)));
    const rates = [[], []], ratios = [];
    for (let p = 0; p < blocks; ++p) {
      const order = p % 2 ? [1, 0] : [0, 1];
      const r = [0, 0];
      for (const i of order) r[i] = (k * net.batch) / s[i].run(k);
      rates[0].push(r[0]);
      rates[1].push(r[1]);
      ratios.push(r[1] / r[0]);
    }
    return { net: netName, mode, k, rates, ratios, ratio: median(ratios), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) };
  } finally {
    for (const side of s) side.dispose();
  }
}

/** One repeat, in this process: loads both package entries (B first if bFirst) and measures each (net, mode). */
export async function abRepeat({ a, b, bFirst = false, nets, modes, blocks, ms, warmup }) {
  const bps = [];
  for (const entry of bFirst ? [b, a] : [a, b]) bps.push(await (await import(pathToFileURL(resolve(entry)).href)).loadBackprop());
  if (bFirst) bps.reverse();
  const out = [];
  for (const net of nets) for (const mode of modes) out.push(measure(bps, net, mode, { blocks, ms, warmup }));
  return out;
}

/**
 * The comparison: each repeat is a fresh Node process running abRepeat (so V8 places both
 * modules' compiled code anew: a placement can favour one copy of the same build by a few per
 * cent for a whole process), every other one loading B first. log gets one line per measure.
 */
export async function abCompare({ a, b, nets = ['mnist-cnn', 'medium'], modes = ['train', 'infer'], repeats = 3, blocks = 12, ms = 300, warmup = 1000, log = () => {} }) {
  for (const n of nets) if (!NETS[n]) throw new Error(`ab: no net ${n} (bench/nets.js has ${Object.keys(NETS).join(', ')})`);
  for (const m of modes) if (m !== 'train' && m !== 'infer') throw new Error(`ab: mode ${m} is neither train nor infer`);
  const runs = [];
  for (let r = 0; r < repeats; ++r) {
    const job = { a, b, bFirst: r % 2 === 1, nets, modes, blocks, ms, warmup };
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 26 });
    if (child.status !== 0) throw new Error(`ab: repeat ${r + 1} failed: ${child.stderr}`);
    for (const m of JSON.parse(child.stdout)) {
      runs.push({ repeat: r + 1, bFirst: job.bFirst, ...m });
      const f = (v) => Math.round(median(v));
      log(`repeat ${r + 1}: ${m.net} ${m.mode}  B/A ${m.ratio.toFixed(3)} (pairs' IQR ${m.q1.toFixed(3)}–${m.q3.toFixed(3)})  A ${f(m.rates[0])}/s  B ${f(m.rates[1])}/s  (k ${m.k}${job.bFirst ? ', B loaded first' : ''})`);
    }
  }
  const summary = [];
  for (const net of nets)
    for (const mode of modes) {
      const mine = runs.filter((m) => m.net === net && m.mode === mode);
      const all = mine.flatMap((m) => m.ratios);
      summary.push({ net, mode, perRepeat: mine.map((m) => m.ratio), ratio: median(all), ci: medianCI(all) });
    }
  return { a, b, repeats, blocks, ms, warmup, runs, summary };
}

if (process.argv[2] === '--child' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(JSON.stringify(await abRepeat(JSON.parse(readFileSync(0, 'utf8')))));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const value = (name) => args.find((s) => s.startsWith(`--${name}=`))?.split('=')[1];
  const [a, b] = args.filter((s) => !s.startsWith('--'));
  if (!a || !b) {
    console.error('usage: nice -n -19 node bench/ab.mjs <A>/web/index.js <B>/web/index.js [--nets=..] [--modes=..] [--repeats=3] [--blocks=12] [--ms=300] [--warmup=1000] [--json=file]');
    process.exit(2);
  }
  const num = (name, d) => (value(name) === undefined ? d : Number(value(name)));
  const os = await import('node:os');
  console.log(`ab: A = ${a}\nab: B = ${b}\nab: nice ${os.getPriority()}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const r = await abCompare({
    a, b,
    nets: value('nets')?.split(','), modes: value('modes')?.split(','),
    repeats: num('repeats', 3), blocks: num('blocks', 12), ms: num('ms', 300), warmup: num('warmup', 1000),
    log: (line) => console.log(line),
  });
  for (const s of r.summary)
    console.log(`${s.net} ${s.mode}: B/A ${s.ratio.toFixed(3)} (median of all pairs, 95% CI ${s.ci.map((v) => v.toFixed(3)).join('–')}; repeats ${s.perRepeat.map((v) => v.toFixed(3)).join(', ')})`);
  console.log(`ab: load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (value('json')) writeFileSync(value('json'), JSON.stringify(r, null, 1));
}

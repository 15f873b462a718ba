// fuzz.mjs: runs the fuzz harnesses for a bounded time each (docs/fuzzing.md).
//
//   node scripts/fuzz.mjs [--seconds 20] [--seed 1] [target...]     (npm run fuzz -- ...)
//
// Targets: json, spec, model_file (the libFuzzer harnesses fuzz/<target>.cpp, built by
// `node scripts/build.mjs --tests` into build/fuzz/fuzz_<target>) and wasm:json, wasm:spec,
// wasm:model_file (fuzz/wasm.mjs on dist/backprop.mjs); `native` and `wasm` name each group; no
// target: all six. --seconds is per target. libFuzzer keeps what it learns in build/fuzz/corpus/
// <target> (the committed seeds in fuzz/corpus/<target> are only read); findings go to
// test-results/fuzz/. Exit code 1 when a harness found something or did not run its time.
// scripts/test.mjs runs all six with its own short times (fuzzTargets below).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test-results/fuzz');
export const NATIVE = ['json', 'spec', 'model_file'];
export const WASM = NATIVE.map((t) => `wasm:${t}`);

/** The harnesses `names` select (targets or the groups native, wasm; none: all). Throws on an unknown name. */
export function selectTargets(names) {
  if (!names.length) return [...NATIVE, ...WASM];
  const all = [...NATIVE, ...WASM], picked = [];
  for (const n of names) {
    const group = n === 'native' ? NATIVE : n === 'wasm' ? WASM : all.includes(n) ? [n] : null;
    if (!group) throw new Error(`unknown fuzz target '${n}' (known: ${all.join(', ')}, native, wasm)`);
    for (const t of group) if (!picked.includes(t)) picked.push(t);
  }
  return picked;
}

function runNative(target, seconds, seed) {
  const bin = join(root, 'build/fuzz', `fuzz_${target}`);
  if (!existsSync(bin)) return { ok: false, summary: `missing ${relative(root, bin)}: run node scripts/build.mjs --tests (needs clang, see scripts/bootstrap.mjs)` };
  const work = join(root, 'build/fuzz/corpus', target);
  mkdirSync(work, { recursive: true });
  // -timeout: one input slower than 60 s is a finding; -malloc_limit_mb: so is one allocation
  // over 2 GiB (the nets' own limit is 2^26 values); -rss_limit_mb leaves room for ASan.
  const args = [`-max_total_time=${seconds}`, `-seed=${seed}`, '-timeout=60', '-rss_limit_mb=4096', '-malloc_limit_mb=2048',
    `-artifact_prefix=${out}/native-${target}-`, '-print_final_stats=1', work, join(root, 'fuzz/corpus', target)];
  console.log(`$ ${relative(root, bin)} ${args.join(' ').replaceAll(root + '/', '')}`);
  const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, timeout: (seconds + 180) * 1000 });
  const log = (r.stdout ?? '') + (r.stderr ?? '');
  const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1];
  const took = /Done \d+ runs in (\d+) second/.exec(log)?.[1];
  const artifact = /Test unit written to (\S+)/.exec(log)?.[1];
  if (r.status === 0 && runs && took) {
    return { ok: true, summary: `${runs} executions in ${took} s (${Math.round(runs / Math.max(+took, 1))} exec/s), no finding` };
  }
  // The report: libFuzzer's and the sanitizer's lines from the first "==" or "fuzz:" line on.
  const at = log.search(/^(==\d+==|fuzz: |.*runtime error:|.*ERROR: libFuzzer)/m);
  console.log((at >= 0 ? log.slice(at) : log.slice(-4000)).split('\n').slice(0, 60).join('\n'));
  const why = r.error ? `${r.error.message}` : artifact ? 'a finding' : `exit ${r.status ?? r.signal}`;
  return {
    ok: false,
    summary: artifact
      ? `${why}: input saved to ${relative(root, artifact)}; reproduce: ${relative(root, bin)} ${relative(root, artifact)}`
      : `${why} (no input saved)`,
  };
}

function runWasm(target, seconds, seed) {
  const args = ['fuzz/wasm.mjs', '--target', target, '--seconds', String(seconds), '--seed', String(seed), '--out', out];
  console.log(`$ node ${args.join(' ').replaceAll(root + '/', '')}`);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, timeout: (seconds + 180) * 1000 });
  const log = (r.stdout ?? '') + (r.stderr ?? '');
  console.log(log.split('\n').filter((l) => !/^#\d+ pulse/.test(l)).join('\n').trimEnd());
  const done = /\d+ executions in [\d.]+ s \(\d+ exec\/s\).*no finding/.exec(log);
  if (r.status === 0 && done) return { ok: true, summary: done[0] };
  const saved = /input \(\d+ bytes\) saved to (\S+)/.exec(log)?.[1];
  if (saved) return { ok: false, summary: `a finding: input saved to ${saved}; reproduce: node fuzz/wasm.mjs --target ${target} ${saved}` };
  // The process died or hung: the input it was on is the one it wrote last.
  const current = join(out, `current-wasm-${target}`);
  if (!existsSync(current)) return { ok: false, summary: `exit ${r.status ?? r.signal} before the first execution` };
  const keep = join(out, `crash-wasm-${target}-died-${Date.now()}`);
  copyFileSync(current, keep);
  const how = r.error?.code === 'ETIMEDOUT' ? `no answer after ${seconds + 180} s` : `the process ended with ${r.status ?? r.signal}`;
  return { ok: false, summary: `${how}: its last input saved to ${relative(root, keep)}; reproduce: node fuzz/wasm.mjs --target ${target} ${relative(root, keep)}` };
}

/** Runs each target for `seconds` -> [{ name, ok, summary }], printing as it goes. */
export function fuzzTargets(targets, { seconds, seed = 1 }) {
  mkdirSync(out, { recursive: true });
  const results = [];
  for (const t of targets) {
    const r = t.startsWith('wasm:') ? runWasm(t.slice(5), seconds, seed) : runNative(t, seconds, seed);
    console.log(`fuzz ${t}: ${r.ok ? 'ok' : 'FAILED'}: ${r.summary}`);
    results.push({ name: t, ...r });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2), names = [];
  let seconds = 20, seed = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds') seconds = Number(argv[++i]);
    else if (argv[i] === '--seed') seed = Number(argv[++i]);
    else names.push(argv[i]);
  }
  if (!(seconds > 0) || !Number.isSafeInteger(seed)) {
    console.error('usage: node scripts/fuzz.mjs [--seconds S] [--seed N] [json|spec|model_file|wasm:json|wasm:spec|wasm:model_file|native|wasm ...]');
    process.exit(2);
  }
  let targets;
  try {
    targets = selectTargets(names);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const results = fuzzTargets(targets, { seconds, seed });
  console.log('');
  for (const r of results) console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(16)} ${r.summary}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

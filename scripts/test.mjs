// test.mjs: runs every suite and ends with one line "N passed, N failed" summed over all:
//   gtest (native, via CTest), gtest under ASan+UBSan, Vitest (WASM API, package, browser),
//   and the fuzz harnesses for a short time each (one pass per harness that ran its time with
//   no finding; scripts/fuzz.mjs, docs/fuzzing.md).
// Exit code 1 on any failure. Expects `node scripts/build.mjs` to have run (npm test does).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzTargets, NATIVE, WASM } from './fuzz.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NODE_PATH: [process.env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(':') };
mkdirSync(join(root, 'test-results'), { recursive: true });

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  return r;
}

// gtest's summary: "[  PASSED  ] 12 tests." and "[  FAILED  ] 3 tests, listed below:"
function gtestCounts(out, status) {
  const p = /\[  PASSED  \] (\d+) tests?/.exec(out);
  const f = /\[  FAILED  \] (\d+) tests?, listed below/.exec(out);
  const passed = p ? +p[1] : 0;
  let failed = f ? +f[1] : 0;
  if (status !== 0 && failed === 0) failed = 1;  // it crashed (e.g. a sanitizer report)
  return { passed, failed };
}

const suites = [];

// 1. Native gtest through CTest (one CTest test per gtest case).
{
  const r = run('ctest', ['--test-dir', 'build/native', '--output-on-failure', '-j2']);
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(r.stdout ?? '');
  const total = m ? +m[3] : 0, failed = m ? +m[2] : 1;
  suites.push({ name: 'gtest (native)', passed: total - failed, failed: m ? failed : Math.max(failed, 1) });
}

// 2. The same gtest binary under AddressSanitizer + UndefinedBehaviorSanitizer.
{
  const bin = join(root, 'build/asan/bp_tests');
  if (!existsSync(bin)) {
    suites.push({ name: 'gtest (asan+ubsan)', passed: 0, failed: 1 });
    console.error('missing build/asan/bp_tests: run node scripts/build.mjs --tests');
  } else {
    const r = run(bin, ['--gtest_brief=1'], { env: { ...env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' } });
    suites.push({ name: 'gtest (asan+ubsan)', ...gtestCounts(r.stdout ?? '', r.status) });
  }
}

// 3. Vitest: every JS project (WASM API, package, browser), one JSON report.
{
  const report = join(root, 'test-results/vitest.json');
  const r = run(join(root, 'node_modules/.bin/vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${report}`]);
  let passed = 0, failed = 0;
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed = j.numPassedTests;
    failed = j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
    if (!j.success && failed === 0) failed = 1;  // a suite that failed to load
  } else {
    failed = 1;
  }
  if (r.status !== 0 && failed === 0) failed = 1;
  suites.push({ name: 'vitest', passed, failed });
}

// 4. The fuzz harnesses: 15 s per libFuzzer harness, 10 s per WASM target (about 1.5 min).
{
  console.log('\n$ node scripts/fuzz.mjs (15 s per native harness, 10 s per WASM target)');
  const results = [...fuzzTargets(NATIVE, { seconds: 15 }), ...fuzzTargets(WASM, { seconds: 10 })];
  suites.push({ name: 'fuzz', passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length });
}

console.log('\nsuite                     passed  failed');
for (const s of suites) console.log(`${s.name.padEnd(24)} ${String(s.passed).padStart(7)} ${String(s.failed).padStart(7)}`);
const passed = suites.reduce((a, s) => a + s.passed, 0);
const failed = suites.reduce((a, s) => a + s.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

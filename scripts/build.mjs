// build.mjs: builds what is stale (make decides). Flags:
//   --wasm-only   only the WASM module (dist/backprop.mjs)
//   --tests       also the ASan+UBSan native build (build/asan) and the libFuzzer harnesses
//                 (build/fuzz, clang), which `npm test` runs
//   --fuzz        only the libFuzzer harnesses and the WASM module (`npm run fuzz`)
import { execSync } from 'node:child_process';
import { existsSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const jobs = 2;
const env = { ...process.env, NODE_PATH: [process.env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(':') };
const run = (cmd, cwd = root) => execSync(cmd, { cwd, stdio: 'inherit', env });

function cmakeBuild(dir, configure) {
  const abs = join(root, dir);
  if (!existsSync(join(abs, 'Makefile'))) run(`${configure} -S . -B ${dir} > /dev/null`);
  run(`make --no-print-directory -s -j${jobs}`, abs);
}

if (!args.has('--wasm-only') && !args.has('--fuzz')) {
  cmakeBuild('build/native', 'cmake -DCMAKE_BUILD_TYPE=Release');
  if (args.has('--tests')) cmakeBuild('build/asan', 'cmake -DCMAKE_BUILD_TYPE=Debug -DBP_SANITIZE=ON');
}
if (args.has('--tests') || args.has('--fuzz')) cmakeBuild('build/fuzz', 'CXX=clang++-14 cmake -DCMAKE_BUILD_TYPE=Debug -DBP_FUZZ=ON');
cmakeBuild('build/wasm', 'emcmake cmake -DCMAKE_BUILD_TYPE=Release');

const mod = join(root, 'dist', 'backprop.mjs');
const bytes = readFileSync(mod);
console.log(`build: dist/backprop.mjs ${(bytes.length / 1024).toFixed(1)} KB, ${(gzipSync(bytes).length / 1024).toFixed(1)} KB gzipped`);

// The embed's files in dist/: element.js (the one <script> a blog post needs; it loads
// web/embed/element.js beside it in the package) and the bundled MNIST subset (made once); and
// dist/mnist/, full MNIST gzipped, the demo's (scripts/mnist.mjs; made when missing).
{
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(root, 'dist', 'element.js'), "// The <backprop-demo> custom element (see web/embed/element.js).\nexport * from '../web/embed/element.js';\n");
  const subset = join(root, 'dist', 'mnist-subset.bin');
  if (!existsSync(subset)) {
    const { writeMnistSubset } = await import('./mnist-subset.mjs');
    console.log(`build: dist/mnist-subset.bin ${((await writeMnistSubset(subset)) / 1024).toFixed(1)} KB`);
  }
  const { writeMnistGz } = await import('./mnist.mjs');
  try {
    const made = await writeMnistGz();
    if (made.some((m) => m.written)) console.log(`build: dist/mnist/ (4 files gzipped) ${(made.reduce((a, m) => a + m.bytes, 0) / 1e6).toFixed(1)} MB`);
  } catch (e) {
    if (e.name !== 'BackpropError') throw e;
    console.log(`build: dist/mnist/ not written, so the demo has no MNIST: ${e.message}`);  // the package needs none of it
  }
}

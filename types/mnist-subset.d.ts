// backprop-wasm/mnist-subset: the MNIST subset bundled with the package (dist/mnist-subset.bin).
import type { MnistSet } from './index.js';

/**
 * The bundled subset, read and decoded in a page, a worker or Node: the first 2,000 training and
 * 500 test images of MNIST (4-bit pixels, 960 KB). url: another copy of the file (relative to the page).
 */
export function loadMnistSubset(url?: string | URL): Promise<{ train: MnistSet; test: MnistSet }>;

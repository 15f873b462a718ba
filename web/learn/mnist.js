// mnist.js: the bundled MNIST subset (dist/mnist-subset.bin, 2000 training and 500 test digits),
// fetched and decoded once for the optimizer race and the network chapter.
import { loadMnistSubset } from '../core/mnist-subset.js';

let subset = null;
export function loadSubset() {
  return (subset ??= loadMnistSubset());
}

/** Images `indices` of a set as float32 pixels in [0, 1] and their labels. */
export function batchOf(set, indices) {
  const px = set.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * px), y = new Float32Array(indices.length);
  indices.forEach((k, s) => {
    const img = set.images.subarray(k * px, (k + 1) * px);
    for (let i = 0; i < px; i++) x[s * px + i] = img[i] / 255;
    y[s] = set.labels[k];
  });
  return { x, y, n: indices.length };
}

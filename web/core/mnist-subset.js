// mnist-subset.js: the small MNIST subset bundled with the package (dist/mnist-subset.bin, made by
// scripts/mnist-subset.mjs at build time), so a blog post or a quick start trains without 55 MB.
// Its own entry, backprop-wasm/mnist-subset, not the main one: a bundler copies the file into the
// build of every app that reaches this module.
//
//   header (little-endian uint32): magic 'BPMS', version 1, trainCount, testCount, rows, cols
//   then train images, test images as 4-bit pixels (two per byte, high nibble first; v = q * 17),
//   then train labels, test labels (one byte each)
import { BackpropError } from './errors.js';
import { readBytes } from './read-bytes.js';

const MAGIC = 0x534d5042; // 'BPMS'
const HEADER = 24;

/** { train: {images, labels}, test: {images, labels} } (uint8 MNIST sets, same rows/cols) -> bytes. */
export function encodeMnistSubset(train, test, rows = 28, cols = 28) {
  const px = rows * cols;
  const nTrain = train.labels.length, nTest = test.labels.length;
  const packed = Math.ceil(((nTrain + nTest) * px) / 2);
  const out = new Uint8Array(HEADER + packed + nTrain + nTest);
  const dv = new DataView(out.buffer);
  [MAGIC, 1, nTrain, nTest, rows, cols].forEach((v, i) => dv.setUint32(4 * i, v, true));
  let k = 0;
  for (const img of [train.images.subarray(0, nTrain * px), test.images.subarray(0, nTest * px)])
    for (let i = 0; i < img.length; i++, k++) {
      const q = Math.round(img[i] / 17);
      out[HEADER + (k >> 1)] |= k & 1 ? q : q << 4;
    }
  out.set(train.labels.subarray(0, nTrain), HEADER + packed);
  out.set(test.labels.subarray(0, nTest), HEADER + packed + nTrain);
  return out;
}

// Where dist/mnist-subset.bin is. Where this file sits in the package (Node, a page that loads the
// package's files as they are, webpack), two folders up. A bundler that moved it into a file of
// its own (Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/) finds the
// package's files by the package's name instead. Both are literals so that bundlers copy the file.
const inPlace = /\/web\/core\/mnist-subset\.js(?:[?#]|$)/.test(import.meta.url);
const subsetUrl = () => (inPlace ? new URL('../../dist/mnist-subset.bin', import.meta.url) : new URL('backprop-wasm/dist/mnist-subset.bin', import.meta.url));

/**
 * The bundled subset (dist/mnist-subset.bin: 2,000 training and 500 test images), read and
 * decoded, in a page, a worker or Node: { train: { images, labels, count, shape }, test }.
 * url: another copy of the file (relative to the page).
 */
export async function loadMnistSubset(url = subsetUrl()) {
  let at;
  try {
    at = new URL(url, globalThis.location?.href);
  } catch {
    throw new BackpropError(`mnist subset: ${url} is not a URL`);
  }
  return decodeMnistSubset(await readBytes(at, `mnist subset ${at}`));
}

/** bytes -> { train: {images, labels, count, shape}, test: {...} } with uint8 pixels; BackpropError on a bad file. */
export function decodeMnistSubset(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < HEADER) throw new BackpropError(`mnist subset: ${u8.length} bytes is too short for its header`);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const [magic, version, nTrain, nTest, rows, cols] = [0, 1, 2, 3, 4, 5].map((i) => dv.getUint32(4 * i, true));
  if (magic !== MAGIC) throw new BackpropError(`mnist subset: bad magic 0x${magic.toString(16)} (expected 'BPMS')`);
  if (version !== 1) throw new BackpropError(`mnist subset: version ${version} is not supported (1)`);
  const px = rows * cols;
  const packed = Math.ceil(((nTrain + nTest) * px) / 2);
  const need = HEADER + packed + nTrain + nTest;
  if (u8.length !== need) throw new BackpropError(`mnist subset: ${u8.length} bytes, header says ${need}`);
  const pixels = new Uint8Array((nTrain + nTest) * px);
  for (let k = 0; k < pixels.length; k++) {
    const b = u8[HEADER + (k >> 1)];
    pixels[k] = (k & 1 ? b & 15 : b >> 4) * 17;
  }
  const labels = u8.slice(HEADER + packed);
  for (let i = 0; i < labels.length; i++)
    if (labels[i] > 9) throw new BackpropError(`mnist subset: label ${labels[i]} at index ${i} is not a digit 0-9`);
  const set = (from, count) => ({
    images: pixels.subarray(from * px, (from + count) * px),
    labels: labels.subarray(from, from + count),
    count,
    shape: [1, rows, cols],
  });
  return { train: set(0, nTrain), test: set(nTrain, nTest) };
}

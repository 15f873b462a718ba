// mnist.js: IDX files (LeCun's MNIST format), parsed and checked, read from a folder (a URL: the
// four files gzipped, `<name>.gz`, else as they are; read-bytes.js fetches, or reads file: URLs in
// Node) or through the caller's own reader. No DOM.
//
//   IDX header: 0x00 0x00 <type 0x08 = uint8> <ndims>, then ndims big-endian uint32 sizes.
//   images: 0x00000803, [count, 28, 28]     labels: 0x00000801, [count]
import { BackpropError } from './errors.js';
import { readGzOrRaw } from './read-bytes.js';

/** Parses an IDX uint8 file: -> { dims: number[], data: Uint8Array } (data is a view of the bytes). */
export function parseIdx(bytes, what = 'IDX file') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < 4) throw new BackpropError(`${what}: ${u8.length} bytes is too short for an IDX header`);
  if (u8[0] !== 0 || u8[1] !== 0)
    throw new BackpropError(`${what}: bad magic 0x${hex(u8, 0, 4)} (IDX files start 0x0000; gzipped? unpack it first)`);
  if (u8[2] !== 0x08) throw new BackpropError(`${what}: element type 0x${u8[2].toString(16).padStart(2, '0')} is not uint8 (0x08)`);
  const ndims = u8[3];
  if (ndims < 1 || ndims > 4) throw new BackpropError(`${what}: ${ndims} dimensions (expected 1 to 4)`);
  const headerLen = 4 + 4 * ndims;
  if (u8.length < headerLen) throw new BackpropError(`${what}: truncated header (${u8.length} bytes, needs ${headerLen})`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (u8.length !== headerLen + count)
    throw new BackpropError(`${what}: size ${u8.length} bytes does not match its header [${dims}] (expected ${headerLen + count})`);
  return { dims, data: u8.subarray(headerLen) };
}

/** Checks an images/labels pair: -> { images: Uint8Array (count*rows*cols), labels: Uint8Array, count, shape: [1,rows,cols] }. */
export function mnistFromIdx(imageBytes, labelBytes, name = 'mnist') {
  const img = parseIdx(imageBytes, `${name} images`);
  const lab = parseIdx(labelBytes, `${name} labels`);
  if (img.dims.length !== 3) throw new BackpropError(`${name} images: expected [count, rows, cols], got [${img.dims}]`);
  if (lab.dims.length !== 1) throw new BackpropError(`${name} labels: expected [count], got [${lab.dims}]`);
  if (img.dims[0] !== lab.dims[0])
    throw new BackpropError(`${name}: ${img.dims[0]} images but ${lab.dims[0]} labels`);
  for (let i = 0; i < lab.data.length; i++)
    if (lab.data[i] > 9) throw new BackpropError(`${name} labels: label ${lab.data[i]} at index ${i} is not a digit 0-9`);
  return { images: img.data, labels: lab.data, count: img.dims[0], shape: [1, img.dims[1], img.dims[2]] };
}

export const MNIST_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/**
 * Loads MNIST from source: a folder (a URL or string, relative to the page; file: URLs in Node) with
 * the four files gzipped (`${name}.gz`, unpacked as they stream in) or, where it has no .gz, the IDX
 * file itself; or a reader, read(fileName) -> Promise<ArrayBuffer|Uint8Array> of the
 * IDX file. onBytes({ file, loaded, total, unpacked }) as a folder's files arrive (bytes transferred,
 * Content-Length, bytes unpacked: per file, so far).
 * -> { train: {images, labels, count, shape}, test: {...} }
 */
export async function loadMnist(source, { sets = ['train', 'test'], onBytes = () => {} } = {}) {
  const own = typeof source === 'function';
  let read = (name) => source(name);
  if (!own) {
    let dir;
    try {
      dir = new URL(String(source).endsWith('/') ? source : `${source}/`, globalThis.location?.href);
    } catch {
      throw new BackpropError(`mnist: ${source} is not the URL of a folder`);
    }
    read = async (name, set) => (await readGzOrRaw(dir, name, `mnist ${set}: `, (p) => onBytes({ file: name, ...p }))).bytes;
  }
  // Every file at once; a failure: the first file's in this order (not whichever failed first).
  const files = await Promise.allSettled(sets.flatMap((set) => MNIST_FILES[set].map((name) => read(name, set))));
  const bytes = sets.map((set, k) => {
    const [img, lab] = files.slice(2 * k, 2 * k + 2), failed = [img, lab].find((f) => f.status === 'rejected');
    if (failed && !own) throw failed.reason;  // the folder's errors name the file
    if (failed) throw new BackpropError(`mnist ${set}: cannot read ${MNIST_FILES[set].join('/')} (${failed.reason.message})`);
    return [img.value, lab.value];
  });
  return Object.fromEntries(sets.map((set, k) => [set, mnistFromIdx(bytes[k][0], bytes[k][1], `mnist ${set}`)]));
}

function hex(u8, from, to) {
  return Array.from(u8.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');
}

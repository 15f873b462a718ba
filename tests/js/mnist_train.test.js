// MNIST end to end through WASM: the mnist-cnn preset, a short seeded run on the first
// training images, tested on the first 2,000 test images. (The full one-epoch run that
// reaches >= 98.5% is `npm run example -- mnist-cnn`; its numbers are in the README.)
import { describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { loadMnistFromDir } from '../../web/node.js';
import { preset } from '../../web/presets.js';

const TRAIN = 4000, TEST = 2000;

describe('mnist-cnn preset', () => {
  it(`reaches >= 95% on ${TEST} test images after one seeded epoch over ${TRAIN} training images`, async () => {
    const bp = await loadBackprop();
    const { train, test } = await loadMnistFromDir();
    const { spec, fit } = preset('mnist-cnn');
    const net = bp.sequential(spec);
    const trainSet = bp.dataset(train.images.subarray(0, TRAIN * 784), train.labels.subarray(0, TRAIN), [1, 28, 28], { classes: 10 });
    const testSet = bp.dataset(test.images.subarray(0, TEST * 784), test.labels.subarray(0, TEST), [1, 28, 28], { classes: 10 });
    // Sanity badge: an untrained 10-class softmax starts near ln 10 = 2.303.
    expect(net.evaluate(testSet).loss).toBeGreaterThan(1.9);
    expect(net.evaluate(testSet).loss).toBeLessThan(2.7);
    const progress = [];
    const r = net.fit(trainSet, { epochs: 1, batchSize: fit.batchSize, seed: 1, progressEvery: 50, onProgress: (p) => progress.push(p) });
    expect(r.steps).toBe(TRAIN / fit.batchSize);
    expect(progress.at(-1).epoch).toBe(1);
    expect(progress.at(-1).loss).toBeLessThan(progress[0].loss);
    const { accuracy } = net.evaluate(testSet);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    trainSet.dispose();
    testSet.dispose();
    net.dispose();
  }, 180_000);
});

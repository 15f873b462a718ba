// run.mjs: the derivation series' exercises as Node scripts.
//   npm run example -- linear-regression | mnist-mlp | mnist-cnn [--epochs N] [--limit N]
//                                        [--lr X] [--decay X] [--batch N] [--seed N]
// Each prints progress while it trains and the final result (MNIST: accuracy on all 10,000
// test images).
import { loadBackprop } from '../web/index.js';
import { loadMnistFromDir } from '../web/core/node.js';
import { preset } from '../web/core/presets.js';

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('--'));
const opt = (flag, dflt) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const examples = { 'linear-regression': linearRegression, 'mnist-mlp': () => mnist('mlp'), 'mnist-cnn': () => mnist('mnist-cnn') };
if (!examples[name]) {
  console.error(`usage: npm run example -- ${Object.keys(examples).join(' | ')} [--epochs N] [--limit N]`);
  process.exit(2);
}
const bp = await loadBackprop();
await examples[name]();

// y = 3·x0 − 2·x1 + 0.5 + noise, fitted by one dense unit with mse and plain SGD.
async function linearRegression() {
  const n = 1000, wTrue = [3, -2], bTrue = 0.5;
  let s = 42;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;  // LCG, seeded
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rand();
    x[2 * i + 1] = rand();
    y[i] = wTrue[0] * x[2 * i] + wTrue[1] * x[2 * i + 1] + bTrue + 0.05 * rand();
  }
  const net = bp.sequential({ input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse', optimizer: { type: 'sgd', lr: 0.1 } });
  const ds = bp.dataset(x, y, [2]);
  const r = net.fit(ds, {
    epochs: opt('--epochs', 20),
    batchSize: 32,
    progressEvery: 64,
    onProgress: (p) => console.log(`step ${p.step}  epoch ${p.epoch.toFixed(2)}  loss ${p.loss.toExponential(3)}`),
  });
  const w = net.getParam(0, 'weight'), b = net.getParam(0, 'bias');
  console.log(`learned w = [${[...w].map((v) => v.toFixed(3))}], b = ${b[0].toFixed(3)}  (true [${wTrue}], ${bTrue})`);
  console.log(`final mse ${net.evaluate(ds).loss.toExponential(3)} (noise floor ${(0.05 ** 2 / 3).toExponential(3)}), ${r.seconds.toFixed(2)} s`);
  ds.dispose();
  net.dispose();
}

async function mnist(presetName) {
  const p = preset(presetName);
  const t0 = performance.now();
  const { train, test } = await loadMnistFromDir();
  const limit = opt('--limit', train.count);
  const spec = p.spec;
  if (args.includes('--lr')) spec.optimizer.lr = opt('--lr');
  if (args.includes('--decay')) spec.optimizer.decay = opt('--decay');
  if (args.includes('--seed')) spec.seed = opt('--seed');
  const batchSize = opt('--batch', p.fit.batchSize);
  if (spec.input.length === 1) spec.input = [train.shape[1] * train.shape[2]];  // the MLP reads flat pixels
  const net = bp.sequential(spec);
  const trainSet = bp.dataset(train.images.subarray(0, limit * 784), train.labels.subarray(0, limit), spec.input, { classes: 10 });
  const testSet = bp.dataset(test.images, test.labels, spec.input, { classes: 10 });
  console.log(`${presetName}: ${net.paramInfo().length} parameter tensors, optimizer ${JSON.stringify(net.optimizer)}`);
  console.log(`training on ${trainSet.count} images, batch ${batchSize}, ${opt('--epochs', 1)} epoch(s)`);
  const tFit = performance.now();
  const r = net.fit(trainSet, {
    epochs: opt('--epochs', 1),
    batchSize,
    seed: 1,
    progressEvery: 100,
    onProgress: (q) =>
      console.log(`step ${q.step}  epoch ${q.epoch.toFixed(3)}  loss ${q.loss.toFixed(4)}  ${Math.round(q.samplesPerSec)} samples/s`),
  });
  const trainSec = (performance.now() - tFit) / 1000;
  const ev = net.evaluate(testSet);
  console.log(`test: accuracy ${(100 * ev.accuracy).toFixed(2)}% on ${testSet.count} images, loss ${ev.loss.toFixed(4)}`);
  console.log(`training ${trainSec.toFixed(1)} s (${Math.round(r.samplesPerSec)} samples/s), total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  trainSet.dispose();
  testSet.dispose();
  net.dispose();
}

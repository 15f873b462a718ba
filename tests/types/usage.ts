// Uses every call of the public API, so `tsc --noEmit` proves the declarations (types/*.d.ts)
// cover it, resolved as Node resolves the package (moduleResolution nodenext: the "node"
// condition's types, with the Node helpers). Checked by tests/js/types.test.js; never run.
import {
  loadBackprop, BackpropError, setLeakWarnings, trainer, Trainer, TrainerEvent, Net as NetClass, Dataset as DatasetClass, loadMnistFromDir as fromRoot,
  parseIdx, mnistFromIdx, MNIST_FILES, loadMnist, embedCode, presets, preset, settingsToHash, settingsFromHash,
  BUGS, errorBand, type GradCheckReport, type TraceReport, type NumericGradient,
  type Backprop, type Net, type Dataset, type GradCheckRow, type NetSpec, type Evaluation, type FitProgress, type FitResult, type TrainerProgress,
} from 'backprop-wasm';
import { loadMnistFromDir, mnistDataDir } from 'backprop-wasm/node';
import { loadMnistSubset } from 'backprop-wasm/mnist-subset';
import { BackpropDemoElement } from 'backprop-wasm/element';
import { trainer as workerOnlyTrainer, type TrainerFitResult as FitR, type TrainerCheckpoint } from 'backprop-wasm/trainer';
import { ReplicaGroup } from 'backprop-wasm/web/worker/replicas.js';
import { serve } from 'backprop-wasm/web/worker/session.js';

async function main(): Promise<void> {
  const bp: Backprop = await loadBackprop();
  const spec: NetSpec = {
    input: [1, 28, 28],
    layers: [{ type: 'conv2d', filters: 8, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 }, { type: 'dense', units: 10 }],
    loss: 'softmax_cross_entropy',
    dtype: 'float32',
    seed: 1,
    optimizer: { type: 'adam', lr: 1e-3 },
  };
  const net: Net = bp.sequential(spec);
  const x = new Float32Array(2 * 784);
  const y = [3, 7];
  const dtype: 'float32' | 'float64' = net.dtype;
  const shapes: number[][] = [net.inputShape, net.outputShape, net.spec.input];
  const layerTypes: string[] = net.layers().map((l) => l.type);
  const names: string[] = net.paramInfo().map((p) => `${p.layer}.${p.name}[${p.shape}]`);
  const w: Float32Array | Float64Array = net.getParam(0, 'weight');
  net.setParam(0, 'weight', w);
  net.setParam(0, 'bias', [0, 0, 0, 0, 0, 0, 0, 0]);
  const g = net.getGrad(0, 'weight');
  const out = net.forward(x, 2);
  const dx = net.backward(new Float32Array(out.length));
  net.zeroGrad();
  const l1: number = net.computeGradients(x, y, 2);
  const l2: number = net.loss(x, y, 2);
  const rows: GradCheckRow[] = net.gradCheck(x, y, 2, { eps: 1e-6, stencil: 4, maxCoords: 50, seed: 3, bug: 'conv-no-rotate' }).rows;
  const tr: TraceReport = net.trace(x, y, 2, { bug: 'conv-crop-off-by-one' });
  const conv = tr.layers[0];
  const steps: number = (conv.steps.dInputPadded?.values[0] ?? 0) + (conv.steps.argmax?.values[0] ?? 0) + conv.dInput[0] + conv.grads.weight.values[0];
  const lossParts: number = tr.loss.value + tr.loss.dInput[0] + (tr.loss.probs?.[0] ?? 0) + tr.brokenLayer + conv.inputShape[0];
  const ng: NumericGradient = net.numericGradient(x, y, 2, { layer: 0, tensor: 'weight', eps: 1e-6, stencil: 2 });
  const ngLast: number = net.numericGradient(x, y, 2, { layer: tr.layers.length, tensor: 'input' }).values[0] + ng.kinks[0];
  const worst = Math.max(...rows.map((r) => r.maxRelError + r.maxAbsError + r.checked + r.kinks + (r.passed ? 0 : 1)));

  net.setOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4, decay: 0 });
  net.setOptimizer({ type: 'rmsprop', lr: 1e-3, alpha: 0.99, eps: 1e-8, momentum: 0 });
  net.setOptimizer({ type: 'adagrad', lr: 1e-2, eps: 1e-10 });
  net.setOptimizer({ type: 'adadelta', lr: 1, rho: 0.9, eps: 1e-6 });
  const loss: number = net.trainStep(x, y, 2);
  const ev: Evaluation = net.evaluate(x, y, 2);
  const opt = net.optimizer.type;
  const probs = net.predict(x, 2);
  const ds: Dataset = bp.dataset(new Uint8Array(2 * 784), new Uint8Array([3, 7]), [1, 28, 28], { classes: 10 });
  const p: FitResult = net.fit(ds, { epochs: 1, batchSize: 2, shuffle: true, seed: 1, progressEvery: 5, onProgress: (q: FitProgress) => q.loss + q.step + q.epoch + q.samplesPerSec > 0 });
  net.fit(ds, { steps: 3 });
  net.resetFit();
  const total: number = net.fitTotal(ds, { epochs: 2, batchSize: 2 });
  const chunk = net.fitSteps(ds, 2, { batchSize: 2, shuffle: true, seed: 1 });
  const batch: Uint32Array = net.nextBatch(ds, { batchSize: 2 });
  const where = net.fitPosition();
  const gl: number = net.gradientsAt(ds, batch);
  const grads = net.getGradients(new Float32Array(10));
  net.setGradients(grads);
  net.applyGradients();
  const pl: number = net.paramGradients(x, y, 2);
  const report: GradCheckReport = net.gradCheckDataset(ds, { samples: 2, pool: 8, bug: 'relu-no-mask', stencil: 4 });
  const band = errorBand(report.rows[0]);
  const label: string = BUGS[report.bug] + report.brokenLayer + report.samples.length;
  const { images, labels, shape } = ds.export();
  const some = ds.samples([0, 1]);
  console.log(total, chunk.lossSum + chunk.epoch + chunk.position, where.totalSteps, gl, pl, band, label, images, labels, shape, some.x, ds.targetSize);
  const acc: number | null = net.evaluate(ds, { batchSize: 64, limit: 10 }).accuracy;
  const ev2: Evaluation = net.evaluateDataset(ds);
  const bytes: Uint8Array = net.save({ optimizer: false });
  using again = bp.load(bytes);
  const fromJson = bp.fromJSON(net.toJSON());
  fromJson.dispose();
  ds.dispose();
  const heap: number = bp.heapInUse() + bp.memoryBytes() + bp.peakGflops(50) + bp.memory().inUse + bp.memory().budget;
  bp.setMemoryBudget(64 * 2 ** 20);
  await bp.ready();
  if (heap < 0) bp.simulateAbort();
  bp.setReferenceKernels(true);
  bp.setWinograd(false);
  console.log(net instanceof NetClass, ds instanceof DatasetClass);
  net.dispose();
  console.log(opt, acc, ev2, p.steps + p.samples + p.lastLoss + p.seconds, dtype, shapes, layerTypes, names, g, dx, l1, l2, worst, loss, ev.loss, ev.accuracy, probs, p, again.outputShape, heap, ds.count, ds.shape);
  setLeakWarnings(false);

  try {
    bp.sequential({ input: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernel: 0 }], loss: 'mse' });
  } catch (e) {
    if (e instanceof BackpropError) console.log(e.name, e.message);
  }

  // The async trainer (worker API).
  const t: Trainer = await trainer(spec, { worker: true });
  const t2 = await trainer(spec, { worker: false });
  const t4 = await workerOnlyTrainer(spec);
  const r4: FitR = await t4.fit('train', { steps: 1 });
  console.log(r4.stopped);
  t.addEventListener('progress', (e) => console.log(e.detail.loss, e.detail.done));
  t.addEventListener('evaluate', (e) => console.log(e.detail.accuracy, e.detail.probeAccuracy));
  t.addEventListener('restart', (e) => console.log(e.detail.message, e.detail.kept.step, e.detail.lost.steps, e.detail.lost.calls, t.restarts));
  const kept: TrainerCheckpoint | null = t.checkpoint;
  console.log(kept?.bytes.length, kept?.fit?.steps);
  const onProgress = (q: TrainerProgress) => console.log(q.step, q.done, q.total, q.threadsError);
  t.addEventListener('gradcheck', (e) => console.log(e.detail.rows.map((r) => r.maxRelError), e.detail.step));
  t.addEventListener('error', (e) => console.log(e.detail.message));
  const info = t.info();
  console.log(info.params, t.inputShape, t.outputShape, t.dtype);
  await t.init(spec);
  const tl: number = await t.trainStep(x, y, 2);
  const { count } = await t.setData('train', new Uint8Array(2 * 784), new Uint8Array([3, 7]), [1, 28, 28]);
  const fitted = await t.fit('train', { epochs: 1, batchSize: 2, chunk: 5, onProgress });
  const te2: Evaluation = await t.evaluate('train', { limit: 2 });
  await t.stop();
  const te: Evaluation = await t.evaluate(x, y, 2);
  const tp = await t.predict(x, 2);
  const tf = await t.forward(x, 2);
  const trows: GradCheckRow[] = (await t.gradCheck(x, y, 2, { maxCoords: 10 })).rows;
  const tw = await t.getParam(0, 'weight');
  await t.setParam(0, 'weight', tw);
  await t.setOptimizer({ type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, biasCorrection: true });
  const saved: Uint8Array = await t.save();
  const reloaded = await t.load(saved);
  console.log(te2, tl, count, fitted.stopped, fitted.loss, te, tp, tf, trows, reloaded.outputShape, new TrainerEvent('progress', 1).detail);
  const mnist = await t.call('loadMnist', { base: 'https://example.com/mnist/', probe: 100 });
  const t5 = await Trainer.create({ worker: true, checkpointEvery: 2000, heartbeat: 500, timeout: 10_000 });
  t5.simulateCrash();
  t5.simulateCrash('hang');
  await t.dispose();
  await using t3 = t2;
  console.log(mnist, t5);
  console.log(t3.dtype);

  // Presets.
  const cnn: NetSpec = preset('mnist-cnn').spec;
  const why: string = presets['tiny-cnn'].why.optimizer + presets.mlp.fit.batchSize;
  bp.sequential(cnn).dispose();
  console.log(why);

  // MNIST helpers.
  const idx = parseIdx(new Uint8Array(12));
  const set = mnistFromIdx(new Uint8Array(16), new Uint8Array(8), 'x');
  const sets = await loadMnist(async (f) => new Uint8Array(f.length), { sets: ['train'] });
  const fromDir = await loadMnistFromDir(mnistDataDir(), { sets: ['test'] });
  const viaRoot = await fromRoot(undefined, { sets: ['train'] });
  const subset = await loadMnistSubset();
  const otherCopy = await loadMnistSubset(new URL('https://example.com/mnist-subset.bin'));
  console.log(viaRoot.train?.count, subset.train.labels, subset.test.shape, otherCopy.test.count);
  const hosted = await loadMnist('mnist/', { sets: ['test'], onBytes: ({ file, loaded, total, unpacked }) => console.log(file, loaded, total, unpacked) });
  const hostedUrl = await loadMnist(new URL('https://example.com/mnist/'));
  t.addEventListener('loading', (e) => console.log(e.detail.loaded, e.detail.unpacked));
  console.log(hosted.test?.count, hostedUrl.train?.count);

  // Data-parallel replicas and serving a port of your own.
  if (ReplicaGroup.supported()) {
    const ds2 = bp.dataset(new Uint8Array(4 * 784), [0, 1, 2, 3], [1, 28, 28]);
    const group = await ReplicaGroup.start(bp.sequential(cnn), ds2, { threads: 2, maxBatch: 64 });
    const run = group.run(2, { batchSize: 2, seed: 1 });
    const same: boolean = await group.identical();
    console.log(run.lossSum, group.step(new Uint32Array([0, 1])), same, group.stats().helperMs, group.threads);
    group.terminate();
  }
  const { port1, port2 } = new MessageChannel();
  serve(port1);
  const overPort = await trainer(spec, { worker: port2 });
  await overPort.dispose();
  console.log(idx.dims, set.count, set.shape, sets.train?.labels, fromDir.test?.images, MNIST_FILES.train[0]);

  // Embed helpers and the element.
  const tag: string = embedCode({ preset: 'mnist-cnn', epochs: 3, panels: ['train', 'gradcheck', 'draw'], speed: 'watch', theme: 'dark' });
  const frame: string = embedCode({ preset: 'mlp' }, { iframe: true, base: 'https://example.com/bp' });
  const hash: string = settingsToHash(settingsFromHash('#preset=mlp&seed=3'));
  const el: BackpropDemoElement = document.createElement('backprop-demo');
  el.addEventListener('backprop-progress', (e) => console.log(e.detail.step, e.detail.loss));
  el.addEventListener('backprop-done', (e) => console.log(e.detail.testAccuracy));
  el.addEventListener('backprop-restart', (e) => console.log(e.detail.kept.step, e.detail.lost.steps));
  await el.start();
  await el.breakIt('relu-no-mask');
  await el.stop();
  console.log(tag, frame, hash, el.state, el.settings.preset, el.heading, el.bug);
}

main();

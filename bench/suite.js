// suite.js: the benchmark itself, the same module in Node and in the page. The drivers
// (bench/run.mjs for Node, bench/bench.html for Chromium) load the libraries and pass them in;
// this file only builds the nets, times them and returns plain JSON.
//
// A measurement: warm up for `ms`, pick k steps so one timed run lasts about `ms`, then time
// `runs` runs of k steps; each run gives samples/s; we report the median and min–max.
// Inputs are fixed pseudo-random values in [0, 1) with labels 0..9 (speed does not depend on them);
// every library trains on the same batch with plain SGD (lr 0.01, no momentum).
import { LR, NETS, flops, ourSpec, tfjsModel, convnetjsDefs } from './nets.js';
import { registerConv2DBackpropFilter, checkConv2DBackpropFilter } from './tfjs-conv2d-backprop-filter.js';

export async function measure(step, samplesPerStep, { runs, ms }) {
  const t0 = performance.now();
  let warm = 0;
  do {
    await step();
    ++warm;
  } while (performance.now() - t0 < ms);
  const perStep = (performance.now() - t0) / warm;
  const k = Math.max(1, Math.round(ms / perStep));
  const rates = [];
  for (let r = 0; r < runs; ++r) {
    const t = performance.now();
    for (let i = 0; i < k; ++i) await step();
    rates.push((k * samplesPerStep) / ((performance.now() - t) / 1000));
  }
  const s = [...rates].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs, stepsPerRun: k };
}

export function batchData(net, n) {
  const size = net.input.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  let s = 0x9e3779b9;
  for (let i = 0; i < x.length; ++i) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; // a small integer hash: fixed values in [0,1)
    x[i] = s / 4294967296;
  }
  const labels = Float64Array.from({ length: n }, (_, i) => i % net.classes);
  return { x, labels, size };
}

/** Our train step: net.trainStep (the spec's SGD) when the API has it, else computeGradients (no update). */
function ourTrainer(net) {
  if (typeof net.trainStep === 'function')
    return { how: `net.trainStep, optimizer ${JSON.stringify(net.optimizer)}`, step: (x, labels, n) => net.trainStep(x, labels, n) };
  return { how: 'net.computeGradients (zero grads, forward, loss, backward; no optimizer update)', step: (x, labels, n) => net.computeGradients(x, labels, n) };
}

async function benchOurs(bp, net, opt) {
  const { x, labels } = batchData(net, net.batch);
  const model = bp.sequential(ourSpec(net));
  try {
    const trainer = ourTrainer(model);
    const train = await measure(() => trainer.step(x, labels, net.batch), net.batch, opt);
    // Inference is net.predict (no backward follows: layers skip backward-only work, and the
    // softmax probabilities come back), as TF.js's model.predict + data() and ConvNetJS's forward(vol, false).
    const infer = await measure(() => model.predict(x, net.batch), net.batch, opt);
    return { trainStep: trainer.how, inferCall: 'net.predict', train, infer };
  } finally {
    model.dispose();
  }
}

/** WASM heap while training mnist-cnn at batch 64 (issue target: <= 64 MB beyond the dataset). */
function ourMemory(bp) {
  const net = { ...NETS['mnist-cnn'], batch: 64 };
  const { x, labels } = batchData(net, 64);
  const before = bp.heapInUse();
  const model = bp.sequential(ourSpec(net));
  const trainer = ourTrainer(model);
  for (let i = 0; i < 3; ++i) trainer.step(x, labels, 64);
  const during = bp.heapInUse();
  const memoryBytes = typeof bp.memoryBytes === 'function' ? bp.memoryBytes() : null;
  model.dispose();
  return { batch: 64, heapInUseBytes: during, netBytes: during - before, wasmMemoryBytes: memoryBytes, targetBytes: 64 * 2 ** 20 };
}

async function benchTfjs(tf, net, opt) {
  const { x, labels } = batchData(net, net.batch);
  const [C, H, W] = net.input;
  const nchw = tf.tensor4d(x, [net.batch, C, H, W]);
  const xs = tf.transpose(nchw, [0, 2, 3, 1]); // NHWC
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), net.classes), 'float32'));
  const model = tfjsModel(tf, net, LR);
  const tensorsBefore = tf.memory().numTensors;
  try {
    const train = await measure(() => model.trainOnBatch(xs, ys), net.batch, opt);
    const infer = await measure(async () => {
      const y = model.predict(xs);
      await y.data();
      y.dispose();
    }, net.batch, opt);
    return { train, infer, leakedTensors: tf.memory().numTensors - tensorsBefore };
  } finally {
    model.dispose();
    tf.dispose([nchw, xs, ys]);
  }
}

async function benchConvnetjs(convnetjs, net, opt) {
  const { x, labels, size } = batchData(net, net.batch);
  const [C, H, W] = net.input;
  const model = new convnetjs.Net();
  model.makeLayers(convnetjsDefs(net));
  const trainer = new convnetjs.Trainer(model, { method: 'sgd', learning_rate: LR, momentum: 0, l2_decay: 0, batch_size: net.batch });
  // ConvNetJS volumes are [W][H][D] with depth fastest: copy our NCHW samples in.
  const vols = [];
  for (let n = 0; n < net.batch; ++n) {
    const v = new convnetjs.Vol(W, H, C, 0);
    for (let c = 0; c < C; ++c)
      for (let h = 0; h < H; ++h) for (let w = 0; w < W; ++w) v.set(w, h, c, x[n * size + (c * H + h) * W + w]);
    vols.push(v);
  }
  // ConvNetJS trains one sample at a time and updates once per batch_size samples.
  const train = await measure(() => {
    for (let n = 0; n < net.batch; ++n) trainer.train(vols[n], labels[n]);
  }, net.batch, opt);
  const infer = await measure(() => {
    for (let n = 0; n < net.batch; ++n) model.forward(vols[n], false);
  }, net.batch, opt);
  return { train, infer };
}

/**
 * libs: { bp, tf, tfWasm, convnetjs }, notes: strings the
 * driver wants in the output (how it loaded things). quick: tiny counts for the smoke test.
 */
export async function runSuite({ env, bp, tf, tfWasm, convnetjs, notes = {}, quick = false, only = null, log = () => {} }) {
  const opt = quick ? { runs: 2, ms: 20 } : { runs: 7, ms: 400 };
  const out = { env, quick, runs: opt.runs, runMs: opt.ms, notes: { ...notes }, peak: {}, nets: {} };

  // WASM SIMD peak, measured now, in this runtime: the module's GEMM micro-kernel (cpp/kernels/peak.h).
  bp.peakGflops(quick ? 20 : 200); // V8 runs a wasm function's first calls in its baseline tier: warm it up
  out.peak.gflops = bp.peakGflops(quick ? 50 : 1000);
  out.peak.source = "bp.peakGflops(): the module's 4x8 f32x4 GEMM micro-kernel, best ~5 ms window";
  log(`${env}: WASM SIMD peak ${out.peak.gflops.toFixed(1)} GFLOP/s (${out.peak.source})`);

  // TF.js: WASM backend, one thread, SIMD; register the missing conv weight-gradient kernel.
  if (tf) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('bench: TF.js wasm backend failed to initialise');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const registered = registerConv2DBackpropFilter(tf);
    out.tfjs = {
      version: tf.version_core ?? tf.version?.['tfjs-core'],
      backend: tf.getBackend(),
      simd,
      threads: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? tfWasm?.getThreadsCount?.() ?? '?' : 1,
      conv2dBackpropFilter: registered
        ? 'registered by the bench from TF.js ops (dW as a conv2d of x and dy with batch and channels swapped, in the backend\'s own Conv2D kernel): the WASM backend has no Conv2DBackpropFilter kernel'
        : 'TF.js provides it',
      kernelCheckMaxAbsDiff: checkConv2DBackpropFilter(tf),
    };
    log(`${env}: TF.js ${out.tfjs.version} ${out.tfjs.backend} simd=${simd} threads=${out.tfjs.threads}; Conv2DBackpropFilter ${registered ? 'registered by the bench' : 'native'} (check max |diff| ${out.tfjs.kernelCheckMaxAbsDiff.toExponential(1)})`);
  }

  // First, so the module's memory size is not the high-water mark of the bigger net.
  out.memory = ourMemory(bp);

  for (const [name, net] of Object.entries(NETS)) {
    if (only && !only.includes(name)) continue;
    const f = flops(net);
    const row = { batch: net.batch, flop: { forward: f.forward, train: f.train, issue: net.issue } };
    row.ours = await benchOurs(bp, net, opt);
    log(`${env}: ${name} ours train ${row.ours.train.median.toFixed(0)}/s infer ${row.ours.infer.median.toFixed(0)}/s`);
    if (tf) {
      row.tfjs = await benchTfjs(tf, net, opt);
      log(`${env}: ${name} tfjs train ${row.tfjs.train.median.toFixed(0)}/s infer ${row.tfjs.infer.median.toFixed(0)}/s`);
    }
    if (convnetjs) {
      row.convnetjs = await benchConvnetjs(convnetjs, net, opt);
      log(`${env}: ${name} convnetjs train ${row.convnetjs.train.median.toFixed(1)}/s infer ${row.convnetjs.infer.median.toFixed(0)}/s`);
    }
    for (const lib of ['ours', 'tfjs', 'convnetjs']) {
      if (!row[lib]) continue;
      for (const mode of ['train', 'infer']) {
        const m = row[lib][mode];
        m.gflops = (m.median * (mode === 'train' ? f.train : f.forward)) / 1e9;
        m.peakFraction = m.gflops / out.peak.gflops;
      }
    }
    out.nets[name] = row;
  }
  return out;
}

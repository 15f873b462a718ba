// nets.js: the two benchmark nets, described once and built three ways (backprop-wasm spec,
// TF.js layers model, ConvNetJS layer defs), plus their FLOP counts computed from the layer
// shapes. Runs in Node and in the page.
//
// FLOP convention (the one the issue's 1.57 / 4.41 / 25.0 MFLOP figures use): a multiply-add
// is 2 FLOP; only conv2d and dense count (bias, relu, pooling and the loss are O(activations)).
//   forward   conv: 2·OC·OH·OW·C·KH·KW      dense: 2·out·in
//   training  forward + weight gradient (same count as forward, every layer)
//             + input gradient (same count, every layer but the first: nothing needs dx there)

import { preset } from '../web/core/presets.js';

/** Layer list in our spec vocabulary (NCHW). */
export const NETS = {
  'mnist-cnn': {
    batch: 32,
    input: [1, 28, 28],
    classes: 10,
    layers: preset('mnist-cnn').spec.layers, // the demo's net: conv 8@5x5 p2, relu, maxpool 2, conv 16@5x5 p2, relu, maxpool 3, flatten, dense 10
    // What the issue states, to check the counts below against.
    issue: { trainMflop: 4.41, forwardMflop: 1.57 },
  },
  medium: {
    batch: 64,
    input: [1, 28, 28],
    classes: 10,
    layers: [
      { type: 'conv2d', filters: 32, kernel: 3, stride: 1, padding: 1 },
      { type: 'relu' },
      { type: 'maxpool2d', size: 2 },
      { type: 'conv2d', filters: 64, kernel: 3, stride: 1, padding: 1 },
      { type: 'relu' },
      { type: 'maxpool2d', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 128 },
      { type: 'relu' },
      { type: 'dense', units: 10 },
    ],
    issue: { trainMflop: 25.0 },
  },
};

/** Walks the shapes; returns { forward, train } FLOP per sample and the per-layer rows. */
export function flops(net) {
  let [C, H, W] = net.input;
  let flat = null; // feature count once flattened
  let forward = 0, dgrad = 0, first = true;
  const rows = [];
  for (const l of net.layers) {
    let f = 0;
    if (l.type === 'conv2d') {
      const OH = Math.floor((H + 2 * l.padding - l.kernel) / l.stride) + 1;
      const OW = Math.floor((W + 2 * l.padding - l.kernel) / l.stride) + 1;
      f = 2 * l.filters * OH * OW * C * l.kernel * l.kernel;
      [C, H, W] = [l.filters, OH, OW];
    } else if (l.type === 'maxpool2d') {
      const s = l.stride ?? l.size;
      [H, W] = [Math.floor((H - l.size) / s) + 1, Math.floor((W - l.size) / s) + 1];
    } else if (l.type === 'flatten') {
      flat = C * H * W;
    } else if (l.type === 'dense') {
      const inp = flat ?? C * H * W;
      f = 2 * l.units * inp;
      flat = l.units;
    }
    if (f) {
      forward += f;
      if (!first) dgrad += f;
      first = false;
      rows.push({ type: l.type, flop: f });
    }
  }
  return { forward, train: 2 * forward + dgrad, rows };
}

/** Plain SGD for every library (ConvNetJS: momentum 0, no weight decay). */
export const LR = 0.01;

/** Our spec object for bp.sequential() (and for the native tool, which parses the same JSON). */
export function ourSpec(net) {
  return { input: net.input, layers: net.layers, loss: 'softmax_cross_entropy', dtype: 'float32', seed: 1, optimizer: { type: 'sgd', lr: LR } };
}

/**
 * The same net as a TF.js layers model (NHWC: TF.js's WASM conv kernels take no NCHW).
 * conv2d + relu use the layer's fused activation, which is how TF.js users write it.
 */
export function tfjsModel(tf, net, lr) {
  const [C, H, W] = net.input;
  const model = tf.sequential();
  const L = net.layers;
  let first = true;
  for (let i = 0; i < L.length; ++i) {
    const l = L[i];
    const extra = first ? { inputShape: [H, W, C] } : {};
    const fusedRelu = L[i + 1]?.type === 'relu';
    if (l.type === 'conv2d') {
      if (l.padding * 2 !== l.kernel - 1 || l.stride !== 1) throw new Error('bench: TF.js twin supports only "same" stride-1 convs');
      model.add(tf.layers.conv2d({ filters: l.filters, kernelSize: l.kernel, padding: 'same', activation: fusedRelu ? 'relu' : 'linear', ...extra }));
    } else if (l.type === 'dense') {
      const last = i === L.length - 1;
      model.add(tf.layers.dense({ units: l.units, activation: last ? 'softmax' : fusedRelu ? 'relu' : 'linear', ...extra }));
    } else if (l.type === 'maxpool2d') {
      model.add(tf.layers.maxPooling2d({ poolSize: l.size, strides: l.stride ?? l.size, ...extra }));
    } else if (l.type === 'flatten') {
      model.add(tf.layers.flatten(extra));
    } else if (l.type === 'relu') {
      if (!['conv2d', 'dense'].includes(L[i - 1]?.type)) model.add(tf.layers.reLU(extra));
      continue;
    } else throw new Error(`bench: no TF.js twin for ${l.type}`);
    first = false;
  }
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'categoricalCrossentropy' });
  return model;
}

/** The same net as ConvNetJS layer defs (its softmax layer adds the last fully-connected layer itself). */
export function convnetjsDefs(net) {
  const [C, H, W] = net.input;
  const defs = [{ type: 'input', out_sx: W, out_sy: H, out_depth: C }];
  const L = net.layers;
  for (let i = 0; i < L.length; ++i) {
    const l = L[i];
    const relu = L[i + 1]?.type === 'relu' ? { activation: 'relu' } : {};
    const last = i === L.length - 1;
    if (l.type === 'conv2d') defs.push({ type: 'conv', sx: l.kernel, filters: l.filters, stride: l.stride, pad: l.padding, ...relu });
    else if (l.type === 'maxpool2d') defs.push({ type: 'pool', sx: l.size, stride: l.stride ?? l.size });
    else if (l.type === 'dense' && last) defs.push({ type: 'softmax', num_classes: l.units });
    else if (l.type === 'dense') defs.push({ type: 'fc', num_neurons: l.units, ...relu });
    else if (l.type === 'relu' || l.type === 'flatten') continue; // fused above / implicit in ConvNetJS
    else throw new Error(`bench: no ConvNetJS twin for ${l.type}`);
  }
  return defs;
}

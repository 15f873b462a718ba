// handoff.js (demo): a gradient-check row opens its layer's chapter in the lesson page with the
// numbers of the checked samples. The demo asks the worker for the layer's input on those samples
// and its parameters (Session.layerSnapshot), leaves them in sessionStorage under HANDOFF_KEY and
// opens learn.html#<chapter>&from=demo; the lesson reads them back (web/learn/example.js givenOf).
//
// sessionStorage['backprop-lesson-handoff'] = JSON of
//   { version: 1, chapter, layer, type, config,   // config: the layer's normalised spec (net.layers())
//     inputShape, outputShape,                     // per sample
//     samples: [dataset indices], labels: [...],   // the gradient check's samples
//     input: [n*numel of inputShape],              // what enters the layer for those samples
//     weight: { shape, values } | null, bias: { shape, values } | null,
//     step }                                       // the trainer's step when the numbers were taken
// Plain arrays only (float32 values widened to numbers).

export const HANDOFF_KEY = 'backprop-lesson-handoff';

// The demo's "step into this batch" button opens the network chapter (web/learn/network.js) with
// the whole net and one digit, under a second key:
//
// sessionStorage['backprop-network-handoff'] = JSON of
//   { version: 1, spec,                              // the net's spec (net.spec)
//     params: [{ layer, name, shape, values }],      // every parameter as the trainer has it now
//     sample, label, image: [784 numbers],           // the first sample of the batch the next fit takes
//     step }                                         // the trainer's step when the numbers were taken
export const NETWORK_HANDOFF_KEY = 'backprop-network-handoff';

/** The network handoff record for Session.networkSnapshot's answer. */
export function networkHandoffOf(snap) {
  return {
    version: 1, spec: snap.spec,
    params: snap.params.map((p) => ({ layer: p.layer, name: p.name, shape: [...p.shape], values: Array.from(p.values) })),
    sample: snap.sample, label: snap.label, image: Array.from(snap.image), step: snap.step,
  };
}

const ACTIVATIONS = ['relu', 'leaky_relu', 'prelu', 'elu', 'selu', 'sigmoid', 'tanh'];
const POOLS = ['maxpool2d', 'avgpool2d', 'globalmaxpool', 'globalavgpool'];

/** The chapter of a layer (its normalised spec, as net.layers() gives it), or null. */
export function chapterOfLayer(l) {
  if (!l) return null;
  if (l.type === 'conv2d') {
    if (l.stride?.some((s) => s !== 1)) return 'conv-stride';
    if (l.padding?.some((p) => p !== 0)) return 'conv-padding';
    return 'conv-multichannel';
  }
  if (POOLS.includes(l.type)) return 'pooling';
  if (ACTIVATIONS.includes(l.type)) return 'activations';
  if (l.type === 'dense') return 'fc-loss';
  return null;
}

/**
 * The chapter a gradient-check row opens: { chapter, layer } or null. The input row (layer −1,
 * ∂L/∂x) is the δ^{l-1} of layer 0; a row of the loss (layer = number of layers) opens fc-loss
 * with the last dense layer.
 */
export function chapterOfRow(row, layers) {
  let i = row.layer < 0 ? 0 : row.layer;
  if (i >= layers.length) {
    i = layers.findLastIndex((l) => l.type === 'dense');
    if (i < 0) return null;
  }
  const chapter = chapterOfLayer(layers[i]);
  return chapter ? { chapter, layer: i } : null;
}

/** The handoff record for a layer's snapshot (Session.layerSnapshot's answer). */
export function handoffOf(chapter, snap, step) {
  const plain = (p) => (p ? { shape: [...p.shape], values: Array.from(p.values) } : null);
  return {
    version: 1, chapter, layer: snap.layer, type: snap.config.type, config: snap.config,
    inputShape: snap.inputShape, outputShape: snap.outputShape, samples: snap.samples, labels: snap.labels,
    input: Array.from(snap.input), weight: plain(snap.params.weight), bias: plain(snap.params.bias), step,
  };
}

// presets.js (demo): the architectures the page offers, with a word on why. TEMPORARY home:
// branch `train` adds web/presets.js to the API; the page switches to it once main has it.
export const PRESETS = {
  'tiny-cnn': {
    label: 'tiny CNN (derivation series)',
    why: 'One 3×3 filter, ReLU, 2×2 max-pool, a 64-unit hidden layer: the exercise of the derivation series. Small enough to check every gradient by hand; reaches ~95% on MNIST within a minute.',
    spec: {
      input: [1, 28, 28], loss: 'softmax_cross_entropy',
      layers: [
        { type: 'conv2d', filters: 1, kernel: 3 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
        { type: 'flatten' }, { type: 'dense', units: 64 }, { type: 'relu' }, { type: 'dense', units: 10 },
      ],
    },
    optimizer: { type: 'adam', lr: 0.001 }, batchSize: 32,
  },
  'mnist-cnn': {
    label: 'MNIST CNN (ConvNetJS-style)',
    why: 'Two conv layers (8 and 16 filters of 5×5, padding 2) with max-pooling, as in the classic ConvNetJS MNIST demo: slower per sample, ~98% after a few epochs.',
    spec: {
      input: [1, 28, 28], loss: 'softmax_cross_entropy',
      layers: [
        { type: 'conv2d', filters: 8, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
        { type: 'conv2d', filters: 16, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'maxpool2d', size: 3 },
        { type: 'flatten' }, { type: 'dense', units: 10 },
      ],
    },
    optimizer: { type: 'adam', lr: 0.001 }, batchSize: 32,
  },
  mlp: {
    label: 'MLP (784-128-10)',
    why: 'No convolution: every pixel feeds every hidden unit. Fast per sample and a good baseline (~97%); its first-layer "filters" are 28×28 templates.',
    spec: {
      input: [1, 28, 28], loss: 'softmax_cross_entropy',
      layers: [{ type: 'flatten' }, { type: 'dense', units: 128 }, { type: 'relu' }, { type: 'dense', units: 10 }],
    },
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, batchSize: 32,
  },
};

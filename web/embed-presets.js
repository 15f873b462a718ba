// embed-presets.js: the nets a <backprop-demo preset="..."> can name, and the element's defaults.
// Input is one 28×28 MNIST image; layers follow the README layer table.
const input = [1, 28, 28];
const loss = 'softmax_cross_entropy';

export const EMBED_PRESETS = {
  // The mnist-cnn preset of the training issue.
  'mnist-cnn': {
    input, loss,
    layers: [
      { type: 'conv2d', filters: 8, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
      { type: 'conv2d', filters: 16, kernel: 5, padding: 2 }, { type: 'relu' }, { type: 'maxpool2d', size: 3 },
      { type: 'dense', units: 10 },
    ],
  },
  // The tiny CNN of the derivation series' exercise.
  'tiny-cnn': {
    input, loss,
    layers: [
      { type: 'conv2d', filters: 1, kernel: 3 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
      { type: 'dense', units: 64 }, { type: 'relu' }, { type: 'dense', units: 10 },
    ],
  },
  mlp: { input, loss, layers: [{ type: 'dense', units: 64 }, { type: 'relu' }, { type: 'dense', units: 10 }] },
};

export const DEFAULT_SETTINGS = {
  preset: 'tiny-cnn', optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1, seed: 1,
  panels: ['train', 'gradcheck'], start: 'visible',
};

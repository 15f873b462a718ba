// presets.js (demo): the architectures the page offers. The library's presets (web/presets.js:
// tiny-cnn, mnist-cnn, mlp) plus the derivation series' exercise net, which the page opens with.
import { presets } from '../presets.js';

const why = (p) => Object.values(p.why).join('. ') + '.';

export const PRESETS = {
  'derivation-cnn': {
    label: 'tiny CNN of the derivation series',
    why: 'The exercise net of the derivation series: one 3×3 filter, ReLU, 2×2 max-pool, a 64-unit hidden layer. Small enough to follow every gradient by hand; passes 95% test accuracy in under a minute.',
    spec: {
      input: [1, 28, 28], loss: 'softmax_cross_entropy',
      layers: [
        { type: 'conv2d', filters: 1, kernel: 3 }, { type: 'relu' }, { type: 'maxpool2d', size: 2 },
        { type: 'flatten' }, { type: 'dense', units: 64 }, { type: 'relu' }, { type: 'dense', units: 10 },
      ],
    },
    optimizer: { type: 'adam', lr: 0.001 }, batchSize: 32,
  },
  ...Object.fromEntries(Object.entries(presets).map(([k, p]) => {
    const { optimizer, ...spec } = p.spec;
    // The race is judged on all 10,000 test images (the others' running accuracy uses 1,000).
    return [k, { label: k, why: why(p), spec, optimizer, batchSize: p.fit.batchSize, ...(k === 'mnist-cnn-race' && { testImages: 10_000 }) }];
  })),
};
export const DEFAULT_PRESET = 'derivation-cnn';

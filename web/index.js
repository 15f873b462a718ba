// index.js: the package entry. It re-exports the layers below it and holds no code of its own:
//   web/core/    the WASM wrapper (loadBackprop, Net, Dataset), errors, MNIST, presets
//   web/worker/  the protocol, the Session (the one training loop) and its client, trainer()
//   web/embed/   the <backprop-demo> element ('backprop-wasm/element') and its embed code
export { loadBackprop, Net, Dataset } from './core/backprop.js';
export { BackpropError } from './core/errors.js';
export { setLeakWarnings } from './core/lifetime.js';
export { parseIdx, mnistFromIdx, MNIST_FILES, loadMnist } from './core/mnist.js';
export { presets, preset } from './core/presets.js';
export { BUGS, errorBand } from './core/checks.js';
export { trainer, Trainer, TrainerEvent } from './worker/trainer.js';
export { embedCode, settingsToHash, settingsFromHash } from './embed/embed-code.js';

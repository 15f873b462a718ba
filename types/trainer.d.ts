// backprop-wasm/trainer: the async trainer alone; importing it does not load the WASM module on
// the page (the worker loads it).
export { trainer, Trainer, TrainerEvent, type TrainerOptions, type TrainerInfo, type TrainerFitOptions, type TrainerFitResult, type TrainerProgress, type TrainerEventMap, type TrainerEvaluation, type TrainerCheckpoint, type TrainerRestart } from './index.js';

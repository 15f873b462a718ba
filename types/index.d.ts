// Type declarations for backprop-wasm (hand-written; checked by tests/js/types.test.js).

/** The one error type: a bad spec, wrong length, label out of range, corrupt file, NaN... */
export class BackpropError extends Error {
  name: 'BackpropError';
  constructor(message: string);
}

/** Numbers in: plain arrays and typed arrays are both accepted. */
export type Numbers = ArrayLike<number>;
/** Float32Array for float32 nets, Float64Array for float64 nets. */
export type Values = Float32Array | Float64Array;
export type Shape = number[];
export type DType = 'float32' | 'float64';

export type Activation = 'relu' | 'leaky_relu' | 'prelu' | 'elu' | 'selu' | 'sigmoid' | 'tanh';
/** The two losses; any other name is a mistake the type checker reports. */
export type LossName = 'softmax_cross_entropy' | 'mse';

/** A size for both dimensions, or [h, w]. */
export type Pair = number | [number, number];

/**
 * One layer of a spec: { type, ...options } (see the README layer table). A union on `type`
 * with no catch-all, so a misspelt type or option is a type error.
 */
export type LayerSpec =
  | { type: 'conv2d'; filters: number; kernel: Pair; stride?: Pair; padding?: Pair }
  | { type: 'dense'; units: number }
  | { type: 'flatten' }
  | { type: 'maxpool2d' | 'avgpool2d'; size: Pair; stride?: Pair; padding?: Pair }
  | { type: 'globalmaxpool' | 'globalavgpool' }
  | { type: 'leaky_relu'; slope?: number }
  | { type: 'prelu'; channelwise?: boolean }
  | { type: 'elu'; alpha?: number }
  | { type: 'relu' | 'selu' | 'sigmoid' | 'tanh' };

export type OptimizerSpec =
  | { type: 'sgd'; lr?: number; momentum?: number; nesterov?: boolean; weightDecay?: number; decay?: number; decaySteps?: number }
  | { type: 'adagrad'; lr?: number; eps?: number; decay?: number; decaySteps?: number }
  | { type: 'rmsprop'; lr?: number; alpha?: number; eps?: number; momentum?: number; decay?: number; decaySteps?: number }
  | { type: 'adadelta'; lr?: number; rho?: number; eps?: number; decay?: number; decaySteps?: number }
  | { type: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; biasCorrection?: boolean; decay?: number; decaySteps?: number };

export interface NetSpec {
  /** [C, H, W] or [features]. */
  input: Shape;
  layers: LayerSpec[];
  loss: LossName;
  dtype?: DType;
  seed?: number;
  optimizer?: OptimizerSpec;
}

export interface ParamInfo {
  layer: number;
  name: string;
  shape: Shape;
}

export interface LayerInfo {
  type: string;
  inputShape: Shape;
  outputShape: Shape;
  [option: string]: unknown;
}

export interface GradCheckOptions {
  /** Step h (default 1e-6). */
  eps?: number;
  /** 2 (centred) or 4 (fourth order). */
  stencil?: 2 | 4;
  /** Coordinates sampled per tensor (default 100). */
  maxCoords?: number;
  seed?: number;
  /** The "break it" switch: a deliberately wrong backward on the analytic side (default 'none'). */
  bug?: TeachingBug;
}

/** gradCheckDataset's options: the core draws `pool` random samples and checks the `samples` of highest loss. */
export interface GradCheckDataOptions extends GradCheckOptions {
  samples?: number;
  pool?: number;
}

export type TeachingBug =
  | 'none' | 'conv-no-rotate' | 'relu-no-mask' | 'loss-no-mean' | 'conv-no-dilate' | 'conv-crop-off-by-one'
  | 'avgpool-no-scale' | 'maxpool-wrong-index' | 'mse-no-half';

/** A tensor of a trace: its shape (with the leading n where per sample) and its values. */
export interface TracedTensor<V = Float32Array | Float64Array> {
  shape: Shape;
  values: V;
}

/** One layer of net.trace(): its numbers in one forward and one backward, and its derivation's steps. */
export interface TraceLayer {
  index: number;
  type: string;
  /** The normalised layer spec (every option with its value). */
  config: { type: string; [option: string]: unknown };
  inputShape: Shape;
  outputShape: Shape;
  /** z^{l-1}, n·numel(inputShape) values in the net's dtype. */
  input: Float32Array | Float64Array;
  output: Float32Array | Float64Array;
  /** δ^l = ∂L/∂output. */
  dOutput: Float32Array | Float64Array;
  /** δ^{l-1} = ∂L/∂input. */
  dInput: Float32Array | Float64Array;
  params: Record<string, TracedTensor>;
  /** ∂L/∂param on this batch. */
  grads: Record<string, TracedTensor>;
  /**
   * conv2d: inputPadded, deltaDilated, deltaPadded, weightRot180, dInputPadded; maxpool2d and
   * globalmaxpool: argmax (Int32Array, −1 for a window of padding only); avgpool2d and globalavgpool:
   * scale; activations: derivative (f′(z)); dense, flatten: none.
   */
  steps: {
    inputPadded?: TracedTensor; deltaDilated?: TracedTensor; deltaPadded?: TracedTensor; weightRot180?: TracedTensor;
    dInputPadded?: TracedTensor; argmax?: TracedTensor<Int32Array>; scale?: TracedTensor; derivative?: TracedTensor;
  };
}

/** net.trace(): one forward and one backward, every number from the core. */
export interface TraceReport {
  dtype: 'float32' | 'float64';
  bug: TeachingBug;
  /** The layer the bug sits in: -1 for none, the layer count for the loss. */
  brokenLayer: number;
  layers: TraceLayer[];
  loss: {
    type: 'softmax_cross_entropy' | 'mse';
    /** L, the mean over the batch. */
    value: number;
    /** z, the last layer's output. */
    input: Float32Array | Float64Array;
    targets: Float64Array;
    /** Softmax probabilities (cross-entropy only). */
    probs?: Float32Array | Float64Array;
    /** ∂L/∂z, with the 1/N. */
    dInput: Float32Array | Float64Array;
  };
}

export interface NumericGradientOptions {
  /** The layer; the layer count for the loss's input. */
  layer: number;
  /** A parameter of the layer, or 'input': the activation that enters it. */
  tensor: 'input' | 'weight' | 'bias' | 'alpha';
  /** Step h (default 1e-6). */
  eps?: number;
  stencil?: 2 | 4;
}

/** The float64 centred difference for every entry of one tensor; kinks[i] = 1 where ±h crossed a kink. */
export interface NumericGradient {
  values: Float64Array;
  kinks: Uint8Array;
}

/** A gradient check, whole from the core. */
export interface GradCheckReport {
  /** The dataset indices checked (gradCheckDataset; empty for gradCheck on given samples). */
  samples: number[];
  rows: GradCheckRow[];
  bug: TeachingBug;
  /** The layer the bug sits in: -1 for none, the layer count for the loss. */
  brokenLayer: number;
  /** The mean loss at the checked point. */
  loss: number;
}

/** One parameter tensor (or the input, layer -1) compared analytic vs numerical, in float64. */
export interface GradCheckRow {
  layer: number;
  name: string;
  shape: Shape;
  maxAbsError: number;
  maxRelError: number;
  checked: number;
  /** Coordinates where ±h crossed a kink (ReLU at 0, max-pool ties). */
  kinks: number;
  passed: boolean;
}

export interface Evaluation {
  loss: number;
  /** Fraction correct for cross-entropy nets; null for mse nets. */
  accuracy: number | null;
}

/** Reported to onProgress every progressEvery steps. epoch is fractional (2.5 = half-way through the third). */
export interface FitProgress {
  step: number;
  epoch: number;
  /** Mean loss over the steps since the last report. */
  loss: number;
  samplesPerSec: number;
}

export interface FitOptions {
  /** To the end of the current epoch, then epochs-1 more (default 1). */
  epochs?: number;
  /** Instead of epochs. */
  steps?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  progressEvery?: number;
  /** Return false to stop. */
  onProgress?: (progress: FitProgress) => void | boolean;
}

export interface FitResult {
  steps: number;
  samples: number;
  /** Mean loss over this call. */
  loss: number;
  lastLoss: number;
  epoch: number;
  seconds: number;
  samplesPerSec: number;
}

export interface FitConfig {
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
}

/** What one chunk of fit did. epoch is fractional. */
export interface FitChunk {
  steps: number;
  samples: number;
  lossSum: number;
  lastLoss: number;
  totalSteps: number;
  epoch: number;
  position: number;
}

export interface SaveOptions {
  /** Keep the optimizer state (tensors "optimizer.<name>.<torch.optim key>" and __metadata__ "optimizer.step") in the file (default false). */
  optimizer?: boolean;
}

export interface EvaluateOptions {
  batchSize?: number;
  /** Only the first `limit` samples (0 = all). */
  limit?: number;
}

/** net.toJSON(): readable weights. */
export interface NetJSON {
  spec: NetSpec;
  params: Array<ParamInfo & { values: number[] }>;
}

/** A dataset held inside the module (images copied in once); made by bp.dataset(). */
export class Dataset {
  private constructor();
  readonly count: number;
  readonly shape: Shape;
  /** Targets per sample: 1 (class labels) or the mse targets. */
  readonly targetSize: number;
  /** A copy of what it holds. */
  export(): { images: Uint8Array | Float32Array; labels: Float64Array; shape: Shape };
  /** Samples by index as a net reads them (pixels scaled to [0, 1]). */
  samples(indices: ArrayLike<number>): { x: Float32Array; labels: Float64Array; n: number };
  dispose(): void;
  [Symbol.dispose](): void;
}

/** A sequential net, made by bp.sequential(), bp.load() or bp.fromJSON(). Owns WASM memory: call dispose() (or `using net = ...`). */
export class Net {
  private constructor();
  readonly dtype: DType;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly spec: NetSpec;
  layers(): LayerInfo[];
  paramInfo(): ParamInfo[];

  getParam(layer: number, name: string): Values;
  getGrad(layer: number, name: string): Values;
  setParam(layer: number, name: string, values: Numbers): void;

  forward(x: Numbers, n?: number): Values;
  backward(dy: Numbers): Values;
  zeroGrad(): void;
  computeGradients(x: Numbers, targets: Numbers, n?: number): number;
  loss(x: Numbers, targets: Numbers, n?: number): number;
  gradCheck(x: Numbers, targets: Numbers, n?: number, options?: GradCheckOptions): GradCheckReport;
  /** The core picks the highest-loss samples of a random pool of the dataset and checks them. */
  gradCheckDataset(dataset: Dataset, options?: GradCheckDataOptions): GradCheckReport;
  /** One forward and one backward in the net's dtype, every gradient and the derivation's steps. */
  trace(x: Numbers, targets: Numbers, n?: number, options?: { bug?: TeachingBug }): TraceReport;
  numericGradient(x: Numbers, targets: Numbers, n: number, options: NumericGradientOptions): NumericGradient;

  // training
  /** The normalised optimizer config. */
  readonly optimizer: OptimizerSpec;
  setOptimizer(options: OptimizerSpec): void;
  /** Gradients, then one optimizer step; returns the loss before the step. */
  trainStep(x: Numbers, targets: Numbers, n?: number): number;
  evaluate(x: Numbers, targets: Numbers, n?: number): Evaluation;
  evaluate(dataset: Dataset, options?: EvaluateOptions): Evaluation;
  evaluateDataset(dataset: Dataset, options?: EvaluateOptions): Evaluation;
  /** Softmax probabilities (cross-entropy nets) or outputs (mse nets). */
  predict(x: Numbers, n?: number): Values;
  /** k steps per call into WASM; continues where the last fit on this dataset stopped. */
  fit(dataset: Dataset, options?: FitOptions): FitResult;
  /** The steps fit would run with these options (Infinity for epochs: Infinity). */
  fitTotal(dataset: Dataset, options?: FitConfig & { epochs?: number; steps?: number }): number;
  /** One chunk: k steps in one call into WASM, continuing fit's position. */
  fitSteps(dataset: Dataset, k: number, config?: FitConfig): FitChunk;
  /** The next batch's sample indices from fit's position (the batch fit would take next). */
  nextBatch(dataset: Dataset, config?: FitConfig): Uint32Array;
  /** Where fit is: steps since it started, completed epochs, samples into this epoch. */
  fitPosition(): { totalSteps: number; epoch: number; position: number };
  /** Parameter gradients (zeroed first) on the samples `indices` of a dataset, gathered in the core; returns the loss. */
  gradientsAt(dataset: Dataset, indices: ArrayLike<number>): number;
  /** Parameter gradients only (zeroed first) on (x, targets); returns the loss. */
  paramGradients(x: Numbers, targets: Numbers, n?: number): number;
  /** Every parameter's gradient in paramInfo order: a new array, or copied into `out`. */
  getGradients<T extends Values = Values>(out?: T): T;
  setGradients(values: Numbers): void;
  /** One optimizer step on the current gradients. */
  applyGradients(): void;
  /** The next fit starts a fresh epoch 0. */
  resetFit(): void;
  /**
   * The model file: safetensors, the parameters under PyTorch's state_dict names ("0.weight", ...),
   * the spec in __metadata__; with { optimizer: true } also the optimizer state ("optimizer.0.weight.exp_avg", ...).
   */
  save(options?: SaveOptions): Uint8Array;
  toJSON(): NetJSON;

  dispose(): void;
  [Symbol.dispose](): void;
}

/** The API object loadBackprop() resolves to. */
export interface Backprop {
  sequential(spec: NetSpec): Net;
  /** uint8 pixels are scaled to [0, 1]; floats are taken as they are. */
  dataset(images: Uint8Array | Float32Array | ArrayLike<number>, labels: ArrayLike<number>, shape: Shape, options?: { classes?: number }): Dataset;
  /** A net from a model file: net.save()'s (safetensors) or the older 'BPWM' format. */
  load(bytes: Uint8Array): Net;
  fromJSON(json: NetJSON): Net;
  /** Resolves when the module can be used: at once, or after an abort (a bug) once a fresh module has loaded. */
  ready(): Promise<void>;
  /** The memory budget (docs/memory.md): bytes counted against it and the budget itself. */
  memory(): { inUse: number; budget: number };
  /** Lowers the budget (1 MiB to 1.5 GiB, the default); an allocation over it throws a BackpropError. */
  setMemoryBudget(bytes: number): void;
  /** Aborts the module as a bug would, to test the recovery: throws the abort's BackpropError. */
  simulateAbort(): never;
  /** Bytes the WASM heap has allocated (for leak checks). */
  heapInUse(): number;
  /** The module's linear memory in bytes (it grows on demand and never shrinks). */
  memoryBytes(): number;
  /** true: every layer runs its reference loops instead of the fast kernels. */
  setReferenceKernels(on: boolean): void;
  /** false: stride-1 3×3 convs run the implicit GEMM instead of Winograd F(2×2, 3×3). */
  setWinograd(on: boolean): void;
  /** GFLOP/s of the GEMM micro-kernel, measured for about `ms` milliseconds (default 200). */
  peakGflops(ms?: number): number;
}

/** Loads the WASM module once and returns the API. */
export function loadBackprop(): Promise<Backprop>;

/** Turns the "garbage-collected without dispose()" warning on or off (memory is freed either way). */
export function setLeakWarnings(on: boolean): void;

// ---- the async trainer (worker API) ----

export interface TrainerOptions {
  /** true: a new worker (default; a module worker in a page, a worker thread in Node); false: this thread; or a Worker/MessagePort running backprop-wasm/worker. */
  worker?: boolean | Worker | MessagePort;
  /** A worker the Trainer starts: a checkpoint every this many ms while it trains (default 5000; also after each call that changes the net and when a fit ends). */
  checkpointEvery?: number;
  /** A worker the Trainer starts: pinged when it has sent nothing for this many ms (default 1000). */
  heartbeat?: number;
  /** A worker the Trainer starts: taken for dead (and replaced) when it has sent nothing for this many ms (default 15000; > heartbeat; Infinity: never). */
  timeout?: number;
}

/** What a Trainer keeps of a worker it started, to resume in a new one (Session checkpoint()). */
export interface TrainerCheckpoint {
  /** The model file, with the optimizer's state (net.save({ optimizer: true })). */
  bytes: Uint8Array;
  step: number;
  seen: number;
  /** Training time (ms) since init/load. */
  elapsed: number;
  /** The last fit's dataset and options, and `steps`, the batches its fit state has drawn (null: no fit yet). */
  fit: { data: string; batchSize: number; shuffle: boolean; seed: number; steps: number } | null;
  /** The teaching bug of the last gradCheckData. */
  bug: string;
  /** Date.now() when the Trainer got it. */
  at: number;
}

/** The detail of a Trainer's 'restart' event: a new worker took over from a dead one. */
export interface TrainerRestart {
  /** The checkpoint the new worker resumed from (step, seen, at: null when there was no net yet) and the datasets it has. */
  kept: { step: number | null; seen: number | null; at: number | null; datasets: string[] };
  /** Steps the worker told of after the checkpoint, and the ops of the calls that were pending (they rejected). */
  lost: { steps: number; calls: string[] };
  /** How the worker died. */
  message: string;
  restarts: number;
}

export interface TrainerInfo {
  dtype: DType;
  inputShape: Shape;
  outputShape: Shape;
  spec: NetSpec;
  layers: LayerInfo[];
  params: ParamInfo[];
  paramCount: number;
  /** Optimizer steps since init/load. */
  step: number;
}

export interface TrainerFitOptions {
  /** To the end of the current epoch, then epochs-1 more (default 1); Infinity: until stop(). */
  epochs?: number;
  steps?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  /** Steps per call into the module; unset: adapted so a call takes about chunkMs (default 40). */
  chunk?: number;
  chunkMs?: number;
  /** Samples per second (0, the default: full speed): one step per chunk and a wait after it, to watch training happen. */
  pace?: number;
  /** 0 (default): a 'progress' event after every chunk; more: at most this often, and at each new epoch. */
  progressMs?: number;
  /** 2 or more: data-parallel on helper workers where SharedArrayBuffer works (cross-origin isolated, Node); else 1 (default 1). */
  threads?: number;
  /** 'evaluate' events every everyMs of training time: accuracy on `data`, and on `probe` if named. */
  evaluate?: { data?: string; limit?: number; probe?: string; everyMs?: number } | null;
  /** 'gradcheck' events every everyMs of training time (gradCheckData on `data`). */
  gradCheck?: (GradCheckDataOptions & { data?: string; everyMs?: number }) | null;
  onProgress?: (progress: TrainerProgress) => void;
}

/** The detail of a Trainer's 'progress' event. */
export interface TrainerProgress {
  /** Optimizer steps and samples since init/load, and training time (ms). */
  step: number;
  seen: number;
  elapsed: number;
  /** Fractional: 2.5 = half-way through the third. */
  epoch: number;
  /** Mean loss over the steps since the last event. */
  loss: number;
  samplesPerSec: number;
  /** This fit's steps done, and its total (null: until stop()). */
  done: number;
  total: number | null;
  running: boolean;
  threads: number;
  /** Why fewer threads than asked for ('' when none). */
  threadsError: string;
}

/** The detail of a Trainer's 'evaluate' event (fit's periodic test). */
export interface TrainerEvaluation {
  step: number;
  seen: number;
  elapsed: number;
  accuracy: number | null;
  loss: number;
  count: number;
  probeAccuracy: number | null;
}

export interface TrainerFitResult {
  steps: number;
  samples: number;
  loss: number;
  epoch: number;
  samplesPerSec: number;
  /** stop() ended it early. */
  stopped: boolean;
  /** Threads it trained on, and why fewer than asked for ('' when none). */
  threads: number;
  threadsError: string;
}

export class TrainerEvent<D = unknown> extends Event {
  readonly detail: D;
  constructor(type: string, detail: D);
}

export interface TrainerEventMap {
  progress: TrainerEvent<TrainerProgress>;
  evaluate: TrainerEvent<TrainerEvaluation>;
  gradcheck: TrainerEvent<GradCheckReport & { step: number }>;
  /** MNIST's bytes from loadMnist: transferred (the .gz files' bytes), of total (their Content-Lengths), and unpacked. */
  loading: TrainerEvent<{ loaded: number; total: number; unpacked: number }>;
  /** A worker the Trainer started died, and a new one resumed from the last checkpoint, with the data. */
  restart: TrainerEvent<TrainerRestart>;
  error: TrainerEvent<BackpropError>;
}

/** Every call returns a promise; results are fresh arrays transferred from the worker. */
export class Trainer extends EventTarget {
  private constructor();
  /** A Trainer with no net yet. */
  static create(options?: TrainerOptions): Promise<Trainer>;
  /** How many times the worker was replaced. */
  readonly restarts: number;
  /** Any Session op by name (the protocol's OPS), e.g. call('loadMnist', { base }), call('confusion', 'test'). */
  call(op: string, ...args: unknown[]): Promise<any>;
  /** For tests: 'terminate' (default) ends the worker as a crash would; 'error', 'close', 'hang' have it throw uncaught, self.close() or spin. It is then replaced. */
  simulateCrash(how?: 'terminate' | 'error' | 'close' | 'hang' | 'abort'): void;
  /** The last checkpoint kept of a worker the Trainer started (a copy), or null. */
  readonly checkpoint: TrainerCheckpoint | null;
  readonly inputShape: Shape | null;
  readonly outputShape: Shape | null;
  readonly dtype: DType | undefined;
  info(): TrainerInfo;
  init(spec: NetSpec): Promise<TrainerInfo>;
  trainStep(x: Numbers, targets: Numbers, n?: number): Promise<number>;
  /** images and labels are transferred to the worker (your arrays are detached afterwards). */
  setData(name: string, images: Uint8Array | Float32Array, labels: Uint8Array | ArrayLike<number>, shape: Shape, options?: { classes?: number }): Promise<{ name: string; count: number }>;
  fit(name: string, options?: TrainerFitOptions): Promise<TrainerFitResult>;
  stop(): Promise<{ stopped: boolean }>;
  evaluate(x: Numbers, targets: Numbers, n?: number): Promise<Evaluation>;
  /** On a dataset given to setData(name, ...). */
  evaluate(name: string, options?: EvaluateOptions): Promise<Evaluation>;
  predict(x: Numbers, n?: number): Promise<Values>;
  forward(x: Numbers, n?: number): Promise<Values>;
  gradCheck(x: Numbers, targets: Numbers, n?: number, options?: GradCheckOptions): Promise<GradCheckReport & { step: number }>;
  getParam(layer: number, name: string): Promise<Values>;
  setParam(layer: number, name: string, values: Numbers): Promise<void>;
  setOptimizer(options: OptimizerSpec): Promise<OptimizerSpec>;
  save(options?: SaveOptions): Promise<Uint8Array>;
  load(bytes: Uint8Array): Promise<TrainerInfo>;
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;

  addEventListener<K extends keyof TrainerEventMap>(type: K, listener: (event: TrainerEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof TrainerEventMap>(type: K, listener: (event: TrainerEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** A Trainer with spec built (null: none yet), without loading the module on this page when worker is true. */
export function trainer(spec: NetSpec | null, options?: TrainerOptions): Promise<Trainer>;

// ---- MNIST (IDX files) ----

export interface MnistSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  shape: [1, number, number];
}

export function parseIdx(bytes: Uint8Array | ArrayBuffer, what?: string): { dims: number[]; data: Uint8Array };
export function mnistFromIdx(imageBytes: Uint8Array | ArrayBuffer, labelBytes: Uint8Array | ArrayBuffer, name?: string): MnistSet;
export const MNIST_FILES: { train: [string, string]; test: [string, string] };
/**
 * MNIST from a folder (a URL or string: the four files gzipped, `<name>.gz`, else the IDX files) or
 * through your reader of IDX files. onBytes: per file, bytes transferred, Content-Length, unpacked.
 */
export function loadMnist(
  source: string | URL | ((fileName: string) => Promise<ArrayBuffer | Uint8Array>),
  options?: {
    sets?: Array<'train' | 'test'>;
    onBytes?: (p: { file: string; loaded: number; total: number; unpacked: number }) => void;
  },
): Promise<{ train?: MnistSet; test?: MnistSet }>;

// ---- presets ----

/** A ready-made net with settings that train well, and a word on why. */
export interface Preset {
  label: string;
  spec: NetSpec;
  fit: { batchSize: number; epochs?: number };
  why: Record<string, string>;
  /** Test images the demo's running accuracy uses (default 1000). */
  testImages?: number;
}
/** 'derivation-cnn', 'tiny-cnn', 'mnist-cnn', 'mnist-cnn-race', 'mlp'. */
export const presets: Record<string, Preset>;
/** A deep copy of presets[name]; BackpropError for an unknown name. */
export function preset(name: string): Preset;

// ---- gradient-check display ----

/** The teaching bugs the core knows, with their labels. */
export const BUGS: Record<TeachingBug, string>;
/** A row's colour band: 'good' < 1e-7 ≤ 'fine' < 1e-4 ≤ 'suspicious'; 'wrong' when it failed; 'kinked' when nothing was checked. */
export function errorBand(row: Pick<GradCheckRow, 'checked' | 'passed' | 'maxRelError'>): 'good' | 'fine' | 'suspicious' | 'wrong' | 'kinked';

// ---- embed helpers ----

/** Settings of a <backprop-demo> (the attributes, camel-cased). */
export interface EmbedSettings {
  preset?: string;
  /** Attribute layers="conv2d filters=8 kernel=3, relu, ..., dense units=10" (or a JSON list). */
  layers?: LayerSpec[];
  optimizer?: OptimizerSpec['type'];
  lr?: number;
  batchSize?: number;
  epochs?: number;
  seed?: number;
  panels?: Array<'train' | 'gradcheck' | 'draw'>;
  start?: 'visible' | 'click';
  /** 'watch' (default): paced so an epoch of the training images takes ~8 s; 'fast': full speed. */
  speed?: 'watch' | 'fast';
  /** 'auto' (default) follows prefers-color-scheme; 'light' | 'dark' fix the scheme. */
  theme?: 'auto' | 'light' | 'dark';
  src?: string;
  /** Opt-in: 2 trains on two threads where the page is cross-origin isolated (attribute threads="2"). */
  threads?: number;
  /** Samples per second while training (0: full speed); over speed. */
  pace?: number;
  /** 'en' | 'zh'; unset: the reader's browser language. */
  lang?: 'en' | 'zh';
  /** A lesson chapter instead of training (attribute lesson="conv-multichannel"). */
  lesson?: 'fc-loss' | 'conv-single' | 'conv-multichannel' | 'conv-stride' | 'conv-padding' | 'pooling' | 'activations' | 'optimizers' | 'network';
  /** With lesson: the chapter's teaching bug (attribute break="conv-no-rotate"). */
  bug?: string;
  /** With lesson: the example's sizes (attributes in, out, n, cin, cout, c, h, w, k, s, p, size). */
  in?: number; out?: number; n?: number; cin?: number; cout?: number; c?: number;
  h?: number; w?: number; k?: number; s?: number; p?: number; size?: number;
  /** With lesson: the chapter's choice. */
  loss?: 'softmax_cross_entropy' | 'mse';
  pool?: 'maxpool2d' | 'avgpool2d' | 'globalmaxpool' | 'globalavgpool';
  act?: 'relu' | 'leaky_relu' | 'prelu' | 'elu' | 'selu' | 'sigmoid' | 'tanh';
}

/** The <script> + <backprop-demo> tag for settings (or the iframe tag with { iframe: true }). */
export function embedCode(settings?: EmbedSettings, options?: { base?: string; iframe?: boolean }): string;
/** settings <-> the embed.html URL hash. */
export function settingsToHash(settings: EmbedSettings): string;
export function settingsFromHash(hash: string): EmbedSettings;

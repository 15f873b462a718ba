// index.js: the ES-module API over the WASM module. No DOM; runs in a page, a worker and Node.
// Users never see Embind handles: a Net owns one and frees it in dispose().
import createBackpropModule from '../dist/backprop.mjs';
import { BackpropError, check } from './errors.js';

export { BackpropError };

let modulePromise = null;

/** Loads (once) and returns the backprop API. */
export async function loadBackprop() {
  if (!modulePromise) modulePromise = createBackpropModule().then((M) => makeApi(M));
  return modulePromise;
}

function makeApi(M) {
  return {
    /** Builds a Sequential net from a spec object (see README). Throws BackpropError on a bad spec. */
    sequential(spec) {
      return new Net(M, spec);
    },
    /** Bytes the WASM heap has allocated right now (for leak checks). */
    heapInUse() {
      return M.heapInUse();
    },
    /** Bytes of WASM linear memory the module has now (it grows on demand, never shrinks). */
    memoryBytes() {
      return M.HEAP8.buffer.byteLength;
    },
  };
}

// Copies values into a staged C++ buffer: plain arrays and typed arrays alike.
function stage(view, values) {
  if (values.length > 0) view.set(values);
}

function toLength(values, what) {
  if (values == null || typeof values.length !== 'number')
    throw new BackpropError(`${what}: expected an array or typed array, got ${values === null ? 'null' : typeof values}`);
  return values.length;
}

export class Net {
  #M;
  #h;
  #info;

  constructor(M, spec) {
    if (spec == null || typeof spec !== 'object') throw new BackpropError(`spec: must be an object {input, layers, loss}, got ${spec}`);
    this.#M = M;
    const h = new M.NetHandle();
    let text;
    try {
      text = JSON.stringify(spec);
    } catch (e) {
      h.delete();
      throw new BackpropError(`spec: cannot be written as JSON (${e.message})`);
    }
    const status = h.init(text);
    if (status) {
      h.delete();
      throw new BackpropError(status);
    }
    this.#h = h;
    this.#info = JSON.parse(h.info());
  }

  #handle() {
    if (!this.#h) throw new BackpropError('net: used after dispose()');
    return this.#h;
  }

  /** 'float32' or 'float64'. */
  get dtype() {
    return this.#handle().float64() ? 'float64' : 'float32';
  }
  get inputShape() {
    this.#handle();
    return [...this.#info.input];
  }
  get outputShape() {
    this.#handle();
    return [...this.#info.output];
  }
  /** The normalised spec (every option with its value). */
  get spec() {
    this.#handle();
    return structuredClone(this.#info.spec);
  }
  /** Per layer: its normalised config with inputShape and outputShape. */
  layers() {
    this.#handle();
    return structuredClone(this.#info.layers);
  }
  /** [{ layer, name, shape }] for every parameter tensor. */
  paramInfo() {
    this.#handle();
    return structuredClone(this.#info.params);
  }

  getParam(layer, name) {
    const h = this.#handle();
    check(h.checkParam(layer, name));
    return h.param(layer, name, false).slice();
  }
  getGrad(layer, name) {
    const h = this.#handle();
    check(h.checkParam(layer, name));
    return h.param(layer, name, true).slice();
  }
  setParam(layer, name, values) {
    const h = this.#handle();
    check(h.checkParam(layer, name));
    stage(h.stageValues(toLength(values, 'setParam')), values);
    check(h.setParam(layer, name));
  }

  #stageX(x, what) {
    const h = this.#handle();
    stage(h.stageX(toLength(x, what)), x);
    return h;
  }
  #stageTargets(h, targets) {
    stage(h.stageTargets(toLength(targets, 'targets')), targets);
  }

  /** x: n*inputSize numbers -> a new typed array of n*outputSize outputs. */
  forward(x, n = 1) {
    const h = this.#stageX(x, 'forward');
    check(h.forward(n));
    return h.output().slice();
  }
  /** After forward: dy (n*outputSize) -> adds into parameter grads, returns dx (n*inputSize). */
  backward(dy) {
    const h = this.#handle();
    stage(h.stageDy(toLength(dy, 'backward')), dy);
    check(h.backward());
    return h.inputGrad().slice();
  }
  zeroGrad() {
    this.#handle().zeroGrad();
  }
  /** Zero grads, forward, loss, backward; returns the loss. */
  computeGradients(x, targets, n = 1) {
    const h = this.#stageX(x, 'computeGradients');
    this.#stageTargets(h, targets);
    check(h.computeGradients(n));
    return h.lastLoss();
  }
  /** The loss on (x, targets) without touching gradients. */
  loss(x, targets, n = 1) {
    const h = this.#stageX(x, 'loss');
    this.#stageTargets(h, targets);
    check(h.loss(n));
    return h.lastLoss();
  }
  /**
   * Analytic vs numerical gradients in float64 (a float64 twin for float32 nets).
   * options: { eps = 1e-6, stencil = 2 | 4, maxCoords = 100, seed = 1 }.
   * -> [{ layer, name, shape, maxAbsError, maxRelError, checked, kinks, passed }] (layer -1 = input)
   */
  gradCheck(x, targets, n = 1, { eps = 1e-6, stencil = 2, maxCoords = 100, seed = 1 } = {}) {
    const h = this.#stageX(x, 'gradCheck');
    this.#stageTargets(h, targets);
    check(h.gradCheck(n, eps, maxCoords, seed, stencil));
    return JSON.parse(h.result());
  }

  /** Frees the WASM memory behind this net; any later call throws. Safe to call twice. */
  dispose() {
    if (this.#h) {
      this.#h.delete();
      this.#h = null;
    }
  }
  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.dispose();
  }
}

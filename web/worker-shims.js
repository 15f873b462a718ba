// worker-shims.js: TEMPORARY stand-ins for the training API that branch `train` is adding to
// the core (optimizers, trainStep, save/load). Used by worker.js only when the real methods are
// missing; delete once main has them. Plain JS over computeGradients/getGrad/getParam/setParam.
import { BackpropError } from './errors.js';

/** A JS optimizer over a Net: step() applies one update from the grads computeGradients left. */
export function jsOptimizer(net, opt) {
  const { type = 'sgd', lr = 0.01, momentum = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, rho = 0.9, weightDecay = 0 } = opt ?? {};
  const known = ['sgd', 'adagrad', 'rmsprop', 'adadelta', 'adam'];
  if (!known.includes(type)) throw new BackpropError(`optimizer: unknown type '${type}' (known: ${known.join(', ')})`);
  if (!(lr > 0)) throw new BackpropError(`optimizer: lr must be > 0, got ${lr}`);
  const state = net.paramInfo().map((p) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    return { ...p, m: new Float64Array(n), v: new Float64Array(n) };
  });
  let t = 0;
  return {
    step() {
      t++;
      for (const s of state) {
        const w = net.getParam(s.layer, s.name), g = net.getGrad(s.layer, s.name);
        for (let i = 0; i < w.length; i++) {
          const gi = g[i] + weightDecay * w[i];
          if (type === 'sgd') {
            s.m[i] = momentum * s.m[i] + gi;
            w[i] -= lr * s.m[i];
          } else if (type === 'adagrad') {
            s.v[i] += gi * gi;
            w[i] -= (lr * gi) / (Math.sqrt(s.v[i]) + 1e-10);
          } else if (type === 'rmsprop') {
            s.v[i] = rho * s.v[i] + (1 - rho) * gi * gi;
            w[i] -= (lr * gi) / (Math.sqrt(s.v[i]) + eps);
          } else if (type === 'adadelta') {
            s.v[i] = rho * s.v[i] + (1 - rho) * gi * gi;
            const dx = (-Math.sqrt(s.m[i] + 1e-6) / Math.sqrt(s.v[i] + 1e-6)) * gi;
            s.m[i] = rho * s.m[i] + (1 - rho) * dx * dx;
            w[i] += lr * dx;
          } else {
            s.m[i] = beta1 * s.m[i] + (1 - beta1) * gi;
            s.v[i] = beta2 * s.v[i] + (1 - beta2) * gi * gi;
            const mh = s.m[i] / (1 - beta1 ** t), vh = s.v[i] / (1 - beta2 ** t);
            w[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
          }
        }
        net.setParam(s.layer, s.name, w);
      }
    },
  };
}

const MAGIC = 'backprop-wasm model';

/** A model file: JSON { format, version, spec, params: [{layer, name, shape, values}] } as bytes. */
export function saveModel(net) {
  const params = net.paramInfo().map((p) => ({ ...p, values: Array.from(net.getParam(p.layer, p.name)) }));
  return new TextEncoder().encode(JSON.stringify({ format: MAGIC, version: 1, spec: net.spec, params }));
}

/** Builds a new net from model-file bytes; throws BackpropError (and frees what it built) on a bad file. */
export function loadModel(bp, bytes) {
  let doc;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BackpropError(`model file: not a backprop-wasm model (${bytes.length} bytes, not JSON)`);
  }
  if (doc?.format !== MAGIC) throw new BackpropError(`model file: not a backprop-wasm model (format ${JSON.stringify(doc?.format)})`);
  if (doc.version !== 1) throw new BackpropError(`model file: version ${doc.version} is not supported (this build reads 1)`);
  if (!Array.isArray(doc.params)) throw new BackpropError('model file: params must be an array');
  const net = bp.sequential(doc.spec);
  try {
    const want = net.paramInfo();
    if (doc.params.length !== want.length)
      throw new BackpropError(`model file: ${doc.params.length} parameter tensors, the spec needs ${want.length}`);
    for (const p of doc.params) net.setParam(p.layer, p.name, p.values);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

// Shared helpers for the Vitest suites (not a test file: no .test.js suffix).
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { mulberry32 as rng } from '../../web/core/random.js';
import { BackpropError } from '../../web/core/errors.js';

/** Seeded uniform [0,1) generator (mulberry32): the same numbers on every run. */
export { rng };

/** n standard normals (Box-Muller), seeded. */
export function randn(n, seed = 1) {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

/** n distinct values 0.01 apart, none within 0.005 of 0, shuffled: no ReLU input at 0, no max-pool tie. */
export function distinct(n, seed = 1) {
  const v = Array.from({ length: n }, (_, k) => (k - Math.floor(n / 2) + 0.5) * 0.01);
  const r = rng(seed);
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [v[k], v[j]] = [v[j], v[k]];
  }
  return v;
}

/** Labels for cross-entropy or N(0,1) targets for mse, to fit a net. */
export function targetsFor(net, n, seed = 2) {
  const out = net.outputShape.reduce((a, b) => a * b, 1);
  if (net.spec.loss === 'mse') return randn(n * out, seed);
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * out));
}

export const size = (shape) => shape.reduce((a, b) => a * b, 1);

/** |got − want| ≤ tol · max|want| elementwise, with the worst element in the message. */
export function expectClose(got, want, tol, what = '') {
  expect(got.length, `${what} length`).toBe(want.length);
  let scale = 0, worst = 0, at = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d > worst) (worst = d), (at = i);
  }
  expect(worst, `${what}: max difference ${worst} at [${at}] (got ${got[at]}, want ${want[at]}, scale ${scale})`).toBeLessThanOrEqual(
    tol * scale,
  );
}

/** A small conv net on [3,7,7] inputs with 5 classes (the data-parallel tests train it). */
export const smallCnnSpec = (dtype) => ({
  input: [3, 7, 7],
  layers: [
    { type: 'conv2d', filters: 4, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'maxpool2d', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 5 },
  ],
  loss: 'softmax_cross_entropy',
  optimizer: { type: 'adam', lr: 0.01 },
  dtype,
  seed: 3,
});

/**
 * The shared fixtures, tests/fixtures/<name>.float{32,64}.json (written by the native tool
 * cpp/tools/make_fixtures.cpp; other files there are other tests' data): [{ file, f, tol }] with
 * the per-tensor tolerance |a − e| ≤ tol · max|e|: float64 1e-12, float32 1e-5.
 */
export function fixtures() {
  const dir = new URL('../fixtures/', import.meta.url);
  return readdirSync(dir).filter((file) => /\.float(32|64)\.json$/.test(file)).sort().map((file) => {
    const f = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    return { file, f, tol: f.spec.dtype === 'float64' ? 1e-12 : 1e-5 };
  });
}

/** fn must throw a BackpropError whose message is `message` (a string, exactly, or a RegExp); returns it. */
export function expectBackpropError(fn, message) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a BackpropError: ${message}`).toBeInstanceOf(BackpropError);
  if (message instanceof RegExp) expect(error.message).toMatch(message);
  else expect(error.message).toBe(message);
  return error;
}

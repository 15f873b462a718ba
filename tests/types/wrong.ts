// Deliberately wrong uses of the API: tests/js/types.test.js asserts that tsc rejects this file,
// so the type test can fail.
import { loadBackprop, trainer } from 'backprop-wasm';

async function main(): Promise<void> {
  const bp = await loadBackprop();
  const net = bp.sequential({ input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' });
  const loss: string = net.trainStep([1, 2], [3]);         // a number, not a string
  net.gradCheck([1, 2], [3], 1, { stencil: 3 });           // stencil is 2 | 4
  const t = await trainer({ input: [2], layers: [], loss: 'mse' });
  const w: Float32Array = t.getParam(0, 'weight');         // a Promise
  net.setOptimizer({ type: 'adam', momentum: 0.9 });       // adam has no momentum
  console.log(loss, w);
}
main();

// Deliberately wrong uses of the API: tests/js/types.test.js asserts that tsc rejects each marked
// line with the error code in its comment, so the type test can fail.
import { loadBackprop, trainer } from 'backprop-wasm';

async function main(): Promise<void> {
  const bp = await loadBackprop();
  const net = bp.sequential({ input: [2], layers: [{ type: 'dense', units: 1 }], loss: 'mse' });
  const loss: string = net.trainStep([1, 2], [3]);         // TS2322: a number, not a string
  net.gradCheck([1, 2], [3], 1, { stencil: 3 });           // TS2322: stencil is 2 | 4
  const t = await trainer({ input: [2], layers: [], loss: 'mse' });
  const w: Float32Array = t.getParam(0, 'weight');         // TS2740: a Promise
  net.setOptimizer({ type: 'adam', momentum: 0.9 });       // TS2353: adam has no momentum
  bp.sequential({
    input: [1, 28, 28],
    layers: [
      { type: 'dens' },                                    // TS2820: no layer 'dens' (did you mean 'dense'?)
      { type: 'conv2d', filter: 8, kernel: 3 },            // TS2561: 'filter' (did you mean 'filters'?)
    ],
    loss: 'softmax_crossentropy',                          // TS2820: did you mean 'softmax_cross_entropy'?
  });
  console.log(loss, w);
}
main();

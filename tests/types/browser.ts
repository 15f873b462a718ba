// A page's view of the package, as a bundler resolves it (moduleResolution bundler: no "node"
// condition): the browser entry's types, without the Node helpers. Checked by
// tests/js/types.test.js; never run.
import { loadBackprop, trainer, type NetSpec } from 'backprop-wasm';
// @ts-expect-error -- the Node helpers are in Node's entry only
import { loadMnistFromDir } from 'backprop-wasm';
import { loadMnistSubset } from 'backprop-wasm/mnist-subset';
import { trainer as workerOnly } from 'backprop-wasm/trainer';
import 'backprop-wasm/element';

const spec: NetSpec = { input: [784], layers: [{ type: 'dense', units: 10 }], loss: 'softmax_cross_entropy' };

async function page(): Promise<void> {
  const { train } = await loadMnistSubset();
  const t = await trainer(spec, { worker: true });
  await t.setData('train', train.images, train.labels, [784]);
  await (await workerOnly(null)).dispose();
  await document.querySelector('backprop-demo')?.start();
  console.log((await loadBackprop()).heapInUse(), loadMnistFromDir);
}
page();

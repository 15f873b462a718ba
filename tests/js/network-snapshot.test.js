// Session.networkSnapshot (the demo's "step into this batch"): the whole net and the first sample
// of the batch the next fit takes, without moving the trainer.
import { describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/core/backprop.js';
import { Session } from '../../web/worker/session.js';

describe('Session.networkSnapshot', () => {
  it('names the first sample of the batch the next fit trains on, and leaves the trainer where it was', async () => {
    const bp = await loadBackprop();
    const n = 50, images = new Float32Array(n * 4), labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let f = 0; f < 4; f++) images[4 * i + f] = ((i * 7 + f * 3) % 11) / 10;
    }
    const spec = { input: [4], loss: 'softmax_cross_entropy', layers: [{ type: 'dense', units: 3 }], optimizer: { type: 'sgd', lr: 0.1 }, seed: 3 };
    const cfg = { batchSize: 7, seed: 5 };
    const s = new Session();
    await s.init(spec);
    await s.setData('train', images.slice(), labels.slice(), [4], { classes: 3 });
    // a reference net and dataset: the batches a fit with these options takes, in order
    const ref = bp.sequential(spec), ds = bp.dataset(images.slice(), labels.slice(), [4], { classes: 3 });
    const order = Array.from({ length: 20 }, () => Array.from(ref.nextBatch(ds, cfg)));
    expect(s.networkSnapshot('train', cfg).batch).toEqual(order[0]);
    await s.fit('train', { steps: 13, ...cfg });  // crosses an epoch (8 batches of 7 to 50)
    const a = s.networkSnapshot('train', cfg), b = s.networkSnapshot('train', cfg);
    expect(a.batch).toEqual(order[13]);
    expect(b.batch).toEqual(order[13]);
    expect(a.sample).toBe(order[13][0]);
    expect(a.label).toBe(labels[a.sample]);
    expect(Array.from(a.image)).toEqual(Array.from(images.subarray(4 * a.sample, 4 * a.sample + 4)));
    expect(a.step).toBe(13);
    expect(a.params.map((p) => `${p.layer}.${p.name}`)).toEqual(['0.weight', '0.bias']);
    expect(Array.from(a.params[0].values)).toEqual(Array.from(await s.getParam(0, 'weight')));
    ref.dispose();
    ds.dispose();
    await s.dispose();
  });
});

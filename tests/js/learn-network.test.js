// The network and optimizer chapters' numbers from the core: the whole-net trace of the tiny CNN
// on a real digit agrees with the net's own gradients, its numerical check passes away from kinks,
// and every racer's optimizer config is one the core accepts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackprop } from '../../web/core/backprop.js';
import { presets } from '../../web/core/presets.js';
import { decodeMnistSubset } from '../../web/core/mnist-subset.js';
import { numericNetOf, traceNetOf } from '../../web/learn/example.js';
import { batchOf } from '../../web/learn/mnist.js';
import { RACERS, RACE_SPEC } from '../../web/learn/optimizers.js';
import { stepsOf } from '../../web/learn/network.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bp = await loadBackprop();
const set = decodeMnistSubset(readFileSync(join(root, 'dist/mnist-subset.bin'))).train;

describe('network chapter', () => {
  it('the whole-net trace of derivation-cnn on a digit matches the net\'s gradients; its numerical check passes away from kinks', () => {
    const net = bp.sequential(presets['derivation-cnn'].spec);
    try {
      const { x, y } = batchOf(set, [3]);
      const trace = traceNetOf(bp, net, x, y, 1);
      expect(trace.layers).toHaveLength(7);
      expect(stepsOf(trace.layers.length)).toHaveLength(16);
      const loss = net.computeGradients(x, y, 1);
      expect(trace.loss.value).toBeCloseTo(loss, 5);
      for (const p of net.paramInfo()) {
        const g = net.getGrad(p.layer, p.name), t = trace.layers[p.layer].grads[p.name].values;
        for (let i = 0; i < g.length; i++) expect(Math.abs(t[i] - g[i]), `${p.layer} ${p.name} ${i}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(g[i]));
      }
      // (the conv's bias is at a kink: with b = 0 every blank 3×3 patch of the digit gives z¹ = 0 exactly)
      for (const [layer, tensor] of [[0, 'weight'], [4, 'bias'], [6, 'weight'], [2, 'input'], [5, 'input'], [7, 'input']]) {
        const num = numericNetOf(bp, net, x, y, 1, { layer, tensor });
        const a = tensor === 'input' ? (layer < 7 ? trace.layers[layer].dInput : trace.loss.dInput) : trace.layers[layer].grads[tensor].values;
        let checked = 0;
        for (let i = 0; i < a.length; i++) {
          if (num.kinks[i]) continue;
          checked++;
          expect(Math.abs(a[i] - num.values[i]), `${layer} ${tensor} ${i}`).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(num.values[i]));
        }
        expect(checked, `${layer} ${tensor}`).toBeGreaterThan(0);
      }
    } finally {
      net.dispose();
    }
  });
});

describe('optimizer chapter', () => {
  it('every racer is an optimizer of the core, and the same seed gives every racer the same first loss', () => {
    const { x, y, n } = batchOf(set, [0, 1, 2, 3]);
    const first = RACERS.map((r) => {
      const net = bp.sequential({ ...RACE_SPEC, optimizer: r.mnist });
      try {
        expect(net.optimizer.type).toBe(r.mnist.type);
        net.setOptimizer(r.surface);
        return net.trainStep(x, y, n);
      } finally {
        net.dispose();
      }
    });
    expect(new Set(first).size).toBe(1);
  });
});

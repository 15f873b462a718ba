// The benchmark harness runs and reports well-formed numbers (tiny counts; nothing here is
// timed or compared: speed belongs to `npm run bench`). Also pins what the bench relies on:
// the FLOP counts the issue quotes, and the Conv2DBackpropFilter kernel the bench registers
// into TF.js's WASM backend against a naive loop.
import { describe, expect, it } from 'vitest';
import { NETS, flops } from '../../bench/nets.js';
import { nodeLibs, table } from '../../bench/run.mjs';
import { runSuite } from '../../bench/suite.js';
import { checkConv2DBackpropFilter } from '../../bench/tfjs-conv2d-backprop-filter.js';

describe('bench', () => {
  it('counts the FLOP the issue states, from the layer shapes', () => {
    const cnn = flops(NETS['mnist-cnn']), medium = flops(NETS.medium);
    // conv1 2·8·28·28·1·25 + conv2 2·16·14·14·8·25 + dense 2·10·256
    expect(cnn.forward).toBe(313600 + 1254400 + 5120);
    expect(+(cnn.forward / 1e6).toFixed(2)).toBe(NETS['mnist-cnn'].issue.forwardMflop);
    // forward + weight grads + input grads of every layer but the first
    expect(cnn.train).toBe(2 * cnn.forward + cnn.forward - 313600);
    expect(+(cnn.train / 1e6).toFixed(2)).toBe(NETS['mnist-cnn'].issue.trainMflop);
    expect(+(medium.train / 1e6).toFixed(1)).toBe(NETS.medium.issue.trainMflop);
  });

  it('runs mnist-cnn against TF.js and ConvNetJS in Node and returns well-formed JSON', async () => {
    const libs = await nodeLibs();
    const r = await runSuite({ env: 'node', ...libs, quick: true, only: ['mnist-cnn'] });
    expect(checkConv2DBackpropFilter(libs.tf)).toBeLessThan(1e-5);
    expect(r.tfjs.backend).toBe('wasm');
    expect(r.tfjs.threads).toBe(1);
    expect(r.tfjs.kernelCheckMaxAbsDiff).toBeLessThan(1e-5);
    const row = r.nets['mnist-cnn'];
    expect(Object.keys(r.nets)).toEqual(['mnist-cnn']);
    for (const lib of ['ours', 'tfjs', 'convnetjs'])
      for (const mode of ['train', 'infer']) {
        const m = row[lib][mode];
        expect(m.runs).toBe(2);
        expect(m.min).toBeGreaterThan(0);
        expect(m.min <= m.median && m.median <= m.max).toBe(true);
        expect(m.gflops).toBeCloseTo((m.median * (mode === 'train' ? 4405760 : 1573120)) / 1e9, 9);
      }
    expect(row.tfjs.leakedTensors).toBe(0);
    expect(r.peak.gflops).toBeGreaterThan(0);
    expect(r.memory.heapInUseBytes).toBeGreaterThan(0);
    expect(r.memory.wasmMemoryBytes).toBeGreaterThanOrEqual(r.memory.heapInUseBytes);
    const parsed = JSON.parse(JSON.stringify(r));
    expect(parsed).toEqual(r);
    const lines = table({ node: r }).split('\n');
    expect(lines[2]).toMatch(/^\| node \| mnist-cnn \(32\) \| train \| [\d,.]+ \([\d,.]+–[\d,.]+\) \|/);
  });
});

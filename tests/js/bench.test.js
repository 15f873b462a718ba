// The benchmark harness runs and reports well-formed numbers (tiny counts; nothing here is
// timed or compared: speed belongs to `npm run bench`). Also pins what the bench relies on:
// the FLOP counts the issue quotes, and the Conv2DBackpropFilter kernel the bench registers
// into TF.js's WASM backend against a naive loop.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NETS, flops } from '../../bench/nets.js';
import { abCompare } from '../../bench/ab.mjs';
import { nodeLibs, table } from '../../bench/run.mjs';
import { runSuite } from '../../bench/suite.js';
import { checkConv2DBackpropFilter } from '../../bench/tfjs-conv2d-backprop-filter.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

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

  it('ab.mjs compares two package entries in a fresh process per repeat and pairs their blocks', async () => {
    const entry = join(root, 'web/index.js');
    const r = await abCompare({ a: entry, b: entry, nets: ['mnist-cnn'], modes: ['train', 'infer'], repeats: 2, blocks: 3, ms: 5, warmup: 20 });
    expect(r.runs.map((m) => [m.repeat, m.bFirst, m.net, m.mode])).toEqual([
      [1, false, 'mnist-cnn', 'train'], [1, false, 'mnist-cnn', 'infer'], [2, true, 'mnist-cnn', 'train'], [2, true, 'mnist-cnn', 'infer'],
    ]);
    for (const m of r.runs) {
      expect(m.rates.map((v) => v.length)).toEqual([3, 3]);
      expect(m.ratios).toEqual(m.rates[1].map((v, i) => v / m.rates[0][i]));
      expect(m.ratios.every((v) => v > 0)).toBe(true);
    }
    expect(r.summary.map((s) => [s.net, s.mode, s.perRepeat.length])).toEqual([['mnist-cnn', 'train', 2], ['mnist-cnn', 'infer', 2]]);
    for (const s of r.summary) expect(s.ci[0] <= s.ratio && s.ratio <= s.ci[1]).toBe(true);
    await expect(abCompare({ a: entry, b: entry, nets: ['big'] })).rejects.toThrow('ab: no net big (bench/nets.js has mnist-cnn, medium)');
  });
});

// Model files through the WASM module: what save() writes (safetensors under PyTorch's
// state_dict names), the 'BPWM' fixture of the first format still loading, and the lengths
// near 2^32 that wrapped WASM's 32-bit size_t (the module aborted): now each is a
// BackpropError, and the module trains on. Every case of a bad file is in
// tests/cpp/test_model_file.cpp; here, what crosses the boundary.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop, BackpropError } from '../../web/index.js';
import { expectClose } from './helpers.js';

let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});

const fixture = (name) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));

/** The JSON header of a safetensors file and where its data starts. */
function parse(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), start: 8 + n };
}

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

const spec = {
  input: [1, 5, 5],
  layers: [
    { type: 'conv2d', filters: 2, kernel: 3, padding: 1 },
    { type: 'prelu', channelwise: true },
    { type: 'maxpool2d', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
  ],
  loss: 'softmax_cross_entropy',
  optimizer: { type: 'adam', lr: 0.05 },
  seed: 3,
};
const x = Array.from({ length: 2 * 25 }, (_, i) => Math.sin(i)), y = [2, 0];

describe('model files', () => {
  it('save() writes safetensors: PyTorch names and layouts, the spec in __metadata__, the values in the net dtype', () => {
    for (const [dtype, Values, name] of [['float32', Float32Array, 'F32'], ['float64', Float64Array, 'F64']]) {
      const net = bp.sequential({ ...spec, dtype });
      for (let i = 0; i < 2; i++) net.trainStep(x, y, 2);
      const bytes = net.save({ optimizer: true });
      const { header, start } = parse(bytes);
      const { __metadata__: meta, ...tensors } = header;
      expect(Object.keys(meta)).toEqual(['format_version', 'spec', 'optimizer.step']);
      expect([meta.format_version, JSON.parse(meta.spec), meta['optimizer.step']]).toEqual(['2', net.spec, '2']);
      const params = { '0.weight': [0, 'weight', [2, 1, 3, 3]], '0.bias': [0, 'bias', [2]], '1.weight': [1, 'alpha', [2]],
        '4.weight': [4, 'weight', [3, 8]], '4.bias': [4, 'bias', [3]] };
      expect(Object.keys(tensors)).toEqual([...Object.keys(params),
        ...Object.keys(params).flatMap((k) => [`optimizer.${k}.exp_avg`, `optimizer.${k}.exp_avg_sq`])]);
      for (const [key, [layer, param, shape]] of Object.entries(params)) {
        const { dtype: d, shape: s, data_offsets: [begin, end] } = tensors[key];
        expect([d, s]).toEqual([name, shape]);
        const values = new Values(bytes.slice(start + begin, start + end).buffer);
        expect(values).toEqual(net.getParam(layer, param));
      }
      expect(start % 8).toBe(0);
      net.dispose();
    }
  });

  it("a file of the first format ('BPWM', tests/fixtures/legacy_v1.bpm) loads: its outputs, and its optimizer state's next step", () => {
    const doc = JSON.parse(readFileSync(new URL('../fixtures/legacy_v1.json', import.meta.url), 'utf8'));
    const bytes = fixture('legacy_v1.bpm');
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('BPWM');
    const net = bp.load(bytes);
    expectClose(Array.from(net.forward(doc.x, doc.n)), doc.output, 1e-6, 'output');
    const again = bp.load(net.save({ optimizer: true }));  // and saved, it is a safetensors file with the same state
    net.trainStep(doc.x, doc.targets, doc.n);
    again.trainStep(doc.x, doc.targets, doc.n);
    expectClose(Array.from(net.forward(doc.x, doc.n)), doc.afterStep, 1e-6, 'after a step');
    expect(again.forward(doc.x, doc.n)).toEqual(net.forward(doc.x, doc.n));
    net.dispose();
    again.dispose();
  });

  it('a length of 0xFFFFFFEC..0xFFFFFFFF (old and new format) is a BackpropError, 2,000 times over, and the module still trains', () => {
    const net = bp.sequential(spec);
    const good = net.save(), legacy = fixture('legacy_v1.bpm');
    const heap = bp.heapInUse();
    for (let round = 0; round < 50; round++)
      for (let n = 0xffffffec; n <= 0xffffffff; n++) {
        const st = good.slice();
        new DataView(st.buffer).setBigUint64(0, BigInt(n), true);
        const e1 = errorOf(() => bp.load(st));
        expect(e1).toBeInstanceOf(BackpropError);
        expect(e1.message).toBe(`model file: header length ${n} is more than the ${good.length - 8} bytes after it (truncated?)`);
        const old = legacy.slice();
        new DataView(old.buffer).setUint32(12, n, true);
        const e2 = errorOf(() => bp.load(old));
        expect(e2).toBeInstanceOf(BackpropError);
        expect(e2.message).toBe(`model file: truncated: ${legacy.length} bytes, but the spec alone needs ${n + 20}`);
      }
    expect(bp.heapInUse()).toBe(heap);
    // The module trains on: the loss falls, and a good file loads.
    const first = net.trainStep(x, y, 2);
    for (let i = 0; i < 20; i++) net.trainStep(x, y, 2);
    expect(net.trainStep(x, y, 2)).toBeLessThan(first / 2);
    const copy = bp.load(net.save());
    expect(copy.forward(x, 2)).toEqual(net.forward(x, 2));
    copy.dispose();
    net.dispose();
  });

  it('NaN weights, Inf optimizer state and a step count of 2^63 are refused, naming the tensor', () => {
    const net = bp.sequential(spec);
    net.trainStep(x, y, 2);
    const bytes = net.save({ optimizer: true });
    const { header, start } = parse(bytes);
    const at = (name, i) => start + header[name].data_offsets[0] + 4 * i;
    const cases = [
      [(b) => new DataView(b.buffer).setFloat32(at('4.weight', 7), NaN, true), "model file: tensor '4.weight' value nan at index 7 is not finite"],
      [(b) => new DataView(b.buffer).setFloat32(at('optimizer.1.weight.exp_avg', 1), -Infinity, true),
        "model file: tensor 'optimizer.1.weight.exp_avg' value -inf at index 1 is not finite"],
    ];
    for (const [edit, message] of cases) {
      const b = bytes.slice();
      edit(b);
      const e = errorOf(() => bp.load(b));
      expect(e).toBeInstanceOf(BackpropError);
      expect(e.message).toBe(message);
    }
    const step = JSON.stringify({ ...header, __metadata__: { ...header.__metadata__, 'optimizer.step': String(2n ** 63n) } });
    const b = new Uint8Array(8 + step.length + bytes.length - start);
    new DataView(b.buffer).setBigUint64(0, BigInt(step.length), true);
    b.set(new TextEncoder().encode(step), 8);
    b.set(bytes.subarray(start), 8 + step.length);
    expect(errorOf(() => bp.load(b)).message).toBe('model file: optimizer.step "9223372036854775808" is not a step count in [0, 9007199254740991]');
    const copy = bp.load(bytes);  // the file as saved loads
    expect(copy.forward(x, 2)).toEqual(net.forward(x, 2));
    copy.dispose();
    net.dispose();
  });
});

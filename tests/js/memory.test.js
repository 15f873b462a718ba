// The memory budget (docs/memory.md): what a net, its optimizer state, its staged inputs and a
// dataset count; refusals that name the sizes instead of an abort; a refused call keeps nothing;
// a model file whose spec is far bigger than its data refused at once; and an abort (a bug)
// replacing the module.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { BackpropError } from '../../web/core/errors.js';

const MiB = 2 ** 20;
let bp;
beforeAll(async () => {
  bp = await loadBackprop();
});
afterEach(() => {
  bp.setMemoryBudget(1536 * MiB);
});

// dense [4] -> 3, float32: 15 parameters.
const small = { input: [4], layers: [{ type: 'dense', units: 3 }], loss: 'mse' };

describe('the accountant', () => {
  it('counts a net: parameters, gradients, optimizer state, activations for its batch, staged inputs', () => {
    expect(bp.memory().budget).toBe(1536 * MiB);
    const before = bp.memory().inUse;
    const net = bp.sequential(small);
    // values: 2*15 (parameters, gradients) + 2*1*(4+3) (activations, their gradients) + 15 (sgd's
    // momentum buffer) = 59, 4 bytes each
    expect(bp.memory().inUse - before).toBe(236);
    net.forward([1, 2, 3, 4, 5, 6, 7, 8], 2);
    // batch of 2: 30 + 2*2*7 + 15 = 73 values, and x staged: 8 values
    expect(bp.memory().inUse - before).toBe(4 * 73 + 4 * 8);
    net.setOptimizer({ type: 'adam' });  // two state tensors: 15 more values
    expect(bp.memory().inUse - before).toBe(4 * 88 + 4 * 8);
    net.dispose();
    expect(bp.memory().inUse).toBe(before);
  });

  it('a budget must be 1 MiB to 1.5 GiB', () => {
    expect(() => bp.setMemoryBudget(2 * 1536 * MiB)).toThrow(
      new BackpropError('memory budget must be an integer number of bytes in [1048576, 1610612736] (1 MiB to 1.5 GiB), got 3221225472'),
    );
    expect(() => bp.setMemoryBudget('1e6')).toThrow(BackpropError);
    expect(bp.memory().budget).toBe(1536 * MiB);
  });

  it('a net over the budget is refused before it is allocated, and the module works on', () => {
    bp.setMemoryBudget(4 * MiB);
    const heap = bp.heapInUse();
    // weight [1024,1024] in float32: 4 MiB, 8 with its gradient
    const big = { input: [1024], layers: [{ type: 'dense', units: 1024 }], loss: 'mse' };
    expect(() => bp.sequential(big)).toThrow(
      /^layer 0 \(dense\): weight \[1024,1024\] with its gradient needs 8\.0 MiB, but 0\.0 MiB of the 4\.0 MiB memory budget are in use$/,
    );
    expect(bp.heapInUse()).toBe(heap);
    const net = bp.sequential(small);
    expect(net.forward([1, 2, 3, 4]).length).toBe(3);
    net.dispose();
  });
});

describe('a refused call frees what it staged', () => {
  it('3 nets × a wrong-length trainStep of 2^26 values: each a BackpropError, the heap back where it was', () => {
    const x = new Float32Array(2 ** 26);
    const nets = [0, 1, 2].map(() => bp.sequential(small));
    const heap = bp.heapInUse(), inUse = bp.memory().inUse;
    for (const net of nets)
      expect(() => net.trainStep(x, [0, 0, 0])).toThrow(new BackpropError('trainStep: x has 67108864 values, expected n*[4] = 1*4 = 4'));
    expect(bp.heapInUse()).toBe(heap);
    expect(bp.memory().inUse).toBe(inUse);
    for (const net of nets) {
      expect(Number.isFinite(net.trainStep([1, 2, 3, 4], [0, 0, 0]))).toBe(true);
      net.dispose();
    }
  });

  it('staged inputs over the budget are refused before they are allocated', () => {
    bp.setMemoryBudget(2 * MiB);
    const net = bp.sequential(small);
    const heap = bp.heapInUse();
    expect(() => net.forward(new Float32Array(MiB))).toThrow(
      /^input x of 1048576 values needs 4\.0 MiB, but 0\.0 MiB of the 2\.0 MiB memory budget are in use$/,
    );
    expect(bp.heapInUse()).toBe(heap);
    net.dispose();
  });
});

describe('datasets and optimizer state count', () => {
  it('a second dataset over the budget is a BackpropError naming the sizes; after dispose it fits', () => {
    bp.setMemoryBudget(8 * MiB);
    const images = new Uint8Array(6 * MiB), labels = new Float64Array(6 * MiB / 1024);  // 6144 samples of [1024]
    const a = bp.dataset(images, labels, [1024]);
    const heap = bp.heapInUse();
    expect(() => bp.dataset(images, labels, [1024])).toThrow(
      /^dataset: images of 6291456 values needs 6\.0 MiB, but 6\.0 MiB of the 8\.0 MiB memory budget are in use$/,
    );
    expect(bp.heapInUse()).toBe(heap);
    a.dispose();
    const b = bp.dataset(images, labels, [1024]);
    expect(b.count).toBe(6144);
    b.dispose();
  });

  it('float64 Adam: the optimizer state is counted when the net is built and when the optimizer changes', () => {
    bp.setMemoryBudget(4 * MiB);
    // dense [256] -> 256 in float64: 65792 parameters, 514 KiB each of values, gradients and
    // every optimizer state tensor
    const spec = { input: [256], layers: [{ type: 'dense', units: 256 }], loss: 'mse', dtype: 'float64' };
    const a = bp.sequential({ ...spec, optimizer: { type: 'adam' } });  // 4 × 514 KiB
    expect(() => bp.sequential({ ...spec, optimizer: { type: 'adam' } })).toThrow(
      /^layer 0 \(dense\): the net up to here \(parameters, gradients, optimizer state, activations for one sample\) needs 2\.0 MiB, but 2\.0 MiB of the 4\.0 MiB memory budget are in use$/,
    );
    const b = bp.sequential(spec);  // sgd: 3 × 514 KiB
    expect(() => b.setOptimizer({ type: 'adam' })).toThrow(/^optimizer \(adam\): the net with its state needs 2\.0 MiB, but 2\.0 MiB of the 4\.0 MiB/);
    expect(b.optimizer.type).toBe('sgd');  // unchanged, and it trains
    expect(Number.isFinite(b.trainStep(new Float64Array(256), new Float64Array(256)))).toBe(true);
    a.dispose();
    b.dispose();
  });
});

// A 'BPWM' (first format) file: header, spec, no parameters, CRC-32.
function bpwm(spec) {
  const text = new TextEncoder().encode(JSON.stringify(spec));
  const out = new Uint8Array(16 + text.length + 4), v = new DataView(out.buffer);
  out.set([66, 80, 87, 77]);
  v.setUint32(4, 1, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, text.length, true);
  out.set(text, 16);
  let c = ~0;
  for (let i = 0; i < out.length - 4; i++) {
    c ^= out[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  v.setUint32(out.length - 4, ~c >>> 0, true);
  return out;
}

describe('model files', () => {
  it('a small file whose spec asks for a huge net is refused at once, without allocating it', () => {
    const file = bpwm({ input: [8192], layers: [{ type: 'dense', units: 8192 }, { type: 'dense', units: 8192 }], loss: 'mse' });
    expect(file.length).toBeLessThan(150);
    const heap = bp.heapInUse(), t0 = performance.now();
    expect(() => bp.load(file)).toThrow(
      new BackpropError('model file: layer 0 (dense): weight [8192,8192] needs 256.0 MiB, more than the 0 bytes of parameter data left in the model file'),
    );
    expect(performance.now() - t0).toBeLessThan(500);
    expect(bp.heapInUse()).toBe(heap);
  });

  it('a file over the budget says so, not "bad spec"', () => {
    const net = bp.sequential({ input: [1024], layers: [{ type: 'dense', units: 1024 }], loss: 'mse' });
    const file = net.save();
    net.dispose();
    bp.setMemoryBudget(6 * MiB);  // the file (4 MiB) is staged, its net (8 MiB) does not fit
    expect(() => bp.load(file)).toThrow(
      /^model file: layer 0 \(dense\): weight \[1024,1024\] with its gradient needs 8\.0 MiB, but 4\.0 MiB of the 6\.0 MiB memory budget are in use$/,
    );
  });
});

describe('many refused calls', () => {
  it('leave the heap and the budget where they were', () => {
    const net = bp.sequential(small);
    net.forward([1, 2, 3, 4]);
    bp.setMemoryBudget(2 * MiB);
    const x = new Float32Array(64 * 1024), file = bpwm({ input: [4096], layers: [{ type: 'dense', units: 4096 }], loss: 'mse' });
    const refuse = (f) => expect(f).toThrow(BackpropError);
    const once = () => {
      refuse(() => net.trainStep(x, [0, 0, 0]));
      refuse(() => net.forward(new Float32Array(MiB)));
      refuse(() => net.setParam(0, 'bias', x));
      refuse(() => net.setOptimizer({ type: 'adam', lr: -1 }));
      refuse(() => bp.dataset(new Uint8Array(3 * MiB), [0], [3 * MiB]));
      refuse(() => bp.dataset(x, [0, 1], [1000]));
      refuse(() => bp.load(file));
      refuse(() => bp.sequential({ input: [1024], layers: [{ type: 'dense', units: 1024 }], loss: 'mse' }));
    };
    once();
    const heap = bp.heapInUse(), inUse = bp.memory().inUse;
    for (let i = 0; i < 200; i++) once();
    expect(bp.heapInUse()).toBe(heap);
    expect(bp.memory().inUse).toBe(inUse);
    net.dispose();
  });
});

// Last: it replaces the module.
describe('an abort', () => {
  it('marks the module dead, says what was lost, and the next module works', async () => {
    bp.setMemoryBudget(64 * MiB);
    const net = bp.sequential(small);
    const ds = bp.dataset(new Uint8Array(8), [0, 1], [4]);
    expect(() => bp.simulateAbort()).toThrow(/^the WASM module aborted \(.*Aborted\(.*\) and was reset: the nets and datasets made before are gone/);
    expect(() => net.forward([1, 2, 3, 4])).toThrow(/^net: the WASM module aborted .* and was reset; every net and dataset made before then is gone: make them again$/);
    expect(() => ds.count).toThrow(/^dataset: the WASM module aborted/);
    net.dispose();  // nothing to free, no error
    ds.dispose();
    await bp.ready();
    expect(bp.memory()).toEqual({ inUse: 0, budget: 64 * MiB });  // a new module, the budget set again
    const again = bp.sequential(small);
    expect(again.forward([1, 2, 3, 4]).length).toBe(3);
    again.dispose();
  });
});

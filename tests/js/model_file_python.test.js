// Model files outside the library: trained conv nets saved by the WASM module are read by
// numpy alone (tests/js/model_file.py's ten-line read(), the net run in numpy) and by PyTorch
// (the same nn.Sequential, load_state_dict with strict names and shapes, one Adam step from the
// file's optimizer state), in float32 and float64; and README.md's ```python run snippets run
// on a saved file. Debian's python3-numpy and python3-torch are installed here when missing
// (as root); if that fails, the test that needs one fails and says why.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/index.js';
import { randn, rng, size } from './helpers.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'test-results/model-files');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';  // the one apt installs modules for
const script = join(root, 'tests/js/model_file.py');

const has = (module) => run(python, ['-c', `import ${module}`]).then(() => true, () => false);

/** '' when python can import `module`, else why not (after trying apt as root). */
async function ensure(module, pkg) {
  if (await has(module)) return '';
  if (process.getuid?.() !== 0) return `${pkg} is not installed and this is not root (run: apt-get install -y ${pkg})`;
  const apt = (args) => run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 << 20,
  }).then(() => '', (e) => `apt-get ${args.join(' ')} failed (exit ${e.code}): ${String(e.stderr || e.message).trim().split('\n').slice(-2).join(' / ')}`);
  let why = await apt(['install', '-y', pkg]);
  if (why) why = (await apt(['update'])) || (await apt(['install', '-y', pkg]));  // stale package lists
  if (await has(module)) return '';
  return why || `apt-get installed ${pkg}, but ${python} cannot import ${module}`;
}

async function report(what) {
  const { stdout } = await run(python, [script, what, out], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout);
}

// Conv nets whose every layer type has a PyTorch twin: strides, paddings and kernels that are
// not square, pools with padding, global pools, flatten and dense on an unflattened input.
const nets = {
  'conv-stride-pad': {
    input: [2, 9, 9],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 1 },  // [4,5,5]
      { type: 'prelu', channelwise: true },
      { type: 'maxpool2d', size: 2, stride: 1 },                         // [4,4,4]
      { type: 'conv2d', filters: 3, kernel: [3, 2], stride: [1, 2], padding: [1, 0] },  // [3,4,2]
      { type: 'leaky_relu', slope: 0.1 },
      { type: 'avgpool2d', size: 2, stride: 1, padding: 1 },            // [3,5,3]
      { type: 'elu', alpha: 0.5 },
      { type: 'flatten' },
      { type: 'dense', units: 6 },
      { type: 'tanh' },
      { type: 'dense', units: 3 },
    ],
  },
  'global-avg': {
    input: [3, 6, 6],
    layers: [{ type: 'conv2d', filters: 4, kernel: 2 }, { type: 'selu' }, { type: 'globalavgpool' }, { type: 'prelu' }, { type: 'dense', units: 3 }],
  },
  'maxpool-pad-dense': {
    input: [1, 7, 7],
    layers: [
      { type: 'conv2d', filters: 3, kernel: 3, padding: 1 }, { type: 'relu' },
      { type: 'maxpool2d', size: 3, stride: 2, padding: 1 },  // [3,4,4]
      { type: 'dense', units: 5 }, { type: 'sigmoid' },        // dense on [3,4,4]: read flat
      { type: 'dense', units: 3 },
    ],
  },
  'global-max': {
    input: [2, 5, 5],
    layers: [{ type: 'conv2d', filters: 3, kernel: 3 }, { type: 'tanh' }, { type: 'globalmaxpool' }, { type: 'dense', units: 3 }],
  },
};

const fileName = (p) => `${p.layer}.${p.name === 'alpha' ? 'weight' : p.name}`;
let bp, numpy, torch;

beforeAll(async () => {
  bp = await loadBackprop();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const n = 3;
  for (const [name, layers] of Object.entries(nets))
    for (const dtype of ['float32', 'float64']) {
      const net = bp.sequential({ ...layers, loss: 'softmax_cross_entropy', dtype, optimizer: { type: 'adam', lr: 0.01 }, seed: 7 });
      const r = rng(11), x = randn(n * size(net.inputShape), 5), targets = Array.from({ length: n }, () => Math.floor(r() * 3));
      for (let i = 0; i < 3; i++) net.trainStep(x, targets, n);
      writeFileSync(join(out, `${name}.${dtype}.safetensors`), net.save({ optimizer: true }));
      const output = Array.from(net.forward(x, n));
      net.trainStep(x, targets, n);  // what one torch.optim.Adam step from the saved state should give
      const after = Object.fromEntries(net.paramInfo().map((p) => [fileName(p), Array.from(net.getParam(p.layer, p.name))]));
      writeFileSync(join(out, `${name}.${dtype}.json`), JSON.stringify({ x, n, targets, output, after }));
      net.dispose();
    }
  numpy = await ensure('numpy', 'python3-numpy');
  torch = numpy ? 'numpy is missing' : await ensure('torch', 'python3-torch');
}, 1_800_000);  // installing python3-torch (~180 MB) can take minutes

// float32: the core's and the reader's sums round differently; float64 agrees to near rounding.
const tol = (dtype) => (dtype.endsWith('32') ? 2e-5 : 1e-11);

describe('model files outside the library', () => {
  it('numpy alone reads each file and reproduces the net output (8 files: 4 conv nets, float32 and float64)', async () => {
    expect(numpy, 'python3-numpy').toBe('');
    const r = await report('numpy');
    expect(Object.keys(r)).toHaveLength(8);
    for (const [name, { dtype, output, scale }] of Object.entries(r)) {
      expect(dtype, name).toBe(name.endsWith('float32') ? 'float32' : 'float64');
      expect(output, `${name}: largest |numpy − core| (outputs up to ${scale})`).toBeLessThanOrEqual(tol(dtype) * (1 + scale));
    }
  }, 120_000);

  it('PyTorch loads each file into the equivalent nn.Sequential: same outputs, and one Adam step from the saved state gives the core next step', async () => {
    expect(torch, 'python3-torch (the numpy test above does not need it)').toBe('');
    const r = await report('torch');
    expect(Object.keys(r)).toHaveLength(8);
    for (const [name, { dtype, output, scale, after, names }] of Object.entries(r)) {
      expect(dtype, name).toBe(name.endsWith('float32') ? 'torch.float32' : 'torch.float64');
      expect(output, `${name}: largest |torch − core| (outputs up to ${scale})`).toBeLessThanOrEqual(tol(dtype) * (1 + scale));
      expect(after, `${name}: largest parameter difference after one Adam step`).toBeLessThanOrEqual(dtype.endsWith('32') ? 1e-5 : 1e-12);
      expect(names, name).toEqual(Object.keys(JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')).after).sort());
    }
  }, 300_000);

  it("README.md's ```python run snippet runs on a saved model (numpy, then PyTorch) and prints the core's logits", async () => {
    const snippets = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```python run\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(snippets.length).toBe(1);
    expect(numpy, 'python3-numpy').toBe('');
    expect(torch, 'python3-torch').toBe('');
    // The README's net: dense 64 -> relu -> dense 10 on MNIST's [1,28,28].
    const net = bp.sequential({ input: [1, 28, 28], layers: [{ type: 'dense', units: 64 }, { type: 'relu' }, { type: 'dense', units: 10 }],
      loss: 'softmax_cross_entropy', seed: 1 });
    const dir = join(out, 'readme');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.safetensors'), net.save());
    writeFileSync(join(dir, 'snippets.py'), snippets.join('\n'));
    const { stdout, stderr } = await run(python, ['snippets.py'], { cwd: dir });
    expect(stderr).toBe('');
    const zero = Array.from(net.forward(new Float32Array(784), 1));  // the snippet's last line prints the net on a blank image
    const printed = JSON.parse(stdout.trim().split('\n').pop().match(/\[\[.*\]\]/)[0])[0];
    expect(printed).toHaveLength(10);
    printed.forEach((v, i) => expect(v).toBeCloseTo(zero[i], 4));
    net.dispose();
  }, 120_000);
});

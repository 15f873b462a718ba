// make-corpus.mjs: writes the seed corpora fuzz/corpus/<target>/ (docs/fuzzing.md). Run it
// again when the model file format or the spec changes: `node fuzz/make-corpus.mjs` (after
// `node scripts/build.mjs --wasm-only`). It rewrites every file it names and leaves others be.
//
//   json/        JSON texts: odd values, the nesting limit, net.toJSON() documents (fromJSON)
//   spec/        specs (bp.sequential): every layer type and optimizer, and refused ones
//   model_file/  files net.save() writes with this build ("saved-*"), and hand-laid files of
//                the old 'BPWM' layout, which stays readable
// A "repro-*" entry is a reproducer from issue 14; tests/js/fuzz-corpus.test.js says how each
// must end, and every entry of every target runs there through the WASM module.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackprop } from '../web/core/backprop.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'corpus');
const bp = await loadBackprop();
const text = (s) => new TextEncoder().encode(s);
const written = [];
function put(target, name, bytes) {
  mkdirSync(join(dir, target), { recursive: true });
  writeFileSync(join(dir, target, name), typeof bytes === 'string' ? text(bytes) : bytes);
  written.push(`${target}/${name}`);
}
const json = (v) => JSON.stringify(v);

// ---- specs ----
const dense = { input: [2], layers: [{ type: 'dense', units: 2 }], seed: 7 };
const mlp = {
  input: [4],
  layers: [{ type: 'dense', units: 5 }, { type: 'relu' }, { type: 'dense', units: 3 }],
  optimizer: { type: 'adam', lr: 0.01, weightDecay: 0.001 },
  seed: 2,
};
const everyLayer = {
  input: [1, 7, 7],
  layers: [
    { type: 'conv2d', filters: 2, kernel: [3, 2], stride: [2, 1], padding: [1, 0] },
    { type: 'prelu', channelwise: true },
    { type: 'maxpool2d', size: 2, stride: 1 },
    { type: 'leaky_relu', slope: 0.1 },
    { type: 'avgpool2d', size: 3, stride: 2, padding: 1 },
    { type: 'elu', alpha: 0.5 },
    { type: 'conv2d', filters: 3, kernel: 1 },
    { type: 'selu' },
    { type: 'globalavgpool' },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
    { type: 'sigmoid' },
    { type: 'dense', units: 3 },
    { type: 'tanh' },
  ],
  loss: 'softmax_cross_entropy',
  optimizer: { type: 'rmsprop', lr: 0.01, momentum: 0.5 },
  seed: 3,
};
const float64Mse = {
  input: [1, 5, 5],
  layers: [{ type: 'conv2d', filters: 2, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'globalmaxpool' }, { type: 'dense', units: 2 }],
  loss: 'mse',
  dtype: 'float64',
  optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
  seed: 4,
};
put('spec', 'dense', json(dense));
put('spec', 'mlp-adam', json(mlp));
put('spec', 'every-layer-rmsprop', JSON.stringify(everyLayer, null, 1));
put('spec', 'float64-mse-nesterov', json(float64Mse));
put('spec', 'adagrad', json({ ...dense, optimizer: { type: 'adagrad', lr: 0.1, eps: 1e-8 } }));
put('spec', 'adadelta-decay', json({ ...dense, optimizer: { type: 'adadelta', rho: 0.95, decay: 0.01, decaySteps: 100 } }));
put('spec', 'over-the-value-limit', json({ input: [1000], layers: [{ type: 'dense', units: 100000 }] }));
// Issue 14: absurd hyper-parameters and a seed past 2^53 in the spec.
put('spec', 'repro-lr-0', json({ ...dense, optimizer: { type: 'sgd', lr: 0 } }));
put('spec', 'repro-lr-1e300', json({ ...dense, optimizer: { type: 'adam', lr: 1e300 } }));
put('spec', 'repro-seed-2p64', '{"input":[2],"layers":[{"type":"dense","units":2}],"seed":18446744073709551616}');

// ---- JSON texts ----
put('json', 'values', '{"a":[1,-0,0.5,true,false,null],"o":{"":{}},"z":[],"k":"v","k":"again"}');
put('json', 'numbers', '[0,-0,-0.0e-0,1E+2,0.1,1e308,-1.7976931348623157e308,5e-324,9007199254740993,123456789012345678901234567890]');
put('json', 'strings', String.raw`["\"\\\/\b\f\n\r\t","\u0000\u001f\u00e9\u20ac\uffff","\ud83d\ude00","é€😀",""]`);
put('json', 'nesting-64', '['.repeat(64) + ']'.repeat(64));
put('json', 'nesting-65', '['.repeat(65) + ']'.repeat(65));
const small = bp.sequential(dense);
const cnn = bp.sequential(float64Mse);
put('json', 'tojson-dense', json(small.toJSON()));
put('json', 'tojson-float64-cnn', json(cnn.toJSON()));
// Issue 14: fromJSON took a weight listed twice (bias missing), a wrong shape, null as 0.
{
  const { spec, params: [w, b] } = small.toJSON();
  put('json', 'repro-fromjson-weight-twice', json({ spec, params: [w, { ...w }] }));
  put('json', 'repro-fromjson-wrong-shape', json({ spec, params: [{ ...w, shape: [4, 1] }, b] }));
  put('json', 'repro-fromjson-null-value', json({ spec, params: [{ ...w, values: [null, ...w.values.slice(1)] }, b] }));
}

// ---- model files, as this build saves them ----
const x = (net, n) => Array.from({ length: n * net.inputShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + 1));
const trained = (spec, steps) => {
  const net = bp.sequential(spec);
  const n = 2, out = net.outputShape.reduce((a, b) => a * b, 1);
  const y = spec.loss === 'mse' ? Array.from({ length: n * out }, (_, i) => Math.cos(i)) : [0, 1];
  for (let s = 0; s < steps; s++) net.trainStep(x(net, n), y, n);
  return net;
};
put('model_file', 'saved-dense', small.save());
put('model_file', 'saved-mlp-adam-state', trained(mlp, 2).save({ optimizer: true }));
put('model_file', 'saved-every-layer-rmsprop-state', trained(everyLayer, 1).save({ optimizer: true }));
put('model_file', 'saved-float64-mse-sgd-state', trained(float64Mse, 3).save({ optimizer: true }));

// ---- the old layout, laid out by hand (cpp/net/model.h before the switch to safetensors) ----
// "BPWM" | u32 version 1 | u32 flags (1 = optimizer) | u32 spec length | spec JSON |
// [u64 step | state buffers] | parameters | u32 CRC-32 of all before; little-endian.
function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}
function bpwm({ spec, specLength, step, state, params }) {
  const s = text(spec);
  const body = [...(step === undefined ? [] : [new BigUint64Array([step])]), ...(state ?? []), ...params];
  const size = 16 + s.length + body.reduce((a, v) => a + v.byteLength, 0);
  const out = new Uint8Array(size + 4), view = new DataView(out.buffer);
  out.set(text('BPWM'));
  view.setUint32(4, 1, true);
  view.setUint32(8, step === undefined ? 0 : 1, true);
  view.setUint32(12, specLength ?? s.length, true);
  out.set(s, 16);
  let at = 16 + s.length;
  for (const v of body) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
    at += v.byteLength;
  }
  view.setUint32(size, crc32(out.subarray(0, size)), true);
  return out;
}
{
  // The dense 2→2 float32 net: weight [2,2], bias [2]; Adam keeps 2 buffers per tensor.
  const spec = json(small.spec), w = small.getParam(0, 'weight'), b = small.getParam(0, 'bias');
  const saved = small.save(), laid = bpwm({ spec, params: [w, b] });
  if (String.fromCharCode(...saved.subarray(0, 4)) === 'BPWM' && Buffer.compare(saved, laid) !== 0)
    throw new Error('make-corpus: the hand-laid BPWM file differs from what this build saves');
  put('model_file', 'bpwm-dense', laid);
  const adam = json({ ...small.spec, optimizer: bp.sequential({ ...dense, optimizer: { type: 'adam' } }).optimizer });
  const zeros = () => [new Float32Array(4), new Float32Array(4), new Float32Array(2), new Float32Array(2)];
  put('model_file', 'bpwm-dense-adam-state', bpwm({ spec: adam, step: 3n, state: zeros(), params: [w, b] }));
  // Issue 14: a spec length of 0xFFFFFFEC..0xFFFFFFFF wrapped 16 + length + 4 in 32-bit WASM
  // (then 4 GiB were asked for: the module aborted); NaN weights, Inf optimizer state and a
  // step count of 2^63 were loaded.
  for (const len of [0xffffffec, 0xfffffff0, 0xfffffffb, 0xffffffff])
    put('model_file', `repro-bpwm-spec-length-0x${len.toString(16)}`, bpwm({ spec, specLength: len, params: [w, b] }));
  put('model_file', 'repro-bpwm-nan-weight', bpwm({ spec, params: [Float32Array.of(w[0], NaN, w[2], w[3]), b] }));
  const inf = zeros();
  inf[0][1] = Infinity;
  put('model_file', 'repro-bpwm-inf-adam-state', bpwm({ spec: adam, step: 3n, state: inf, params: [w, b] }));
  put('model_file', 'repro-bpwm-step-2p63', bpwm({ spec: adam, step: 1n << 63n, state: zeros(), params: [w, b] }));
}
// The same length wrap in the safetensors layout: u64 header length | JSON header | data.
for (const len of [0xffffffecn, 0xffffffffn]) {
  const header = text('{"__metadata__":{"format":"backprop-wasm"}}');
  const out = new Uint8Array(8 + header.length);
  new DataView(out.buffer).setBigUint64(0, len, true);
  out.set(header, 8);
  put('model_file', `repro-safetensors-header-length-0x${len.toString(16)}`, out);
}

console.log(`make-corpus: wrote ${written.length} files under fuzz/corpus/`);

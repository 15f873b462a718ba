// wasm.mjs: a mutation fuzzer for the WASM build (docs/fuzzing.md). libFuzzer cannot run inside
// WebAssembly, and the 32-bit size_t of WASM is where length arithmetic wraps, so this one feeds
// the real dist/backprop.mjs, through the package's API (fuzz/targets.mjs).
//
//   node fuzz/wasm.mjs --target model_file|spec|json [--seconds 30 | --runs N] [--seed 1]
//                      [--check-every 200] [--timeout 60] [--out test-results/fuzz] [--corpus DIR]
//   node fuzz/wasm.mjs --target model_file FILE...     runs each file once (a reproducer)
//
// Seeds: fuzz/corpus/<target>/ (fuzz/make-corpus.mjs), or --corpus DIR. Each execution takes a corpus entry,
// applies 1-4 mutations (bit and byte flips, inserts, deletes, copies, splices with another
// entry, interesting 32- and 64-bit values little-endian at random offsets and over words that
// look like lengths, interesting decimal numbers over digits, dictionary tokens, and edits of
// the JSON inside: a node replaced, dropped or duplicated, a length word before it updated),
// keeps a trailing CRC-32 right when the entry had one (most of the time), and runs it. An
// input whose outcome (targets.mjs outcomeClass) is new joins the corpus. The same seed gives
// the same inputs in the same order.
//
// A finding: an error other than BackpropError (an abort is a RuntimeError), a broken promise
// (targets.mjs Broken), a known-good call that stops working (checked every --check-every
// executions), or one execution slower than --timeout seconds. The input is saved, its path
// printed, and the exit code is 1. Before each execution the input is written to
// <out>/current-wasm-<target>, so scripts/fuzz.mjs can save it when the process dies or hangs.
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../web/core/random.js';
import { wasmTargets } from './targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- options ----
const argv = process.argv.slice(2);
const opt = { target: 'model_file', seconds: 30, runs: Infinity, seed: 1, checkEvery: 200, timeout: 60, out: join(root, 'test-results/fuzz'), corpus: null };
const files = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i], v = () => argv[++i];
  if (a === '--target') opt.target = v();
  else if (a === '--seconds') opt.seconds = Number(v());
  else if (a === '--runs') opt.runs = Number(v());
  else if (a === '--seed') opt.seed = Number(v());
  else if (a === '--check-every') opt.checkEvery = Number(v());
  else if (a === '--timeout') opt.timeout = Number(v());
  else if (a === '--out') opt.out = v();
  else if (a === '--corpus') opt.corpus = v();
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else files.push(a);
}
function usage(msg) {
  console.error(`wasm.mjs: ${msg}\nusage: node fuzz/wasm.mjs --target model_file|spec|json [--seconds S | --runs N] [--seed N] [--check-every N] [--timeout S] [--out DIR] [--corpus DIR] [FILE...]`);
  process.exit(2);
}
const { bp, targets, known, healthy } = await wasmTargets();
const target = targets[opt.target];
if (!target) usage(`unknown target '${opt.target}' (known: ${Object.keys(targets).join(', ')})`);
if (!(opt.seconds > 0) || !(opt.runs > 0) || !Number.isSafeInteger(opt.seed) || !(opt.checkEvery >= 1)) usage('--seconds, --runs, --check-every must be > 0 and --seed an integer');

// ---- findings ----
let runs = 0; // executions done
mkdirSync(opt.out, { recursive: true });
const show = (p) => relative(process.cwd(), p) || p;
function finding(kind, error, input, note = '') {
  const name = `crash-wasm-${opt.target}-${createHash('sha1').update(input).digest('hex').slice(0, 12)}`;
  const path = join(opt.out, name);
  writeFileSync(path, input);
  console.log(`\nFINDING (${kind}) in wasm ${opt.target} at execution #${runs + 1}: ${error?.name ?? ''}: ${error?.message ?? error}`);
  if (error?.stack) console.log(error.stack.split('\n').slice(1, 8).join('\n'));
  if (note) console.log(note);
  console.log(`input (${input.length} bytes) saved to ${show(path)}`);
  console.log(`reproduce: node fuzz/wasm.mjs --target ${opt.target} ${show(path)}`);
  process.exit(1);
}

// One execution: the outcome class, or a finding (the process ends).
function execute(input) {
  const t0 = performance.now();
  let cls;
  try {
    cls = target.run(input);
  } catch (e) {
    finding(e?.name === 'Broken' ? 'broken promise' : 'not a BackpropError', e, input);
  }
  const s = (performance.now() - t0) / 1000;
  if (s > opt.timeout) finding('slow', new Error(`one execution took ${s.toFixed(1)} s (--timeout ${opt.timeout})`), input);
  return cls;
}

// ---- seeds ----
const corpusDir = opt.corpus ?? join(root, 'fuzz/corpus', opt.target);
const seeds = readdirSync(corpusDir).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(corpusDir, f))) }));
for (const s of seeds) if (known(opt.target, s.bytes)) break;

if (files.length) {
  // Replay: each file once, then the health check.
  for (const f of files) {
    const input = new Uint8Array(readFileSync(f));
    console.log(`${f}: ${execute(input)}`);
    try {
      healthy(opt.target);
    } catch (e) {
      finding('module broken', e, input);
    }
  }
  process.exit(0);
}

// ---- mutations ----
const rnd = mulberry32(opt.seed);
const below = (n) => Math.floor(rnd() * n);
const pick = (a) => a[below(a.length)];
const enc = new TextEncoder(), dec = new TextDecoder();
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

const U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x3fffffff, 0x40000000, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001];
for (let v = 0xffffffec; v <= 0xffffffff; v++) U32.push(v);
U32.push(0x7f800000, 0xff800000, 0x7fc00000, 0x7f7fffff, 0x00000001); // float32 Inf, -Inf, NaN, max, smallest denormal
const U64 = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0xffffffecn, 0x100000013n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 20n];
for (const f of [NaN, Infinity, -Infinity, 1.7976931348623157e308, 5e-324, -0]) U64.push(new BigUint64Array(Float64Array.of(f).buffer)[0]);
const NUMBERS = ['0', '-1', '1', '-0', '0.5', '2', '3', '65536', '1000000', '1000001', '2147483647', '2147483648', '4294967276', '4294967295', '4294967296',
  '9007199254740992', '9007199254740993', '9223372036854775808', '18446744073709551616', '1e308', '1e309', '-1e308', '5e-324', '1e-320', '1e300', '1e-300', '67108864'];
const JSON_VALUES = [...NUMBERS.map(Number), null, true, false, '', 'x', [], {}, [0], { length: -1 }, { length: 3 }];
const JS_KEYS = ['length', '__proto__', 'constructor', 'toJSON', 'valueOf'];

// Tokens (JSON string literals and numbers) and subtrees of the seeds' JSON, for the dictionary.
const tokens = new Set(NUMBERS);
const subtrees = [];
function walk(v, depth = 0) {
  if (subtrees.length < 400 && JSON.stringify(v).length < 200) subtrees.push(v);
  if (depth < 8 && v && typeof v === 'object') for (const [k, c] of Object.entries(v)) (tokens.add(JSON.stringify(k)), walk(c, depth + 1));
  else if (typeof v === 'string' || typeof v === 'number') tokens.add(JSON.stringify(v));
}
for (const s of seeds) {
  const r = jsonRegion(s.bytes);
  if (r) walk(JSON.parse(dec.decode(s.bytes.subarray(r.start, r.end))));
}
const tokenBytes = [...tokens].sort().map((t) => enc.encode(t));

// The first balanced {...} or [...] in the bytes that is JSON: the whole text, a model file's spec or header.
function jsonRegion(b) {
  for (let start = 0; start < b.length; start++) {
    if (b[start] !== 0x7b && b[start] !== 0x5b) continue;
    let depth = 0, str = false;
    for (let i = start; i < b.length; i++) {
      const c = b[i];
      if (str) {
        if (c === 0x5c) i++;
        else if (c === 0x22) str = false;
      } else if (c === 0x22) str = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) {
          try {
            JSON.parse(dec.decode(b.subarray(start, i + 1)));
            return { start, end: i + 1 };
          } catch {
            break;
          }
        }
      }
    }
    return null; // only the first opening bracket is tried: the mutated JSON is near it
  }
  return null;
}

// Offsets of 32- and 64-bit little-endian words whose value could be a length or an offset in b.
function lengthWords(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength), out = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    const w = v.getUint32(i, true);
    if (w > 0 && w <= b.length + 64) out.push({ at: i, width: i + 8 <= b.length && v.getUint32(i + 4, true) === 0 ? 8 : 4 });
  }
  return out;
}
function writeWord(b, at, width, value) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (width === 8) v.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
  else v.setUint32(at, Number(BigInt.asUintN(32, BigInt(value))), true);
}

// An edit of a parsed JSON value: a node replaced by an interesting value or a dictionary
// subtree, an object member dropped or added, an array entry dropped or duplicated, a number nudged.
function mutateJson(v) {
  const nodes = [];
  (function collect(x, parent, key, depth) {
    nodes.push({ x, parent, key });
    if (depth < 32 && x && typeof x === 'object') for (const k of Object.keys(x)) collect(x[k], x, k, depth + 1);
  })(v, null, null, 0);
  const { x, parent, key } = pick(nodes);
  const set = (y) => (parent ? (parent[key] = y) : (v = y));
  const r = below(7);
  if (r === 0) set(structuredClone(pick(JSON_VALUES)));
  else if (r === 1 && subtrees.length) set(structuredClone(pick(subtrees)));
  else if (r === 2 && typeof x === 'number') set(pick([x + 1, x - 1, x * 2, -x, x / 2, x * 1e6, Math.floor(x / 3)]));
  else if (r === 3 && Array.isArray(x) && x.length) x.splice(below(x.length), 1);
  else if (r === 4 && Array.isArray(x) && x.length) x.splice(below(x.length + 1), 0, structuredClone(pick(x)));
  else if (r === 5 && x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length) delete x[pick(Object.keys(x))];
  else if (r === 6 && x && typeof x === 'object' && !Array.isArray(x)) {
    const keys = [...tokens].filter((t) => t.startsWith('"')).map((t) => JSON.parse(t));
    x[below(4) ? pick(keys) : pick(JS_KEYS)] = structuredClone(pick(below(2) ? JSON_VALUES : subtrees.length ? subtrees : JSON_VALUES));
  } else set(structuredClone(pick(JSON_VALUES)));
  return v;
}

function flipBit(b) {
  if (!b.length) return b;
  b[below(b.length)] ^= 1 << below(8);
  return b;
}
function setByte(b) {
  if (!b.length) return b;
  b[below(b.length)] = pick([0, 1, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x7b, 0x5d, 0x2c, 0x30, 0x39, below(256)]);
  return b;
}
function insertBytes(b) {
  const n = 1 + below(pick([4, 16, 128])), at = below(b.length + 1);
  const ins = below(2) ? new Uint8Array(n).fill(below(256)) : Uint8Array.from({ length: n }, () => below(256));
  return cat(b.subarray(0, at), ins, b.subarray(at));
}
function deleteBytes(b) {
  if (!b.length) return b;
  const at = below(b.length), n = 1 + below(Math.min(b.length - at, pick([1, 4, 64, b.length])));
  return cat(b.subarray(0, at), b.subarray(at + n));
}
function copyRange(b) {
  if (b.length < 2) return b;
  const from = below(b.length), n = 1 + below(Math.min(b.length - from, 64)), chunk = b.slice(from, from + n), at = below(b.length);
  if (below(2)) return cat(b.subarray(0, at), chunk, b.subarray(at));
  b.set(chunk.subarray(0, b.length - at), at);
  return b;
}
function splice(b) {
  const o = pick(corpus).bytes;
  return cat(b.subarray(0, below(b.length + 1)), o.subarray(below(o.length + 1)));
}
function truncate(b) {
  return b.subarray(0, below(b.length + 1));
}
function interesting32(b) {
  if (b.length < 4) return b;
  writeWord(b, below(b.length - 3), 4, pick(U32));
  return b;
}
function interesting64(b) {
  if (b.length < 8) return b;
  writeWord(b, below(b.length - 7), 8, pick(U64));
  return b;
}
function overLengthWord(b) {
  const words = lengthWords(b);
  if (!words.length) return interesting32(b);
  const { at, width } = pick(words);
  const old = width === 8 ? new DataView(b.buffer, b.byteOffset).getBigUint64(at, true) : BigInt(new DataView(b.buffer, b.byteOffset).getUint32(at, true));
  writeWord(b, at, width, below(3) ? pick(width === 8 && below(2) ? U64 : U32.map(BigInt)) : old + BigInt(pick([-1, 1, -4, 4, -8, 8, 64])));
  return b;
}
function overDigits(b) {
  const runs = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0x30 || b[i] > 0x39) continue;
    let j = i;
    while (j < b.length && ((b[j] >= 0x30 && b[j] <= 0x39) || b[j] === 0x2e || b[j] === 0x65 || b[j] === 0x2d)) j++;
    runs.push([i, j]);
    i = j;
  }
  if (!runs.length) return setByte(b);
  const [i, j] = pick(runs);
  return cat(b.subarray(0, i), enc.encode(pick(NUMBERS)), b.subarray(j));
}
function token(b) {
  const t = pick(tokenBytes), at = below(b.length + 1);
  if (below(2)) return cat(b.subarray(0, at), t, b.subarray(at));
  const out = b.slice();
  out.set(t.subarray(0, out.length - at), at);
  return out;
}
function editJson(b) {
  const r = jsonRegion(b);
  if (!r) return token(b);
  // Spaces after the JSON are its padding (safetensors pads its header to a multiple of 8):
  // the edited JSON is padded the same way.
  let end = r.end;
  while (end < b.length && b[end] === 0x20) end++;
  const edited = mutateJson(JSON.parse(dec.decode(b.subarray(r.start, r.end))));
  let json = JSON.stringify(edited) ?? 'null';
  if (end > r.end) json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const text = enc.encode(json);
  const out = cat(b.subarray(0, r.start), text, b.subarray(end));
  // A word before the JSON that held its length (with or without the padding) now holds the new
  // one: a spec or header length.
  const v = new DataView(out.buffer, out.byteOffset);
  for (const { at, width } of lengthWords(out.subarray(0, r.start))) {
    const old = width === 8 ? Number(v.getBigUint64(at, true)) : v.getUint32(at, true);
    if (old === r.end - r.start || old === end - r.start) writeWord(out, at, width, text.length);
  }
  return out;
}
const MUTATORS = [flipBit, setByte, insertBytes, deleteBytes, copyRange, splice, truncate, interesting32, interesting64, overLengthWord, overDigits, token, editJson];

// CRC-32 (zlib's): a corpus entry that ends with the CRC of what comes before gets its CRC
// recomputed after mutation 9 times in 10, so mutations reach past the checksum.
const CRC = Uint32Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(b) {
  let c = ~0;
  for (let i = 0; i < b.length; i++) c = CRC[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
const endsWithCrc = (b) => b.length >= 8 && new DataView(b.buffer, b.byteOffset).getUint32(b.length - 4, true) === crc32(b.subarray(0, b.length - 4));

// ---- the loop ----
const corpus = seeds.map((s) => ({ bytes: s.bytes, crc: endsWithCrc(s.bytes) }));
const classes = new Map();
const current = openSync(join(opt.out, `current-wasm-${opt.target}`), 'w');
const heap0 = bp.heapInUse();
let lastInput = null;

// A message that quotes input with quotes in it can leave some of it in its template: at most
// 32 classes share the text before their first quote, the rest count as one.
const perPrefix = new Map();
function one(input, parent) {
  writeSync(current, input, 0, input.length, 0);
  ftruncateSync(current, input.length);
  lastInput = input;
  let cls = execute(input);
  runs++;
  if (!classes.has(cls)) {
    const prefix = cls.split(/['"…]/)[0], n = perPrefix.get(prefix) ?? 0;
    if (n >= 32) cls = `${prefix}(more)`;
    else perPrefix.set(prefix, n + 1);
  }
  if (!classes.has(cls)) {
    classes.set(cls, runs);
    if (parent && corpus.length < 2000) corpus.push({ bytes: input, crc: parent.crc });
  }
  if (runs % opt.checkEvery === 0) check();
}
function check() {
  try {
    healthy(opt.target);
  } catch (e) {
    finding('module broken', e, lastInput, `the module broke within the last ${opt.checkEvery} executions (up to #${runs}); with --check-every 1 and the same --seed the first culprit is the input saved`);
  }
  const grew = bp.heapInUse() - heap0;
  if (grew > 8 << 20)
    finding('leak', new Error(`the WASM heap in use grew by ${(grew / 1048576).toFixed(1)} MiB over ${runs} executions with every net freed`), lastInput,
      `with a smaller --check-every and the same --seed the growth shows sooner`);
}

const t0 = performance.now();
let lastPrint = t0;
const elapsed = () => (performance.now() - t0) / 1000;
const status = (tag) => {
  const s = elapsed();
  console.log(`#${runs} ${tag} ${s.toFixed(1)} s ${Math.round(runs / Math.max(s, 1e-9))} exec/s corpus ${corpus.length} classes ${classes.size}`);
};
console.log(`wasm ${opt.target}: seed ${opt.seed}, ${seeds.length} seeds from ${show(corpusDir)}, ${opt.runs === Infinity ? `${opt.seconds} s` : `${opt.runs} runs`}`);
for (const s of corpus.slice()) one(s.bytes, null); // the seeds as they are first
status('seeds done');
while (runs < opt.runs && elapsed() < opt.seconds) {
  const parent = pick(corpus);
  let b = parent.bytes.slice();
  for (let k = 1 + (below(4) ? below(2) : below(4)); k > 0; k--) b = MUTATORS[below(MUTATORS.length)](b);
  if (parent.crc && b.length >= 8 && below(10)) new DataView(b.buffer, b.byteOffset).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
  one(b.slice(), parent);
  if (performance.now() - lastPrint > 5000) (lastPrint = performance.now(), status('pulse'));
}
check();
closeSync(current);
status('done');
if (process.env.FUZZ_CLASSES) for (const c of [...classes.keys()].slice(0, +process.env.FUZZ_CLASSES)) console.log(JSON.stringify(c));
console.log(`wasm ${opt.target}: ${runs} executions in ${elapsed().toFixed(1)} s (${Math.round(runs / elapsed())} exec/s), ${classes.size} outcome classes, no finding`);

// Every fuzz corpus entry once through the WASM module, as fuzz/wasm.mjs runs it (fuzz/targets.mjs):
// it ends in a net or a BackpropError, never an abort or another error, a net that comes out
// survives save -> load -> save, and the module still works after. Issue 14's parser reproducers
// (the repro-* entries, fuzz/make-corpus.mjs) must be refused with a BackpropError that quotes
// the bad value. (An entry named open-* would be a reproducer whose check has not landed: it runs
// as every entry does, and becomes repro-*, with its expectation below, when the check lands.)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackpropError } from '../../web/core/errors.js';
import { outcomeClass, wasmTargets } from '../../fuzz/targets.mjs';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../fuzz/corpus');
const read = (target, name) => new Uint8Array(readFileSync(join(corpus, target, name)));
const entries = ['json', 'spec', 'model_file'].flatMap((t) => readdirSync(join(corpus, t)).sort().map((f) => [t, f]));
const { targets, known, healthy } = await wasmTargets();

// How each reproducer must be refused: its message quotes the bad value. (A spec length L of the
// 'BPWM' layout may be quoted as L or as the bytes it needs, 16 + L + 4.)
const bpwmLength = (L) => new RegExp(`${L}|${L + 20}`);
const REFUSED = {
  'model_file/repro-bpwm-spec-length-0xffffffec': bpwmLength(0xffffffec),
  'model_file/repro-bpwm-spec-length-0xfffffff0': bpwmLength(0xfffffff0),
  'model_file/repro-bpwm-spec-length-0xfffffffb': bpwmLength(0xfffffffb),
  'model_file/repro-bpwm-spec-length-0xffffffff': bpwmLength(0xffffffff),
  'model_file/repro-safetensors-header-length-0xffffffec': /4294967276/,
  'model_file/repro-safetensors-header-length-0xffffffff': /4294967295/,
  'model_file/repro-bpwm-nan-weight': /nan/i,
  'model_file/repro-bpwm-inf-adam-state': /inf/i,
  'model_file/repro-bpwm-step-2p63': /9223372036854775808|9\.22\d*e\+18|2\^63/,
  'spec/repro-seed-2p64': /seed.*(18446744073709551616|1\.8446744073709552e\+19)/,
  'spec/repro-lr-0': /\blr must be in \(0, 10\], got 0$/,
  'spec/repro-lr-1e300': /\blr must be in \(0, 10\], got 1e\+?300$/,
  'json/repro-fromjson-weight-twice': /layer 0 weight is listed twice/,
  'json/repro-fromjson-wrong-shape': /layer 0 weight has shape \[4, ?1\], but the spec's net has \[2, ?2\]/,
  'json/repro-fromjson-null-value': /layer 0 weight values: \[0\] is null/,
};

describe('the fuzz corpus through the WASM module', () => {
  beforeAll(() => {
    // The known-good input of each target: its first entry that gives a net.
    for (const t of ['json', 'spec', 'model_file']) expect(entries.some(([tt, f]) => tt === t && known(t, read(t, f))), t).toBe(true);
  });

  it('has a few entries per target, each small, and every repro-* entry has its expectation here', () => {
    for (const t of ['json', 'spec', 'model_file']) {
      const files = entries.filter(([tt]) => tt === t);
      expect(files.length, t).toBeGreaterThanOrEqual(8);
      expect(files.length, t).toBeLessThanOrEqual(40);
      for (const [, f] of files) expect(read(t, f).length, `${t}/${f}`).toBeLessThanOrEqual(4096);
    }
    expect(entries.filter(([, f]) => f.startsWith('repro-')).map(([t, f]) => `${t}/${f}`).sort()).toEqual(Object.keys(REFUSED).sort());
  });

  it.each(entries)('%s/%s: a net or a BackpropError, and the module still works', (target, name) => {
    const cls = targets[target].run(read(target, name));
    expect(typeof cls).toBe('string');
    healthy(target);
  });

  it.each(Object.entries(REFUSED))('%s is refused: %s', (entry, quote) => {
    const [target, name] = entry.split('/');
    let error = null;
    try {
      targets[target].open(read(target, name)).dispose();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackpropError);
    expect(error.message).toMatch(quote);
    healthy(target);
  });

  it("an outcome's class is the message's template", () => {
    expect(outcomeClass("layer 3 (conv2d): unknown option 'sride' (it takes: filters, kernel, stride, padding)")).toBe(
      "layer # (conv#d): unknown option '…' (it takes: filters, kernel, stride, padding)",
    );
    expect(outcomeClass("model file: tensor '0.weight' has shape [2,3], but the spec's net has [2,2]")).toBe("model file: tensor '…' has shape …");
    expect(outcomeClass('model file: truncated: 20 bytes, expected 0x1c')).toBe('model file: truncated: # bytes, expected #');
    expect(outcomeClass('spec: seed must be a non-negative integer, got -1')).toBe('spec: seed must be a non-negative integer, got …');
    expect(outcomeClass('spec: unknown loss [[1]] (known: softmax_cross_entropy, mse)')).toBe('spec: unknown loss …');
    expect(outcomeClass("optimizer (adam): unknown option 'a\rb' (it takes: lr)")).toBe('optimizer (adam): unknown option …');
  });
});

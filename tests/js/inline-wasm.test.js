// The link's last step (scripts/inline-wasm.mjs): the inlined wasm as a string of bytes. Every byte
// value round-trips through a strict-mode string literal; the glue edits refuse a glue they do not
// recognise; dist/backprop.mjs holds the wasm that way (loading it is every other test's business).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DECODE, encodeBytes, inlineWasm, inlinedBytes } from '../../scripts/inline-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const decode = (literal) => Array.from(vm.runInNewContext(`'use strict';${DECODE};bpBytes(${literal})`));
const EMPTY_WASM = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]; // "\0asm", version 1: a valid empty module
const glueOf = (bytes) =>
  `var dataURIPrefix="data:application/octet-stream;base64,";var wasmBinary;var wasmBinaryFile;wasmBinaryFile="data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}";`;

describe('encodeBytes', () => {
  it('round-trips every byte value, in strict mode, with no NUL, CR or LF in the literal', () => {
    const all = Array.from({ length: 256 }, (_, b) => b);
    // byte 0 before each digit's byte (a "\0" escape there would be a strict-mode octal error),
    // the bytes that become LF, CR, backslash and the quotes, and 255 (code point 256)
    const tricky = [0, 0x30, 0, 0x39, 9, 12, 91, 91, 33, 38, 255, 0, 255, 0];
    for (const bytes of [all, all.reverse(), tricky, []]) {
      const literal = encodeBytes(Uint8Array.from(bytes));
      expect(decode(literal)).toEqual(bytes);
      expect(literal.slice(1, -1)).not.toMatch(/[\0\n\r]/);
    }
  });

  it('shifts each byte up by one code point and escapes only what a literal must', () => {
    expect(encodeBytes(Uint8Array.from([0, 0x60, 9, 12, 91, 33, 255]))).toBe('\'\u0001a\\n\\r\\\\"\u0100\'');
    expect(encodeBytes(Uint8Array.from([0x40]))).toBe('"A"');
  });

  it('quotes with the quote that occurs less often in the bytes', () => {
    expect(encodeBytes(Uint8Array.from([33, 33, 38]))).toBe('\'""\\\'\'');
    expect(encodeBytes(Uint8Array.from([33, 38, 38]))).toBe('"\\"\'\'"');
  });
});

describe('inlineWasm', () => {
  it('moves the data URI\'s bytes into wasmBinary and leaves an empty data URI', () => {
    const { text, wasm } = inlineWasm(glueOf(EMPTY_WASM));
    expect(Array.from(wasm)).toEqual(EMPTY_WASM);
    expect(text).toBe(`var dataURIPrefix="data:application/octet-stream;base64,";${DECODE}var wasmBinary=bpBytes(${encodeBytes(wasm)});var wasmBinaryFile;wasmBinaryFile="data:application/octet-stream;base64,";`);
    expect(Array.from(inlinedBytes(text))).toEqual(EMPTY_WASM);
  });

  it('refuses a glue it does not recognise, naming what is missing', () => {
    expect(() => inlineWasm('var wasmBinary;')).toThrow(
      'inline-wasm: expected one "data:application/octet-stream;base64,..." in the glue, found 0 (linked without -sSINGLE_FILE=1, or rewritten already)');
    expect(() => inlineWasm(inlineWasm(glueOf(EMPTY_WASM)).text)).toThrow('found 0');
    expect(() => inlineWasm(glueOf(EMPTY_WASM) + glueOf(EMPTY_WASM))).toThrow('found 2');
    expect(() => inlineWasm(glueOf(EMPTY_WASM).replace('var wasmBinary;', ''))).toThrow(
      'inline-wasm: expected exactly one wasmBinary declaration ("var wasmBinary;") in the glue, found none');
    expect(() => inlineWasm(glueOf([1, 2, 3, 4, 5]))).toThrow('inline-wasm: the data URI does not hold a wasm module');
  });
});

describe('dist/backprop.mjs', () => {
  it('holds its wasm as a string of bytes, in valid UTF-8, and no base64', () => {
    const bytes = readFileSync(join(root, 'dist/backprop.mjs'));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    expect(text).not.toMatch(/"data:application\/octet-stream;base64,[^"]/);
    const wasm = inlinedBytes(text);
    expect(WebAssembly.validate(wasm)).toBe(true);
    expect(wasm.length).toBeGreaterThan(100_000);
  });
});

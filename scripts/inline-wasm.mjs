// inline-wasm.mjs: the link's last step (CMakeLists.txt runs it on dist/backprop.mjs). Emscripten
// 3.1.6's SINGLE_FILE inlines the wasm as a base64 data URI; base64 hides the bytes from gzip, which
// then keeps 139 KB of the module's 150 KB budget for 106 KB of wasm. This step re-encodes the
// inlined wasm as a string of bytes, the encoding newer Emscripten releases ship as
// -sSINGLE_FILE_BINARY_ENCODE: one character per byte, shifted by one so that no byte becomes a NUL
// (byte b is the code point b + 1, 1..256), escaped only where a string literal must be (quote,
// backslash, CR, LF). The file stays UTF-8 and ASCII where the wasm is (~91% of its bytes are
// below 0x7f); the glue gets the bytes as its wasmBinary, so it neither fetches the data URI (a
// page's CSP may forbid data: fetches) nor decodes base64.
//
//   node scripts/inline-wasm.mjs dist/backprop.mjs
//
// It edits two statements of the minified glue, each of which must occur exactly once, and then
// checks that the rewritten file's string literal decodes (in strict mode, as an ES module is
// parsed) to the very bytes emcc inlined; any mismatch fails the build.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

const DATA_URI = 'data:application/octet-stream;base64,';

/** The glue's decoder (it replaces `var wasmBinary;`): code point c is byte c − 1. */
export const DECODE =
  'function bpBytes(s){for(var n=s.length,b=new Uint8Array(n),i=0;i<n;++i)b[i]=s.charCodeAt(i)-1;return b}';

/** The JS string literal of bytes (byte b as code point b + 1), quoted with whichever quote occurs less. */
export function encodeBytes(bytes) {
  let dq = 0, sq = 0;
  for (const b of bytes) (b === 33 ? ++dq : b === 38 && ++sq);
  const quote = dq <= sq ? '"' : "'";
  const escape = { 10: '\\n', 13: '\\r', 92: '\\\\', [quote.charCodeAt(0)]: '\\' + quote };
  const parts = [];
  for (let i = 0; i < bytes.length; i += 8192) {
    let s = '';
    for (const b of bytes.subarray(i, i + 8192)) s += escape[b + 1] ?? String.fromCharCode(b + 1);
    parts.push(s);
  }
  return quote + parts.join('') + quote;
}

/** Replaces the one occurrence of `find` in text (an error if there is none or more than one). */
function replaceOnce(text, find, by, what) {
  const at = text.indexOf(find);
  if (at < 0 || text.indexOf(find, at + 1) >= 0)
    throw new Error(`inline-wasm: expected exactly one ${what} (${JSON.stringify(find.slice(0, 60))}) in the glue, found ${at < 0 ? 'none' : 'several'}`);
  return text.slice(0, at) + by + text.slice(at + find.length);
}

/** Rewrites emcc's SINGLE_FILE module text; returns { text, wasm } (wasm: the inlined bytes). */
export function inlineWasm(glue) {
  const uris = [...glue.matchAll(new RegExp(`"${DATA_URI}[^"]`, 'g'))];
  if (uris.length !== 1)
    throw new Error(`inline-wasm: expected one "${DATA_URI}..." in the glue, found ${uris.length} (linked without -sSINGLE_FILE=1, or rewritten already)`);
  const start = uris[0].index, end = glue.indexOf('"', start + 1);
  const wasm = Buffer.from(glue.slice(start + 1 + DATA_URI.length, end), 'base64');
  if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d) throw new Error('inline-wasm: the data URI does not hold a wasm module');
  if (glue.includes('bpBytes')) throw new Error('inline-wasm: the glue already has a bpBytes');
  let text = replaceOnce(glue, glue.slice(start, end + 1), `"${DATA_URI}"`, 'inlined wasm');
  text = replaceOnce(text, 'var wasmBinary;', `${DECODE}var wasmBinary=bpBytes(${encodeBytes(wasm)});`, 'wasmBinary declaration');
  return { text, wasm };
}

/** The bytes the rewritten text's literal decodes to, evaluated the way a strict-mode module parses it. */
export function inlinedBytes(text) {
  const head = 'var wasmBinary=bpBytes(';
  const at = text.indexOf(head) + head.length;
  let end = at + 1;
  while (text[end] !== text[at]) end += text[end] === '\\' ? 2 : 1;
  return vm.runInNewContext(`'use strict';${DECODE};bpBytes(${text.slice(at, end + 1)})`, { Uint8Array });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  const { text, wasm } = inlineWasm(readFileSync(file, 'utf8'));
  if (!Buffer.from(inlinedBytes(text)).equals(wasm)) throw new Error('inline-wasm: the string does not decode to the inlined wasm');
  writeFileSync(file, text);
}

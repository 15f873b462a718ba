// The size budget of the ES module with the inlined WASM (issue 5): ≤ 400 KB, ≤ 150 KB gzipped.
// scripts/build.mjs prints the same two numbers after every build.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

it('dist/backprop.mjs is at most 400 KB, 150 KB gzipped', () => {
  const bytes = readFileSync(join(root, 'dist/backprop.mjs'));
  const kb = bytes.length / 1024, gz = gzipSync(bytes).length / 1024;
  console.log(`dist/backprop.mjs ${kb.toFixed(1)} KB, ${gz.toFixed(1)} KB gzipped`);
  expect(kb).toBeLessThanOrEqual(400);
  expect(gz).toBeLessThanOrEqual(150);
});

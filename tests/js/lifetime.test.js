// The dev-mode warning for nets garbage-collected without dispose(), in a child `node --expose-gc`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const index = pathToFileURL(join(root, 'web/index.js')).href;

function runWithGc(body) {
  const src = `
    import { loadBackprop } from ${JSON.stringify(index)};
    const bp = await loadBackprop();
    const spec = { input: [4], layers: [{ type: 'dense', units: 3 }], loss: 'mse' };
    bp.sequential(spec).dispose(); // warm-up: the allocator's first blocks
    const before = bp.heapInUse();
    ${body}
    for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    console.log('heap delta', bp.heapInUse() - before);
  `;
  return spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', src], { encoding: 'utf8' });
}

describe('nets collected without dispose()', () => {
  it('warn once each and have their WASM memory freed', () => {
    const r = runWithGc(`(() => { bp.sequential(spec); bp.load(bp.sequential(spec).save()); bp.dataset(new Uint8Array(8), [0, 1], [4]); })();`);
    expect(r.status).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('garbage-collected without dispose()')).sort();
    const warning = (kind) => `backprop-wasm: a ${kind} was garbage-collected without dispose(); call dispose() (or \`using\`) to free its WASM memory promptly`;
    expect(warnings).toEqual([warning('Dataset'), warning('Net'), warning('Net'), warning('Net')]);
    expect(r.stdout).toContain('heap delta 0');
  });

  it('do not warn when disposed (or with warnings turned off)', () => {
    const r = runWithGc(`
      (() => { bp.sequential(spec).dispose(); bp.sequential(spec)[Symbol.dispose](); bp.dataset([1, 2], [0], [2]).dispose(); })();
      const { setLeakWarnings } = await import(${JSON.stringify(index)});
      setLeakWarnings(false);
      (() => { bp.sequential(spec); })();`);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('heap delta 0');
  });
});

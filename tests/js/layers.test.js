// The package's layers (docs/layout.md): core <- worker <- embed <- demo, core <- learn (the lesson
// UI, which embed and demo may use), and web/index.js on top.
// Parses every import in web/ and fails on an import against these arrows, on an import cycle,
// and on anything outside web/demo/ importing from it.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const web = join(root, 'web');
const files = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? files(p) : /\.(js|mjs)$/.test(f) ? [p] : [];
});
// Static imports, re-exports and dynamic import('...') of relative paths.
export function importsOf(src) {
  const out = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) out.push(spec);
  }
  return out;
}
const layerOf = (file) => {
  const r = relative(web, file);
  if (!r.includes('/')) return 'entry';
  return r.split('/')[0];
};
// What each layer may import (besides itself).
const ALLOWED = {
  core: ['core'],
  worker: ['core', 'worker'],
  learn: ['core', 'learn'],
  embed: ['core', 'worker', 'learn', 'embed'],
  demo: ['core', 'worker', 'learn', 'embed', 'demo'],
  entry: ['core', 'worker', 'learn', 'embed', 'entry'],
};

// Every cycle found by a depth-first walk, as [f, ..., f].
function cyclesOf(graph) {
  const state = new Map(), cycles = [];
  const visit = (f, path) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') return void cycles.push([...path.slice(path.indexOf(f)), f]);
    state.set(f, 'open');
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  return cycles;
}

describe('web/ layering', () => {
  const graph = new Map();
  for (const f of files(web)) {
    const deps = importsOf(readFileSync(f, 'utf8')).map((s) => resolve(dirname(f), s)).filter((p) => p.startsWith(web));
    graph.set(f, deps);
  }

  it('parses the imports (the parser sees the kinds of import the package uses)', () => {
    expect(importsOf("import { a } from './a.js';\nexport * from '../b.js';\nimport './c.js';\nconst m = await import('./d.js');\nimport x from 'node:fs';"))
      .toEqual(['./a.js', '../b.js', './c.js', './d.js']);
    expect(graph.get(join(web, 'index.js')).length).toBeGreaterThan(3);
  });

  it('every import follows the arrows core <- worker <- embed <- demo; nothing outside web/demo imports from it', () => {
    const bad = [];
    for (const [f, deps] of graph)
      for (const d of deps)
        if (!ALLOWED[layerOf(f)].includes(layerOf(d))) bad.push(`${relative(root, f)} -> ${relative(root, d)}`);
    expect(bad).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cyclesOf(graph).map((c) => c.map((p) => relative(root, p)).join(' -> '))).toEqual([]);
  });

  it('the checker catches a violation and a cycle', () => {
    expect(ALLOWED.core.includes(layerOf(join(web, 'worker/session.js')))).toBe(false);
    expect(ALLOWED.worker.includes(layerOf(join(web, 'demo/main.js')))).toBe(false);
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
  });
});

// Runs the ```js run snippets of README.md in Node, each as its own ES module importing 'backprop-wasm' by name (the
// package's self-reference). A snippet passes when it exits 0 with nothing on stderr (its
// console.assert lines print there when they fail).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'test-results/snippets');

/** The bodies of the ```js run blocks of a markdown file. */
export function runnableSnippets(markdown) {
  return [...markdown.matchAll(/^```js run\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

const docs = ['README.md'].filter((f) => existsSync(join(root, f)));
const cases = docs.flatMap((f) => runnableSnippets(readFileSync(join(root, f), 'utf8')).map((code, i) => [f, i + 1, code]));

describe('docs snippets', () => {
  it('README.md has a runnable snippet for each package section', () => {
    expect(runnableSnippets(readFileSync(join(root, 'README.md'), 'utf8')).length).toBe(6);
    expect(runnableSnippets('```js run\nA\n```\n```js\nB\n```\n')).toEqual(['A\n']);
  });

  it.each(cases)('%s snippet %i runs', (file, i, code) => {
    mkdirSync(out, { recursive: true });
    const path = join(out, `${file.replace(/\W/g, '_')}-${i}.mjs`);
    writeFileSync(path, code);
    const r = spawnSync(process.execPath, [path], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

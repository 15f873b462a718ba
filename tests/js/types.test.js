// The hand-written declarations (types/*.d.ts) against a file that uses every call
// (tests/types/usage.ts), and against deliberately wrong uses (tests/types/wrong.ts) to prove
// the check can fail. Both compile as a Node app resolves the package (module and
// moduleResolution nodenext), so the package's exports must lead TypeScript to the Node types;
// tests/types/browser.ts compiles as a bundler resolves it for a page.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = (project) =>
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tests/types', project)], { cwd: root, encoding: 'utf8' });

describe('TypeScript declarations', () => {
  it('accept a program that uses every call, the Node helpers imported from the root under nodenext (tsc --noEmit exits 0)', () => {
    expect(JSON.parse(readFileSync(join(root, 'tests/types/tsconfig.json'), 'utf8')).compilerOptions).toMatchObject({ module: 'nodenext', moduleResolution: 'nodenext' });
    expect(readFileSync(join(root, 'tests/types/usage.ts'), 'utf8')).toMatch(/import \{[^}]*loadMnistFromDir as fromRoot,[^}]*\} from 'backprop-wasm';/);
    const r = tsc('tsconfig.json');
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it("give a page (moduleResolution bundler) the browser entry's types, without the Node helpers", () => {
    const r = tsc('tsconfig.browser.json'); // browser.ts expects the error of importing loadMnistFromDir there
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reject wrong uses: each bad line with its error code, typos in layer types, options and the loss among them', () => {
    const r = tsc('tsconfig.wrong.json');
    expect(r.status).not.toBe(0);
    const errors = r.stdout.split('\n').filter((l) => l.includes('error TS')).map((l) => /wrong\.ts\((\d+),\d+\): error (TS\d+)/.exec(l).slice(1).join(' '));
    expect(errors).toEqual([
      '8 TS2322', '9 TS2322', '11 TS2740', '12 TS2353',
      "16 TS2820", // { type: 'dens' }: Did you mean '"dense"'?
      '17 TS2561', // { type: 'conv2d', filter: 8, kernel: 3 }: Did you mean to write 'filters'?
      '19 TS2820', // loss: 'softmax_crossentropy': Did you mean '"softmax_cross_entropy"'?
    ]);
    // and the line of each matches its comment in wrong.ts
    const marked = readFileSync(join(root, 'tests/types/wrong.ts'), 'utf8').split('\n').flatMap((l, i) => (/\/\/ (TS\d+)/.exec(l) ? [`${i + 1} ${/\/\/ (TS\d+)/.exec(l)[1]}`] : []));
    expect(errors).toEqual(marked);
    expect(r.stdout).toContain("Type '\"dens\"' is not assignable to type");
    expect(r.stdout).toContain("but 'filter' does not exist in type");
    expect(r.stdout).toContain("Type '\"softmax_crossentropy\"' is not assignable to type 'LossName'");
  });
});

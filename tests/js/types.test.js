// The hand-written declarations (types/*.d.ts) against a file that uses every call
// (tests/types/usage.ts), and against deliberately wrong uses (tests/types/wrong.ts) to prove
// the check can fail.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = (project) =>
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tests/types', project)], { cwd: root, encoding: 'utf8' });

describe('TypeScript declarations', () => {
  it('accept a program that uses every call (tsc --noEmit exits 0)', () => {
    const r = tsc('tsconfig.json');
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reject wrong uses: each bad line is reported', () => {
    const r = tsc('tsconfig.wrong.json');
    expect(r.status).not.toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('error TS')).map((l) => /wrong\.ts\((\d+),/.exec(l)?.[1]);
    expect(lines).toEqual(['8', '9', '11', '12']);
  });
});

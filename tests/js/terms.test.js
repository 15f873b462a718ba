// terms.js against the core: for random sizes of every chapter (and every "break it" bug), the
// products a·b of the listed terms, with values read from the trace, add up to the core's value
// for EVERY entry of every result tensor (float64 nets; < 1e-12 relative).
import { describe, expect, it } from 'vitest';
import { loadBackprop } from '../../web/core/backprop.js';
import { CHAPTERS, buildExample, settingsOf, traceOf } from '../../web/learn/example.js';
import { termsOf, valuesOf, withViews } from '../../web/learn/terms.js';
import { mulberry32 } from '../../web/core/random.js';

const bp = await loadBackprop();

// the seeded numbers (mulberry32, web/core/random.js)
const rng = mulberry32;

// Random settings within the chapter's limits (settingsOf then fixes the geometry).
function randomSettings(chapter, r, seed) {
  const def = CHAPTERS[chapter], raw = { seed: String(seed) };
  for (const [name, min, max] of def.params) raw[name] = String(min + Math.floor(r() * (max - min + 1)));
  if (def.choice) raw[def.choice[0]] = def.choice[1][Math.floor(r() * def.choice[1].length)];
  return settingsOf(chapter, raw).params;
}

const read = (trace, layer, ref) => (ref.const !== undefined ? ref.const : valuesOf(trace, layer, ref.tensor)[ref.index]);

// Every result tensor of a one-layer trace, [layer, tensor].
function results(trace) {
  const L = trace.layers[0], out = [['loss', 'loss.dInput'], [0, 'dInput']];
  for (const name of Object.keys(L.grads)) out.push([0, `grad.${name}`]);
  if (L.steps.dInputPadded) out.push([0, 'step.dInputPadded']);
  return out;
}

// -> the worst |Σ a·b − core| / max(|core|, Σ|a·b|) over every entry, and how many entries.
function worst(trace) {
  let max = 0, entries = 0, where = '';
  for (const [layer, tensor] of results(trace)) {
    const core = valuesOf(trace, layer, tensor);
    for (let i = 0; i < core.length; i++) {
      let sum = 0, abs = 0;
      for (const { a, b } of termsOf(trace, layer, tensor, i)) {
        const v = read(trace, layer, a) * read(trace, layer, b);
        sum += v;
        abs += Math.abs(v);
      }
      const scale = Math.max(Math.abs(core[i]), abs);
      const rel = scale === 0 ? 0 : Math.abs(sum - core[i]) / scale;
      entries++;
      if (rel > max) (max = rel), (where = `${tensor}[${i}]: Σ a·b = ${sum}, core ${core[i]}`);
    }
  }
  return { max, entries, where };
}

describe('terms: Σ a·b over the terms of each entry equals the core value', () => {
  for (const chapter of Object.keys(CHAPTERS)) {
    it(`${chapter}: random sizes, every bug, every entry`, () => {
      const r = rng(chapter.length * 7919);
      let total = 0;
      for (let trial = 0; trial < 6; trial++) {
        const p = randomSettings(chapter, r, trial + 1);
        for (const bug of ['none', ...CHAPTERS[chapter].bugs(p)]) {
          const ex = buildExample(bp, chapter, p);
          try {
            const trace = withViews(traceOf(bp, ex, bug), ex.n);
            const w = worst(trace);
            total += w.entries;
            expect(w.max, `${chapter} ${JSON.stringify(p)} bug ${bug}: ${w.where}`).toBeLessThan(1e-12);
          } finally {
            ex.net.dispose();
          }
        }
      }
      expect(total).toBeGreaterThan(20);
    });
  }

  it('conv terms follow the article: dW sums δ·z over every output position, dX over channels × kernel', () => {
    const ex = buildExample(bp, 'conv-multichannel', settingsOf('conv-multichannel', { cin: '2', cout: '3', h: '4', w: '5', k: '2' }).params);
    try {
      const trace = withViews(traceOf(bp, ex), 1);
      expect(termsOf(trace, 0, 'grad.weight', 0)).toHaveLength(3 * 4);  // OH·OW
      expect(termsOf(trace, 0, 'grad.bias', 1)).toHaveLength(3 * 4);
      expect(termsOf(trace, 0, 'dInput', 0)).toHaveLength(3 * 2 * 2);  // OC·KH·KW
      expect(termsOf(trace, 0, 'dInput', 0)[0].a.tensor).toBe('step.weightRot180');
      expect(termsOf(trace, 0, 'dInput', 0)[0].b.tensor).toBe('step.deltaPadded');
    } finally {
      ex.net.dispose();
    }
  });
});

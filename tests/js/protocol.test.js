import { describe, expect, it } from 'vitest';
import { errorBand, BUGS, REQ, EVT } from '../../web/protocol.js';

describe('protocol.js', () => {
  it('colours gradient-check rows by the CS231n bands, the pass rule and kinks', () => {
    const row = (maxRelError, passed = true, checked = 5) => ({ maxRelError, passed, checked });
    expect(errorBand(row(3e-9))).toBe('good');
    expect(errorBand(row(2e-6))).toBe('fine');
    expect(errorBand(row(5e-3))).toBe('suspicious');  // passes only by atol: a tiny gradient
    expect(errorBand(row(0.4, false))).toBe('wrong');
    expect(errorBand(row(1e-9, false))).toBe('wrong');  // the pass rule wins over the band
    expect(errorBand(row(0, true, 0))).toBe('kinked');  // nothing checked: no verdict
  });
  it('names the teaching bugs the core knows and has distinct message types', () => {
    expect(Object.keys(BUGS)).toEqual(['none', 'conv-no-rotate', 'relu-no-mask', 'loss-no-mean']);
    const types = [...Object.values(REQ), ...Object.values(EVT)];
    expect(new Set(types).size).toBe(types.length);
  });
});

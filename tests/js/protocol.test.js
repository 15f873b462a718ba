import { describe, expect, it } from 'vitest';
import { errorBand, BUGS } from '../../web/core/checks.js';
import { OPS, EVENTS, errorToMessage, errorFromMessage } from '../../web/worker/protocol.js';
import { Session } from '../../web/worker/session.js';
import { BackpropError } from '../../web/core/errors.js';

describe('checks.js', () => {
  it('colours gradient-check rows by the CS231n bands, the pass rule and kinks', () => {
    const row = (maxRelError, passed = true, checked = 5) => ({ maxRelError, passed, checked });
    expect(errorBand(row(3e-9))).toBe('good');
    expect(errorBand(row(2e-6))).toBe('fine');
    expect(errorBand(row(5e-3))).toBe('suspicious');  // passes only by atol: a tiny gradient
    expect(errorBand(row(0.4, false))).toBe('wrong');
    expect(errorBand(row(1e-9, false))).toBe('wrong');  // the pass rule wins over the band
    expect(errorBand(row(0, true, 0))).toBe('kinked');  // nothing checked: no verdict
  });
  it('names the teaching bugs the core knows', () => {
    expect(Object.keys(BUGS)).toEqual(['none', 'conv-no-rotate', 'relu-no-mask', 'loss-no-mean', 'conv-no-dilate', 'conv-crop-off-by-one',
      'avgpool-no-scale', 'maxpool-wrong-index', 'mse-no-half']);
  });
});

describe('protocol.js: one protocol', () => {
  it('every op is a Session method, named once; events are distinct', () => {
    expect(new Set(OPS).size).toBe(OPS.length);
    for (const op of OPS) expect(typeof Session.prototype[op], op).toBe('function');
    expect(new Set(EVENTS).size).toBe(EVENTS.length);
  });
  it('an error crosses with its name: a BackpropError arrives as one', () => {
    const back = errorFromMessage(structuredClone(errorToMessage(new BackpropError('layer 0 (dense): units must be >= 1, got 0'))));
    expect(back).toBeInstanceOf(BackpropError);
    expect(back.message).toBe('layer 0 (dense): units must be >= 1, got 0');
    const other = errorFromMessage(structuredClone(errorToMessage(new TypeError('x is not a function'))));
    expect(other).not.toBeInstanceOf(BackpropError);
    expect(other.name).toBe('TypeError');
  });
});

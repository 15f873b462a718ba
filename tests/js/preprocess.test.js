import { describe, expect, it } from 'vitest';
import { mnistPreprocess } from '../../web/core/preprocess.js';

// A W×H canvas with one filled rectangle of ink.
function rect(W, H, x0, y0, w, h) {
  const ink = new Float32Array(W * H);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) ink[y * W + x] = 1;
  return ink;
}

describe('mnistPreprocess (draw-a-digit)', () => {
  it('returns null for a blank canvas', () => {
    expect(mnistPreprocess(new Float32Array(100 * 100), 100, 100)).toBeNull();
  });

  it('crops, scales the longer side to 20 px keeping aspect, and centres by mass', () => {
    // A 40×100 bar in the top-left corner of 280×280: scale 20/100 -> 8×20, placed at (10, 4).
    const r = mnistPreprocess(rect(280, 280, 5, 7, 40, 100), 280, 280);
    expect(r.box).toEqual({ x0: 5, y0: 7, x1: 44, y1: 106 });
    expect(r.size).toEqual([8, 20]);
    expect(r.offset).toEqual([10, 4]);  // centre of mass (4, 10) -> (14, 14)
    const on = [...r.pixels].filter((v) => v > 0).length;
    expect(on).toBe(8 * 20);
    expect(r.pixels[4 * 28 + 10]).toBe(1);
    expect(r.pixels[3 * 28 + 10]).toBe(0);
    expect(r.pixels[4 * 28 + 18]).toBe(0);
  });

  it('keeps the mass centred for an off-centre L shape', () => {
    const ink = rect(200, 200, 50, 50, 20, 100);  // vertical stroke
    for (let y = 130; y < 150; y++) for (let x = 70; x < 150; x++) ink[y * 200 + x] = 1;  // foot to the right
    const { pixels } = mnistPreprocess(ink, 200, 200);
    let m = 0, cx = 0, cy = 0;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      const v = pixels[y * 28 + x];
      m += v; cx += v * (x + 0.5); cy += v * (y + 0.5);
    }
    expect(Math.abs(cx / m - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy / m - 14)).toBeLessThanOrEqual(0.5);
  });
});

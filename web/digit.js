// digit.js: a drawn digit -> a 28×28 MNIST-style input, as MNIST was made: crop to the ink, scale
// the longer side to 20 px keeping the aspect ratio, then place it in 28×28 so that its centre of
// mass sits at the centre. Input: RGBA pixels (white ink on black); output: 784 floats in [0, 1].
export function preprocessDigit(rgba, width, height) {
  const ink = (x, y) => rgba[4 * (y * width + x)] / 255;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink(x, y) > 0.1) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale)), sh = Math.max(1, Math.round(bh * scale));
  // Box-filter the crop into sw×sh.
  const small = new Float32Array(sw * sh);
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const ax = x0 + Math.floor(x / scale), bx = Math.max(ax + 1, x0 + Math.floor((x + 1) / scale));
      const ay = y0 + Math.floor(y / scale), by = Math.max(ay + 1, y0 + Math.floor((y + 1) / scale));
      let sum = 0, cnt = 0;
      for (let yy = ay; yy < Math.min(by, y1 + 1); yy++) for (let xx = ax; xx < Math.min(bx, x1 + 1); xx++, cnt++) sum += ink(xx, yy);
      small[y * sw + x] = cnt ? sum / cnt : 0;
    }
  // Centre of mass -> (14, 14).
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) { const v = small[y * sw + x]; m += v; mx += v * x; my += v * y; }
  const ox = Math.round(14 - (m ? mx / m : sw / 2)), oy = Math.round(14 - (m ? my / m : sh / 2));
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const tx = x + ox, ty = y + oy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = small[y * sw + x];
    }
  return out;
}

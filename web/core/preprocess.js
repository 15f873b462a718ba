// preprocess.js: a drawn digit -> a 28×28 MNIST-style input, as LeCun prepared MNIST:
// crop to the ink's bounding box, scale it (aspect kept) so its longer side is 20 px,
// then place it in 28×28 so its centre of mass sits at the centre (14, 14).
// Pure (no DOM): intensities in [0, 1] in, a Float32Array(784) out (null when blank).

/** ink: W*H intensities in [0,1], row-major. -> { pixels: Float32Array(784), box } | null */
export function mnistPreprocess(ink, W, H, threshold = 0.05) {
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (ink[y * W + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, s = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * s)), th = Math.max(1, Math.round(bh * s));
  // Box filter: every source pixel adds into the target pixel it falls in; the mean is kept.
  const sum = new Float64Array(tw * th), cnt = new Float64Array(tw * th);
  for (let y = y0; y <= y1; y++) {
    const ty = Math.min(th - 1, Math.floor((y - y0) * s));
    for (let x = x0; x <= x1; x++) {
      const tx = Math.min(tw - 1, Math.floor((x - x0) * s));
      sum[ty * tw + tx] += ink[y * W + x];
      cnt[ty * tw + tx]++;
    }
  }
  const small = new Float64Array(tw * th);
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) {
      const k = ty * tw + tx;
      if (cnt[k] > 0) small[k] = sum[k] / cnt[k];
      else small[k] = ink[(y0 + Math.min(bh - 1, Math.floor((ty + 0.5) / s))) * W + x0 + Math.min(bw - 1, Math.floor((tx + 0.5) / s))];
    }
  // Centre of mass of the 20×20 (or smaller) image, then the shift that puts it at (14, 14).
  let m = 0, cx = 0, cy = 0;
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) {
      const v = small[ty * tw + tx];
      m += v;
      cx += v * (tx + 0.5);
      cy += v * (ty + 0.5);
    }
  cx /= m;
  cy /= m;
  const ox = Math.max(0, Math.min(28 - tw, Math.round(14 - cx))), oy = Math.max(0, Math.min(28 - th, Math.round(14 - cy)));
  const pixels = new Float32Array(784);
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) pixels[(oy + ty) * 28 + ox + tx] = Math.min(1, small[ty * tw + tx]);
  return { pixels, box: { x0, y0, x1, y1 }, offset: [ox, oy], size: [tw, th] };
}

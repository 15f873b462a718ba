// checks.js: how a gradient-check report reads: the teaching bugs the core knows (the "break
// it" switch, cpp/net/teaching_bugs.h) with their labels, and the colour band of a row.

// The "break it" switch: a deliberately wrong backward in the gradient check's float64 twin.
export const BUGS = Object.freeze({
  none: 'off',
  'conv-no-rotate': 'conv: kernel not rotated in dX',
  'relu-no-mask': 'relu: mask [x > 0] dropped',
  'loss-no-mean': 'loss: the 1/N missing',
  'conv-no-dilate': 'conv: δ not dilated for the stride',
  'conv-crop-off-by-one': 'conv: the padding crop one row and column early',
  'avgpool-no-scale': 'avgpool: the 1/k² missing',
  'maxpool-wrong-index': "maxpool: δ to the window's first entry, not its arg-max",
  'mse-no-half': 'mse: no ½ in L, but the gradient y − t',
});

// Relative-error bands (CS231n): the colour of a gradient-check row.
export function errorBand(row) {
  if (row.checked === 0) return 'kinked';  // every sampled coordinate straddled a kink: no verdict
  if (!row.passed) return 'wrong';
  const r = row.maxRelError;
  if (r < 1e-7) return 'good';
  if (r < 1e-4) return 'fine';
  return 'suspicious';  // passes |a − n| ≤ atol + rtol·|n| only because the gradient is tiny
}

/** ln 10: the loss of an untrained 10-class net that guesses uniformly. */
export const LN10 = Math.log(10);

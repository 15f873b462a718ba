// tfjs-conv2d-backprop-filter.js: the conv weight-gradient kernel TF.js's WASM backend lacks
// (tfjs #8474: 'Conv2DBackpropFilter' is not registered for 'wasm', so a conv net cannot train
// there). We register it from TF.js's own ops, so TF.js can be timed training. The weight gradient
//   dW[kh,kw,c,oc] = Σ_{n,oh,ow} x_pad[n, S·oh + kh, S·ow + kw, c] · dy[n, oh, ow, oc]
// is itself a convolution with batch and channels swapped: input xᵀ = x as [C, H, W, N],
// filter dyᵀ = dy as [OH, OW, N, OC] dilated by the stride S, the same padding, stride 1:
//   conv2d(xᵀ, dyᵀ) -> [C, KH, KW, OC], transposed to [KH, KW, C, OC].
// So the work runs in the backend's own fast Conv2D kernel (XNNPACK); two transposes around it.
// (An im2col version — strided slices concatenated on the channel axis, then one matMul — was
// 10–30× slower here: the WASM backend's Concat on a last axis of width C = 1 is element by element.)
// Dilation 1, NHWC only (all TF.js's WASM conv kernels take). No imports: tf is passed in.

export function registerConv2DBackpropFilter(tf, backendName = 'wasm') {
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) return false; // TF.js has its own now
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, attrs }) => conv2dBackpropFilter(tf, inputs.x, inputs.dy, attrs),
  });
  return true;
}

/** dW for y = conv2d(x, W): x [N,H,W,C], dy [N,OH,OW,OC] -> [KH,KW,C,OC]. Plain tf ops. */
export function conv2dBackpropFilter(tf, x, dy, { strides, pad, dataFormat = 'NHWC', dimRoundingMode, filterShape }) {
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (bench kernel): dataFormat ${dataFormat} is not supported, only NHWC`);
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { inChannels: C, outChannels: OC, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const { top, bottom, left, right } = info.padInfo;
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, OC]
    let g = tf.conv2d(xT, dyT, 1, [[0, 0], [top, bottom], [left, right], [0, 0]], 'NHWC', [SH, SW]); // [C, >=KH, >=KW, OC]
    if (g.shape[1] !== KH || g.shape[2] !== KW) g = tf.slice(g, [0, 0, 0, 0], [C, KH, KW, OC]); // rows a stride skips
    return tf.transpose(g, [1, 2, 0, 3]);
  });
}

/**
 * Checks the kernel against a naive loop on small odd shapes (stride 1 'same' and stride 2
 * 'valid'); returns the max abs difference. Runs through tf.grad, so it exercises the
 * registration exactly as training does.
 */
export function checkConv2DBackpropFilter(tf) {
  let worst = 0;
  for (const [N, H, W, C, OC, K, S, pad] of [[2, 7, 6, 3, 4, 3, 1, 'same'], [1, 9, 8, 2, 3, 5, 2, 'valid']]) {
    const rnd = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);
    const xv = rnd(N * H * W * C, 1), wv = rnd(K * K * C * OC, 2);
    const x = tf.tensor4d(xv, [N, H, W, C]), w = tf.tensor4d(wv, [K, K, C, OC]);
    const info = tf.backend_util.computeConv2DInfo([N, H, W, C], [K, K, C, OC], S, 1, pad);
    const { outHeight: OH, outWidth: OW } = info;
    const dyv = rnd(N * OH * OW * OC, 3);
    const dy = tf.tensor4d(dyv, [N, OH, OW, OC]);
    // L = sum(conv(x, w) * dy)  =>  dL/dw = Conv2DBackpropFilter(x, dy)
    const g = tf.grad((ww) => tf.sum(tf.mul(tf.conv2d(x, ww, S, pad), dy)))(w);
    const got = g.dataSync();
    const { top, left } = info.padInfo;
    for (let kh = 0; kh < K; ++kh)
      for (let kw = 0; kw < K; ++kw)
        for (let c = 0; c < C; ++c)
          for (let oc = 0; oc < OC; ++oc) {
            let want = 0;
            for (let n = 0; n < N; ++n)
              for (let oh = 0; oh < OH; ++oh)
                for (let ow = 0; ow < OW; ++ow) {
                  const ih = oh * S + kh - top, iw = ow * S + kw - left;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  want += xv[((n * H + ih) * W + iw) * C + c] * dyv[((n * OH + oh) * OW + ow) * OC + oc];
                }
            worst = Math.max(worst, Math.abs(want - got[((kh * K + kw) * C + c) * OC + oc]));
          }
    tf.dispose([x, w, dy, g]);
  }
  return worst;
}

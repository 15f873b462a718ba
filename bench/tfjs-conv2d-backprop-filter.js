// tfjs-conv2d-backprop-filter.js: the conv weight-gradient kernel TF.js's WASM backend lacks
// (tfjs #8474: 'Conv2DBackpropFilter' is not registered for 'wasm', so a conv net cannot train
// there). We register it from TF.js's own ops, im2col style, so TF.js can be timed training:
//   pad x (NHWC) by the conv's padding; for each tap (kh, kw) take the strided window
//   x[:, kh + S·oh, kw + S·ow, :]; concatenate the taps on the channel axis into
//   patches [N·OH·OW, KH·KW·C]; then dW = patchesᵀ · dy[N·OH·OW, OC], reshaped to [KH, KW, C, OC].
// One big matMul (XNNPACK's GEMM inside the WASM backend) does the work. Dilation 1, NHWC only
// (all TF.js's WASM conv kernels support). No imports: tf is passed in (Node and page alike).

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
  const { batchSize: N, inChannels: C, outHeight: OH, outWidth: OW, outChannels: OC, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const { top, bottom, left, right } = info.padInfo;
  return tf.tidy(() => {
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const taps = [];
    for (let kh = 0; kh < KH; ++kh)
      for (let kw = 0; kw < KW; ++kw)
        taps.push(
          SH === 1 && SW === 1
            ? tf.slice(xp, [0, kh, kw, 0], [N, OH, OW, C])
            : tf.stridedSlice(xp, [0, kh, kw, 0], [N, kh + (OH - 1) * SH + 1, kw + (OW - 1) * SW + 1, C], [1, SH, SW, 1]),
        );
    const patches = tf.reshape(taps.length === 1 ? taps[0] : tf.concat(taps, 3), [N * OH * OW, KH * KW * C]);
    const dW = tf.matMul(patches, tf.reshape(dy, [N * OH * OW, OC]), true, false);
    return tf.reshape(dW, [KH, KW, C, OC]);
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

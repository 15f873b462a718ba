// conv2d.h: 2-D convolution (cross-correlation), multi-channel, any stride and zero padding.
// PyTorch nn.Conv2d semantics (groups=1, dilation=1).
//
//   shapes   X [N,C,H,W]   W [OC,C,KH,KW]   b [OC]   Y [N,OC,OH,OW]
//   size     OH = (H + 2·PH − KH) / SH + 1          OW = (W + 2·PW − KW) / SW + 1   (floor)
//   forward  Y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q  W[o,c,p,q] · Xp[n,c, i·SH + p, j·SW + q]
//            (Xp = X zero-padded by PH rows and PW columns on each side)
//   backward, with δ = dL/dY:
//     db[o]       = Σ_n Σ_i Σ_j δ[n,o,i,j]
//     dW[o,c,p,q] = Σ_n Σ_i Σ_j δ[n,o,i,j] · Xp[n,c, i·SH + p, j·SW + q]
//                   (the cross-correlation of the input with δ)
//     dX          = crop_P( full_conv( dilate_S(δ), rot180(W) ) )
//                   dilate_S inserts S−1 zeros between the rows/columns of δ; the full
//                   convolution pads it by K−1; cropping PH/PW from each border undoes the
//                   forward padding. Rows of Xp that no window reached get 0.
//   Reference: the derivation series' "conv with channels, stride and padding" post;
//   Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016).
#pragma once
#include <algorithm>
#include <type_traits>

#include "../kernels/geometry.h"
#include "../kernels/kernels.h"
#include "../kernels/winograd.h"
#include "layer.h"

namespace bp {

// ---- reference kernels: plain loops, the equations above term by term ----

template <typename T>
void conv2d_forward_ref(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g) {
  for (int n = 0; n < g.N; ++n)
    for (int o = 0; o < g.OC; ++o)
      for (int i = 0; i < g.OH; ++i)
        for (int j = 0; j < g.OW; ++j) {
          T acc = bias[o];
          for (int c = 0; c < g.C; ++c)
            for (int p = 0; p < g.KH; ++p) {
              int y = i * g.SH + p - g.PH;  // row in X (Xp row minus padding)
              if (y < 0 || y >= g.H) continue;
              for (int q = 0; q < g.KW; ++q) {
                int x = j * g.SW + q - g.PW;
                if (x < 0 || x >= g.W) continue;
                acc += weight[((o * g.C + c) * g.KH + p) * g.KW + q] * inp[((n * g.C + c) * g.H + y) * g.W + x];
              }
            }
          out[((n * g.OC + o) * g.OH + i) * g.OW + j] = acc;
        }
}

// The teaching bugs (net/teaching_bugs.h) switch one step of dX off; training never does:
//   rot180 = false   conv-no-rotate        the kernel NOT rotated: W[K−1−p] where W[p] belongs
//   dilate = false   conv-no-dilate        δ not dilated: D[i] = δ[i] (no S−1 zeros between entries)
//   crop = 1         conv-crop-off-by-one  the crop starts one row and column early: X row y reads Xp row y + PH − 1
template <typename T>
void conv2d_backward_ref(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight,
                         const ConvGeom& g, bool rot180 = true, bool dilate = true, int crop = 0) {
  // db = Σ δ ;  dW = Xp ⋆ δ  (accumulate)
  for (int n = 0; n < g.N; ++n)
    for (int o = 0; o < g.OC; ++o) {
      const T* d = dout + (size_t)(n * g.OC + o) * g.OH * g.OW;
      for (int i = 0; i < g.OH * g.OW; ++i) dbias[o] += d[i];
      for (int c = 0; c < g.C; ++c)
        for (int p = 0; p < g.KH; ++p)
          for (int q = 0; q < g.KW; ++q) {
            T acc = 0;
            for (int i = 0; i < g.OH; ++i) {
              int y = i * g.SH + p - g.PH;
              if (y < 0 || y >= g.H) continue;
              for (int j = 0; j < g.OW; ++j) {
                int x = j * g.SW + q - g.PW;
                if (x < 0 || x >= g.W) continue;
                acc += d[i * g.OW + j] * inp[((n * g.C + c) * g.H + y) * g.W + x];
              }
            }
            dweight[((o * g.C + c) * g.KH + p) * g.KW + q] += acc;
          }
    }
  if (!dinp) return;  // param grads only (layer.h)
  // dX = crop_P(full_conv(dilate_S(δ), rot180(W))), evaluated at each X position directly:
  // Xp row yp = y + PH receives  Σ_p' D[yp − p'] · W[p']  where D = dilate_S(δ) is
  // nonzero only at multiples of S: D[i·S] = δ[i]. (The full convolution with the rotated
  // kernel, Σ_k Dpad[yp + k]·rot180(W)[k], is the same sum with p' = K−1−k.)
  for (int n = 0; n < g.N; ++n)
    for (int c = 0; c < g.C; ++c)
      for (int y = 0; y < g.H; ++y)
        for (int x = 0; x < g.W; ++x) {
          int yp = y + g.PH - crop, xp = x + g.PW - crop;  // crop_P: X position inside Xp
          T acc = 0;
          for (int o = 0; o < g.OC; ++o)
            for (int p = 0; p < g.KH; ++p) {
              const int sh = dilate ? g.SH : 1, sw = dilate ? g.SW : 1;
              int dy = yp - p;  // index into dilate_S(δ)
              if (dy < 0 || dy % sh != 0 || dy / sh >= g.OH) continue;  // an inserted zero
              const int wp = rot180 ? p : g.KH - 1 - p;
              for (int q = 0; q < g.KW; ++q) {
                int dx = xp - q;
                if (dx < 0 || dx % sw != 0 || dx / sw >= g.OW) continue;
                const int wq = rot180 ? q : g.KW - 1 - q;
                acc += dout[((n * g.OC + o) * g.OH + dy / sh) * g.OW + dx / sw] *
                       weight[((o * g.C + c) * g.KH + wp) * g.KW + wq];
              }
            }
          dinp[((n * g.C + c) * g.H + y) * g.W + x] = acc;
        }
}

// ---- the layer ----

// The options and the geometry they give, checked (one copy for both dtypes).
inline Status conv2d_geom(Options& o, const Shape& in, size_t es, ConvGeom& g) {
  int filters, k[2], s[2], p[2];
  BP_TRY(o.integer("filters", -1, 1, filters));
  if (filters < 0) return o.error("filters is required (the number of output channels)");
  BP_TRY(o.pair("kernel", -1, 1, k));
  if (k[0] < 0) return o.error("kernel is required (a number or [kh,kw])");
  BP_TRY(o.pair("stride", 1, 1, s));
  BP_TRY(o.pair("padding", 0, 0, p));
  BP_TRY(o.finish());
  if (in.size() != 3) return o.error("needs a [C,H,W] input, got " + shape_str(in));
  int H = in[1], W = in[2];
  if (k[0] > H + 2 * p[0] || k[1] > W + 2 * p[1])
    return o.error("kernel [" + std::to_string(k[0]) + "," + std::to_string(k[1]) + "] is larger than the padded input [" +
                   std::to_string(H + 2 * p[0]) + "," + std::to_string(W + 2 * p[1]) + "] (input " + shape_str(in) +
                   ", padding [" + std::to_string(p[0]) + "," + std::to_string(p[1]) + "])");
  BP_TRY(o.fits("weight", Shape{filters, in[0], k[0], k[1]}, es));
  g = {0, in[0], H, W, filters, k[0], k[1], s[0], s[1], p[0], p[1], (H + 2 * p[0] - k[0]) / s[0] + 1, (W + 2 * p[1] - k[1]) / s[1] + 1};
  return Status::Ok();
}

template <typename T>
class Conv2d : public Layer<T> {
 public:
  static Status create(Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) {
    ConvGeom g;
    BP_TRY(conv2d_geom(o, in, sizeof(T), g));
    auto l = std::make_unique<Conv2d<T>>();
    l->g = g;
    l->in_shape = in;
    l->out_shape = {g.OC, g.OH, g.OW};
    l->params.emplace_back("weight", Shape{g.OC, g.C, g.KH, g.KW});
    l->params.emplace_back("bias", Shape{g.OC});
    out = std::move(l);
    return Status::Ok();
  }

  // The fast kernels (kernels/conv.cpp: implicit GEMM at stride 1, else im2col + GEMM;
  // kernels/winograd.cpp for the forward of stride-1 3×3 convs with enough channels) unless
  // kernel_flags().reference.
  void forward(T* out, const T* inp, int N) override {
    g.N = N;
    const T *w = this->params[0].value.data(), *b = this->params[1].value.data();
    if (kernel_flags().reference) {
      conv2d_forward_ref(out, inp, w, b, g);
    } else if (std::is_same_v<T, float> && kernel_flags().winograd && winograd_applies(g)) {
      if constexpr (std::is_same_v<T, float>)  // (float only)
        conv2d_forward_winograd(out, inp, w, b, g, wino, this->infer.fusion == Fusion::ReluPool);
      ws.col_input = nullptr;  // no columns built: backward makes its own
    } else {
      conv2d_forward_fast(out, inp, w, b, g, ws, !this->infer.on, this->infer.rows, this->infer.cols);
    }
  }
  // conv → relu → 2×2 max-pool in one pass (Fusion::ReluPool, in inference): the Winograd
  // forward writes the pooled output, a pool window being one of its 2×2 output tiles.
  bool takes_relu_pool() const override {
    return std::is_same_v<T, float> && !kernel_flags().reference && kernel_flags().winograd && winograd_applies(g);
  }
  void backward(T* dinp, const T* dout, const T* inp, const T*, int N) override {
    g.N = N;
    T *dw = this->params[0].grad.data(), *db = this->params[1].grad.data();
    const T* w = this->params[0].value.data();
    if (kernel_flags().reference) conv2d_backward_ref(dinp, dw, db, dout, inp, w, g);
    else conv2d_backward_fast(dinp, dw, db, dout, inp, w, g, ws);
  }

  ConvGeom g{};
  ConvWorkspace<T> ws;  // column / padded-input and packing buffers, reused every step
  WinogradWorkspace<T> wino;  // the Winograd forward's transforms, reused every step (float)
};

}  // namespace bp

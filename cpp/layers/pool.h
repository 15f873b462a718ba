// pool.h: max and average pooling over KH×KW windows, and their global forms.
// PyTorch nn.MaxPool2d / nn.AvgPool2d(count_include_pad=True) / AdaptiveMax/AvgPool2d(1) semantics.
//
//   shapes   X [N,C,H,W]  ->  Y [N,C,OH,OW]      global: Y [N,C]
//   size     OH = (H + 2·PH − KH) / SH + 1       (floor; stride defaults to the size)
//   maxpool  Y[n,c,i,j] = max_{p,q} Xp[n,c, i·SH+p, j·SW+q]     (padding acts as −∞)
//            dX[n,c,y,x] = Σ_{i,j: (y,x) = argmax window(i,j)} δ[n,c,i,j]
//            δ goes only to the arg-max, the first one in row-major order on ties.
//   avgpool  Y[n,c,i,j] = 1/(KH·KW) · Σ_{p,q} Xp[n,c, i·SH+p, j·SW+q]   (padded zeros count)
//            dX[n,c,y,x] = Σ_{windows (i,j) covering (y,x)} δ[n,c,i,j] / (KH·KW)
//   global   max: Y[n,c] = max_{y,x} X[n,c,y,x], δ to the (first) arg-max
//            avg: Y[n,c] = 1/(H·W) Σ_{y,x} X[n,c,y,x],  dX = δ[n,c] / (H·W)
// Max pooling has a kink where two window entries tie (tracked for the gradient check).
// Reference: the derivation series' "pooling layers" post.
#pragma once
#include <algorithm>
#include <limits>
#include <vector>

#include "../kernels/geometry.h"
#include "../kernels/kernels.h"
#include "layer.h"

namespace bp {

// Max pooling forward writes argmax (flat index into the sample's channel plane, or −1
// for a window of padding only, which the size rule below excludes).
template <typename T>
void maxpool_forward(T* out, int* argmax, const T* inp, const PoolGeom& g) {
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    const T* x = inp + (size_t)nc * g.H * g.W;
    for (int i = 0; i < g.OH; ++i)
      for (int j = 0; j < g.OW; ++j) {
        T best = -std::numeric_limits<T>::infinity();
        int arg = -1;
        for (int p = 0; p < g.KH; ++p) {
          int y = i * g.SH + p - g.PH;
          if (y < 0 || y >= g.H) continue;
          for (int q = 0; q < g.KW; ++q) {
            int xx = j * g.SW + q - g.PW;
            if (xx < 0 || xx >= g.W) continue;
            T v = x[y * g.W + xx];
            if (arg < 0 || v > best) { best = v; arg = y * g.W + xx; }  // strict >: first wins ties
          }
        }
        size_t o = ((size_t)nc * g.OH + i) * g.OW + j;
        out[o] = best;
        argmax[o] = arg;
      }
  }
}

template <typename T>
void maxpool_backward(T* dinp, const T* dout, const int* argmax, const PoolGeom& g) {
  size_t plane = (size_t)g.H * g.W, oplane = (size_t)g.OH * g.OW;
  for (size_t i = 0; i < (size_t)g.N * g.C * plane; ++i) dinp[i] = 0;
  for (size_t nc = 0; nc < (size_t)g.N * g.C; ++nc)
    for (size_t o = 0; o < oplane; ++o) {
      int a = argmax[nc * oplane + o];
      if (a >= 0) dinp[nc * plane + a] += dout[nc * oplane + o];
    }
}

// The teaching bug maxpool-wrong-index (net/teaching_bugs.h) routes δ with these in place of the
// arg-max: each window's first (top-left, in the input) entry. maxpool_backward is unchanged.
inline void maxpool_first_entries(int* route, const int* argmax, const PoolGeom& g) {
  const size_t oplane = (size_t)g.OH * g.OW;
  for (size_t nc = 0; nc < (size_t)g.N * g.C; ++nc)
    for (size_t o = 0; o < oplane; ++o) {
      const int i = (int)o / g.OW, j = (int)o % g.OW, a = argmax[nc * oplane + o];
      route[nc * oplane + o] = a < 0 ? a : std::max(0, i * g.SH - g.PH) * g.W + std::max(0, j * g.SW - g.PW);
    }
}

template <typename T>
void avgpool_forward(T* out, const T* inp, const PoolGeom& g) {
  T inv = T(1) / T(g.KH * g.KW);
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    const T* x = inp + (size_t)nc * g.H * g.W;
    for (int i = 0; i < g.OH; ++i)
      for (int j = 0; j < g.OW; ++j) {
        T acc = 0;
        for (int p = 0; p < g.KH; ++p) {
          int y = i * g.SH + p - g.PH;
          if (y < 0 || y >= g.H) continue;
          for (int q = 0; q < g.KW; ++q) {
            int xx = j * g.SW + q - g.PW;
            if (xx >= 0 && xx < g.W) acc += x[y * g.W + xx];
          }
        }
        out[((size_t)nc * g.OH + i) * g.OW + j] = acc * inv;
      }
  }
}

// scale = false (only the teaching bug avgpool-no-scale, net/teaching_bugs.h): the 1/(KH·KW) dropped.
template <typename T>
void avgpool_backward(T* dinp, const T* dout, const PoolGeom& g, bool scale = true) {
  T inv = scale ? T(1) / T(g.KH * g.KW) : T(1);
  for (size_t i = 0; i < (size_t)g.N * g.C * g.H * g.W; ++i) dinp[i] = 0;
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    T* dx = dinp + (size_t)nc * g.H * g.W;
    for (int i = 0; i < g.OH; ++i)
      for (int j = 0; j < g.OW; ++j) {
        T d = dout[((size_t)nc * g.OH + i) * g.OW + j] * inv;
        for (int p = 0; p < g.KH; ++p) {
          int y = i * g.SH + p - g.PH;
          if (y < 0 || y >= g.H) continue;
          for (int q = 0; q < g.KW; ++q) {
            int xx = j * g.SW + q - g.PW;
            if (xx >= 0 && xx < g.W) dx[y * g.W + xx] += d;
          }
        }
      }
  }
}

// The options and the geometry they give, checked (one copy for both dtypes).
// global = true: the window is the whole H×W plane.
inline Status pool2d_geom(bool global, Options& o, const Shape& in, PoolGeom& g) {
  int k[2] = {0, 0}, s[2] = {1, 1}, p[2] = {0, 0};
  if (!global) {
    BP_TRY(o.pair("size", -1, 1, k));
    if (k[0] < 0) return o.error("size is required (a number or [h,w])");
    BP_TRY(o.pair("stride", -1, 1, s));
    if (s[0] < 0) {
      s[0] = k[0], s[1] = k[1];
      Json a = Json::array();
      a.push(s[0]);
      a.push(s[1]);
      o.resolved("stride", a);
    }
    BP_TRY(o.pair("padding", 0, 0, p));
  }
  BP_TRY(o.finish());
  if (in.size() != 3) return o.error("needs a [C,H,W] input, got " + shape_str(in));
  if (global) k[0] = in[1], k[1] = in[2];
  if (2 * p[0] > k[0] || 2 * p[1] > k[1])
    return o.error("padding [" + std::to_string(p[0]) + "," + std::to_string(p[1]) + "] must be at most half the size [" +
                   std::to_string(k[0]) + "," + std::to_string(k[1]) + "]");
  if (k[0] > in[1] + 2 * p[0] || k[1] > in[2] + 2 * p[1])
    return o.error("size [" + std::to_string(k[0]) + "," + std::to_string(k[1]) + "] is larger than the padded input [" +
                   std::to_string(in[1] + 2 * p[0]) + "," + std::to_string(in[2] + 2 * p[1]) + "] (input " + shape_str(in) + ")");
  g = {0, in[0], in[1], in[2], k[0], k[1], s[0], s[1], p[0], p[1], (in[1] + 2 * p[0] - k[0]) / s[0] + 1, (in[2] + 2 * p[1] - k[1]) / s[1] + 1};
  return Status::Ok();
}

template <typename T>
class Pool2d : public Layer<T> {
 public:
  // global = true: the window is the whole H×W plane and the output is [C].
  static Status create(bool is_max, bool global, Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) {
    PoolGeom g;
    BP_TRY(pool2d_geom(global, o, in, g));
    auto l = std::make_unique<Pool2d<T>>();
    l->is_max = is_max;
    l->global = global;
    l->g = g;
    l->in_shape = in;
    l->out_shape = global ? Shape{in[0]} : Shape{in[0], l->g.OH, l->g.OW};
    out = std::move(l);
    return Status::Ok();
  }
  // The fast max-pool (kernels.h) is float only: float64, for gradient checks, runs the reference
  // loops (the module's size budget).
  void forward(T* out, const T* inp, int N) override {
    g.N = N;
    if (!is_max) return avgpool_forward(out, inp, g);
    [[maybe_unused]] const bool fast = g.PH == 0 && g.PW == 0 && !kernel_flags().reference;
    if constexpr (std::is_same_v<T, float>) {
      if (this->infer.fusion == Fusion::ReluInput) return maxpool_relu_forward_fast(out, inp, g);  // takes_relu_input() said so
      if (fast && this->infer.on && !this->track_kinks) return maxpool_forward_fast(out, nullptr, inp, g);  // no backward follows: no arg-max
    }
    argmax.resize((size_t)N * this->out_size());
    if constexpr (std::is_same_v<T, float>) {
      if (fast) maxpool_forward_fast(out, argmax.data(), inp, g);
      else maxpool_forward(out, argmax.data(), inp, g);
    } else {
      maxpool_forward(out, argmax.data(), inp, g);
    }
    if (this->track_kinks) this->kink_hash = argmax_pattern();
  }
  // A floor-mode window grid without padding ends at row (OH − 1)·SH + KH − 1 of the input,
  // and column (OW − 1)·SW + KW − 1.
  int in_rows_read() const override { return g.PH == 0 && !global ? (g.OH - 1) * g.SH + g.KH : 0; }
  int in_cols_read() const override { return g.PW == 0 && !global ? (g.OW - 1) * g.SW + g.KW : 0; }
  // relu → this layer fused (Fusion::ReluInput, in inference): float max-pool of the f32x4 kernel's shape (kernels.h).
  bool takes_relu_input() const override {
    return std::is_same_v<T, float> && is_max && maxpool_relu_fuses(g) && !kernel_flags().reference;
  }
  void backward(T* dinp, const T* dout, const T*, const T*, int N) override {
    g.N = N;
    if (is_max) maxpool_backward(dinp, dout, argmax.data(), g);
    else avgpool_backward(dinp, dout, g);
  }

  bool is_max = true, global = false;
  PoolGeom g{};
  std::vector<int> argmax;  // written by forward, read by backward

 private:
  // The arg-max of every window: it changes when ±h swaps which entry wins.
  uint64_t argmax_pattern() const {
    uint64_t h = 1469598103934665603ull;
    for (int a : argmax) h = kink_mix(h, (uint64_t)(a + 1));
    return h;
  }
};

}  // namespace bp

// pool.cpp: the fast max-pooling forward, float (see kernels.h; the math is in layers/pool.h).
//
// Row at a time: for output row i, the first window row starts each window's running
// maximum at its first entry, then every later entry, row by row and column by column,
// replaces it only when strictly greater: the reference's row-major order, so ties (and
// NaNs) resolve exactly as there, to the first maximum. Each pass runs over j with selects
// and no data-dependent branch; 2×2 windows of stride 2 are written out in f32x4 by hand, and
// there relu may be fused in (maxpool_relu_forward_fast, below). The other shapes stay scalar:
// with a stride known only at run time the compiler's f32x4 version gathers lane by lane, and
// it cost 0.7 KB of the gzipped module for no speed (mnist-cnn's 3×3 pool: within noise).
#include <algorithm>

#include "geometry.h"
#include "kernels.h"
#include "simd.h"

namespace bp {
namespace {

// One window row over n windows. FIRST (row p = 0): each window's maximum starts at its first
// entry; later rows start from the running maximum in y. Then every entry replaces it only when
// strictly greater. (ARG: the flat index of the maximum within the channel plane; base is this
// row's first entry.)
template <int KW, int SW, bool ARG, bool FIRST>
inline void window_row(float* __restrict y, int* __restrict a, const float* __restrict x, int base, int n, int kw_rt,
                       int sw_rt) {
  const int kw = KW ? KW : kw_rt, sw = SW ? SW : sw_rt;
  const auto window = [&](int j) {
    const float* r = x + j * sw;
    float best = FIRST ? r[0] : y[j];
    int arg = FIRST ? 0 : -1;
    for (int q = FIRST ? 1 : 0; q < kw; ++q) {
      bool gt = r[q] > best;  // strict >: the first maximum wins ties
      best = gt ? r[q] : best;
      if (ARG) arg = gt ? q : arg;
    }
    y[j] = best;
    if (ARG && (FIRST || arg >= 0)) a[j] = base + j * sw + arg;
  };
#if defined(__clang__)
#pragma clang loop vectorize(disable) interleave(disable)
#endif
  for (int j = 0; j < n; ++j) window(j);
}

// 2×2 windows, stride 2, float: the case both benchmark nets and most CNNs use, by hand in
// f32x4 (the compiler does not vectorise the strided arg-max selects above). Four outputs
// at a time: each window row's 8 inputs are split into even and odd columns by one shuffle
// each, then the same strict-> selects in the same order as window_row, with
// the indices carried alongside as i32x4. Returns how many columns it did (a multiple of 4).
typedef V<float> F4;
typedef V<int> I4;
inline F4 sel(I4 m, F4 a, F4 b) { return (F4)(((I4)a & m) | ((I4)b & ~m)); }
inline I4 sel(I4 m, I4 a, I4 b) { return (a & m) | (b & ~m); }

template <bool ARG>
int maxpool_row_2x2(float* y, int* a, const float* x, int top, int W, int n) {
  const float *r0 = x + top, *r1 = r0 + W;
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    F4 u0 = vload(r0 + 2 * j), u1 = vload(r0 + 2 * j + 4), v0 = vload(r1 + 2 * j), v1 = vload(r1 + 2 * j + 4);
    F4 e0 = __builtin_shufflevector(u0, u1, 0, 2, 4, 6), o0 = __builtin_shufflevector(u0, u1, 1, 3, 5, 7);
    F4 e1 = __builtin_shufflevector(v0, v1, 0, 2, 4, 6), o1 = __builtin_shufflevector(v0, v1, 1, 3, 5, 7);
    // The four entries in row-major order, each taken only when strictly greater (−1 lanes).
    I4 g1 = o0 > e0;
    F4 m = sel(g1, o0, e0);
    I4 g2 = e1 > m;
    m = sel(g2, e1, m);
    I4 g3 = o1 > m;
    m = sel(g3, o1, m);
    vstore(y + j, m);
    if (ARG) {
      const int c = top + 2 * j;
      const I4 k0 = I4{c, c + 2, c + 4, c + 6};  // each window's top-left entry
      I4 k = sel(g1, k0 + 1, k0);
      k = sel(g2, k0 + W, k);
      k = sel(g3, k0 + W + 1, k);
      vstore(a + j, k);
    }
  }
  return j;
}

// KH = KW = K and SH = SW = S at compile time when both are nonzero; 0: read from g.
template <int K, int S, bool ARG>
void maxpool_planes(float* out, int* argmax, const float* inp, const PoolGeom& g) {
  const int kh = K ? K : g.KH, sh = S ? S : g.SH, sw = S ? S : g.SW;
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    const float* x = inp + (size_t)nc * g.H * g.W;
    for (int i = 0; i < g.OH; ++i) {
      const size_t o = ((size_t)nc * g.OH + i) * g.OW;
      float* y = out + o;
      int* a = ARG ? argmax + o : nullptr;
      const int top = i * sh * g.W;  // the first window's top-left entry
      int done = 0;                  // columns the f32x4 2×2 kernel took; the generic loops do the rest
      if constexpr (K == 2 && S == 2) done = maxpool_row_2x2<ARG>(y, a, x, top, g.W, g.OW);
      if (done == g.OW) continue;
      y += done;
      a = ARG ? a + done : nullptr;
      const int t = top + done * sw, n = g.OW - done;
      window_row<K, S, ARG, true>(y, a, x + t, t, n, g.KW, g.SW);
      for (int p = 1; p < kh; ++p) window_row<K, S, ARG, false>(y, a, x + t + p * g.W, t + p * g.W, n, g.KW, g.SW);
    }
  }
}

}  // namespace

// Compile-time windows only where they pay: 2×2 stride 2 (the f32x4 kernel). Every other
// shape runs the runtime-size loops: each extra instantiation costs the module kilobytes of
// vectorised code.
void maxpool_forward_fast(float* out, int* argmax, const float* inp, const PoolGeom& g) {
  if (g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2) {
    if (argmax)
      maxpool_planes<2, 2, true>(out, argmax, inp, g);
    else
      maxpool_planes<2, 2, false>(out, argmax, inp, g);
    return;
  }
  if (argmax)
    maxpool_planes<0, 0, true>(out, argmax, inp, g);
  else
    maxpool_planes<0, 0, false>(out, argmax, inp, g);
}

bool maxpool_relu_fuses(const PoolGeom& g) {
  return g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PH == 0 && g.PW == 0;
}

// After relu every entry is +0 or positive (relu sends NaN and −0 to +0), so a window's maximum
// is one value whatever order the entries are compared in: here each row pair's lane-wise
// maximum first, then its even against its odd columns, with pmax (simd.h): pmax(0, v) is
// relu(v) bit for bit, and for m ≥ +0 (not NaN) pmax(m, v) = max(m, relu(v)): a NaN, −0 or
// negative v leaves m.
void maxpool_relu_forward_fast(float* out, const float* inp, const PoolGeom& g) {
  const F4 zero = {0, 0, 0, 0};
  const auto relu = [](float v) { return v > 0 ? v : 0.0f; };
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    const float* x = inp + (size_t)nc * g.H * g.W;
    for (int i = 0; i < g.OH; ++i) {
      float* y = out + ((size_t)nc * g.OH + i) * g.OW;
      const float *r0 = x + 2 * i * g.W, *r1 = r0 + g.W;
      int j = 0;
      for (; j + 4 <= g.OW; j += 4) {
        F4 a = pmax(pmax(zero, vload(r0 + 2 * j)), vload(r1 + 2 * j));          // columns 2j .. 2j+3
        F4 b = pmax(pmax(zero, vload(r0 + 2 * j + 4)), vload(r1 + 2 * j + 4));  // 2j+4 .. 2j+7
        vstore(y + j, pmax(__builtin_shufflevector(a, b, 0, 2, 4, 6), __builtin_shufflevector(a, b, 1, 3, 5, 7)));
      }
      for (; j + 2 <= g.OW; j += 2) {  // two windows: columns 2j .. 2j+3 (mnist-cnn's and medium's 14-wide rows)
        F4 a = pmax(pmax(zero, vload(r0 + 2 * j)), vload(r1 + 2 * j));
        F4 m = pmax(a, __builtin_shufflevector(a, a, 1, 0, 3, 2));  // lanes 0 and 2
        y[j] = m[0], y[j + 1] = m[2];
      }
      for (; j < g.OW; ++j) {  // the last window of an odd row
        float m = relu(r0[2 * j]);
        for (float v : {relu(r0[2 * j + 1]), relu(r1[2 * j]), relu(r1[2 * j + 1])}) m = v > m ? v : m;
        y[j] = m;
      }
    }
  }
}

}  // namespace bp

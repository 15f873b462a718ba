// conv.cpp: conv2d and dense by im2col + GEMM (see kernels.h; the math is in
// layers/conv2d.h and layers/dense.h).
#include <algorithm>

#include "../layers/conv2d.h"
#include "kernels.h"

namespace bp {
namespace {

// The columns j of output row i whose input column x = j·SW + q − PW lies inside [0, W):
// j in [j0, j1). Outside it the window sits on padding.
inline void valid_cols(const ConvGeom& g, int q, int& j0, int& j1) {
  int lo = g.PW - q;                 // x >= 0  <=>  j·SW >= lo
  int hi = g.W - 1 + g.PW - q;       // x <= W−1 <=> j·SW <= hi
  j0 = lo > 0 ? (lo + g.SW - 1) / g.SW : 0;
  j1 = hi >= 0 ? hi / g.SW + 1 : 0;
  j0 = std::min(j0, g.OW);
  j1 = std::max(j0, std::min(j1, g.OW));
}

// Clang turns short copy/zero loops into memcpy/memset calls, which in WASM are calls into
// a generic byte loop: for rows of 1..30 values that costs more than the loop itself.
#if defined(__clang__)
#define BP_KEEP_LOOPS __attribute__((no_builtin("memset", "memcpy")))
#else
#define BP_KEEP_LOOPS
#endif

// col[(c·KH + p)·KW + q, i·OW + j] = Xp[c, i·SH + p, j·SW + q]   (one sample; 0 on padding)
template <typename T>
BP_KEEP_LOOPS void im2col(T* col, const T* x, const ConvGeom& g) {
  const int P = g.OH * g.OW;
  for (int c = 0; c < g.C; ++c)
    for (int p = 0; p < g.KH; ++p)
      for (int q = 0; q < g.KW; ++q) {
        T* row = col + (size_t)((c * g.KH + p) * g.KW + q) * P;
        int j0, j1;
        valid_cols(g, q, j0, j1);
        for (int i = 0; i < g.OH; ++i, row += g.OW) {
          int y = i * g.SH + p - g.PH;
          if (y < 0 || y >= g.H) {
            for (int j = 0; j < g.OW; ++j) row[j] = 0;
            continue;
          }
          const T* xr = x + (size_t)(c * g.H + y) * g.W;
          int x0 = q - g.PW;
          // Plain loops: rows are short (OW ~ 10..30) and memcpy/memset are calls in WASM.
          for (int j = 0; j < j0; ++j) row[j] = 0;
          if (g.SW == 1)
            for (int j = j0; j < j1; ++j) row[j] = xr[j + x0];
          else
            for (int j = j0; j < j1; ++j) row[j] = xr[j * g.SW + x0];
          for (int j = j1; j < g.OW; ++j) row[j] = 0;
        }
      }
}

// The adjoint of im2col: every col entry is added back to the X position it was read from.
template <typename T>
BP_KEEP_LOOPS void col2im_add(T* x, const T* col, const ConvGeom& g) {
  const int P = g.OH * g.OW;
  for (int c = 0; c < g.C; ++c)
    for (int p = 0; p < g.KH; ++p)
      for (int q = 0; q < g.KW; ++q) {
        const T* row = col + (size_t)((c * g.KH + p) * g.KW + q) * P;
        int j0, j1;
        valid_cols(g, q, j0, j1);
        for (int i = 0; i < g.OH; ++i, row += g.OW) {
          int y = i * g.SH + p - g.PH;
          if (y < 0 || y >= g.H) continue;
          T* xr = x + (size_t)(c * g.H + y) * g.W;
          int x0 = q - g.PW;
          if (g.SW == 1)
            for (int j = j0; j < j1; ++j) xr[j + x0] += row[j];
          else
            for (int j = j0; j < j1; ++j) xr[j * g.SW + x0] += row[j];
        }
      }
}

// Σ v[0..n) in four interleaved partial sums: independent chains the compiler can keep in
// one SIMD register (a single running sum would wait on each add's latency).
template <typename T>
T sum(const T* v, int n) {
  T s[4] = {0, 0, 0, 0};
  int i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l) s[l] += v[i + l];
  for (; i < n; ++i) s[0] += v[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// A 1×1, stride-1, unpadded conv reads X itself as its column matrix.
inline bool col_is_input(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0;
}

// The batch's column matrices, [N][C·KH·KW][OH·OW]: forward fills them, backward reads
// them again when it gets the same input (Sequential always calls backward right after the
// forward of the same batch), else rebuilds them.
template <typename T>
T* col_buffer(std::vector<T>& v, size_t need) {
  if (v.size() < need) v.resize(need);
  return v.data();
}

}  // namespace

template <typename T>
void conv2d_forward_fast(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g, ConvWorkspace<T>& ws,
                         bool keep_cols) {
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW;
  const size_t in_n = (size_t)g.C * g.H * g.W, out_n = (size_t)g.OC * P, col_n = (size_t)KK * P;
  const bool direct = col_is_input(g);
  // Not kept: one sample's columns, reused (stays in cache), and backward rebuilds them.
  T* col = direct ? nullptr : col_buffer(ws.col, col_n * (keep_cols ? g.N : 1));
  for (int n = 0; n < g.N; ++n) {
    const T* x = inp + n * in_n;
    T* y = out + n * out_n;
    const T* cm = x;
    if (!direct) {
      cm = col + (keep_cols ? n * col_n : 0);
      im2col((T*)cm, x, g);
    }
    for (int o = 0; o < g.OC; ++o)
      for (int i = 0; i < P; ++i) y[(size_t)o * P + i] = bias[o];
    gemm(g.OC, P, KK, weight, KK, false, cm, P, false, y, P, true, ws.gemm);  // Y += W · col
  }
  ws.col_input = keep_cols ? inp : nullptr;
  ws.col_batch = g.N;
}

template <typename T>
void conv2d_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, const ConvGeom& g,
                          ConvWorkspace<T>& ws) {
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW;
  const size_t in_n = (size_t)g.C * g.H * g.W, out_n = (size_t)g.OC * P, col_n = (size_t)KK * P;
  const bool direct = col_is_input(g);
  const bool have_col = !direct && ws.col_input == inp && ws.col_batch == g.N;
  T* col = direct ? nullptr : col_buffer(ws.col, col_n * g.N);
  T* dcol = direct || !dinp ? nullptr : col_buffer(ws.dcol, col_n);
  for (int n = 0; n < g.N; ++n) {
    const T* x = inp + n * in_n;
    const T* d = dout + n * out_n;
    T* dx = dinp ? dinp + n * in_n : nullptr;
    for (int o = 0; o < g.OC; ++o) dbias[o] += sum(d + (size_t)o * P, P);  // db += Σ δ
    const T* cm = x;
    if (!direct) {
      if (!have_col) im2col(col + n * col_n, x, g);
      cm = col + n * col_n;
    }
    gemm(g.OC, KK, P, d, P, false, cm, P, true, dweight, KK, true, ws.gemm);  // dW += δ · colᵀ
    if (!dinp) continue;  // param grads only (layer.h)
    if (direct) {
      gemm(KK, P, g.OC, weight, KK, true, d, P, false, dx, P, false, ws.gemm);  // dX = Wᵀ · δ
    } else {
      gemm(KK, P, g.OC, weight, KK, true, d, P, false, dcol, P, false, ws.gemm);  // dcol = Wᵀ · δ
      for (size_t i = 0; i < in_n; ++i) dx[i] = 0;
      col2im_add(dx, dcol, g);
    }
  }
  if (!direct) ws.col_input = inp, ws.col_batch = g.N;
}

template <typename T>
void dense_forward_fast(T* out, const T* inp, const T* weight, const T* bias, int N, int IN, int OUT, GemmWorkspace<T>& ws) {
  for (int n = 0; n < N; ++n) std::copy(bias, bias + OUT, out + (size_t)n * OUT);
  gemm(N, OUT, IN, inp, IN, false, weight, IN, true, out, OUT, true, ws);  // Y += X · Wᵀ
}

template <typename T>
void dense_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, int N, int IN, int OUT,
                         GemmWorkspace<T>& ws) {
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < OUT; ++o) dbias[o] += dout[(size_t)n * OUT + o];
  gemm(OUT, IN, N, dout, OUT, true, inp, IN, false, dweight, IN, true, ws);  // dW += δᵀ · X
  if (dinp) gemm(N, IN, OUT, dout, OUT, false, weight, IN, false, dinp, IN, false, ws);  // dX = δ · W
}

#define BP_INSTANTIATE(T)                                                                                          \
  template void conv2d_forward_fast<T>(T*, const T*, const T*, const T*, const ConvGeom&, ConvWorkspace<T>&, bool); \
  template void conv2d_backward_fast<T>(T*, T*, T*, const T*, const T*, const T*, const ConvGeom&, ConvWorkspace<T>&); \
  template void dense_forward_fast<T>(T*, const T*, const T*, const T*, int, int, int, GemmWorkspace<T>&);         \
  template void dense_backward_fast<T>(T*, T*, T*, const T*, const T*, const T*, int, int, int, GemmWorkspace<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp

// conv.cpp: conv2d by GEMM (see kernels.h; the math is in layers/conv2d.h): at stride 1 an implicit GEMM that reads shifted rows of the padded input
// in place (no im2col; the float forward as output tiles of the same sums), at larger strides
// (and stride-1 convs with C·KH·KW < OC) im2col + GEMM.
#include <algorithm>
#include <type_traits>

#include "geometry.h"
#include "kernels.h"
#include "simd.h"

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
// Glue (loops over planes and rows that call the row helpers and the GEMM) compiled for
// size under clang: the time is in the GEMM and the row helpers (-O3), and the module has a
// size budget (tests/js/size.test.js).
#if defined(__clang__)
#define BP_SMALL __attribute__((minsize))
#else
#define BP_SMALL
#endif

// Row helpers, out of line: the loops below are a few of them per row, and the compiler's
// vectorised copy of every such loop would add kilobytes of WASM for rows of 10..40 values.
// Plain loops, not memcpy/memset: those are calls into a generic byte loop in WASM.
template <typename T>
__attribute__((noinline)) BP_KEEP_LOOPS void set_row(T* d, int n, T v) {
  for (int j = 0; j < n; ++j) d[j] = v;
}
template <typename T>
__attribute__((noinline)) BP_KEEP_LOOPS void copy_row(T* d, const T* s, int n) {
  for (int j = 0; j < n; ++j) d[j] = s[j];
}
template <typename T>
__attribute__((noinline)) BP_KEEP_LOOPS void add_row(T* d, const T* s, int n, T a) {  // d = s + a
  for (int j = 0; j < n; ++j) d[j] = s[j] + a;
}

// col[(c·KH + p)·KW + q, i·OW + j] = Xp[c, i·SH + p, j·SW + q]   (one sample; 0 on padding)
template <typename T>
BP_SMALL BP_KEEP_LOOPS void im2col(T* col, const T* x, const ConvGeom& g) {
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
            set_row(row, g.OW, T(0));
            continue;
          }
          const T* xr = x + (size_t)(c * g.H + y) * g.W;
          int x0 = q - g.PW;
          set_row(row, j0, T(0));
          if (g.SW == 1)
            copy_row(row + j0, xr + j0 + x0, j1 - j0);
          else
            for (int j = j0; j < j1; ++j) row[j] = xr[j * g.SW + x0];
          set_row(row + j1, g.OW - j1, T(0));
        }
      }
}

// The adjoint of im2col: every col entry is added back to the X position it was read from.
template <typename T>
BP_SMALL BP_KEEP_LOOPS void col2im_add(T* x, const T* col, const ConvGeom& g) {
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
__attribute__((noinline)) T sum(const T* v, int n) {
  T s[4] = {0, 0, 0, 0};
  int i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l) s[l] += v[i + l];
  for (; i < n; ++i) s[0] += v[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}


// One sample's dX = col2im(Wᵀ · δ), through its column-matrix gradient dcol.
template <typename T>
BP_SMALL void dx_by_col2im(T* dx, T* dcol, const T* weight, const T* d, const ConvGeom& g, GemmWorkspace<T>& gws) {
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW;
  gemm(KK, P, g.OC, weight, KK, true, d, P, false, dcol, P, false, gws);  // dcol = Wᵀ · δ
  set_row(dx, g.C * g.H * g.W, T(0));
  col2im_add(dx, dcol, g);
}

// dW[o,k] += Σ_t δ[o,t] · B[off[k] + t], both operands contiguous along t. The packed GEMM
// copies B (K·N values) to reuse each copy M/MR times; with few output channels or few taps
// that copy is most of the work (WASM, mnist-cnn's conv1 dW, 8 channels × 25 taps: 13 GFLOP/s
// packed, 38 as dot products), so those take gemm_dot. (medium's conv2, 64 × 288: 39 packed,
// 28 as dot products.)
// float only (gemm.h); float64, for gradient checks, keeps the packed path.
template <typename T>
void dw_gemm(int OC, int KK, int NP, const T* d, int ldd, const T* b, const std::ptrdiff_t* off, T* dweight,
             GemmWorkspace<T>& gws) {
  if constexpr (std::is_same_v<T, float>)
    if (OC <= 16 || KK < 32) return gemm_dot(OC, KK, NP, d, ldd, b, off, dweight, KK, true);  // ≤ 4 reuses, or < 4 tiles
  gemm_offsets(OC, KK, NP, d, ldd, false, b, off, true, dweight, KK, true, gws);
}

// ---- stride 1: implicit GEMM on the padded-width grid (no im2col) ----
//
// With stride 1, row (c,p,q) of the im2col matrix is the padded input Xp [C, Hp, Wp] itself,
// shifted: col[(c,p,q), i·OW + j] = Xp_flat[c·Hp·Wp + p·Wp + q + i·Wp + j]. So the GEMM reads
// B rows in place at those offsets (gemm_offsets), producing outputs on the padded-width
// grid t = i·Wp + j, i < OH, j < Wp, of which the columns j ≥ OW are discarded; the grid stops
// at its last valid output, t < NP = (OH − 1)·Wp + OW.
// Each row of Xp is PW zeros and the W values of X's row: a row's right padding is the next
// row's left padding (reads past a row's end, at most PW, land in the next row's leading
// zeros), so Wp = W + PW, not W + 2·PW, and the grid wastes PW columns a row instead of 2·PW
// (mnist-cnn's conv2: 222 grid columns for 196 outputs instead of 248). Wp ≥ OW as well, for
// padding ≥ kernel; PW more zeros after the last row, read by its right edge, and kTail more,
// so the float64 forward GEMM may run the grid on to a whole number of 8-column tiles (a ragged
// last tile goes through the packed path), and the float forward's ragged output tiles may read
// past the last row (conv_tiles, below: it computes Y from Xp without the grid).
//   forward   Y'[o,t]   = Σ_k W[o,k] · Xp_flat[off(k) + t]              k = (c,p,q)
//   dW        dW[o,k]  += Σ_t δ'[o,t] · Xp_flat[off(k) + t]             δ' = δ on the grid, 0 at j ≥ OW
//   dX        dX'[c,u]  = Σ_(o,p,q) W[o,c,p,q] · δ''_flat[o·Hq·Wq + (KH−1−p)·Wq + (KW−1−q) + u]
//             on the grid u = y·Wq + x (y < H, x < Wq, kept x < W), where δ'' [OC, Hq, Wq],
//             Hq = H + KH − 1, Wq = W + KW − 1, is δ shifted by (KH−1−PH, KW−1−PW) and zero
//             elsewhere: the full correlation with the rotated kernel, already cropped by P.
//   (dX: δ[o, y+PH−p, x+PW−q] = δ''[o, y + KH−1−p, x + KW−1−q].)
struct Grid1 {
  int Hp, Wp, NP;  // padded input; forward/dW grid length
  int Hq, Wq, NQ;  // δ''; dX grid length
  int TP, LP;      // where δ[0,0] sits in δ'' (may be < 0 if P ≥ K: those δ rows reach no X)
};

inline Grid1 grid1(const ConvGeom& g) {
  Grid1 r;
  r.Hp = g.H + 2 * g.PH, r.Wp = std::max(g.W + g.PW, g.OW), r.NP = (g.OH - 1) * r.Wp + g.OW;
  r.Hq = g.H + g.KH - 1, r.Wq = g.W + g.KW - 1, r.NQ = (g.H - 1) * r.Wq + g.W;
  r.TP = g.KH - 1 - g.PH, r.LP = g.KW - 1 - g.PW;
  return r;
}

// Xp[c, y, x] = X[c, y − PH, x − PW] for x < PW + W, 0 elsewhere, then PW + kTail zeros:
// every element of xp_len(g, r) written.
constexpr int kTail = 8;
inline size_t xp_len(const ConvGeom& g, const Grid1& r) { return (size_t)g.C * r.Hp * r.Wp + g.PW + kTail; }
template <typename T>
BP_SMALL void pad_input(T* xp, const T* x, const ConvGeom& g, const Grid1& r) {
  for (int c = 0; c < g.C; ++c)
    for (int y = 0; y < r.Hp; ++y, xp += r.Wp) {
      int yy = y - g.PH;
      if (yy < 0 || yy >= g.H) {
        set_row(xp, r.Wp, T(0));
        continue;
      }
      set_row(xp, g.PW, T(0));
      copy_row(xp + g.PW, x + (size_t)(c * g.H + yy) * g.W, g.W);
      set_row(xp + g.PW + g.W, r.Wp - g.PW - g.W, T(0));
    }
  set_row(xp, g.PW + kTail, T(0));
}

// Sample n's input x as a forward reads it: x itself when there is no xp, else its copy Xp in
// slot n of xp (kept for backward) or in slot 0 (one sample's, reused).
template <typename T>
const T* staged_input(const T* x, T* xp, size_t xp_n, int n, bool kept, const ConvGeom& g, const Grid1& r) {
  if (!xp) return x;
  T* dst = xp + (kept ? n * xp_n : 0);
  pad_input(dst, x, g, r);
  return dst;
}

// δ'' [OC, Hq, Wq]: δ[o, a − TP, b − LP] where that lies inside δ, else 0.
template <typename T>
BP_SMALL void pad_delta(T* dq, const T* d, const ConvGeom& g, const Grid1& r) {
  const int j0 = std::max(0, -r.LP), j1 = std::min(g.OW, r.Wq - r.LP);  // δ columns that land in δ''
  for (int o = 0; o < g.OC; ++o)
    for (int a = 0; a < r.Hq; ++a, dq += r.Wq) {
      int i = a - r.TP;
      if (i < 0 || i >= g.OH || j0 >= j1) {
        set_row(dq, r.Wq, T(0));
        continue;
      }
      int b0 = j0 + r.LP, b1 = j1 + r.LP;
      set_row(dq, b0, T(0));
      copy_row(dq + b0, d + (size_t)(o * g.OH + i) * g.OW + j0, j1 - j0);
      set_row(dq + b1, r.Wq - b1, T(0));
    }
}

// rows × cols values spread onto a grid of width ld (dst[i·ld + j] = src[i·cols + j]), the
// columns j ≥ cols zeroed; `planes` planes of `len` values (a grid stops at its last row's
// valid columns).
template <typename T>
BP_SMALL void to_grid(T* dst, const T* src, int planes, int rows, int cols, int ld, int len) {
  for (int o = 0; o < planes; ++o, dst += len)
    for (int i = 0; i < rows; ++i, src += cols) {
      copy_row(dst + (size_t)i * ld, src, cols);
      if (i + 1 < rows) set_row(dst + (size_t)i * ld + cols, ld - cols, T(0));
    }
}

// The inverse: the valid columns of a grid back to rows × cols (planes `dplane` apart), plus
// add[o] on plane o.
template <typename T>
BP_SMALL void from_grid(T* dst, const T* src, int planes, int rows, int cols, size_t dplane, int ld, int len, const T* add) {
  for (int o = 0; o < planes; ++o, src += len)
    for (int i = 0; i < rows; ++i) {
      T* d = dst + o * dplane + (size_t)i * cols;
      if (add) add_row(d, src + (size_t)i * ld, cols, add[o]);
      else copy_row(d, src + (size_t)i * ld, cols);
    }
}

// off[(c·KH + p)·KW + q] = c·plane + base(p, q): the im2col rows as shifts of one buffer.
BP_SMALL inline void tap_offsets(std::vector<std::ptrdiff_t>& off, int C, int KH, int KW, std::ptrdiff_t plane, int ld, bool rotate) {
  off.resize((size_t)C * KH * KW);
  for (int c = 0; c < C; ++c)
    for (int p = 0; p < KH; ++p)
      for (int q = 0; q < KW; ++q)
        off[((size_t)c * KH + p) * KW + q] = c * plane + (std::ptrdiff_t)(rotate ? KH - 1 - p : p) * ld + (rotate ? KW - 1 - q : q);
}

template <typename T>
BP_SMALL void forward_stride1(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g, ConvWorkspace<T>& ws, bool keep,
                              int rows) {
  Grid1 r = grid1(g);
  r.NP = (rows - 1) * r.Wp + g.OW;  // the grid up to the last output row asked for
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW, PR = rows * g.OW;
  const size_t in_n = (size_t)g.C * g.H * g.W, xp_n = xp_len(g, r), out_n = (size_t)g.OC * P;
  const bool padded = g.PH > 0 || g.PW > 0;
  const bool on_grid = r.Wp != g.OW;  // KW > 1: Y goes through the grid; else the grid is Y
  T* xp = padded ? grow(ws.col, xp_n * (keep ? g.N : 1)) : nullptr;
  const int NG = padded ? (r.NP + kTail - 1) / kTail * kTail : r.NP;  // grid columns computed (kTail above)
  T* grid = on_grid ? grow(ws.grid, (size_t)g.OC * NG) : nullptr;
  tap_offsets(ws.off, g.C, g.KH, g.KW, (std::ptrdiff_t)r.Hp * r.Wp, r.Wp, false);
  for (int n = 0; n < g.N; ++n) {
    const T* x = staged_input(inp + n * in_n, xp, xp_n, n, keep, g, r);
    T* y = out + n * out_n;
    if (on_grid) {
      gemm_offsets(g.OC, NG, KK, weight, KK, false, x, ws.off.data(), false, grid, NG, false, ws.gemm);
      from_grid(y, grid, g.OC, rows, g.OW, P, r.Wp, NG, bias);  // Y = Y' (valid columns) + b
    } else {
      for (int o = 0; o < g.OC; ++o) set_row(y + (size_t)o * P, PR, bias[o]);
      gemm_offsets(g.OC, PR, KK, weight, KK, false, x, ws.off.data(), false, y, P, true, ws.gemm);
    }
  }
  ws.col_input = keep && padded ? inp : nullptr;
  ws.col_batch = g.N;
}

// ---- stride 1, float: output tiles read straight from the padded input ----
//
//   Y[o, i, j + r] = b[o] + Σ_k W[o,k] · Xp_flat[off(k) + i·Wp + j + r]          k = (c,p,q)
//
// The forward above with the operands' roles swapped: a tile is R consecutive outputs of one
// row × CB = 4·NV channels. Per tap k, NV vector loads of Wᵀ's row k (packed [block][k][CB],
// zero past OC) and R broadcast input values feed R·NV vector multiply-adds: at 4 × 8, as many
// loads per multiply as the GEMM's micro-kernel. But the tiles run along Y's rows, so no
// padding column of the grid is computed and Y needs no copy out of a grid (and inference may
// stop at any row and column: mnist-cnn's conv2 computes 12 × 12 of its 14 × 14 outputs, for
// the 3×3 pool after it, where the grid computed 192 columns). A 4×4 transpose (shuffles)
// turns the channel lanes into position lanes for the stores; a tile that runs past `cols`
// computes its R outputs (reading at most R − 1 values past its row: into the next row or the
// padded copy's tail) and stores those inside.
template <int R, int NV>
__attribute__((noinline)) void conv_tiles(float* y, const float* xp, const std::ptrdiff_t* off, const float* wt, const float* bias,
                                          int OC, int KK, int Wp, int OH, int OW, int rows, int cols) {
  constexpr int CB = 4 * NV;
  const size_t P = (size_t)OH * OW;
  for (int cb = 0; cb < OC; cb += CB, wt += (size_t)KK * CB) {
    const int nc = std::min(CB, OC - cb);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; j += R) {
        const float* xb = xp + (size_t)i * Wp + j;
        V<float> acc[R][NV];
        for (int r = 0; r < R; ++r)
          for (int v = 0; v < NV; ++v) acc[r][v] = V<float>{};
        const float* w = wt;
        for (int k = 0; k < KK; ++k, w += CB) {
          const float* xk = xb + off[k];
          V<float> wv[NV];
          for (int v = 0; v < NV; ++v) wv[v] = vload(w + 4 * v);
          for (int r = 0; r < R; ++r) {
            V<float> s = vsplat(xk[r]);
            for (int v = 0; v < NV; ++v) acc[r][v] += s * wv[v];
          }
        }
        const int nr = std::min(R, cols - j);
        float* yt = y + cb * P + (size_t)i * OW + j;
        // Unrolled, so every index into acc is a constant and acc stays in registers (else it is
        // an array on the stack, zeroed by a memset call per tile: 6% of mnist-cnn's inference).
#pragma GCC unroll 4
        for (int r0 = 0; r0 < R; r0 += 4)
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) {
            // rows r0..r0+3 (positions) of lanes (channels 4v..4v+3) -> per channel, its 4 positions
            const V<float>&a0 = acc[r0][v], &a1 = acc[r0 + 1][v], &a2 = acc[r0 + 2][v], &a3 = acc[r0 + 3][v];
            V<float> t0 = __builtin_shufflevector(a0, a1, 0, 4, 1, 5), t1 = __builtin_shufflevector(a0, a1, 2, 6, 3, 7);
            V<float> t2 = __builtin_shufflevector(a2, a3, 0, 4, 1, 5), t3 = __builtin_shufflevector(a2, a3, 2, 6, 3, 7);
            V<float> c[4] = {__builtin_shufflevector(t0, t2, 0, 1, 4, 5), __builtin_shufflevector(t0, t2, 2, 3, 6, 7),
                             __builtin_shufflevector(t1, t3, 0, 1, 4, 5), __builtin_shufflevector(t1, t3, 2, 3, 6, 7)};
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l) {
              const int o = 4 * v + l;
              if (o >= nc) break;
              V<float> out = c[l] + vsplat(bias[cb + o]);
              float* d = yt + o * P + r0;
              if (r0 + 4 <= nr) vstore(d, out);
              else
                for (int q = 0; r0 + q < nr; ++q) d[q] = out[q];
            }
          }
      }
  }
}

// The float forward at stride 1 (implicit_gemm): the padded input as the grid's, then tiles.
// rows, cols: the leading rows and columns of each output plane computed (the rest left as it was).
BP_SMALL void forward_tiles(float* out, const float* inp, const float* weight, const float* bias, const ConvGeom& g,
                            ConvWorkspace<float>& ws, bool keep, int rows, int cols) {
  const Grid1 r = grid1(g);
  const int KK = g.C * g.KH * g.KW;
  const bool narrow = g.OC <= 4;  // tiles of 8 outputs × 4 channels, else 4 × 8
  const int R = narrow ? 8 : 4, CB = narrow ? 4 : 8, NB = (g.OC + CB - 1) / CB;
  const bool padded = g.PH > 0 || g.PW > 0;
  const bool copy = padded || cols % R != 0;  // a ragged tile reads past its row: only into a copy's tail
  const bool kept = keep && padded;           // backward reads these (an unpadded input: X itself)
  const size_t in_n = (size_t)g.C * g.H * g.W, xp_n = xp_len(g, r), out_n = (size_t)g.OC * g.OH * g.OW;
  float* xp = copy ? grow(ws.col, xp_n * (kept ? g.N : 1)) : nullptr;
  float* wt = grow(ws.wtile, (size_t)NB * KK * CB);  // wt[b][k][l] = W[b·CB + l, k]
  for (int b = 0; b < NB; ++b)
    for (int k = 0; k < KK; ++k)
      for (int l = 0; l < CB; ++l) {
        const int o = b * CB + l;
        wt[((size_t)b * KK + k) * CB + l] = o < g.OC ? weight[(size_t)o * KK + k] : 0.f;
      }
  tap_offsets(ws.off, g.C, g.KH, g.KW, (std::ptrdiff_t)r.Hp * r.Wp, r.Wp, false);
  for (int n = 0; n < g.N; ++n) {
    const float* x = staged_input(inp + n * in_n, xp, xp_n, n, kept, g, r);
    float* y = out + n * out_n;
    if (narrow) conv_tiles<8, 1>(y, x, ws.off.data(), wt, bias, g.OC, KK, r.Wp, g.OH, g.OW, rows, cols);
    else conv_tiles<4, 2>(y, x, ws.off.data(), wt, bias, g.OC, KK, r.Wp, g.OH, g.OW, rows, cols);
  }
  ws.col_input = kept ? inp : nullptr;
  ws.col_batch = g.N;
}

template <typename T>
BP_SMALL void backward_stride1(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, const ConvGeom& g,
                      ConvWorkspace<T>& ws) {
  const Grid1 r = grid1(g);
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW, KO = g.OC * g.KH * g.KW;
  const size_t in_n = (size_t)g.C * g.H * g.W, xp_n = xp_len(g, r), out_n = (size_t)g.OC * P;
  const bool padded = g.PH > 0 || g.PW > 0;
  const bool have_xp = padded && ws.col_input == inp && ws.col_batch == g.N;
  T* xp = padded ? grow(ws.col, xp_n * g.N) : nullptr;
  tap_offsets(ws.off, g.C, g.KH, g.KW, (std::ptrdiff_t)r.Hp * r.Wp, r.Wp, false);
  // dX: δ'' (unless δ is δ'' already: K = 1, P = 0), W regrouped as [C][OC·KH·KW] rows, the
  // rotated tap offsets into δ'', and the dX grid (unless it is dX: KW = 1). With fewer
  // channels than the micro-kernel's MR rows (C = 1: a net's grey-scale input) that GEMM
  // would compute mostly padding rows: dcol = Wᵀ·δ and col2im then, as at stride > 1.
  const bool by_col = dinp && g.C < kGemmMR, implicit = dinp && !by_col;
  T* dcol = by_col ? grow(ws.dcol, (size_t)KK * P) : nullptr;
  const bool pad_d = implicit && (r.TP != 0 || r.LP != 0);
  const bool dx_on_grid = implicit && r.Wq != g.W;
  T* dq = pad_d ? grow(ws.dpad, (size_t)g.OC * r.Hq * r.Wq) : nullptr;
  T* dxg = dx_on_grid ? grow(ws.grid, (size_t)g.C * r.NQ) : nullptr;
  if (implicit) {
    T* wr = grow(ws.wrot, (size_t)g.C * KO);
    const int KS = g.KH * g.KW;
    for (int o = 0; o < g.OC; ++o)
      for (int c = 0; c < g.C; ++c) copy_row(wr + (size_t)c * KO + o * KS, weight + ((size_t)o * g.C + c) * KS, KS);
    tap_offsets(ws.doff, g.OC, g.KH, g.KW, (std::ptrdiff_t)r.Hq * r.Wq, r.Wq, true);
  }
  // δ' for dW: δ itself when the grid is Y (KW = 1); a window of δ'' when δ'' has the grid's
  // width and holds δ's rows (KW = 2·PW + 1 and PH < KH: "same" convs); else its own buffer.
  const bool d_is_grid = r.Wp == g.OW;
  const bool d_in_dq = !d_is_grid && pad_d && r.Wq == r.Wp && r.TP >= 0 && r.LP >= 0 && g.OH + r.TP <= r.Hq;
  T* dg = !d_is_grid && !d_in_dq ? grow(ws.dgrid, (size_t)g.OC * r.NP) : nullptr;
  for (int n = 0; n < g.N; ++n) {
    const T* x = inp + n * in_n;
    const T* d = dout + n * out_n;
    for (int o = 0; o < g.OC; ++o) dbias[o] += sum(d + (size_t)o * P, P);  // db += Σ δ
    if (padded) {
      if (!have_xp) pad_input(xp + n * xp_n, x, g, r);
      x = xp + n * xp_n;
    }
    if (pad_d) pad_delta(dq, d, g, r);
    const T* dgrid = d;
    int ld = r.NP;
    if (d_in_dq) {
      dgrid = dq + (std::ptrdiff_t)r.TP * r.Wq + r.LP, ld = r.Hq * r.Wq;
    } else if (!d_is_grid) {
      to_grid(dg, d, g.OC, g.OH, g.OW, r.Wp, r.NP);
      dgrid = dg;
    }
    dw_gemm(g.OC, KK, r.NP, dgrid, ld, x, ws.off.data(), dweight, ws.gemm);  // dW += δ'·Xsᵀ
    if (!dinp) continue;  // param grads only (layer.h)
    T* dx = dinp + n * in_n;
    if (by_col) {
      dx_by_col2im(dx, dcol, weight, d, g, ws.gemm);
      continue;
    }
    gemm_offsets(g.C, r.NQ, KO, ws.wrot.data(), KO, false, pad_d ? dq : d, ws.doff.data(), false, dx_on_grid ? dxg : dx,
                 r.NQ, false, ws.gemm);
    if (dx_on_grid) from_grid(dx, dxg, g.C, g.H, g.W, (size_t)g.H * g.W, r.Wq, r.NQ, (const T*)nullptr);
  }
  if (padded) ws.col_input = inp, ws.col_batch = g.N;
}

// Which path a conv takes (forward and backward must agree: ws.col holds im2col matrices on
// one, padded inputs on the other). The implicit GEMM trades im2col's copy of C·KH·KW
// values per output position for a copy of OC values per grid position (Y out of the grid,
// δ onto it, when KW > 1): worth it when C·KH·KW ≥ OC. (WASM, the medium net's first conv,
// 1 → 32 channels 3×3: 15% slower on the grid.)
inline bool implicit_gemm(const ConvGeom& g) {
  return g.SH == 1 && g.SW == 1 && (g.KW == 1 || g.C * g.KH * g.KW >= g.OC);
}

}  // namespace

template <typename T>
BP_SMALL void conv2d_forward_fast(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g, ConvWorkspace<T>& ws,
                         bool keep_cols, int rows, int cols) {
  if (implicit_gemm(g)) {
    rows = rows > 0 && rows < g.OH && !keep_cols ? rows : g.OH;
    cols = cols > 0 && cols < g.OW && !keep_cols ? cols : g.OW;
    if constexpr (std::is_same_v<T, float>) return forward_tiles(out, inp, weight, bias, g, ws, keep_cols, rows, cols);
    else return forward_stride1(out, inp, weight, bias, g, ws, keep_cols, rows);  // float64: on the grid, all columns
  }
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW, KB = KK + 1;
  const size_t in_n = (size_t)g.C * g.H * g.W, out_n = (size_t)g.OC * P, col_n = (size_t)KB * P;
  // Y = [W | b] · [col; 1]: the bias is one more column of W, against a row of ones under each
  // sample's columns, so the GEMM writes Y once. A bias pre-fill would be read back by the GEMM,
  // and where this path runs (few taps, many channels: medium's 1 → 32 conv1, 9 taps per output
  // of 32 planes of 784) Y is the traffic that counts.
  T* wb = grow(ws.wbias, (size_t)g.OC * KB);
  for (int o = 0; o < g.OC; ++o) {
    copy_row(wb + (size_t)o * KB, weight + (size_t)o * KK, KK);
    wb[(size_t)o * KB + KK] = bias[o];
  }
  // Not kept: one sample's columns, reused (stays in cache), and backward rebuilds them.
  T* col = grow(ws.col, col_n * (keep_cols ? g.N : 1));
  for (int n = 0; n < g.N; ++n) {
    T* y = out + n * out_n;
    T* cm = col + (keep_cols ? n * col_n : 0);
    im2col(cm, inp + n * in_n, g);
    set_row(cm + (size_t)KK * P, P, T(1));
    gemm(g.OC, P, KB, wb, KB, false, cm, P, false, y, P, false, ws.gemm);  // Y = [W | b] · [col; 1]
  }
  ws.col_input = keep_cols ? inp : nullptr;
  ws.col_batch = g.N;
}

template <typename T>
BP_SMALL void conv2d_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, const ConvGeom& g,
                          ConvWorkspace<T>& ws) {
  if (implicit_gemm(g)) return backward_stride1(dinp, dweight, dbias, dout, inp, weight, g, ws);
  const int P = g.OH * g.OW, KK = g.C * g.KH * g.KW;
  // forward's columns per sample: KK rows of col(X), then its row of ones (unused here)
  const size_t in_n = (size_t)g.C * g.H * g.W, out_n = (size_t)g.OC * P, col_n = (size_t)(KK + 1) * P;
  const bool have_col = ws.col_input == inp && ws.col_batch == g.N;
  T* col = grow(ws.col, col_n * g.N);
  T* dcol = dinp ? grow(ws.dcol, (size_t)KK * P) : nullptr;
  const std::ptrdiff_t* col_rows = strided(ws.off, KK, P);
  for (int n = 0; n < g.N; ++n) {
    const T* d = dout + n * out_n;
    for (int o = 0; o < g.OC; ++o) dbias[o] += sum(d + (size_t)o * P, P);  // db += Σ δ
    T* cm = col + n * col_n;
    if (!have_col) im2col(cm, inp + n * in_n, g);
    dw_gemm(g.OC, KK, P, d, P, cm, col_rows, dweight, ws.gemm);  // dW += δ · colᵀ
    if (!dinp) continue;  // param grads only (layer.h)
    dx_by_col2im(dinp + n * in_n, dcol, weight, d, g, ws.gemm);
  }
  ws.col_input = inp, ws.col_batch = g.N;
}

#define BP_INSTANTIATE(T)                                                                                          \
  template void conv2d_forward_fast<T>(T*, const T*, const T*, const T*, const ConvGeom&, ConvWorkspace<T>&, bool, int, int); \
  template void conv2d_backward_fast<T>(T*, T*, T*, const T*, const T*, const T*, const ConvGeom&, ConvWorkspace<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp

// winograd.cpp: F(2×2, 3×3) conv2d forward (the math is in winograd.h).
#include "winograd.h"

#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "simd.h"

namespace bp {
namespace {

// The copy and filter loops stay plain loops in WASM: vectorised and unrolled by Clang they
// cost ~10 KB of module for no measurable speed (the transforms and GEMMs dominate).
#if defined(__clang__)
#define BP_PLAIN_LOOP _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)")
#else
#define BP_PLAIN_LOOP
#endif

// Budget for one chunk's V and M together, about a core's L2. Each chunk runs 16 GEMMs, and each
// GEMM packs its U[ξ] again, so chunks too small pay that packing often: at 512 KB medium's conv2
// ran 8 tile rows (56 tiles) per GEMM, and 1 MB made medium's inference 4–7% faster, its training
// 2–4% (in-process A/B); 2 MB was 1–4% slower than 1 MB.
constexpr size_t kChunkBytes = 1024 * 1024;

// U = G g Gᵀ for one 3×3 filter g; u[ξ·stride] for ξ = 4·row + col.
template <typename T>
void filter_transform(T* u, size_t stride, const T* g) {
  T t[4][3];  // G g
  for (int q = 0; q < 3; ++q) {
    T g0 = g[q], g1 = g[3 + q], g2 = g[6 + q];
    t[0][q] = g0;
    t[1][q] = T(0.5) * (g0 + g1 + g2);
    t[2][q] = T(0.5) * (g0 - g1 + g2);
    t[3][q] = g2;
  }
  for (int i = 0; i < 4; ++i) {  // (G g) Gᵀ
    T a = t[i][0], b = t[i][1], c = t[i][2];
    u[(4 * i + 0) * stride] = a;
    u[(4 * i + 1) * stride] = T(0.5) * (a + b + c);
    u[(4 * i + 2) * stride] = T(0.5) * (a - b + c);
    u[(4 * i + 3) * stride] = c;
  }
}

// The transforms run over the tiles of one tile row, VL at a time in 16-byte vectors (f32x4 /
// f64x2, GCC/Clang vector extensions as in gemm.cpp: SIMD128 under Emscripten, SSE
// natively; simd.h). A tile row is at least VL tiles wide (narrower images
// get tiles of padding that are transformed, multiplied and never written out), and its last
// vector overlaps the one before (it recomputes and rewrites the same values) instead of a
// scalar tail: one code path, whatever the width.
// V = Bᵀ d B for tiles j.. of one tile row. Row k of the 4 Xp rows is stored split into its
// even columns e[k] and odd columns o[k] (X = TW + 1 each), so tile j's columns 2j..2j+3 are
// e[k][j], o[k][j], e[k][j+1], o[k][j+1]: unit-stride in j. Writes v[ξ·stride + j].
template <typename T>
inline void input_tiles(T* v, size_t stride, const T* const e[4], const T* const o[4], int j) {
  V<T> a[4][4];  // d B: per row k, (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
  for (int k = 0; k < 4; ++k) {
    V<T> d0 = vload(e[k] + j), d1 = vload(o[k] + j), d2 = vload(e[k] + j + 1), d3 = vload(o[k] + j + 1);
    a[k][0] = d0 - d2;
    a[k][1] = d1 + d2;
    a[k][2] = d2 - d1;
    a[k][3] = d1 - d3;
  }
  for (int m = 0; m < 4; ++m) {  // Bᵀ (d B): the same combination down the columns
    vstore(v + (0 + m) * stride + j, a[0][m] - a[2][m]);
    vstore(v + (4 + m) * stride + j, a[1][m] + a[2][m]);
    vstore(v + (8 + m) * stride + j, a[2][m] - a[1][m]);
    vstore(v + (12 + m) * stride + j, a[1][m] - a[3][m]);
  }
}

// Y = Aᵀ M A + b for tiles j.. of one tile row, from m[ξ·stride + j]: each tile's 2×2 block,
// its top row in top[0..1] (columns 0, 1) and its bottom row in bottom[0..1].
template <typename T>
inline void tile_blocks(const T* m, size_t stride, T bias, int j, V<T> top[2], V<T> bottom[2]) {
  V<T> s[4][2];  // M A: per row k, (m0 + m1 + m2, m1 − m2 − m3)
  for (int k = 0; k < 4; ++k) {
    V<T> m0 = vload(m + (4 * k + 0) * stride + j), m1 = vload(m + (4 * k + 1) * stride + j);
    V<T> m2 = vload(m + (4 * k + 2) * stride + j), m3 = vload(m + (4 * k + 3) * stride + j);
    s[k][0] = m0 + m1 + m2;
    s[k][1] = m1 - m2 - m3;
  }
  for (int q = 0; q < 2; ++q) {  // Aᵀ (M A)
    top[q] = bias + (s[0][q] + s[1][q] + s[2][q]);
    bottom[q] = bias + (s[1][q] - s[2][q] - s[3][q]);
  }
}

// Tile j's 2×2 block goes to y[(2·row + col)·TW + j], unit-stride in j like the input side.
template <typename T>
inline void output_tiles(T* y, int TW, const T* m, size_t stride, T bias, int j) {
  V<T> top[2], bottom[2];
  tile_blocks(m, stride, bias, j, top, bottom);
  for (int q = 0; q < 2; ++q) {
    vstore(y + q * TW + j, top[q]);
    vstore(y + (2 + q) * TW + j, bottom[q]);
  }
}

// The same 2×2 blocks, then relu and their maximum: a 2×2 stride-2 max-pool's window is one
// tile, so y[j] = maxpool(relu(Y)) for tiles j.., bit for bit what relu → max-pool computes
// from the stored Y (float; pmax as in maxpool_relu_forward_fast, simd.h).
inline void output_tiles_relu_pool(float* y, const float* m, size_t stride, float bias, int j) {
  V<float> top[2], bottom[2];
  tile_blocks(m, stride, bias, j, top, bottom);
  const V<float> zero = {0, 0, 0, 0};
  vstore(y + j, pmax(pmax(pmax(zero, top[0]), bottom[0]), pmax(pmax(zero, top[1]), bottom[1])));
}

}  // namespace

bool winograd_applies(const ConvGeom& g) {
  return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.C >= 8;
}

template <typename T>
void conv2d_forward_winograd(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g,
                             WinogradWorkspace<T>& ws, bool relu_pool) {
  const int C = g.C, OC = g.OC, TH = (g.OH + 1) / 2, TW = std::max((g.OW + 1) / 2, VL<T>);
  const size_t plane = (size_t)g.H * g.W, oplane = (size_t)g.OH * g.OW;

  // U[ξ][o][c], recomputed only when the weights differ (bit for bit) from the copy taken
  // last time: an optimizer step changes them in place. The compare costs ~1/20 of the
  // transform, which at batch 1 would be half the conv's time.
  const size_t nw = (size_t)OC * C * 9;
  T* U = grow(ws.U, (size_t)16 * OC * C);
  if (ws.u_oc != OC || ws.w.size() != nw || std::memcmp(ws.w.data(), weight, nw * sizeof(T)) != 0) {
    ws.w.assign(weight, weight + nw);
    ws.u_oc = OC;
    BP_PLAIN_LOOP
    for (int i = 0; i < OC * C; ++i) filter_transform(U + i, (size_t)OC * C, weight + (size_t)i * 9);
    if (gemm_prepacks(OC, C)) {  // packed once as the GEMM's A, not again for every chunk
      T* up = grow(ws.Upack, 16 * gemm_packed_size(OC, C));
      for (int xi = 0; xi < 16; ++xi) gemm_pack_a(up + xi * gemm_packed_size(OC, C), OC, C, U + (size_t)xi * OC * C, C);
    }
  }
  const bool packed = gemm_prepacks(OC, C);

  // A chunk is whole tile rows (of any samples): Tc = rows · TW tiles, rows a multiple of 8
  // so Tc is too (the GEMM's register tile is 8 floats wide).
  const int all_rows = g.N * TH;
  const size_t per_tile = (size_t)16 * (C + OC) * sizeof(T);
  const int rows = std::min(all_rows, std::max(8, (int)(kChunkBytes / per_tile / TW) / 8 * 8));
  T* V = grow(ws.V, (size_t)16 * C * rows * TW);
  T* M = grow(ws.M, (size_t)16 * OC * rows * TW);
  const int X = TW + 1;  // one split row: Xp holds 2·X columns per tile row
  T* buf = grow(ws.rows, (size_t)8 * X);

  for (int r0 = 0; r0 < all_rows; r0 += rows) {
    const int nr = std::min(rows, all_rows - r0);
    const size_t Tc = (size_t)nr * TW;

    // V = Bᵀ d B: split the tile row's 4 Xp rows (zeros outside X) into even and odd
    // columns, then transform. Tile rows overlap by two Xp rows: Xp row y is kept in slot
    // y mod 4, and the next tile row of the same plane splits only its two new rows.
    for (int c = 0; c < C; ++c) {
      for (int r = r0; r < r0 + nr; ++r) {
        const int n = r / TH, ty = r % TH;
        const T* x = inp + ((size_t)n * C + c) * plane;
        T *e[4], *od[4];
        for (int k = 0; k < 4; ++k) e[k] = buf + (size_t)((2 * ty + k) % 4) * X, od[k] = e[k] + 4 * X;
        for (int k = r > r0 && ty > 0 ? 2 : 0; k < 4; ++k) {
          T *ek = e[k], *ok = od[k];
          const int y = 2 * ty + k - g.PH;
          if (y < 0 || y >= g.H) {
            BP_PLAIN_LOOP
            for (int i = 0; i < X; ++i) ek[i] = ok[i] = 0;
            continue;
          }
          const T* src = x + (size_t)y * g.W;
          BP_PLAIN_LOOP
          for (int i = 0; i < X; ++i) {  // Xp columns 2i, 2i + 1 are X columns 2i − PW, 2i + 1 − PW
            const unsigned x0 = 2 * i - g.PW, x1 = x0 + 1;  // < W: inside X
            ek[i] = x0 < (unsigned)g.W ? src[x0] : T(0);
            ok[i] = x1 < (unsigned)g.W ? src[x1] : T(0);
          }
        }
        T* v = V + (size_t)c * Tc + (size_t)(r - r0) * TW;
        for (int j = 0; j < TW; j += VL<T>) input_tiles(v, (size_t)C * Tc, e, od, std::min(j, TW - VL<T>));
      }
    }

    // M[ξ] = U[ξ] · V[ξ]
    for (int xi = 0; xi < 16; ++xi) {
      const T* v = V + (size_t)xi * C * Tc;
      T* m = M + (size_t)xi * OC * Tc;
      if (packed)
        gemm_prepacked(OC, (int)Tc, C, ws.Upack.data() + xi * gemm_packed_size(OC, C), v, (int)Tc, m, (int)Tc, false, ws.gemm);
      else
        gemm(OC, (int)Tc, C, U + (size_t)xi * OC * C, C, false, v, (int)Tc, false, m, (int)Tc, false, ws.gemm);
    }

    // Y = Aᵀ M A + b, the outputs that exist (a ragged tile's last row/column do not).
    // relu_pool: maxpool 2×2 (relu(Y)) [OC, OH/2, OW/2] instead, from the whole tiles (the
    // floor-mode pool has no window on a ragged one).
    for (int o = 0; o < OC; ++o) {
      for (int r = r0; r < r0 + nr; ++r) {
        const int n = r / TH, ty = r % TH, oy = 2 * ty;
        const T* m = M + (size_t)o * Tc + (size_t)(r - r0) * TW;
        if (relu_pool) {
          if (oy + 1 >= g.OH) continue;
          const int PW = g.OW / 2;
          for (int j = 0; j < TW; j += VL<T>) output_tiles_relu_pool(buf, m, (size_t)OC * Tc, bias[o], std::min(j, TW - VL<T>));
          T* dst = out + ((size_t)n * OC + o) * (g.OH / 2) * PW + (size_t)ty * PW;
          BP_PLAIN_LOOP
          for (int j = 0; j < PW; ++j) dst[j] = buf[j];
          continue;
        }
        for (int j = 0; j < TW; j += VL<T>) output_tiles(buf, TW, m, (size_t)OC * Tc, bias[o], std::min(j, TW - VL<T>));
        T* dst = out + ((size_t)n * OC + o) * oplane + (size_t)oy * g.OW;
        for (int rr = 0; rr < 2 && oy + rr < g.OH; ++rr, dst += g.OW) {
          const T *ye = buf + 2 * rr * TW, *yo = ye + TW;
          BP_PLAIN_LOOP
          for (int j = 0; j < g.OW / 2; ++j) dst[2 * j] = ye[j], dst[2 * j + 1] = yo[j];
          if (g.OW % 2) dst[g.OW - 1] = ye[g.OW / 2];
        }
      }
    }
  }
}

template void conv2d_forward_winograd<float>(float*, const float*, const float*, const float*, const ConvGeom&,
                                             WinogradWorkspace<float>&, bool);

}  // namespace bp

// gemm.cpp: packing, blocking and the register-tiled micro-kernel (see gemm.h).
#include "gemm.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "simd.h"

namespace bp {
namespace {

constexpr int MR = kGemmMR, NV = kGemmNV;
template <typename T>
constexpr int NR = NV * VL<T>;

// Block sizes: an MR×KC panel of A and a KC×NR panel of B stay in L1, the KC×NC block of
// B in L2. Small enough that the nets here mostly fit in one block.
constexpr int KC = 256, MC = 128, NC = 1024;

// The rows of a B tile, one per k in order: a packed panel (NR apart) or B read in place
// (row k at b + off[k]: a strided B's k·ldb, or a conv's tap offsets). Pointer steps, so the
// packed form stays a plain increment (WASM has no scaled addressing).
template <typename T>
struct PanelRows {
  const T* p;
  const T* next() { return (p += NR<T>) - NR<T>; }
};
template <typename T>
struct TableRows {
  const T* b;
  const std::ptrdiff_t* off;
  const T* next() { return b + *off++; }
};

// The micro-kernel: C[0:MR, 0:NR] (+)= Ap · B over kc, Ap = kc×MR (k-major), B's rows from
// `rows`. One source, two instances: packed panels, and B in place (one table load per k
// beside the 2·MR·NV vector operations).
// mr, nr < MR, NR at the edges of C: the tile goes through a scratch tile then.
template <typename T, typename Rows>
inline void micro(int kc, const T* __restrict a, Rows rows, T* c, int ldc, int mr, int nr, bool acc) {
  V<T> t[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) t[r][v] = V<T>{};
  for (int k = 0; k < kc; ++k) {
    V<T> bv[NV];
    const T* bk = rows.next();
    for (int v = 0; v < NV; ++v) bv[v] = vload(bk + v * VL<T>);
    for (int r = 0; r < MR; ++r) {
      V<T> ar = vsplat(a[r]);
      for (int v = 0; v < NV; ++v) t[r][v] += ar * bv[v];
    }
    a += MR;
  }
  if (mr == MR && nr == NR<T>) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) {
        T* p = c + (size_t)r * ldc + v * VL<T>;
        vstore(p, acc ? vload(p) + t[r][v] : t[r][v]);
      }
    return;
  }
  T s[MR][NR<T>];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) vstore(&s[r][v * VL<T>], t[r][v]);
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) {
      T* p = c + (size_t)r * ldc + j;
      *p = acc ? *p + s[r][j] : s[r][j];
    }
}

// op(A)[i0:i0+mc, k0:k0+kc] -> MR-row panels, each k-major: panel[k·MR + r].
template <typename T>
void pack_a(T* dst, const T* A, int lda, bool ta, int i0, int mc, int k0, int kc) {
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = std::min(MR, mc - ir);
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < mr; ++r) {
        size_t i = (size_t)(i0 + ir + r), kk = (size_t)(k0 + k);
        dst[r] = ta ? A[kk * lda + i] : A[i * lda + kk];
      }
      for (int r = mr; r < MR; ++r) dst[r] = 0;
      dst += MR;
    }
  }
}

// op(B)[k0:k0+kc, j0:j0+nc] -> NR-column panels, each k-major: panel[k·NR + j].
template <typename T>
void pack_b(T* dst, const T* B, const std::ptrdiff_t* bidx, bool tb, int k0, int kc, int j0, int nc) {
  constexpr int nr_full = NR<T>;
  for (int jr = 0; jr < nc; jr += nr_full) {
    int nr = std::min(nr_full, nc - jr);
    if (!tb) {
      for (int k = 0; k < kc; ++k, dst += nr_full) {
        const T* src = B + bidx[k0 + k] + j0 + jr;
        if (nr == nr_full) {
          std::memcpy(dst, src, sizeof(T) * nr_full);
        } else {
          for (int j = 0; j < nr; ++j) dst[j] = src[j];
          for (int j = nr; j < nr_full; ++j) dst[j] = 0;
        }
      }
    } else {
      // B stored [N, K]: each of the nr columns of op(B) is a contiguous row of B. Walk
      // the nr rows side by side so the panel is written in order, a row of NR at a time.
      const T* src[nr_full];
      for (int j = 0; j < nr_full; ++j) src[j] = B + bidx[j0 + jr + std::min(j, nr - 1)] + k0;
      for (int k = 0; k < kc; ++k, dst += nr_full)
        for (int j = 0; j < nr_full; ++j) dst[j] = src[j][k];
      if (nr < nr_full)  // columns past N: zero (their reads above only repeated the last row)
        for (int k = 0; k < kc; ++k)
          for (int j = nr; j < nr_full; ++j) dst[(k - kc) * nr_full + j] = 0;
    }
  }
}

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }


// The blocked product; apre (not null: M ≤ MC, K ≤ KC, one block) is op(A) packed already.
// Out of line: gemm_offsets and gemm_prepacked share one copy of it (the module's size).
template <typename T>
__attribute__((noinline)) void gemm_blocked(int M, int N, int K, const T* A, int lda, bool ta, const T* apre, const T* B,
                                            const std::ptrdiff_t* bidx, bool tb, T* C, int ldc, bool accumulate,
                                            GemmWorkspace<T>& ws) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i) std::fill(C + (size_t)i * ldc, C + (size_t)i * ldc + N, T(0));
    return;
  }
  size_t a_need = (size_t)round_up(std::min(M, MC), MR) * std::min(K, KC);
  size_t b_need = (size_t)round_up(std::min(N, NC), NR<T>) * std::min(K, KC);
  if (ws.apack.size() < a_need) ws.apack.resize(a_need);
  if (ws.bpack.size() < b_need) ws.bpack.resize(b_need);
  T* apack = ws.apack.data();
  T* bp = ws.bpack.data();
  const T* ap = apre ? apre : apack;
  // An untransposed B already has each k-row of an NR-wide tile contiguous: the micro-kernel
  // reads it in place (packing it would cost about as much as the multiply when M is a
  // handful of channels); only a ragged last tile is packed, zero-padded.
  const bool in_place = !tb;
  for (int j0 = 0; j0 < N; j0 += NC) {
    int nc = std::min(NC, N - j0);
    int nc_full = in_place ? nc / NR<T> * NR<T> : 0;
    for (int k0 = 0; k0 < K; k0 += KC) {
      int kc = std::min(KC, K - k0);
      bool acc = accumulate || k0 > 0;
      pack_b(bp, B, bidx, tb, k0, kc, j0 + nc_full, nc - nc_full);
      for (int i0 = 0; i0 < M; i0 += MC) {
        int mc = std::min(MC, M - i0);
        if (!apre) pack_a(apack, A, lda, ta, i0, mc, k0, kc);
        for (int jr = 0; jr < nc; jr += NR<T>) {
          if (jr < nc_full) {  // in place: row k of the tile at B + bidx[k0 + k] + j0 + jr
            for (int ir = 0; ir < mc; ir += MR)
              micro(kc, ap + (size_t)ir * kc, TableRows<T>{B + j0 + jr, bidx + k0}, C + (size_t)(i0 + ir) * ldc + j0 + jr,
                    ldc, std::min(MR, mc - ir), NR<T>, acc);
          } else {
            const T* b = bp + (size_t)(jr - nc_full) * kc;
            for (int ir = 0; ir < mc; ir += MR)
              micro(kc, ap + (size_t)ir * kc, PanelRows<T>{b}, C + (size_t)(i0 + ir) * ldc + j0 + jr, ldc,
                    std::min(MR, mc - ir), std::min(NR<T>, nc - jr), acc);
          }
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void gemm_offsets(int M, int N, int K, const T* A, int lda, bool ta, const T* B, const std::ptrdiff_t* bidx, bool tb, T* C,
                  int ldc, bool accumulate, GemmWorkspace<T>& ws) {
  gemm_blocked(M, N, K, A, lda, ta, (const T*)nullptr, B, bidx, tb, C, ldc, accumulate, ws);
}

// A strided B is the table k·ldb (rows) or j·ldb (columns): one GEMM body for both forms.
template <typename T>
void gemm(int M, int N, int K, const T* A, int lda, bool ta, const T* B, int ldb, bool tb, T* C, int ldc,
          bool accumulate, GemmWorkspace<T>& ws) {
  gemm_offsets(M, N, K, A, lda, ta, B, strided(ws.b_rows, tb ? N : K, ldb), tb, C, ldc, accumulate, ws);
}

bool gemm_prepacks(int M, int K) { return M <= MC && K <= KC; }
template <typename T>
void gemm_pack_a(T* dst, int M, int K, const T* A, int lda) {
  pack_a(dst, A, lda, false, 0, M, 0, K);
}
template <typename T>
void gemm_prepacked(int M, int N, int K, const T* apacked, const T* B, int ldb, T* C, int ldc, bool accumulate,
                    GemmWorkspace<T>& ws) {
  gemm_blocked(M, N, K, (const T*)nullptr, 0, false, apacked, B, strided(ws.b_rows, K, ldb), false, C, ldc, accumulate, ws);
}

// ---- gemm_dot: C (+)= A · Bᵀ as register-blocked dot products ----
//
// A BM×BN block of C is BM·BN vector accumulators that walk k a vector at a time: per step
// BM + BN loads feed 2·BM·BN vector ops (4×2: 6 loads, 16 ops, as the micro-kernel's), then
// each accumulator's lanes are summed once and the k tail (< VL) is added in scalars.
namespace {

template <typename T>
inline T hsum(V<T> v) {
  T s = 0;
  for (int l = 0; l < VL<T>; ++l) s += v[l];
  return s;
}

template <typename T, int BM, int BN>
void dot_block(int K, const T* A, int lda, const T* B, const std::ptrdiff_t* boff, T* C, int ldc, bool acc) {
  const T* a[BM];
  const T* b[BN];
  for (int r = 0; r < BM; ++r) a[r] = A + (size_t)r * lda;
  for (int c = 0; c < BN; ++c) b[c] = B + boff[c];
  V<T> s[BM][BN];
  for (int r = 0; r < BM; ++r)
    for (int c = 0; c < BN; ++c) s[r][c] = V<T>{};
  int k = 0;
  for (; k + VL<T> <= K; k += VL<T>) {
    V<T> bv[BN];
    for (int c = 0; c < BN; ++c) bv[c] = vload(b[c] + k);
    for (int r = 0; r < BM; ++r) {
      V<T> av = vload(a[r] + k);
      for (int c = 0; c < BN; ++c) s[r][c] += av * bv[c];
    }
  }
  // The lane sums unrolled, so s stays in registers (indexed by loop counters it would be an
  // array on the stack, zeroed by a memset call per block: 6% of mnist-cnn's training step).
  T h[BM][BN];
#pragma GCC unroll 4
  for (int r = 0; r < BM; ++r)
#pragma GCC unroll 2
    for (int c = 0; c < BN; ++c) h[r][c] = hsum<T>(s[r][c]);
  for (int r = 0; r < BM; ++r)
    for (int c = 0; c < BN; ++c) {
      T t = h[r][c];
      for (int kk = k; kk < K; ++kk) t += a[r][kk] * b[c][kk];
      T* p = C + (size_t)r * ldc + c;
      *p = acc ? *p + t : t;
    }
}

}  // namespace

template <typename T>
void gemm_dot(int M, int N, int K, const T* A, int lda, const T* B, const std::ptrdiff_t* boff, T* C, int ldc, bool accumulate) {
  constexpr int BM = 4, BN = 2;
  int i = 0;
  for (; i + BM <= M; i += BM) {
    const T* a = A + (size_t)i * lda;
    T* c = C + (size_t)i * ldc;
    int j = 0;
    for (; j + BN <= N; j += BN) dot_block<T, BM, BN>(K, a, lda, B, boff + j, c + j, ldc, accumulate);
    if (j < N) dot_block<T, BM, 1>(K, a, lda, B, boff + j, c + j, ldc, accumulate);
  }
  for (; i < M; ++i)  // the last M mod 4 rows, one dot product at a time
    for (int j = 0; j < N; ++j) dot_block<T, 1, 1>(K, A + (size_t)i * lda, lda, B, boff + j, C + (size_t)i * ldc + j, ldc, accumulate);
}

#define BP_INSTANTIATE(T)                                                                                                \
  template void gemm<T>(int, int, int, const T*, int, bool, const T*, int, bool, T*, int, bool, GemmWorkspace<T>&);     \
  template void gemm_offsets<T>(int, int, int, const T*, int, bool, const T*, const std::ptrdiff_t*, bool, T*, int, bool, \
                                GemmWorkspace<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE
template void gemm_pack_a<float>(float*, int, int, const float*, int);
template void gemm_prepacked<float>(int, int, int, const float*, const float*, int, float*, int, bool, GemmWorkspace<float>&);
// float only: float64 (gradient checks) keeps the packed path, for the module's size budget.
template void gemm_dot<float>(int, int, int, const float*, int, const float*, const std::ptrdiff_t*, float*, int, bool);

double gemm_micro_flops(int kc, int reps, const float* apanel, const float* bpanel, float* ctile) {
  for (int i = 0; i < reps; ++i) micro(kc, apanel, PanelRows<float>{bpanel}, ctile, NR<float>, MR, NR<float>, true);
  return 2.0 * MR * NR<float> * kc * (double)reps;
}

}  // namespace bp

// gemm.h: the one fast matrix multiply every fast layer kernel is built on.
//
//   C[M,N]  =  op(A)[M,K] · op(B)[K,N]        (accumulate = false)
//   C[M,N] +=  op(A)[M,K] · op(B)[K,N]        (accumulate = true)
//   op(A)[i,k] = ta ? A[k·lda + i] : A[i·lda + k]        op(B)[k,j] = tb ? B[j·ldb + k] : B[k·ldb + j]
//   row-major C with leading dimension ldc.
//
// Design (Goto/BLIS): K is cut into KC-deep slices and M, N into MC×NC blocks; each block
// of op(A) is packed into MR-row panels and each block of op(B) into NR-column panels
// (zero-padded at the edges, transposes resolved while packing), so the micro-kernel reads
// both panels contiguously. An untransposed B is read in place instead (its NR-wide tile
// rows are contiguous already; packing it costs about as much as the multiply when M is a
// few channels), except a ragged last tile. B's rows (or columns, transposed) are located
// through a table of offsets (gemm_offsets; gemm passes k·ldb), so one GEMM body serves
// both strided matrices and the overlapping rows of a stride-1 conv's implicit im2col. The micro-kernel keeps an MR×NR tile of C in registers:
// MR rows × NV vectors of 16 bytes (f32x4 for float, f64x2 for double), written once with
// GCC/Clang vector extensions, so the same source becomes SIMD128 (f32x4.mul + f32x4.add,
// WASM has no FMA) under Emscripten and SSE natively. One algorithm, one source.
//
// Kernels only compute: sizes are the caller's business (all ≥ 0). The packing buffers live
// in a GemmWorkspace the caller owns; they grow to the largest block seen and then stay.
#pragma once
#include <cstddef>
#include <vector>

namespace bp {

template <typename T>
struct GemmWorkspace {
  std::vector<T> apack, bpack;
  std::vector<std::ptrdiff_t> b_rows;  // a strided B's row (or column) offsets, k·ldb
};

template <typename T>
void gemm(int M, int N, int K, const T* A, int lda, bool ta, const T* B, int ldb, bool tb, T* C, int ldc,
          bool accumulate, GemmWorkspace<T>& ws);

// The same product with B's rows (tb = false) or columns (tb = true) placed by a table of
// offsets from one base pointer instead of a leading dimension:
//   op(B)[k,j] = tb ? B[boff[j] + k] : B[boff[k] + j]
// Rows may overlap: that is the implicit im2col of a stride-1 convolution (conv.cpp), whose
// row for tap (c,p,q) is the padded input itself shifted by c·Hp·Wp + p·Wp + q.
template <typename T>
void gemm_offsets(int M, int N, int K, const T* A, int lda, bool ta, const T* B, const std::ptrdiff_t* boff, bool tb, T* C,
                  int ldc, bool accumulate, GemmWorkspace<T>& ws);

// The offset table of a strided matrix's rows: v[i] = i·ld for i < n (v grown, never shrunk:
// ld may change between calls). -> v.data(), for gemm_offsets / gemm_dot.
inline const std::ptrdiff_t* strided(std::vector<std::ptrdiff_t>& v, int n, std::ptrdiff_t ld) {
  if (v.size() < (size_t)n) v.resize(n);
  for (int i = 0; i < n; ++i) v[i] = i * ld;
  return v.data();
}

// C[i,j] (+)= Σ_k A[i·lda + k] · B[boff[j] + k]: A · Bᵀ with both operands contiguous along k
// (B's rows placed by offsets, as above), as register-blocked dot products with no packing.
// For a conv's dW (conv.cpp), where M (output channels) and N (taps) are small and K (output
// positions) long: packing B there costs as much as the multiply, and reuses it only M/MR times.
// Instantiated for float only (the module's size budget; float64 is for gradient checks).
template <typename T>
void gemm_dot(int M, int N, int K, const T* A, int lda, const T* B, const std::ptrdiff_t* boff, T* C, int ldc, bool accumulate);

// The register tile, for the peak measurement (peak.cpp) and the tests.
constexpr int kGemmMR = 4;  // rows of C per micro-kernel call
constexpr int kGemmNV = 2;  // 16-byte vectors per row: NR = 8 floats or 4 doubles

// Calls the float micro-kernel `reps` times over kc-deep packed panels (cache resident) and
// returns the flops done: what "peak" means for this library's own inner loop.
double gemm_micro_flops(int kc, int reps, const float* apanel, const float* bpanel, float* ctile);

// A packed once for many products (Winograd: each filter matrix U[ξ] against every chunk of
// tiles): gemm_pack_a writes A [M×K, row-major, lda] as the GEMM packs it, gemm_packed_size(M, K)
// values, and gemm_prepacked multiplies it by B [K×N, ldb] like gemm(..., ta = tb = false).
// Only where gemm_prepacks(M, K): A fits one cache block (M ≤ 128, K ≤ 256). Float only (the
// module's size budget).
bool gemm_prepacks(int M, int K);
inline size_t gemm_packed_size(int M, int K) { return (size_t)(M + kGemmMR - 1) / kGemmMR * kGemmMR * K; }

template <typename T>
void gemm_pack_a(T* dst, int M, int K, const T* A, int lda);
template <typename T>
void gemm_prepacked(int M, int N, int K, const T* apacked, const T* B, int ldb, T* C, int ldc, bool accumulate,
                    GemmWorkspace<T>& ws);

}  // namespace bp

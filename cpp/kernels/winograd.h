// winograd.h: the conv2d forward pass by Winograd's minimal filtering, F(2×2, 3×3).
// Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016).
//
// F(m×m, r×r) computes an m×m block of a stride-1 correlation with an r×r filter from an
// α×α input tile, α = m + r − 1, with α² multiplies instead of m²·r². Here m = 2, r = 3,
// α = 4: 16 multiplies per output tile and channel pair instead of 36 (2.25× fewer).
// For one tile d (4×4, of Xp: X zero-padded) and one filter g (3×3):
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A          (⊙: element-wise; Y is the 2×2 output block)
//
//        ⎡1  0 −1  0⎤         ⎡ 1    0    0 ⎤         ⎡1  1  1  0⎤
//   Bᵀ = ⎢0  1  1  0⎥    G =  ⎢ ½    ½    ½ ⎥    Aᵀ = ⎣0  1 −1 −1⎦
//        ⎢0 −1  1  0⎥         ⎢ ½   −½    ½ ⎥
//        ⎣0  1  0 −1⎦         ⎣ 0    0    1 ⎦
//   (interpolation points 0, 1, −1, ∞)
//
// Summed over channels, the element-wise products become 16 independent matrix products:
// with ξ = (row, col) of the 4×4 transformed domain,
//   U[ξ][o][c] = (G g[o,c] Gᵀ)[ξ]           the filters, when the weights changed
//   V[ξ][c][t] = (Bᵀ d[c,t] B)[ξ]            tile t = (n, tile row, tile col); tiles start
//                                            every 2 rows/columns of Xp
//   M[ξ]       = U[ξ] · V[ξ]                 [OC][C] · [C][tiles]: the existing gemm()
//   Y[n,o, 2i.., 2j..] = Aᵀ M[·][o][t] A + b[o]
// Tiles run over ceil(OH/2) × ceil(OW/2) per sample; a ragged last tile reads zeros past
// the input and writes only its outputs that exist. Tiles are processed a chunk of tile
// rows at a time so V and M (16·(C + OC) values per tile) stay in L2.
//
// Rounding: the transforms add and subtract inputs (B), halve and add weights (G) and add
// the 16 products back in 4-term sums (A), so the error grows by a small constant over the
// direct sum's. Observed against conv2d_forward_ref, inputs and weights uniform in [−1, 1]:
// max |Δy| / max |y| = 2e-7 (C = 1) to 6.2e-7 (C = 32, the medium net's conv2, batch 64) in
// float32 (tests/cpp/test_winograd.cpp holds 1e-5).
//
// Float32 only: float64 nets (gradient checks, the demo's float64 twin) take the implicit GEMM,
// for the module's size budget (the float64 instance cost 2.1 KB of the gzipped module). Each
// U[ξ] is packed once as the GEMM's A (gemm_pack_a) when U is computed, not for every chunk.
//
// Where it is used (winograd_applies): stride 1, 3×3, C ≥ 8. Measured on the conv alone,
// batch 64, native and WASM alike: C = 32 → 64 at 14×14 1.7–1.9× faster than im2col + GEMM,
// C = 8 → 16 1.3–1.8×, but C = 4 → 32 at 28×28 0.7× and C = 1 0.3× (the transforms, not the
// GEMMs, dominate with few channels).
//
// Only the forward pass: backward (dW, dX) stays conv2d_backward_fast (kernels.h), which
// rebuilds its columns (padded inputs at stride 1) because this forward leaves none.
#pragma once
#include <vector>

#include "gemm.h"
#include "geometry.h"

namespace bp {

// On by default; kernel_flags().winograd = false (kernels.h) sends every conv back to im2col +
// GEMM (tests, and the benchmark's comparison).

template <typename T>
struct WinogradWorkspace {
  GemmWorkspace<T> gemm;
  std::vector<T> U, V, M;  // [16][OC][C], [16][C][tiles], [16][OC][tiles] (one chunk of tiles)
  std::vector<T> Upack;    // each U[ξ] as the GEMM's packed A (gemm_pack_a), where gemm_prepacks
  std::vector<T> rows;     // one tile row's 4 input rows (zero-padded), then its 2 output rows
  std::vector<T> w;        // the weights U was computed from, and their OC
  int u_oc = 0;
};

// True where F(2×2, 3×3) is used and wins: stride 1, a 3×3 kernel and C ≥ 8 (see above).
bool winograd_applies(const ConvGeom& g);

// Y = conv(X, W) + b for a stride-1 3×3 conv, any padding, any H, W (the caller checks
// winograd_applies, or at least KH = KW = 3 and SH = SW = 1).
// relu_pool (inference: Fusion::ReluPool in Sequential::run_infer, when relu and a 2×2 stride-2 max-pool follow):
// writes maxpool(relu(Y)) [N, OC, OH/2, OW/2] instead, bit for bit those two layers' output. A
// pool window is one output tile, so the tile's relu'd maximum goes out as it is transformed:
// Y is never stored, and the two layers' passes over it are not run.
template <typename T>
void conv2d_forward_winograd(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g,
                             WinogradWorkspace<T>& ws, bool relu_pool = false);

}  // namespace bp

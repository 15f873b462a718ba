// kernels.h: the fast layer kernels and the switch that picks them.
//
// Every layer keeps its reference kernel (plain loops, the math term by term) in its own
// file as the truth; the fast kernels here compute the same sums in a cache- and
// SIMD-friendly order (the blocked GEMM of gemm.h) and are tested against the
// references on odd shapes (tests/cpp/test_kernels.cpp, tests/js/kernels.test.js).
// kernel_flags().reference = true makes every layer call its reference instead.
//
// Workspaces: a layer owns one ConvWorkspace / GemmWorkspace; buffers grow to the largest
// batch seen and are reused, so a training step allocates nothing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gemm.h"
#include "geometry.h"

namespace bp {

// The switches that pick the kernels, read by the layers: reference = true makes every layer
// call its reference loops (tests, and the "reference vs fast" rows of the benchmark);
// winograd = false sends stride-1 3×3 convs back to the implicit GEMM / im2col forward
// (winograd.h). reference overrides winograd.
struct KernelFlags {
  bool reference = false;
  bool winograd = true;
  bool operator==(const KernelFlags& o) const { return reference == o.reference && winograd == o.winograd; }
};
inline KernelFlags& kernel_flags() {
  static KernelFlags flags;
  return flags;
}

// A workspace buffer of at least `need` values: it grows to the largest size asked for and
// then stays, so a training step allocates nothing.
template <typename T>
T* grow(std::vector<T>& v, size_t need) {
  if (v.size() < need) v.resize(need);
  return v.data();
}

template <typename T>
struct ConvWorkspace {
  GemmWorkspace<T> gemm;
  std::vector<T> col;   // the batch's im2col matrices [N][C·KH·KW + 1][OH·OW] (last row: ones), kept for backward
                        // (stride 1: the batch's zero-padded inputs [N][C][Hp][Wp] instead)
  std::vector<T> dcol;  // one sample's dL/dcol
  const T* col_input = nullptr;  // the input `col` was built from, and its batch size
  int col_batch = 0;
  // stride 1 only (implicit GEMM, conv.cpp): one sample's Y or dX on the padded-width grid,
  // its δ on that grid and δ padded for the full correlation, W regrouped [C][OC·KH·KW],
  // and the tap offsets into Xp and into δ''.
  std::vector<T> grid, dgrid, dpad, wrot;
  std::vector<T> wbias;  // im2col path: W with the bias as one more column, [OC][C·KH·KW + 1]
  std::vector<T> wtile;  // stride-1 float forward: Wᵀ in blocks of channels, [OC / CB][C·KH·KW][CB]
  std::vector<std::ptrdiff_t> off, doff;
};

// conv2d (shapes and equations in layers/conv2d.h), by GEMM per sample:
//   forward   Y[n] = W · col(X[n]) + b                  W as [OC, C·KH·KW] (im2col: [W | b]·[col; 1])
//   backward  dW  += δ[n] · col(X[n])ᵀ,  db += Σ δ[n],  dX[n] = col2im(Wᵀ · δ[n])
// Stride 1: col(X) is never built: its rows are shifted views of the zero-padded input,
// which gemm_offsets reads in place (the float forward: in tiles of Y, R outputs of a row ×
// 4·NV channels, with no grid), and dX is the full correlation of δ with the rotated
// kernel, the same trick on padded δ (conv.cpp states the index algebra), except with C < 4
// channels (col2im of Wᵀ·δ: the trick's GEMM would have C rows). Stride > 1, or C·KH·KW < OC
// with KW > 1 (the grid's copies would cost more than im2col's): im2col.
// Backward reuses forward's column matrices (stride 1: padded inputs) when it is called on
// the same input pointer and batch, as Sequential does; a caller that rewrites the input in
// place between forward and backward must call forward again.
// keep_cols = false (inference): keep one sample's columns only; then rows > 0 computes only the
// rows < rows of each output plane, and (float) cols > 0 only the columns < cols (stride 1; the
// rest is left as it was): the next layer reads no others (a floor-mode pool's windows may end
// short of the last rows and columns).
template <typename T>
void conv2d_forward_fast(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g, ConvWorkspace<T>& ws,
                         bool keep_cols = true, int rows = 0, int cols = 0);
template <typename T>
void conv2d_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, const ConvGeom& g,
                          ConvWorkspace<T>& ws);

// dense (layers/dense.h) as three GEMMs, in dense.cpp: Y = X·Wᵀ + b,  dW += δᵀ·X,  dX = δ·W.
template <typename T>
void dense_forward_fast(T* out, const T* inp, const T* weight, const T* bias, int N, int IN, int OUT, GemmWorkspace<T>& ws);
template <typename T>
void dense_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, int N, int IN, int OUT,
                         GemmWorkspace<T>& ws);

// maxpool (layers/pool.h) without padding: every window lies inside X, so the loops need no
// bounds tests. Same arg-max rule as the reference: the first maximum in row-major order.
// argmax = nullptr (inference): the maxima only. Float only: float64 (gradient checks) runs
// the reference, for the module's size budget.
void maxpool_forward_fast(float* out, int* argmax, const float* inp, const PoolGeom& g);

// relu → max-pool in one pass, inference only (Sequential::run_infer then skips the relu
// layer): Y = maxpool(relu(X)), bit for bit the two layers' result, where maxpool_relu_fuses:
// 2×2 windows, stride 2, no padding, the f32x4 kernel's shape, in float. (mnist-cnn's 3×3
// pool: relu inside the scalar window loops cost 8% of inference against 2.4% for relu's own
// f32x4 pass.)
bool maxpool_relu_fuses(const PoolGeom& g);
void maxpool_relu_forward_fast(float* out, const float* inp, const PoolGeom& g);

// relu (layers/activation.h), in relu.cpp: a vector at a time, the sign test as a lane mask
// ANDed onto x (forward) or δ (backward): x > 0 is false for NaN and −0, as in the reference.
// Out of line and compiled -O3: inlined into the layer glue (compiled for size) the loops
// stayed scalar, 12% of mnist-cnn's training step in WASM.
template <typename T>
void relu_forward_fast(T* out, const T* inp, int64_t n);
template <typename T>
void relu_backward_fast(T* dinp, const T* dout, const T* inp, int64_t n);

}  // namespace bp

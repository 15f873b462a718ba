// kernels.h: the fast layer kernels and the switch that picks them.
//
// Every layer keeps its reference kernel (plain loops, the math term by term) in its own
// file as the truth; the fast kernels here compute the same sums in a cache- and
// SIMD-friendly order (im2col + the blocked GEMM of gemm.h) and are tested against the
// references on odd shapes (tests/cpp/test_kernels.cpp, tests/js/kernels.test.js).
// set_reference_kernels(true) makes every layer call its reference instead (tests, and
// the "reference vs fast" rows of the benchmark).
//
// Workspaces: a layer owns one ConvWorkspace / GemmWorkspace; buffers grow to the largest
// batch seen and are reused, so a training step allocates nothing.
#pragma once
#include <vector>

#include "gemm.h"

namespace bp {

struct ConvGeom;  // layers/conv2d.h

inline bool& reference_kernels_flag() {
  static bool on = false;
  return on;
}
inline void set_reference_kernels(bool on) { reference_kernels_flag() = on; }
inline bool reference_kernels() { return reference_kernels_flag(); }

template <typename T>
struct ConvWorkspace {
  GemmWorkspace<T> gemm;
  std::vector<T> col;  // one sample's im2col matrix [C·KH·KW, OH·OW]
};

// conv2d (shapes and equations in layers/conv2d.h), by im2col + GEMM per sample:
//   forward   Y[n] = W · col(X[n]) + b                  W as [OC, C·KH·KW]
//   backward  dW  += δ[n] · col(X[n])ᵀ,  db += Σ δ[n],  dX[n] = col2im(Wᵀ · δ[n])
template <typename T>
void conv2d_forward_fast(T* out, const T* inp, const T* weight, const T* bias, const ConvGeom& g, ConvWorkspace<T>& ws);
template <typename T>
void conv2d_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, const ConvGeom& g,
                          ConvWorkspace<T>& ws);

// dense (layers/dense.h) as three GEMMs: Y = X·Wᵀ + b,  dW += δᵀ·X,  dX = δ·W.
template <typename T>
void dense_forward_fast(T* out, const T* inp, const T* weight, const T* bias, int N, int IN, int OUT, GemmWorkspace<T>& ws);
template <typename T>
void dense_backward_fast(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, int N, int IN, int OUT,
                         GemmWorkspace<T>& ws);

}  // namespace bp

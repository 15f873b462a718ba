// dense.cpp: dense (fully connected) by GEMM (see kernels.h; the math is in layers/dense.h).
//   forward   Y  = X·Wᵀ + b        (b copied into each row of Y, then Y += X·Wᵀ)
//   backward  db += Σ_n δ[n],  dW += δᵀ·X,  dX = δ·W
#include <algorithm>

#include "kernels.h"

namespace bp {

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

#define BP_INSTANTIATE(T)                                                                                  \
  template void dense_forward_fast<T>(T*, const T*, const T*, const T*, int, int, int, GemmWorkspace<T>&); \
  template void dense_backward_fast<T>(T*, T*, T*, const T*, const T*, const T*, int, int, int, GemmWorkspace<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp

// relu.cpp: the fast relu forward and backward (see kernels.h; the math is in layers/activation.h).
//   forward   y = max(x, 0)          y  = x · [x > 0]
//   backward  dx = δ · [x > 0]
// [x > 0] is a lane mask (all ones or zero) from one vector compare, ANDed onto x or δ.
#include "kernels.h"
#include "simd.h"

namespace bp {
namespace {

// v where mask, else +0 (the bits of +0.0 are all zero).
template <typename T>
inline V<T> keep(V<T> v, Mask<T> mask) {
  return (V<T>)((Mask<T>)v & mask);
}

}  // namespace

template <typename T>
void relu_forward_fast(T* out, const T* inp, int64_t n) {
  int64_t i = 0;
  for (; i + VL<T> <= n; i += VL<T>) {
    V<T> x = vload(inp + i);
    vstore(out + i, keep<T>(x, x > V<T>{}));
  }
  for (; i < n; ++i) out[i] = inp[i] > 0 ? inp[i] : T(0);
}

template <typename T>
void relu_backward_fast(T* dinp, const T* dout, const T* inp, int64_t n) {
  int64_t i = 0;
  for (; i + VL<T> <= n; i += VL<T>) vstore(dinp + i, keep<T>(vload(dout + i), vload(inp + i) > V<T>{}));
  for (; i < n; ++i) dinp[i] = inp[i] > 0 ? dout[i] : T(0);
}

template void relu_forward_fast<float>(float*, const float*, int64_t);
template void relu_forward_fast<double>(double*, const double*, int64_t);
template void relu_backward_fast<float>(float*, const float*, const float*, int64_t);
template void relu_backward_fast<double>(double*, const double*, const double*, int64_t);

}  // namespace bp

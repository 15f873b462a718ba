// pool.cpp: the fast max-pooling forward (see kernels.h; the math is in layers/pool.h).
#include "../layers/pool.h"
#include "kernels.h"

namespace bp {

// KH, KW > 0: compile-time window (the common 2×2 and 3×3, fully unrolled); 0: runtime.
// ARG false: no arg-max (argmax may be nullptr), a plain max the compiler can vectorise.
template <int KH, int KW, bool ARG, typename T>
void maxpool_planes(T* out, int* argmax, const T* inp, const PoolGeom& g) {
  const int kh = KH ? KH : g.KH, kw = KW ? KW : g.KW;
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    const T* x = inp + (size_t)nc * g.H * g.W;
    T* y = out + (size_t)nc * g.OH * g.OW;
    int* a = ARG ? argmax + (size_t)nc * g.OH * g.OW : nullptr;
    for (int i = 0; i < g.OH; ++i)
      for (int j = 0; j < g.OW; ++j) {
        int at = i * g.SH * g.W + j * g.SW;  // the window's top-left corner
        T best = x[at];
        int arg = at;
        for (int p = 0; p < kh; ++p)
          for (int q = 0; q < kw; ++q) {
            int k = at + p * g.W + q;
            T v = x[k];
            bool gt = v > best;    // strict >: the first maximum wins ties
            best = gt ? v : best;  // selects, not branches: the data decides at random
            arg = gt ? k : arg;
          }
        y[i * g.OW + j] = best;
        if (ARG) a[i * g.OW + j] = arg;
      }
  }
}

template <typename T>
void maxpool_forward_fast(T* out, int* argmax, const T* inp, const PoolGeom& g) {
  if (!argmax) {
    if (g.KH == 2 && g.KW == 2) maxpool_planes<2, 2, false>(out, argmax, inp, g);
    else if (g.KH == 3 && g.KW == 3) maxpool_planes<3, 3, false>(out, argmax, inp, g);
    else maxpool_planes<0, 0, false>(out, argmax, inp, g);
  } else if (g.KH == 2 && g.KW == 2) maxpool_planes<2, 2, true>(out, argmax, inp, g);
  else if (g.KH == 3 && g.KW == 3) maxpool_planes<3, 3, true>(out, argmax, inp, g);
  else maxpool_planes<0, 0, true>(out, argmax, inp, g);
}

template void maxpool_forward_fast<float>(float*, int*, const float*, const PoolGeom&);
template void maxpool_forward_fast<double>(double*, int*, const double*, const PoolGeom&);

}  // namespace bp

// pool.cpp: the fast max-pooling forward (see kernels.h; the math is in layers/pool.h).
#include "../layers/pool.h"
#include "kernels.h"

namespace bp {

template <typename T>
void maxpool_forward_fast(T* out, int* argmax, const T* inp, const PoolGeom& g) {
  for (int nc = 0; nc < g.N * g.C; ++nc) {
    const T* x = inp + (size_t)nc * g.H * g.W;
    T* y = out + (size_t)nc * g.OH * g.OW;
    int* a = argmax + (size_t)nc * g.OH * g.OW;
    for (int i = 0; i < g.OH; ++i)
      for (int j = 0; j < g.OW; ++j) {
        int at = i * g.SH * g.W + j * g.SW;  // the window's top-left corner
        T best = x[at];
        int arg = at;
        for (int p = 0; p < g.KH; ++p)
          for (int q = 0; q < g.KW; ++q) {
            int k = at + p * g.W + q;
            T v = x[k];
            bool gt = v > best;  // strict >: the first maximum wins ties
            best = gt ? v : best;  // selects, not branches: the data decides at random
            arg = gt ? k : arg;
          }
        y[i * g.OW + j] = best;
        a[i * g.OW + j] = arg;
      }
  }
}

template void maxpool_forward_fast<float>(float*, int*, const float*, const PoolGeom&);
template void maxpool_forward_fast<double>(double*, int*, const double*, const PoolGeom&);

}  // namespace bp

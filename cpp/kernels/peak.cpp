// peak.cpp: see peak.h.
#include "peak.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "gemm.h"

namespace bp {

double peak_gflops(double ms) {
  constexpr int kc = 128;                 // A panel 2 KB + B panel 4 KB: L1-resident
  constexpr int NR = kGemmNV * 16 / 4;    // floats per row of the tile
  std::vector<float> a(kGemmMR * kc), b(kc * NR), c(kGemmMR * NR, 0.f);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 1e-3f * (float)(i % 7);
  for (size_t i = 0; i < b.size(); ++i) b[i] = 1e-3f * (float)(i % 5);
  using clock = std::chrono::steady_clock;
  // Warm-up in many short calls: V8 compiles WASM with its baseline tier first and swaps in
  // the optimised code for later calls of a hot function (it has no on-stack replacement).
  auto w0 = clock::now();
  while (std::chrono::duration<double, std::milli>(clock::now() - w0).count() < 50) gemm_micro_flops(kc, 20, a.data(), b.data(), c.data());
  // The best of ~5 ms windows: on a shared machine a window in which the scheduler gave
  // the core away measures the load, not the kernel; the best one measures the kernel.
  double best = 0;
  auto t0 = clock::now();
  for (;;) {
    double flops = 0, win;
    auto w = clock::now();
    do {
      flops += gemm_micro_flops(kc, 200, a.data(), b.data(), c.data());
      win = std::chrono::duration<double, std::milli>(clock::now() - w).count();
    } while (win < 5);
    best = std::max(best, flops / (win * 1e6));
    if (std::chrono::duration<double, std::milli>(clock::now() - t0).count() >= ms) break;
  }
  volatile float sink = c[0];  // keep the result alive
  (void)sink;
  return best;
}

}  // namespace bp

// kernel_bench: native GFLOP/s of the fast conv kernels (forward, backward = dW + db + dX)
// on the mnist-cnn and "medium" layer shapes, beside the reference loops and the
// micro-kernel peak; then whole-net training and inference samples/s, fast vs reference.
// Usage: kernel_bench [repeats=5]. Medians of `repeats` timed runs after a warm-up, in
// thread CPU time (the peak line is wall-clock, as the WASM one must be).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/peak.h"
#include "layers/conv2d.h"
#include "net/sequential.h"

namespace {

// This thread's CPU seconds: the machine is shared, and CPU time leaves out the time
// other processes held the core (wall-clock rates would measure the load, not the code).
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

// Median CPU seconds of one call of f over `repeats` runs (each run loops until ≥ 50 ms).
double time_median(int repeats, const std::function<void()>& f) {
  f();
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    int iters = 0;
    double t0 = cpu_seconds(), el;
    do {
      f();
      ++iters;
      el = cpu_seconds() - t0;
    } while (el < 0.05);
    t.push_back(el / iters);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void conv_row(const char* name, bp::ConvGeom g, int repeats) {
  g.OH = (g.H + 2 * g.PH - g.KH) / g.SH + 1;
  g.OW = (g.W + 2 * g.PW - g.KW) / g.SW + 1;
  size_t nx = (size_t)g.N * g.C * g.H * g.W, ny = (size_t)g.N * g.OC * g.OH * g.OW, nw = (size_t)g.OC * g.C * g.KH * g.KW;
  std::vector<float> x(nx, 0.5f), y(ny), dy(ny, 0.25f), dx(nx), w(nw, 0.1f), dw(nw), b(g.OC, 0.f), db(g.OC);
  bp::ConvWorkspace<float> ws;
  double macs = (double)ny * g.C * g.KH * g.KW;  // per forward
  double f_fast = time_median(repeats, [&] { bp::conv2d_forward_fast(y.data(), x.data(), w.data(), b.data(), g, ws); });
  double b_fast = time_median(repeats, [&] {
    bp::conv2d_backward_fast(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), g, ws);
  });
  double f_ref = time_median(1, [&] { bp::conv2d_forward_ref(y.data(), x.data(), w.data(), b.data(), g); });
  double b_ref = time_median(1, [&] { bp::conv2d_backward_ref(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), g); });
  std::printf("%-28s fwd %6.2f GFLOP/s (ref %5.2f)   bwd %6.2f GFLOP/s (ref %5.2f)\n", name, 2 * macs / f_fast * 1e-9,
              2 * macs / f_ref * 1e-9, 4 * macs / b_fast * 1e-9, 4 * macs / b_ref * 1e-9);
}

void net_row(const char* name, const std::string& spec, int N, int repeats) {
  std::unique_ptr<bp::Sequential<float>> net;
  bp::Status s = bp::Sequential<float>::build(spec, net);
  if (!s.ok()) {
    std::printf("%s: %s\n", name, s.msg.c_str());
    return;
  }
  std::vector<float> x((size_t)N * net->in_size());
  bp::Rng r(1);
  for (auto& v : x) v = (float)r.uniform();
  std::vector<double> t(N);
  for (int i = 0; i < N; ++i) t[i] = i % 10;
  double res[2][2];
  for (int ref : {0, 1}) {
    bp::kernel_flags().reference = ref;
    res[ref][0] = N / time_median(ref ? 1 : repeats, [&] { net->run_compute_gradients(x.data(), t.data(), N); });
    res[ref][1] = N / time_median(ref ? 1 : repeats, [&] { net->run_forward(x.data(), N); });
  }
  bp::kernel_flags().reference = false;
  std::printf("%-28s train %7.0f samples/s (ref %6.0f)   inference %7.0f samples/s (ref %6.0f)\n", name, res[0][0], res[1][0],
              res[0][1], res[1][1]);
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::printf("micro-kernel peak (4x8 f32 tile, mul+add): %.2f GFLOP/s\n", bp::peak_gflops(300));
  // ConvGeom: N C H W OC KH KW SH SW PH PW (OH OW computed)
  conv_row("mnist-cnn conv1 (32)", {32, 1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 0, 0}, repeats);
  conv_row("mnist-cnn conv2 (32)", {32, 8, 14, 14, 16, 5, 5, 1, 1, 2, 2, 0, 0}, repeats);
  conv_row("medium conv1 (64)", {64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 0, 0}, repeats);
  conv_row("medium conv2 (64)", {64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 0, 0}, repeats);
  net_row("mnist-cnn (32)",
          R"({"input":[1,28,28],"layers":[{"type":"conv2d","filters":8,"kernel":5,"padding":2},{"type":"relu"},)"
          R"({"type":"maxpool2d","size":2},{"type":"conv2d","filters":16,"kernel":5,"padding":2},{"type":"relu"},)"
          R"({"type":"maxpool2d","size":3},{"type":"flatten"},{"type":"dense","units":10}],"loss":"softmax_cross_entropy"})",
          32, repeats);
  net_row("medium (64)",
          R"({"input":[1,28,28],"layers":[{"type":"conv2d","filters":32,"kernel":3,"padding":1},{"type":"relu"},)"
          R"({"type":"maxpool2d","size":2},{"type":"conv2d","filters":64,"kernel":3,"padding":1},{"type":"relu"},)"
          R"({"type":"maxpool2d","size":2},{"type":"flatten"},{"type":"dense","units":128},{"type":"relu"},)"
          R"({"type":"dense","units":10}],"loss":"softmax_cross_entropy"})",
          64, repeats);
  return 0;
}

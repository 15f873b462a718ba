// Winograd F(2×2, 3×3) conv2d forward (kernels/winograd.h) against conv2d_forward_ref on odd
// shapes: channels 1/3/7/32, filters 1/5/16, H, W in {1,2,3,5,7,14,15} (odd sizes leave
// ragged last tiles), padding 0/1/2 and rectangular, batch 1 and 33, in float32 (the only
// type it is built for: float64 nets take the implicit GEMM). Tolerance relative to the
// output's largest magnitude: 1e-5, where the transforms' extra adds and halvings cost a few
// ulps of the partial sums (observed ≤ 7e-7 here, C = 32): 1e-5 leaves 10× margin and still
// catches any wrong coefficient, which moves outputs by O(1) of the scale.
// Then through Sequential: the dispatch reaches the float32 layer and not the float64 one,
// training gradients equal the reference kernels', and backward after a Winograd forward
// rebuilds its im2col columns.
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/kernels.h"
#include "kernels/winograd.h"
#include "layers/conv2d.h"
#include "test_util.h"

using namespace bpt;

namespace {

template <typename T>
double tol() {
  return sizeof(T) == 4 ? 1e-5 : 1e-12;
}

template <typename T>
void check(int N, int C, int H, int W, int OC, int PH, int PW, bp::WinogradWorkspace<T>& ws, uint64_t seed) {
  bp::ConvGeom g{N, C, H, W, OC, 3, 3, 1, 1, PH, PW, H + 2 * PH - 2, W + 2 * PW - 2};
  std::string what = "N" + std::to_string(N) + " C" + std::to_string(C) + " " + std::to_string(H) + "x" + std::to_string(W) +
                     " OC" + std::to_string(OC) + " P" + std::to_string(PH) + "," + std::to_string(PW) +
                     (sizeof(T) == 4 ? " f32" : " f64");
  bp::Rng r(seed);
  auto rnd = [&](size_t n) {
    std::vector<T> v(n);
    for (auto& x : v) x = (T)r.uniform(-1, 1);
    return v;
  };
  auto x = rnd((size_t)N * C * H * W), w = rnd((size_t)OC * C * 9), b = rnd(OC);
  std::vector<T> want((size_t)N * OC * g.OH * g.OW), got(want.size(), T(7));
  bp::conv2d_forward_ref(want.data(), x.data(), w.data(), b.data(), g);
  bp::conv2d_forward_winograd(got.data(), x.data(), w.data(), b.data(), g, ws);
  expect_rel_close(got, want, tol<T>(), what);
}

// A seeded sample of C {1,3,7,32} × OC {1,5,16} × H, W {1,2,3,5,7,14,15} × padding
// {0,1,2}² × batch {1,33}; sizes too small for a 3×3 window at that padding get padding 1 more.
// One workspace for all: it must grow and shrink its use correctly between shapes.
template <typename T>
void grid(int points, uint64_t seed) {
  const int Cs[] = {1, 3, 7, 32}, OCs[] = {1, 5, 16}, Ss[] = {1, 2, 3, 5, 7, 14, 15};
  bp::Rng r(seed);
  bp::WinogradWorkspace<T> ws;
  for (int t = 0; t < points; ++t) {
    int H = Ss[r.below(7)], W = Ss[r.below(7)], PH = r.below(3), PW = r.below(4) == 0 ? r.below(3) : PH;
    while (H + 2 * PH < 3) ++PH;
    while (W + 2 * PW < 3) ++PW;
    int C = Cs[r.below(4)], N = r.below(4) == 0 ? 33 : 1;
    if (C == 32 && N == 33) N = 3;  // keeps the reference loops quick
    check<T>(N, C, H, W, OCs[r.below(3)], PH, PW, ws, seed * 1000 + t);
  }
}

}  // namespace

TEST(Winograd, MatchesReferenceFloat32) { grid<float>(70, 3); }

TEST(Winograd, EdgeShapes) {
  // Corners the sample may miss: 1×1 and 2×2 inputs (one ragged tile), odd 15×15 with
  // rectangular padding, batch 33, and the medium net's conv2 (14×14, 32 → 64, padding 1).
  bp::WinogradWorkspace<float> ws;
  auto run = [&](int N, int C, int H, int W, int OC, int PH, int PW) { check<float>(N, C, H, W, OC, PH, PW, ws, 17); };
  run(1, 3, 1, 1, 5, 1, 1);
  run(33, 7, 2, 2, 16, 1, 1);
  run(2, 1, 1, 15, 1, 2, 1);
  run(33, 3, 15, 15, 5, 0, 2);
  run(33, 7, 14, 5, 16, 2, 0);
  run(4, 32, 14, 14, 64, 1, 1);
  run(2, 8, 5, 5, 130, 1, 1);  // OC > 128: U too tall to pack once (gemm_prepacks), packed per GEMM
}

TEST(Winograd, FilterTransformFollowsTheWeights) {
  // U is cached against a copy of the weights: a weight changed in place (an optimizer
  // step), a sign flip of zero (−0 vs 0: bits differ, values equal) and the same weights as
  // another shape ([OC, C] = [3, 5] vs [5, 3]) must all give the reference's outputs.
  bp::WinogradWorkspace<float> ws;
  const auto f32 = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  std::vector<float> w = f32(randn(135, 8));
  for (int t = 0; t < 4; ++t) {
    const int OC = t == 3 ? 5 : 3, C = t == 3 ? 3 : 5;
    bp::ConvGeom g{2, C, 6, 5, OC, 3, 3, 1, 1, 1, 1, 6, 5};
    if (t == 1) w[17] += 0.25f;
    if (t == 2) w[0] = 0.0f, w[1] = -0.0f;
    auto x = f32(randn((size_t)2 * C * 30, 9 + t)), b = f32(randn(OC, 10));
    std::vector<float> want((size_t)2 * OC * 30), got(want.size());
    bp::conv2d_forward_ref(want.data(), x.data(), w.data(), b.data(), g);
    bp::conv2d_forward_winograd(got.data(), x.data(), w.data(), b.data(), g, ws);
    expect_rel_close(got, want, 1e-5, "step " + std::to_string(t));
  }
}

namespace {

const char* kNet = R"({"input":[8,9,7],"layers":[{"type":"conv2d","filters":8,"kernel":3,"padding":1},{"type":"relu"},
    {"type":"conv2d","filters":5,"kernel":3,"padding":[0,2]},{"type":"flatten"},{"type":"dense","units":4}],
    "loss":"softmax_cross_entropy","dtype":"float64"})";

// One training pass (forward, loss, backward) of kNet with the given kernels: output, dX and
// every parameter gradient; `used` tells whether the first conv ran the Winograd forward.
template <typename T>
std::vector<std::vector<double>> pass(bool reference, bool wino, bool* used = nullptr) {
  bp::kernel_flags().reference = reference;
  bp::kernel_flags().winograd = wino;
  auto net = build<T>(kNet);
  auto xd = distinct((size_t)33 * net->in_size(), 5);
  std::vector<T> x(xd.begin(), xd.end());
  std::vector<double> t(33);
  for (int n = 0; n < 33; ++n) t[n] = n % 4;
  net->run_compute_gradients(x.data(), t.data(), 33);
  std::vector<std::vector<double>> out = {as_double(net->output(), (size_t)33 * net->out_size()),
                                          as_double(net->input_grad(), x.size())};
  for (auto* p : net->param_list()) out.push_back(std::vector<double>(p->grad.begin(), p->grad.end()));
  if (used) *used = !static_cast<bp::Conv2d<T>*>(net->layers[0].get())->wino.U.empty();
  bp::kernel_flags().reference = false;
  bp::kernel_flags().winograd = true;
  return out;
}

template <typename T>
void training_matches_reference() {
  bool used_on = false, used_off = true;
  auto ref = pass<T>(true, false), on = pass<T>(false, true, &used_on), off = pass<T>(false, false, &used_off);
  EXPECT_EQ(used_on, sizeof(T) == 4) << "8 channels, 3×3, stride 1: the Winograd forward should run in float32 (only)";
  EXPECT_TRUE(bp::winograd_applies(static_cast<bp::Conv2d<T>*>(build<T>(kNet)->layers[2].get())->g)) << "conv2 too";
  EXPECT_FALSE(used_off) << "winograd = false should reach the layer";
  const char* names[] = {"Y", "dX", "dW conv1", "db conv1", "dW conv2", "db conv2", "dW dense", "db dense"};
  ASSERT_EQ(on.size(), 8u);
  // Gradients in float32 get 1e-4: Y's few-ulp differences (within 1e-5 of its scale) pass
  // through softmax − onehot into δ, whose scale is far below Y's (seen: 1.2e-5 in dX).
  for (size_t i = 0; i < on.size(); ++i) {
    double t = i == 0 || sizeof(T) == 8 ? tol<T>() : 1e-4;
    expect_rel_close(on[i], ref[i], t, std::string("winograd vs reference: ") + names[i]);
    expect_rel_close(off[i], ref[i], tol<T>(), std::string("im2col vs reference: ") + names[i]);
  }
}

}  // namespace

TEST(Winograd, TrainingThroughSequentialMatchesReferenceFloat32) { training_matches_reference<float>(); }
TEST(Winograd, TrainingThroughSequentialMatchesReferenceFloat64) { training_matches_reference<double>(); }

TEST(Winograd, BackwardRebuildsColumnsAfterAWinogradForward) {
  // An im2col forward keeps the columns of its input buffer; if the next forward (Winograd)
  // on new values in the same buffer left them marked valid, backward would compute dW from
  // the old input. Sequential reuses its activation buffers every step, so this is the
  // second training step after switching Winograd on.
  auto net = build<float>(R"({"input":[8,5,6],"layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":1}],"loss":"mse"})");
  ASSERT_TRUE(net);
  auto& conv = static_cast<bp::Conv2d<float>&>(*net->layers[0]);
  const int N = 3;
  bp::ConvGeom g = conv.g;
  g.N = N;
  const auto f32 = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  auto w = f32(randn((size_t)4 * 8 * 9, 1)), x = f32(randn((size_t)N * 8 * 30, 2)), dy = f32(randn((size_t)N * 4 * 30, 3));
  conv.params[0].value = w;
  conv.params[1].value = {0.1f, -0.2f, 0.3f, 0};
  std::vector<float> y(dy.size()), dx(x.size()), dw_ref(w.size()), db_ref(4), dx_ref(x.size());
  bp::kernel_flags().winograd = false;
  conv.forward(y.data(), x.data(), N);  // columns of x kept
  for (auto& v : x) v = -2 * v + 0.5f;  // new values, same buffer
  bp::kernel_flags().winograd = true;
  conv.forward(y.data(), x.data(), N);
  EXPECT_FALSE(conv.wino.U.empty());
  conv.params[0].grad.assign(w.size(), 0);
  conv.params[1].grad.assign(4, 0);
  conv.backward(dx.data(), dy.data(), x.data(), y.data(), N);
  bp::conv2d_backward_ref(dx_ref.data(), dw_ref.data(), db_ref.data(), dy.data(), x.data(), w.data(), g);
  expect_rel_close(conv.params[0].grad, dw_ref, 1e-5, "dW");
  expect_rel_close(dx, dx_ref, 1e-5, "dX");
}

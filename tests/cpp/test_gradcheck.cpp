// The gradient checker itself: it must FAIL on a wrong gradient (else every other gradient
// test proves nothing), count kinks instead of reporting false failures, and sample big tensors.
#include "layers/activation.h"
#include "layers/dense.h"
#include "test_util.h"

using namespace bpt;

namespace {
// y = 2x whose backward forgets the 2: dx = δ instead of 2δ.
class ScaleForgetsFactor : public bp::Layer<double> {
 public:
  explicit ScaleForgetsFactor(const bp::Shape& s, double factor_in_backward) : k(factor_in_backward) { in_shape = out_shape = s; }
  void forward(double* out, const double* inp, int N) override {
    for (int64_t i = 0; i < N * in_size(); ++i) out[i] = 2 * inp[i];
  }
  void backward(double* dinp, const double* dout, const double*, const double*, int N) override {
    for (int64_t i = 0; i < N * in_size(); ++i) dinp[i] = k * dout[i];
  }
  double k;
};

// The classic bug: a dense layer whose weight and bias gradients are divided by N again
// (the loss already did), while its input gradient is right.
class DenseDividesByN : public bp::Dense<double> {
 public:
  void backward(double* dinp, const double* dout, const double* inp, const double* out, int N) override {
    std::vector<std::vector<double>> before;
    for (auto& p : params) before.push_back(p.grad);
    bp::Dense<double>::backward(dinp, dout, inp, out, N);
    for (size_t k = 0; k < params.size(); ++k)
      for (size_t i = 0; i < params[k].grad.size(); ++i)
        params[k].grad[i] = before[k][i] + (params[k].grad[i] - before[k][i]) / N;
  }
};

bp::GradCheckOptions precise() {
  bp::GradCheckOptions o;
  o.stencil = 4;
  o.eps = 1e-4;
  return o;
}
}  // namespace

TEST(GradCheck, FailsWhenBackwardOmitsAFactor) {
  const char* spec = R"({"input":[3],"layers":[{"type":"dense","units":4},{"type":"tanh"},{"type":"dense","units":2}],"loss":"mse"})";
  auto x = randn(6, 1), t = randn(4, 2);
  for (double k : {1.0, 2.0}) {
    auto net = build<double>(spec);
    net->layers[1] = std::make_unique<ScaleForgetsFactor>(bp::Shape{4}, k);  // in place of tanh
    auto rows = bp::grad_check(*net, x.data(), t.data(), 2, precise());
    ASSERT_EQ(rows.size(), 5u);  // dense0 weight, bias, dense2 weight, bias, input
    // Below the wrong layer every gradient is half the truth: relative error exactly 1/2.
    for (int r : {0, 1, 4}) {
      if (k == 1.0) {
        EXPECT_FALSE(rows[r].passed) << rows[r].name;
        EXPECT_NEAR(rows[r].max_rel_error, 0.5, 1e-6) << rows[r].name;
      } else {
        EXPECT_TRUE(rows[r].passed) << rows[r].name;
        EXPECT_LT(rows[r].max_rel_error, 1e-8) << rows[r].name;
      }
    }
    // Above it (dense 2) the gradients do not pass through the bug.
    EXPECT_TRUE(rows[2].passed);
    EXPECT_TRUE(rows[3].passed);
  }
}

TEST(GradCheck, CatchesParameterGradientsDividedByNTwice) {
  auto net = build<double>(R"({"input":[3],"layers":[{"type":"dense","units":2}],"loss":"mse"})");
  auto bad = std::make_unique<DenseDividesByN>();
  bad->IN = 3, bad->OUT = 2, bad->in_shape = {3}, bad->out_shape = {2};
  bad->params = net->layers[0]->params;
  net->layers[0] = std::move(bad);
  auto x = randn(12, 3), t = randn(8, 4);
  auto rows = bp::grad_check(*net, x.data(), t.data(), 4, precise());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_FALSE(rows[0].passed);                      // weight: 1/4 of the truth
  EXPECT_NEAR(rows[0].max_rel_error, 0.75, 1e-6);
  EXPECT_FALSE(rows[1].passed);                      // bias
  EXPECT_TRUE(rows[2].passed);                       // input: right
  EXPECT_LT(rows[2].max_rel_error, 1e-8);
}

TEST(GradCheck, CountsReluKinkAtExactlyZero) {
  auto net = build<double>(R"({"input":[4],"layers":[{"type":"relu"},{"type":"dense","units":2}],"loss":"mse"})");
  std::vector<double> x = {0, 1, -1, 0.5}, t = {0.3, -0.2};  // x[0] sits on the kink
  auto rows = bp::grad_check(*net, x.data(), t.data(), 1, precise());
  const auto& in = rows.back();
  EXPECT_EQ(in.name, "input");
  EXPECT_EQ(in.kinks, 1);    // ±h at x = 0 flips the ReLU branch: left out, not failed
  EXPECT_EQ(in.checked, 3);
  EXPECT_TRUE(in.passed);
  EXPECT_LT(in.max_rel_error, 1e-8);
  // and the weight row: column 0 multiplies relu(0) = 0 on both sides, no kink there
  EXPECT_EQ(rows[0].kinks, 0);
}

TEST(GradCheck, CountsMaxPoolTies) {
  auto net = build<double>(R"({"input":[1,2,2],"layers":[{"type":"maxpool2d","size":2}],"loss":"mse"})");
  std::vector<double> x = {3, 3, 1, 2}, t = {1};  // a tie between x[0] and x[1]
  auto rows = bp::grad_check(*net, x.data(), t.data(), 1, precise());
  // x[0] − h hands the max to x[1]; x[1] + h takes it: both are kinks. x[2], x[3] never win.
  EXPECT_EQ(rows[0].kinks, 2);
  EXPECT_EQ(rows[0].checked, 2);
  EXPECT_TRUE(rows[0].passed);
  // the analytic gradient itself goes to the first arg-max: dL/dx0 = 2(3 − 1) = 4
  expect_near_all(as_double(net->input_grad(), 4), {4, 0, 0, 0}, 1e-12, "dX");
}

TEST(GradCheck, WithoutKinkDetectionTheTieWouldLookWrong) {
  // The centred difference at a tie sees half the slope: (L(x0+h) − L(x0−h))/2h ≈ 2 while the
  // analytic gradient is 4 (x0) and 0 (x1). Such a point must be a kink, not a failure.
  auto net = build<double>(R"({"input":[1,1,2],"layers":[{"type":"globalmaxpool"}],"loss":"mse"})");
  std::vector<double> x = {3, 3}, t = {1};
  auto rows = bp::grad_check(*net, x.data(), t.data(), 1, precise());
  EXPECT_EQ(rows[0].kinks, 2);
  EXPECT_EQ(rows[0].checked, 0);
}

TEST(GradCheck, SamplesLargeTensors) {
  auto net = build<double>(R"({"input":[50],"layers":[{"type":"dense","units":30}],"loss":"mse"})");
  auto x = randn(100, 1), t = randn(60, 2);
  bp::GradCheckOptions o = precise();
  o.max_coords = 25;
  auto rows = bp::grad_check(*net, x.data(), t.data(), 2, o);
  EXPECT_EQ(rows[0].checked, 25);  // weight: 1500 coordinates, 25 sampled
  EXPECT_EQ(rows[1].checked, 25);  // bias: 30 > 25, sampled
  EXPECT_EQ(rows[2].checked, 25);  // input: 100
  for (auto& r : rows) EXPECT_TRUE(r.passed);
  o.max_coords = 30;
  rows = bp::grad_check(*net, x.data(), t.data(), 2, o);
  EXPECT_EQ(rows[1].checked, 30);  // all of the bias
}

TEST(GradCheck, StencilFourIsExactOnAQuadraticLoss) {
  // dense + mse is quadratic in every parameter: the 4-point stencil has no truncation error,
  // so only rounding (~1e-12) remains, and stencil 2 at h = 1e-6 is far noisier.
  auto net = build<double>(R"({"input":[5],"layers":[{"type":"dense","units":3}],"loss":"mse"})");
  auto x = randn(10, 5), t = randn(6, 6);
  for (auto& r : bp::grad_check(*net, x.data(), t.data(), 2, precise())) EXPECT_LT(r.max_abs_error, 1e-10) << r.name;
}

TEST(GradCheck, ReportsPerTensorRowsAndLeavesTheNetAsItWas) {
  auto net = build<double>(R"({"input":[1,4,4],"layers":[{"type":"conv2d","filters":2,"kernel":3},{"type":"relu"},)"
                           R"({"type":"flatten"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})");
  auto before = net->layers[0]->params[0].value;
  auto x = randn(32, 8);
  std::vector<double> t = {0, 2};
  auto rows = bp::grad_check(*net, x.data(), t.data(), 2, precise());
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].layer, 0);
  EXPECT_EQ(rows[0].name, "weight");
  EXPECT_EQ(rows[0].shape, (bp::Shape{2, 1, 3, 3}));
  EXPECT_EQ(rows[2].layer, 3);
  EXPECT_EQ(rows[4].layer, -1);
  EXPECT_EQ(rows[4].shape, (bp::Shape{2, 1, 4, 4}));
  EXPECT_EQ(net->layers[0]->params[0].value, before);  // every probe restored θ
  for (auto& l : net->layers) EXPECT_FALSE(l->track_kinks);
}

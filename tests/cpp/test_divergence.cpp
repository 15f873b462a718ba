// The divergence watch (sequential.cpp): a non-finite loss, or a step that would leave a
// non-finite weight or optimizer state, is refused with the step, the layer and the tensor;
// the net keeps its weights, optimizer state and step count, and trains on after it.
#include <gtest/gtest.h>

#include "net/model.h"
#include "test_util.h"

namespace {

// Everything a refused step must leave as it was.
struct Snapshot {
  std::vector<std::vector<double>> values, state;
  int64_t t;
};
template <typename T>
Snapshot snapshot(bp::Model& m) {
  Snapshot s;
  auto* net = m.net<T>();
  for (auto* p : net->param_list()) s.values.emplace_back(p->value.begin(), p->value.end());
  for (auto& st : net->opt.state) s.state.emplace_back(st.begin(), st.end());
  s.t = net->opt.t;
  return s;
}
void expect_same(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.t, b.t);
}

std::string spec(const char* loss, const char* dtype, const char* optimizer) {
  return std::string(R"({"input":[2],"layers":[{"type":"dense","units":2}],"loss":")") + loss + R"(","dtype":")" + dtype +
         R"(","optimizer":)" + optimizer + "}";
}

TEST(Divergence, InputsOf1e30AdamStateOverflowsFloat32) {
  // g = (p − onehot)·x ~ 1e30, so v = (1 − β2)·g² ~ 1e57: past float32's 3.4e38 at step 1.
  bp::Model m;
  ASSERT_TRUE(m.init(spec("softmax_cross_entropy", "float32", R"({"type":"adam","lr":0.001})")).ok());
  m.x32 = {1e30f, 1e30f};
  m.targets = {1};  // (not the arg-max: with it, p − onehot would be 0 and so the gradient)
  const Snapshot before = snapshot<float>(m);
  double L;
  EXPECT_EQ(m.train_step(1, L).msg,
            "trainStep: training diverged at step 1: layer 0 (dense) weight's adam state exp_avg_sq[0] would become inf "
            "(its gradient 1.000000015e+30, lr 0.001); the step was not taken, the net keeps its weights and optimizer state "
            "(try a lower lr, or scale the inputs or targets)");
  expect_same(before, snapshot<float>(m));
  // The net trains on: a finite input steps as if the refused call had not happened.
  m.x32 = {0.5f, -1.0f};
  ASSERT_TRUE(m.train_step(1, L).ok());
  EXPECT_EQ(m.net<float>()->opt.t, 1);
  for (auto* p : m.net<float>()->param_list())
    for (float v : p->value) EXPECT_TRUE(std::isfinite(v));
}

TEST(Divergence, InputsOf1e30SgdLossGoesNonFiniteAtStep2) {
  // Step 1: w ← w − 0.01·g with g ~ 1e30 leaves w ~ 1e28, finite; step 2's logits w·x ~ 1e58
  // overflow float32, the loss is NaN, and the message names the layer whose output overflowed.
  bp::Model m;
  ASSERT_TRUE(m.init(spec("softmax_cross_entropy", "float32", R"({"type":"sgd","lr":0.01})")).ok());
  m.x32 = {1e30f, 1e30f};
  m.targets = {1};  // (not the arg-max: with it, p − onehot would be 0 and so the gradient)
  double L;
  ASSERT_TRUE(m.train_step(1, L).ok()) << "step 1 stays finite";
  const Snapshot before = snapshot<float>(m);
  const std::string msg = m.train_step(1, L).msg;
  EXPECT_EQ(msg.substr(0, 78), "trainStep: training diverged at step 2: the loss is nan (the first non-finite ");
  EXPECT_NE(msg.find("output: layer 0 (dense) output[0] = "), std::string::npos) << msg;
  expect_same(before, snapshot<float>(m));
}

TEST(Divergence, MseTargetsOf1e300LossIsInf) {
  // L = ½·(y − 1e300)² overflows double: refused before any gradient reaches the weights.
  for (const char* dtype : {"float32", "float64"}) {
    bp::Model m;
    ASSERT_TRUE(m.init(spec("mse", dtype, R"({"type":"sgd","lr":0.01})")).ok());
    m.x32 = {0.5f, -1.0f};
    m.x64 = {0.5, -1.0};
    m.targets = {1e300, 0};
    double L;
    const bool f64 = std::string(dtype) == "float64";
    const Snapshot before = f64 ? snapshot<double>(m) : snapshot<float>(m);
    EXPECT_EQ(m.train_step(1, L).msg,
              "trainStep: training diverged at step 1: the loss is inf (every layer's output is finite: the targets are "
              "too far from it); the step was not taken, the net keeps its weights and optimizer state (try a lower lr, "
              "or scale the inputs or targets)")
        << dtype;
    expect_same(before, f64 ? snapshot<double>(m) : snapshot<float>(m));
    m.targets = {1, 0};
    ASSERT_TRUE(m.train_step(1, L).ok()) << dtype;
    EXPECT_TRUE(std::isfinite(L));
  }
}

TEST(Divergence, ApplyGradientsWeightOverflowsFloat32) {
  // The data-parallel step: θ − 10·1e38 = −1e39 is past float32.
  bp::Model m;
  ASSERT_TRUE(m.init(spec("mse", "float32", R"({"type":"sgd","lr":10})")).ok());
  m.v32.assign(6, 0.0f);
  m.v32[4] = 1e38f;  // bias[0] (weight 2×2 first, then bias 2)
  ASSERT_TRUE(m.set_gradients().ok());
  const Snapshot before = snapshot<float>(m);
  EXPECT_EQ(m.apply_gradients().msg,
            "applyGradients: training diverged at step 1: layer 0 (dense) bias[0] would become -inf (its gradient "
            "9.99999968e+37, lr 10); the step was not taken, the net keeps its weights and optimizer state (try a "
            "lower lr, or scale the inputs or targets)");
  expect_same(before, snapshot<float>(m));
  m.v32.assign(6, 1.0f);
  ASSERT_TRUE(m.set_gradients().ok());
  ASSERT_TRUE(m.apply_gradients().ok());
  EXPECT_EQ(m.net<float>()->opt.t, 1);
  EXPECT_EQ(m.param<float>(0, "bias")->value[0], -10.0f);
}

TEST(Divergence, FitStopsAndStaysAtTheBatch) {
  // A fit over a dataset whose second sample is 1e30: the refused step leaves the trainer at
  // that batch (same position, same step count) and the net at its weights.
  bp::Model m;
  ASSERT_TRUE(m.init(spec("softmax_cross_entropy", "float32", R"({"type":"adam","lr":0.001})")).ok());
  bp::Dataset ds;
  ds.floats = {0.5f, -1.0f, 1e30f, 1e30f};
  ds.targets = {0, 1};
  ASSERT_TRUE(ds.finish({2}, false, 2).ok());
  bp::FitConfig cfg{1, false, 1};
  bp::FitReport r;
  ASSERT_TRUE(m.fit_steps(ds, 1, cfg, r).ok());
  const Snapshot before = snapshot<float>(m);
  const std::string msg = m.fit_steps(ds, 1, cfg, r).msg;
  EXPECT_EQ(msg.substr(0, 89), "fit: training diverged at step 2: layer 0 (dense) weight's adam state exp_avg_sq[0] would") << msg;
  expect_same(before, snapshot<float>(m));
  EXPECT_EQ(m.trainer.position().total_steps, 1);
  EXPECT_EQ(m.trainer.position().position, 1);
}

TEST(Divergence, DatasetShapeMustMatchAConvNet) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(R"({"input":[1,4,4],"layers":[{"type":"conv2d","filters":2,"kernel":3},{"type":"flatten"},
                                     {"type":"dense","units":2}]})"))
                  .ok());
  bp::Dataset ds;
  ds.floats.assign(16, 0.5f);
  ds.targets = {1};
  ASSERT_TRUE(ds.finish({1, 2, 8}, false, 2).ok());
  bp::FitReport r;
  EXPECT_EQ(m.fit_steps(ds, 1, bp::FitConfig{1, false, 1}, r).msg, "fit: dataset samples are [1,2,8] but the net takes [1,4,4]");
  bp::Dataset ok;
  ok.floats.assign(16, 0.5f);
  ok.targets = {1};
  ASSERT_TRUE(ok.finish({1, 4, 4}, false, 2).ok());
  EXPECT_TRUE(m.fit_steps(ok, 1, bp::FitConfig{1, false, 1}, r).ok());
  // A flat net takes any shape with as many values per sample ([1,28,28] into a [784] net).
  bp::Model flat;
  ASSERT_TRUE(flat.init(std::string(R"({"input":[16],"layers":[{"type":"dense","units":2}]})")).ok());
  EXPECT_TRUE(flat.fit_steps(ds, 1, bp::FitConfig{1, false, 1}, r).ok());
}

}  // namespace

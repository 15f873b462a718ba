// The lessons' core calls: Model::trace (every gradient in the net's dtype, the softmax
// probabilities) and Model::numeric_gradient (every entry of one tensor, on the net's suffix for
// a middle layer's input or the loss's), against each other in float64, off kinks.
#include "net/model.h"
#include "test_util.h"

namespace {

const char* kNet = R"({"input":[1,6,6],"dtype":"float64","seed":2,"layers":[{"type":"conv2d","filters":2,"kernel":3,"stride":2,"padding":1},
  {"type":"relu"},{"type":"maxpool2d","size":2,"stride":1},{"type":"flatten"},{"type":"dense","units":3}]})";

TEST(Trace, NumericGradientOfEveryTensorMatchesTheTracedGradients) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kNet)).ok());
  const int N = 2;
  m.x64 = bpt::distinct(N * 36, 9);
  m.targets = {0, 2};
  double L;
  int broken;
  ASSERT_TRUE(m.trace(N, bp::TeachingBug::None, L, broken).ok());
  EXPECT_EQ(broken, -1);
  auto& net = *m.net<double>();
  // The probabilities (JS reads them from predict on the same x): the softmax of the traced z.
  std::vector<double> z(net.acts.back());
  ASSERT_TRUE(m.predict(N).ok());
  ASSERT_TRUE(m.trace(N, bp::TeachingBug::None, L, broken).ok());
  EXPECT_EQ(z, net.acts.back());
  double L2 = bp::softmax_ce<double>(nullptr, z.data(), net.acts.back().data(), m.targets.data(), N, 3);
  EXPECT_EQ(L, L2);
  for (size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(m.pred64[i], z[i], 1e-16);
  bp::GradCheckOptions opt;
  auto expect_near = [&](const std::vector<double>& a, const char* what, int layer) {
    ASSERT_EQ(m.numeric.size(), 2 * a.size()) << what << " " << layer;
    for (size_t i = 0; i < a.size(); ++i) {
      // (a window of the pool's input whose entries the relu made all 0 ties: +h on one of them
      // moves the arg-max, a kink the report flags)
      if (m.numeric[a.size() + i] != 0) continue;
      EXPECT_NEAR(m.numeric[i], a[i], 1e-7 * std::max(1.0, std::fabs(a[i]))) << what << " " << layer << " [" << i << "]";
    }
  };
  for (int layer = 0; layer <= 5; ++layer) {
    ASSERT_TRUE(m.numeric_gradient(N, layer, "input", opt).ok());
    expect_near(net.grads[layer], "input", layer);  // layer 5: the loss's input, the last δ
  }
  for (const char* name : {"weight", "bias"}) {
    ASSERT_TRUE(m.numeric_gradient(N, 0, name, opt).ok());
    expect_near(net.layers[0]->params[name[0] == 'w' ? 0 : 1].grad, name, 0);
  }
  // (web/core/backprop.js checks layer and tensor with the messages a user reads; the core refuses too)
  for (auto [layer, name] : {std::pair<int, const char*>{6, "input"}, {5, "weight"}, {1, "weight"}, {-1, "input"}})
    EXPECT_EQ(m.numeric_gradient(N, layer, name, opt).msg, "numericGradient: no such tensor") << layer << " " << name;
}

TEST(Trace, TraceRunsInTheNetsDtypeWithTheBugInPlace) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(R"({"input":[4],"loss":"mse","layers":[{"type":"dense","units":2}]})")).ok());
  m.x32 = {0.5f, -1, 2, 0.25f};
  m.targets = {1, -1};
  double L, L2;
  int broken;
  ASSERT_TRUE(m.trace(1, bp::TeachingBug::None, L, broken).ok());
  std::vector<float> good = m.net<float>()->grads[1];
  ASSERT_TRUE(m.trace(1, bp::TeachingBug::MseNoHalf, L2, broken).ok());
  EXPECT_EQ(broken, 1);
  EXPECT_EQ(L, L2);
  for (size_t i = 0; i < good.size(); ++i) EXPECT_EQ(m.net<float>()->grads[1][i] * 2, good[i]);
  EXPECT_EQ(m.trace(1, bp::TeachingBug::ConvNoRotate, L, broken).msg, "trace: bug 'conv-no-rotate' needs a conv2d layer, the net has none");
}

}  // namespace

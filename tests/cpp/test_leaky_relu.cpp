// leaky_relu: y = x > 0 ? x : s·x, dx = δ·(x > 0 ? 1 : s), slope s (default 0.01).
#include "test_util.h"

using namespace bpt;

TEST(LeakyRelu, HandComputedSlope) {
  auto net = one_layer("[4]", R"({"type":"leaky_relu","slope":0.1})");
  // x = [-2, -0.5, 0.5, 3] -> y = [-0.2, -0.05, 0.5, 3];  δ = [1,2,3,4] -> dx = [0.1·1, 0.1·2, 3, 4]
  expect_pass(*net, 1, {-2, -0.5, 0.5, 3}, {-0.2, -0.05, 0.5, 3}, {1, 2, 3, 4}, {0.1, 0.2, 3, 4});
}

TEST(LeakyRelu, DefaultSlopeIsOneHundredth) {
  auto net = one_layer("[2]", R"({"type":"leaky_relu"})");
  EXPECT_EQ(net->layers[0]->config.find("slope")->num(), 0.01);
  // x = [-3, 0] -> y = [-0.03, 0]; at x = 0 the x ≤ 0 branch: dx = 0.01·δ
  expect_pass(*net, 1, {-3, 0}, {-0.03, 0}, {1, 2}, {0.01, 0.02});
}

TEST(LeakyRelu, GradCheckGrid) {
  EXPECT_EQ(expect_activation_grid(R"({"type":"leaky_relu","slope":0.2})"), 4);
  EXPECT_EQ(expect_activation_grid(R"({"type":"leaky_relu"})"), 4);
}

TEST(LeakyRelu, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"leaky_relu","slope":-0.1}]})"),
            "layer 0 (leaky_relu): slope must be in [0, 1000000], got -0.1");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"leaky_relu","slope":"steep"}]})"),
            "layer 0 (leaky_relu): slope must be a finite number, got \"steep\"");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"leaky_relu","alpha":0.1}]})"),
            "layer 0 (leaky_relu): unknown option 'alpha' (it takes: slope)");
}

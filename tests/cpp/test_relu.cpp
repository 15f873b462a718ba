// relu: y = max(0, x), dx = δ·[x > 0]. Hand case, kink at 0, gradient check, bad spec.
#include "test_util.h"

using namespace bpt;

TEST(Relu, HandComputed) {
  auto net = one_layer("[4]", R"({"type":"relu"})");
  // x = [-2, -0.5, 0.5, 3] -> y = [0, 0, 0.5, 3];  δ = [1,2,3,4] -> dx = δ·[x > 0] = [0, 0, 3, 4]
  expect_pass(*net, 1, {-2, -0.5, 0.5, 3}, {0, 0, 0.5, 3}, {1, 2, 3, 4}, {0, 0, 3, 4});
}

TEST(Relu, ZeroInputTakesTheZeroBranch) {
  auto net = one_layer("[2]", R"({"type":"relu"})");
  // x = 0 is not > 0: y = 0 and dx = 0 (PyTorch's choice of subgradient)
  expect_pass(*net, 1, {0, -0.0}, {0, 0}, {5, 5}, {0, 0});
}

TEST(Relu, GradCheckGrid) { EXPECT_EQ(expect_activation_grid(R"({"type":"relu"})"), 4); }

TEST(Relu, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"relu","slope":0.1}]})"),
            "layer 0 (relu): unknown option 'slope' (this layer takes none)");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"ReLU"}]})"),
            "layer 0: unknown type 'ReLU' (known: conv2d, dense, flatten, maxpool2d, avgpool2d, globalmaxpool, globalavgpool, "
            "relu, leaky_relu, prelu, elu, selu, sigmoid, tanh)");
}

// sigmoid: y = 1/(1 + e⁻ˣ), dx = δ·y(1 − y).
#include "test_util.h"

using namespace bpt;

TEST(Sigmoid, HandComputed) {
  auto net = one_layer("[3]", R"({"type":"sigmoid"})");
  // y(−2) = 0.11920292202211755, y(0) = 0.5, y(2) = 0.8807970779778823
  // y(1 − y): 0.1049935854035065, 0.25, 0.10499358540350662;  δ = [1, 2, 3]
  expect_pass(*net, 1, {-2, 0, 2}, {0.11920292202211755, 0.5, 0.8807970779778823}, {1, 2, 3},
              {0.1049935854035065, 0.5, 3 * 0.10499358540350662});
}

TEST(Sigmoid, StableForLargeInputs) {
  auto net = one_layer("[4]", R"({"type":"sigmoid"})");
  // x = ±30: 1/(1 + e³⁰) = 9.357622968839299e-14 (computed as eˣ/(1 + eˣ), no cancellation);
  // x = ±1000: exactly 0 and 1, never NaN
  net->run_forward(std::vector<double>{-30, 30, -1000, 1000}.data(), 1);
  EXPECT_NEAR(net->output()[0], 9.357622968839299e-14, 1e-27);
  EXPECT_NEAR(net->output()[1], 0.9999999999999065, 1e-16);
  EXPECT_EQ(net->output()[2], 0.0);
  EXPECT_EQ(net->output()[3], 1.0);
}

TEST(Sigmoid, GradCheckGrid) { EXPECT_EQ(expect_activation_grid(R"({"type":"sigmoid"})"), 4); }

TEST(Sigmoid, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"sigmoid","slope":1}]})"),
            "layer 0 (sigmoid): unknown option 'slope' (this layer takes none)");
}

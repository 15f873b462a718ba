// tanh: y = tanh x, dx = δ·(1 − y²).
#include "test_util.h"

using namespace bpt;

TEST(Tanh, HandComputed) {
  auto net = one_layer("[3]", R"({"type":"tanh"})");
  // y(−1) = −0.7615941559557649, 1 − y² = 0.41997434161402614; y(0) = 0, 1 − y² = 1;
  // y(0.5) = 0.46211715726000974, 1 − y² = 0.7864477329659274;  δ = [2, 3, 4]
  expect_pass(*net, 1, {-1, 0, 0.5}, {-0.7615941559557649, 0, 0.46211715726000974}, {2, 3, 4},
              {2 * 0.41997434161402614, 3, 4 * 0.7864477329659274});
}

TEST(Tanh, GradCheckGrid) { EXPECT_EQ(expect_activation_grid(R"({"type":"tanh"})"), 4); }

TEST(Tanh, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":["tanh"]})"),
            "layer 0: must be an object like {\"type\":\"dense\",\"units\":10}, got \"tanh\"");
}

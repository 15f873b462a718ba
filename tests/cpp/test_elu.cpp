// elu: y = x > 0 ? x : α(eˣ − 1), dx = δ·(x > 0 ? 1 : y + α) (= δ·α eˣ), alpha α (default 1).
#include "test_util.h"

using namespace bpt;

TEST(Elu, HandComputedDefaultAlpha) {
  auto net = one_layer("[4]", R"({"type":"elu"})");
  // y(−2) = e⁻² − 1 = −0.8646647167633873, y(−0.5) = e^−0.5 − 1 = −0.3934693402873666
  // dx = δ·(y + 1): 1·0.1353352832366127, 2·0.6065306597126334 = 1.2130613194252668; then 3, 4
  expect_pass(*net, 1, {-2, -0.5, 0.5, 3}, {-0.8646647167633873, -0.3934693402873666, 0.5, 3}, {1, 2, 3, 4},
              {0.1353352832366127, 1.2130613194252668, 3, 4});
}

TEST(Elu, HandComputedAlpha2) {
  auto net = one_layer("[2]", R"({"type":"elu","alpha":2})");
  // y(−2) = 2(e⁻² − 1) = −1.7293294335267746, dx = δ·(y + 2) = 0.2706705664732254; y(1) = 1, dx = δ
  expect_pass(*net, 1, {-2, 1}, {-1.7293294335267746, 1}, {1, 1}, {0.2706705664732254, 1});
}

TEST(Elu, LargeNegativeInputSaturatesAtMinusAlpha) {
  auto net = one_layer("[1]", R"({"type":"elu"})");
  // e^−800 underflows to 0: y = −1 exactly, dx = δ·(y + 1) = 0
  expect_pass(*net, 1, {-800}, {-1}, {1}, {0});
}

TEST(Elu, GradCheckGrid) {
  EXPECT_EQ(expect_activation_grid(R"({"type":"elu"})"), 4);
  EXPECT_EQ(expect_activation_grid(R"({"type":"elu","alpha":0.5})"), 4);
}

TEST(Elu, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"elu","alpha":-1}]})"),
            "layer 0 (elu): alpha must be in [0, 1000000], got -1");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"elu","alpha":null}]})"),
            "layer 0 (elu): alpha must be a finite number, got null");
}

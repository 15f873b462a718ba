// selu: y = λ·(x > 0 ? x : α(eˣ − 1)), dx = δ·λ·(x > 0 ? 1 : α eˣ),
// λ = 1.0507009873554805, α = 1.6732632423543772 (Klambauer et al. 2017; PyTorch nn.SELU).
#include "test_util.h"

using namespace bpt;

TEST(Selu, HandComputed) {
  auto net = one_layer("[4]", R"({"type":"selu"})");
  // λα = 1.7580993408473766
  // y(−2)   = λα(e⁻² − 1)   = −1.5201664685956948    dx = 1·λα e⁻²   = 0.2379328722516818
  // y(−0.5) = λα(e^−0.5 − 1) = −0.6917581878028713   dx = 2·λα e^−0.5 = 2·1.0663411530445053
  // y(0.5)  = λ·0.5 = 0.5253504936777402             dx = 3λ = 3.1521029620664414
  // y(3)    = 3λ = 3.1521029620664414                 dx = 4λ = 4.202803949421922
  expect_pass(*net, 1, {-2, -0.5, 0.5, 3}, {-1.5201664685956948, -0.6917581878028713, 0.5253504936777402, 3.1521029620664414},
              {1, 2, 3, 4}, {0.2379328722516818, 2.1326823060890105, 3.1521029620664414, 4.202803949421922});
}

TEST(Selu, SelfNormalisingFixedPoint) {
  // The constants make N(0,1) inputs come out with mean ≈ 0 and variance ≈ 1.
  auto net = one_layer("[20000]", R"({"type":"selu"})");
  auto x = randn(20000, 5);
  net->run_forward(x.data(), 1);
  double m = 0, v = 0;
  for (int i = 0; i < 20000; ++i) m += net->output()[i] / 20000;
  for (int i = 0; i < 20000; ++i) v += (net->output()[i] - m) * (net->output()[i] - m) / 20000;
  EXPECT_NEAR(m, 0, 0.03);
  EXPECT_NEAR(v, 1, 0.05);
}

TEST(Selu, GradCheckGrid) { EXPECT_EQ(expect_activation_grid(R"({"type":"selu"})"), 4); }

TEST(Selu, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"selu","alpha":1}]})"),
            "layer 0 (selu): unknown option 'alpha' (this layer takes none)");
}

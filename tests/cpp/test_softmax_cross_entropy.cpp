// softmax_cross_entropy: p = softmax(z), L = −(1/N) Σ_n log p[n, y_n], dZ = (p − onehot(y))/N.
#include "layers/loss.h"
#include "test_util.h"

using namespace bpt;

TEST(SoftmaxCrossEntropy, HandComputed) {
  // N = 2, K = 3: z0 = [1,2,3], y0 = 2;  z1 = [0,0,0], y1 = 0
  // p0 = e^(z−3)/Σ = [0.09003057317038046, 0.24472847105479764, 0.6652409557748218], −log p0[2] = 0.40760596444438046
  // p1 = [1/3, 1/3, 1/3], −log(1/3) = 1.0986122886681098
  // L = (0.40760596444438046 + 1.0986122886681098)/2 = 0.7531091265562451
  // dZ = (p − onehot)/2: [0.0450152865851902, 0.1223642355273988, −0.1673795221125891 | −1/3, 1/6, 1/6]
  const double z[6] = {1, 2, 3, 0, 0, 0}, y[2] = {2, 0};
  double dz[6], p[6];
  double L = bp::softmax_ce<double>(dz, p, z, y, 2, 3);
  EXPECT_NEAR(L, 0.7531091265562451, 1e-15);
  expect_near_all(as_double(p, 6), {0.09003057317038046, 0.24472847105479764, 0.6652409557748218, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-15, "p");
  expect_near_all(as_double(dz, 6), {0.04501528658519023, 0.12236423552739882, -0.1673795221125891, -1.0 / 3, 1.0 / 6, 1.0 / 6},
                  1e-15, "dZ");
  // float32 logits: the sum is accumulated in double, so L agrees to float rounding
  const float zf[6] = {1, 2, 3, 0, 0, 0};
  float dzf[6];
  EXPECT_NEAR(bp::softmax_ce<float>(dzf, nullptr, zf, y, 2, 3), 0.7531091265562451, 1e-7);
}

TEST(SoftmaxCrossEntropy, ThroughTheNetOwnsTheOneOverN) {
  // A net with no layers: the input gradient is the loss gradient itself.
  auto net = build<double>(R"({"input":[3],"layers":[],"loss":"softmax_cross_entropy"})");
  std::vector<double> z = {1, 2, 3, 0, 0, 0}, y = {2, 0};
  double L = net->run_compute_gradients(z.data(), y.data(), 2);
  EXPECT_NEAR(L, 0.7531091265562451, 1e-15);
  expect_near_all(as_double(net->input_grad(), 6),
                  {0.04501528658519023, 0.12236423552739882, -0.1673795221125891, -1.0 / 3, 1.0 / 6, 1.0 / 6}, 1e-15, "dZ");
  // The same two samples twice: the mean, and so L, is unchanged; each dZ row halves.
  std::vector<double> z4 = {1, 2, 3, 0, 0, 0, 1, 2, 3, 0, 0, 0}, y4 = {2, 0, 2, 0};
  EXPECT_NEAR(net->run_compute_gradients(z4.data(), y4.data(), 4), 0.7531091265562451, 1e-15);
  EXPECT_NEAR(net->input_grad()[2], -0.1673795221125891 / 2, 1e-15);
}

TEST(SoftmaxCrossEntropy, StableForHugeLogits) {
  // z = [1000, 0, −1000]: e^1000 overflows unless the max is subtracted first.
  // label 0: L = −log(1/(1 + e^−1000 + e^−2000)) = 0;  label 1: L = 1000 exactly
  const double z[3] = {1000, 0, -1000};
  double y0 = 0, y1 = 1, dz[3];
  EXPECT_EQ(bp::softmax_ce<double>(dz, nullptr, z, &y0, 1, 3), 0.0);
  EXPECT_EQ(bp::softmax_ce<double>(dz, nullptr, z, &y1, 1, 3), 1000.0);
  expect_near_all(as_double(dz, 3), {1, -1, 0}, 0, "dZ for label 1");
}

TEST(SoftmaxCrossEntropy, InitialLossIsLnK) {
  // Zero logits (all biases 0, weights 0): L = ln 10 = 2.302585092994046, the sanity badge.
  auto net = build<double>(R"({"input":[4],"layers":[{"type":"dense","units":10}],"loss":"softmax_cross_entropy"})");
  for (auto& w : net->layers[0]->params[0].value) w = 0;
  std::vector<double> x = {1, 2, 3, 4}, y = {7};
  EXPECT_NEAR(net->run_compute_gradients(x.data(), y.data(), 1), 2.302585092994046, 1e-15);
}

TEST(SoftmaxCrossEntropy, GradCheck) {
  for (int K : {2, 5})
    for (int N : {1, 3})
      expect_gradcheck(R"({"input":[4],"layers":[{"type":"dense","units":)" + std::to_string(K) + R"(}],"loss":"softmax_cross_entropy"})", N);
}

TEST(SoftmaxCrossEntropy, BadTargets) {
  auto net = build<double>(R"({"input":[2],"layers":[],"loss":"softmax_cross_entropy"})");
  std::vector<double> x = {0, 0, 0, 0};
  double L;
  auto err = [&](std::vector<double> t, int N = 2) { return net->compute_gradients(x.data(), 2 * N, t.data(), (int64_t)t.size(), N, L).msg; };
  EXPECT_EQ(err({0, 2}), "targets: label 2 at index 1 is not a class in [0, 2)");
  EXPECT_EQ(err({-1, 0}), "targets: label -1 at index 0 is not a class in [0, 2)");
  EXPECT_EQ(err({0.5, 0}), "targets: label 0.5 at index 0 is not a class in [0, 2)");
  EXPECT_EQ(err({0, NAN}), "targets: label nan at index 1 is not a class in [0, 2)");
  EXPECT_EQ(err({0, 1, 1}), "targets: expected 2 integer labels (one per sample), got 3");
  EXPECT_EQ(err({1, 0}), "");
  EXPECT_EQ(build_error(R"({"input":[2],"layers":[],"loss":"cross_entropy"})"),
            "spec: unknown loss \"cross_entropy\" (known: softmax_cross_entropy, mse)");
}

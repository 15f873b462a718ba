// mse: L = 1/(N·D) Σ (Y − T)², dY = 2(Y − T)/(N·D) (PyTorch MSELoss, mean over all elements).
#include "layers/loss.h"
#include "test_util.h"

using namespace bpt;

TEST(Mse, HandComputed) {
  // N = 2, D = 2: Y = [1,2 | 3,4], T = [0,2 | 5,3.5] -> Y − T = [1, 0, −2, 0.5]
  // L = (1 + 0 + 4 + 0.25)/4 = 1.3125;  dY = 2·(Y − T)/4 = [0.5, 0, −1, 0.25]
  const double y[4] = {1, 2, 3, 4}, t[4] = {0, 2, 5, 3.5};
  double dy[4];
  EXPECT_EQ(bp::mse<double>(dy, y, t, 2, 2), 1.3125);
  expect_near_all(as_double(dy, 4), {0.5, 0, -1, 0.25}, 0, "dY");
}

TEST(Mse, TheTwoAndTheOneOverNThroughTheNet) {
  auto net = build<double>(R"({"input":[2],"layers":[],"loss":"mse"})");
  std::vector<double> y = {1, 2, 3, 4}, t = {0, 2, 5, 3.5};
  EXPECT_EQ(net->run_compute_gradients(y.data(), t.data(), 2), 1.3125);
  // not (Y − T)/4 (the off-by-2 bug of a loss reported without ½), not 2(Y − T) (no mean)
  expect_near_all(as_double(net->input_grad(), 4), {0.5, 0, -1, 0.25}, 0, "dY");
  // the same samples twice: L unchanged, each gradient halves (the 1/N is in the loss only)
  std::vector<double> y2 = {1, 2, 3, 4, 1, 2, 3, 4}, t2 = {0, 2, 5, 3.5, 0, 2, 5, 3.5};
  EXPECT_EQ(net->run_compute_gradients(y2.data(), t2.data(), 4), 1.3125);
  expect_near_all(as_double(net->input_grad(), 4), {0.25, 0, -0.5, 0.125}, 0, "dY for N = 4");
}

TEST(Mse, DenseWeightGradientIsNotDividedTwice) {
  // y = w·x + b with w = 2, b = 0, x = [1, 3], t = [0, 0]: L = (4 + 36)/2 = 20,
  // dL/dw = (2/2)·Σ (y − t)·x = 2·1 + 6·3 = 20, dL/db = 2 + 6 = 8
  auto net = build<double>(R"({"input":[1],"layers":[{"type":"dense","units":1}],"loss":"mse"})");
  net->layers[0]->params[0].value = {2};
  std::vector<double> x = {1, 3}, t = {0, 0};
  EXPECT_EQ(net->run_compute_gradients(x.data(), t.data(), 2), 20.0);
  expect_near_all(grad_of(*net, 0, 0), {20}, 1e-12, "dw");
  expect_near_all(grad_of(*net, 0, 1), {8}, 1e-12, "db");
}

TEST(Mse, GradCheck) {
  for (int D : {1, 4})
    for (int N : {1, 3})
      expect_gradcheck(R"({"input":[3],"layers":[{"type":"dense","units":)" + std::to_string(D) + R"(}],"loss":"mse"})", N);
}

TEST(Mse, BadTargets) {
  auto net = build<double>(R"({"input":[2],"layers":[],"loss":"mse"})");
  std::vector<double> x = {0, 0, 0, 0};
  double L;
  auto err = [&](std::vector<double> t) { return net->compute_gradients(x.data(), 4, t.data(), (int64_t)t.size(), 2, L).msg; };
  EXPECT_EQ(err({1, 2, 3}), "targets: expected n*2 = 4 values for mse, got 3");
  EXPECT_EQ(err({1, 2, INFINITY, 4}), "targets: targets[2] is inf (must be finite)");
  EXPECT_EQ(err({1, 2, 3, 4}), "");
}

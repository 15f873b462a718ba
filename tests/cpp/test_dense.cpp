// dense: Y = X Wᵀ + b; dW = δᵀX, db = Σ_n δ, dX = δW. Hand case, grid, bad specs.
#include "test_util.h"

using namespace bpt;

TEST(Dense, HandComputed) {
  auto net = one_layer("[3]", R"({"type":"dense","units":2})");
  EXPECT_EQ(net->layers[0]->params[0].shape, (bp::Shape{2, 3}));  // [out, in], PyTorch nn.Linear
  net->layers[0]->params[0].value = {1, 2, 3, 4, 5, 6};             // W = [[1,2,3],[4,5,6]]
  net->layers[0]->params[1].value = {0.5, -1};
  // x0 = [1,−1,2]: y = [0.5 + 1 − 2 + 6, −1 + 4 − 5 + 12] = [5.5, 10]
  // x1 = [0, 1,0]: y = [0.5 + 2, −1 + 5] = [2.5, 4]
  // δ = [[1,0],[2,−1]]: dX0 = 1·W0 + 0·W1 = [1,2,3];  dX1 = 2·W0 − W1 = [−2,−1,0]
  expect_pass(*net, 2, {1, -1, 2, 0, 1, 0}, {5.5, 10, 2.5, 4}, {1, 0, 2, -1}, {1, 2, 3, -2, -1, 0});
  // dW0 = 1·x0 + 2·x1 = [1,1,2];  dW1 = 0·x0 − 1·x1 = [0,−1,0];  db = [1 + 2, 0 − 1] = [3,−1]  (no 1/N here)
  expect_near_all(grad_of(*net, 0, 0), {1, 1, 2, 0, -1, 0}, 1e-12, "dW");
  expect_near_all(grad_of(*net, 0, 1), {3, -1}, 1e-12, "db");
  // The one rule: backward writes dX but adds into dW, db.
  net->run_backward(std::vector<double>{1, 0, 2, -1}.data());
  expect_near_all(as_double(net->input_grad(), 6), {1, 2, 3, -2, -1, 0}, 1e-12, "dX after a second backward");
  expect_near_all(grad_of(*net, 0, 0), {2, 2, 4, 0, -2, 0}, 1e-12, "dW after a second backward");
  expect_near_all(grad_of(*net, 0, 1), {6, -2}, 1e-12, "db after a second backward");
}

TEST(Dense, FlattensAnInputImage) {
  auto net = one_layer("[1,2,2]", R"({"type":"dense","units":1})");
  EXPECT_EQ(net->layers[0]->params[0].shape, (bp::Shape{1, 4}));
  net->layers[0]->params[0].value = {1, 10, 100, 1000};
  net->layers[0]->params[1].value = {0};
  // y = 1·1 + 10·2 + 100·3 + 1000·4 (NCHW order), dX = δ·W
  expect_pass(*net, 1, {1, 2, 3, 4}, {4321}, {2}, {2, 20, 200, 2000});
}

TEST(Dense, GradCheckGrid) {
  int count = 0;
  for (const char* in : {"[1]", "[7]", "[2,3,4]"})
    for (int units : {1, 3, 5})
      for (const char* loss : {"mse", "softmax_cross_entropy"}) {
        if (units == 1 && std::string(loss) != "mse") continue;  // cross-entropy needs 2 classes
        expect_gradcheck(std::string(R"({"input":)") + in + R"(,"layers":[{"type":"dense","units":)" + std::to_string(units) +
                             R"(}],"loss":")" + loss + R"("})",
                         3);
        ++count;
      }
  EXPECT_EQ(count, 15);
  // two stacked dense layers: the first one's gradient passes through the second's W
  expect_gradcheck(R"({"input":[4],"layers":[{"type":"dense","units":6},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})", 4);
}

TEST(Dense, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":0}]})"), "layer 0 (dense): units must be >= 1, got 0");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense"}]})"),
            "layer 0 (dense): units is required (the number of outputs)");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":2.5}]})"),
            "layer 0 (dense): units must be an integer, got 2.5");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":"10"}]})"),
            "layer 0 (dense): units must be an integer, got \"10\"");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":2,"bias":false}]})"),
            "layer 0 (dense): unknown option 'bias' (it takes: units)");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":10000000}]})"),
            "layer 0 (dense): units is too large, got 10000000");
  // past the size limit: refused before anything is allocated
  EXPECT_EQ(build_error(R"({"input":[1000000],"layers":[{"type":"dense","units":1000}]})"),
            "layer 0 (dense): weight [1000,1000000] has 1000000000 values, more than the limit of 67108864");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":1}],"loss":"softmax_cross_entropy"})"),
            "spec: softmax_cross_entropy needs at least 2 outputs, the last layer gives [1]");
}

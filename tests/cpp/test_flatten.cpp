// flatten: [C,H,W] -> [C·H·W], a copy in NCHW order; dX = reshape(δ).
#include "test_util.h"

using namespace bpt;

TEST(Flatten, HandComputed) {
  auto net = one_layer("[2,2,3]", R"({"type":"flatten"})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{12}));
  std::vector<double> x(24), dy(24);
  for (int i = 0; i < 24; ++i) x[i] = i, dy[i] = 100 + i;
  // Y[n, (c·H + h)·W + w] = X[n,c,h,w]: the same memory order, so Y = X and dX = δ (N = 2)
  expect_pass(*net, 2, x, x, dy, dy);
}

TEST(Flatten, GradCheckGrid) {
  // conv (with stride/padding) -> flatten -> dense: flatten must keep the NCHW order the
  // dense weight expects, or the conv gradients come out permuted.
  for (const char* in : {"[1,4,4]", "[3,5,6]"})
    for (const char* conv : {R"({"type":"conv2d","filters":2,"kernel":3,"padding":1})",
                             R"({"type":"conv2d","filters":3,"kernel":[2,3],"stride":2})"})
      expect_gradcheck(std::string(R"({"input":)") + in + R"(,"layers":[)" + conv +
                       R"(,{"type":"flatten"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})");
  expect_gradcheck(R"({"input":[6],"layers":[{"type":"flatten"},{"type":"dense","units":2}],"loss":"mse"})");
}

TEST(Flatten, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[1,2,2],"layers":[{"type":"flatten","start_dim":1}]})"),
            "layer 0 (flatten): unknown option 'start_dim' (this layer takes none)");
  // shapes that do not chain: a conv after flatten
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"flatten"},{"type":"conv2d","filters":1,"kernel":2}]})"),
            "layer 1 (conv2d): needs a [C,H,W] input, got [16]");
}

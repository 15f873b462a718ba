// globalavgpool: [C,H,W] -> [C], Y[c] = 1/(H·W) Σ over the plane; dX = δ[c]/(H·W).
#include "test_util.h"

using namespace bpt;

TEST(GlobalAvgPool, HandComputed) {
  auto net = one_layer("[2,2,2]", R"({"type":"globalavgpool"})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{2}));
  // Y = [(1+5+3+2)/4, (−1−4−2−3)/4] = [2.75, −2.5];  δ = [2,3] -> dX = [0.5]·4, [0.75]·4
  expect_pass(*net, 1, {1, 5, 3, 2, -1, -4, -2, -3}, {2.75, -2.5}, {2, 3}, {0.5, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75});
}

TEST(GlobalAvgPool, GradCheckGrid) {
  for (const char* in : {"[1,1,1]", "[3,4,5]", "[2,7,3]"})
    expect_gradcheck(std::string(R"({"input":)") + in + R"(,"layers":[{"type":"globalavgpool"}],"loss":"mse"})", 2);
  expect_gradcheck(R"({"input":[2,5,5],"layers":[{"type":"conv2d","filters":4,"kernel":[3,2],"stride":[1,2]},)"
                   R"({"type":"globalavgpool"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})", 3);
}

TEST(GlobalAvgPool, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[8],"layers":[{"type":"globalavgpool"}]})"),
            "layer 0 (globalavgpool): needs a [C,H,W] input, got [8]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"globalavgpool","padding":1}]})"),
            "layer 0 (globalavgpool): unknown option 'padding' (this layer takes none)");
}

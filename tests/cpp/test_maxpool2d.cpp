// maxpool2d: Y = max over each KH×KW window (padding acts as −∞); δ goes to the arg-max,
// the first in row-major order on ties. PyTorch nn.MaxPool2d.
#include "pool_grid.h"

using namespace bpt;

TEST(MaxPool2d, HandComputedSize2) {
  auto net = one_layer("[1,4,4]", R"({"type":"maxpool2d","size":2})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{1, 2, 2}));  // stride defaults to the size
  // X = [[1,5,2,0],[3,4,8,6],[7,2,9,1],[0,6,3,4]]
  // windows: {1,5,3,4} -> 5 at (0,1); {2,0,8,6} -> 8 at (1,2); {7,2,0,6} -> 7 at (2,0); {9,1,3,4} -> 9 at (2,2)
  // δ = [1,2,3,4] goes to those positions, 0 elsewhere
  expect_pass(*net, 1, {1, 5, 2, 0, 3, 4, 8, 6, 7, 2, 9, 1, 0, 6, 3, 4}, {5, 8, 7, 9}, {1, 2, 3, 4},
              {0, 1, 0, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0});
}

TEST(MaxPool2d, HandComputedPaddingIsMinusInfinity) {
  auto net = one_layer("[1,2,2]", R"({"type":"maxpool2d","size":2,"stride":1,"padding":1})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{1, 3, 3}));  // (2 + 2 − 2)/1 + 1 = 3
  // X = [[−1,−2],[−3,−4]], all negative: a zero pad would win, −∞ does not.
  // Y[i,j] = max of X rows i−1..i, cols j−1..j:  [[−1,−1,−2],[−1,−1,−2],[−3,−3,−4]]
  // δ = 1..9: X00 gets δ00+δ01+δ10+δ11 = 1+2+4+5 = 12; X01 gets δ02+δ12 = 3+6 = 9;
  //           X10 gets δ20+δ21 = 7+8 = 15; X11 gets δ22 = 9
  expect_pass(*net, 1, {-1, -2, -3, -4}, {-1, -1, -2, -1, -1, -2, -3, -3, -4}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {12, 9, 15, 9});
}

TEST(MaxPool2d, TiesGoToTheFirstArgMax) {
  auto net = one_layer("[1,2,3]", R"({"type":"maxpool2d","size":[2,2],"stride":1})");
  // X = [[3,3,1],[3,2,3]]: window 0 = {3,3,3,2} -> first 3 at (0,0); window 1 = {3,1,2,3} -> first at (0,1)
  expect_pass(*net, 1, {3, 3, 1, 3, 2, 3}, {3, 3}, {10, 20}, {10, 20, 0, 0, 0, 0});
}

TEST(MaxPool2d, RectangularWindowAndStride) {
  auto net = one_layer("[2,3,4]", R"({"type":"maxpool2d","size":[3,2],"stride":[1,2]})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{2, 1, 2}));  // OH = (3−3)/1+1 = 1, OW = (4−2)/2+1 = 2
  std::vector<double> x(24);
  for (int i = 0; i < 24; ++i) x[i] = (i * 7) % 24;  // a permutation of 0..23
  // channel 0 rows [0,7,14,21],[4,11,18,1],[8,15,22,5]: left max 15 at (2,1), right max 22 at (2,2)
  // channel 1 rows [12,19,2,9],[16,23,6,13],[20,3,10,17]: left max 23 at (1,1), right max 17 at (2,3)
  std::vector<double> dx(24, 0);
  dx[9] = 1, dx[10] = 2, dx[12 + 5] = 3, dx[12 + 11] = 4;
  expect_pass(*net, 1, x, {15, 22, 23, 17}, {1, 2, 3, 4}, dx);
}

TEST(MaxPool2d, GradCheckGrid) { EXPECT_EQ(expect_pool_grid("maxpool2d", true), 54); }

TEST(MaxPool2d, GradCheckAfterConv) {
  expect_gradcheck(R"({"input":[2,6,6],"layers":[{"type":"conv2d","filters":3,"kernel":3,"padding":1},{"type":"relu"},)"
                   R"({"type":"maxpool2d","size":2},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})", 2);
}

TEST(MaxPool2d, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d"}]})"),
            "layer 0 (maxpool2d): size is required (a number or [h,w])");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":0}]})"),
            "layer 0 (maxpool2d): size must be >= 1, got 0");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":2,"stride":[1,0]}]})"),
            "layer 0 (maxpool2d): stride must be >= 1, got [1,0]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":2,"padding":-1}]})"),
            "layer 0 (maxpool2d): padding must be >= 0, got -1");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":3,"padding":2}]})"),
            "layer 0 (maxpool2d): padding [2,2] must be at most half the size [3,3]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":[2,7]}]})"),
            "layer 0 (maxpool2d): size [2,7] is larger than the padded input [4,4] (input [1,4,4])");
  EXPECT_EQ(build_error(R"({"input":[16],"layers":[{"type":"maxpool2d","size":2}]})"),
            "layer 0 (maxpool2d): needs a [C,H,W] input, got [16]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":[2,2,2]}]})"),
            "layer 0 (maxpool2d): size must be a number or an [h,w] pair, got [2,2,2]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","kernel":2}]})"),
            "layer 0 (maxpool2d): size is required (a number or [h,w])");
}

// avgpool2d: Y = 1/(KH·KW) · Σ over each window, padded zeros counted in the divisor
// (PyTorch nn.AvgPool2d, count_include_pad=True); dX spreads δ/(KH·KW) over each window.
#include "pool_grid.h"

using namespace bpt;

TEST(AvgPool2d, HandComputedRectangularStride) {
  auto net = one_layer("[1,3,4]", R"({"type":"avgpool2d","size":2,"stride":[1,2]})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{1, 2, 2}));  // OH = (3−2)/1+1 = 2, OW = (4−2)/2+1 = 2
  // X rows [0,1,2,3],[4,5,6,7],[8,9,10,11]
  // Y00 = (0+1+4+5)/4 = 2.5, Y01 = (2+3+6+7)/4 = 4.5, Y10 = (4+5+8+9)/4 = 6.5, Y11 = (6+7+10+11)/4 = 8.5
  // δ = [4,8,12,16] -> δ/4 = [1,2,3,4]; row 1 is in both window rows: X10 = 1+3, X12 = 2+4
  expect_pass(*net, 1, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2.5, 4.5, 6.5, 8.5}, {4, 8, 12, 16},
              {1, 1, 2, 2, 4, 4, 6, 6, 3, 3, 4, 4});
}

TEST(AvgPool2d, PaddedZerosCountInTheDivisor) {
  auto net = one_layer("[1,2,2]", R"({"type":"avgpool2d","size":2,"stride":1,"padding":1})");
  // X = [[1,2],[3,4]]; every window divides by 4 even where it covers padding:
  // Y = [[1, 1+2, 2], [1+3, 10, 2+4], [3, 3+4, 4]] / 4
  // δ = 1..9: X00 = (δ00+δ01+δ10+δ11)/4 = (1+2+4+5)/4 = 3;  X01 = (2+3+5+6)/4 = 4;
  //           X10 = (4+5+7+8)/4 = 6;  X11 = (5+6+8+9)/4 = 7
  expect_pass(*net, 1, {1, 2, 3, 4}, {0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 4, 6, 7});
}

TEST(AvgPool2d, GradCheckGrid) { EXPECT_EQ(expect_pool_grid("avgpool2d", false), 54); }

TEST(AvgPool2d, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"avgpool2d","size":2,"padding":[0,2]}]})"),
            "layer 0 (avgpool2d): padding [0,2] must be at most half the size [2,2]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"avgpool2d","size":1.5}]})"),
            "layer 0 (avgpool2d): size must be an integer or a pair of integers, got 1.5");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"avgpool2d","size":2,"count_include_pad":false}]})"),
            "layer 0 (avgpool2d): unknown option 'count_include_pad' (it takes: size, stride, padding)");
}

// conv2d: hand-computed cases (values worked out on paper, see comments), the gradient
// check over channels × kernel × stride × padding, and bad specs.
#include "layers/conv2d.h"

#include "test_util.h"

using namespace bpt;

namespace {
// X = [[1,2,3],[4,5,6],[7,8,9]], W = [[1,2],[3,4]], b = 0.5
std::unique_ptr<bp::Sequential<double>> tiny(const std::string& extra) {
  auto net = build<double>(R"({"input":[1,3,3],"layers":[{"type":"conv2d","filters":1,"kernel":2)" + extra +
                           R"(}],"loss":"mse"})");
  net->layers[0]->params[0].value = {1, 2, 3, 4};
  net->layers[0]->params[1].value = {0.5};
  return net;
}
const double X[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
}  // namespace

TEST(Conv2d, HandComputedStride1Pad0) {
  auto net = tiny("");
  net->run_forward(X, 1);
  // Y00 = 1·1+2·2+3·4+4·5 = 37, Y01 = 2+6+15+24 = 47, Y10 = 4+10+21+32 = 67, Y11 = 5+12+24+36 = 77; +0.5
  expect_near_all(as_double(net->output(), 4), {37.5, 47.5, 67.5, 77.5}, 1e-12, "Y");
  // δ = 1 everywhere: dW[p,q] = Σ of the window sums, db = 4,
  // dX = full convolution of δ with rot180(W): each X position sums the W entries that touch it.
  std::vector<double> dy(4, 1.0);
  net->zero_grad();
  net->run_backward(dy.data());
  expect_near_all(as_double(net->layers[0]->params[0].grad.data(), 4), {12, 16, 24, 28}, 1e-12, "dW");
  expect_near_all(as_double(net->layers[0]->params[1].grad.data(), 1), {4}, 1e-12, "db");
  expect_near_all(as_double(net->input_grad(), 9), {1, 3, 2, 4, 10, 6, 3, 7, 4}, 1e-12, "dX");
}

TEST(Conv2d, HandComputedStride2Pad1) {
  auto net = tiny(R"(,"stride":2,"padding":1)");
  EXPECT_EQ(net->output_shape(), (bp::Shape{1, 2, 2}));  // (3 + 2 − 2)/2 + 1 = 2
  net->run_forward(X, 1);
  // Y00 sees only X00 (at W11): 4; Y01: X01·W10 + X02·W11 = 6+12; Y10: X10·W01 + X20·W11 = 8+28;
  // Y11: X11·W00 + X12·W01 + X21·W10 + X22·W11 = 5+12+24+36
  expect_near_all(as_double(net->output(), 4), {4.5, 18.5, 36.5, 77.5}, 1e-12, "Y");
  // δ = [[1,2],[3,4]]: each X gets δ(window)·W(offset); dilation by 2 means every X is hit once.
  std::vector<double> dy = {1, 2, 3, 4};
  net->zero_grad();
  net->run_backward(dy.data());
  // X00 <- δ00·W11 = 4; X01 <- δ01·W10 = 6; X02 <- δ01·W11 = 8; X10 <- δ10·W01 = 6; X11 <- δ11·W00 = 4;
  // X12 <- δ11·W01 = 8; X20 <- δ10·W11 = 12; X21 <- δ11·W10 = 12; X22 <- δ11·W11 = 16
  expect_near_all(as_double(net->input_grad(), 9), {4, 6, 8, 6, 4, 8, 12, 12, 16}, 1e-12, "dX");
  // dW00 = δ11·X11 = 4·5 = 20; dW01 = δ10·X10 + δ11·X12 = 12+24; dW10 = δ01·X01 + δ11·X21 = 4+32;
  // dW11 = δ00·X00 + δ01·X02 + δ10·X20 + δ11·X22 = 1+6+21+36
  expect_near_all(as_double(net->layers[0]->params[0].grad.data(), 4), {20, 36, 36, 64}, 1e-12, "dW");
}

TEST(Conv2d, GradCheckGrid) {
  // channels × kernel (incl. rectangular) × stride {1,2,3} × padding {0,1,2}
  int count = 0;
  for (int C : {1, 3})
    for (const char* k : {"1", "3", "[2,3]"})
      for (int s : {1, 2, 3})
        for (int p : {0, 1, 2}) {
          std::string spec = R"({"input":[)" + std::to_string(C) + R"(,6,7],"layers":[{"type":"conv2d","filters":2,"kernel":)" + k +
                             R"(,"stride":)" + std::to_string(s) + R"(,"padding":)" + std::to_string(p) + R"(}],"loss":"mse"})";
          expect_gradcheck(spec, 2);
          ++count;
        }
  EXPECT_EQ(count, 54);
}

TEST(Conv2d, RectangularStrideAndPaddingPairs) {
  expect_gradcheck(R"({"input":[2,7,5],"layers":[{"type":"conv2d","filters":3,"kernel":[3,2],"stride":[2,1],"padding":[1,0]},)"
                   R"({"type":"dense","units":4}],"loss":"softmax_cross_entropy"})", 3);
}

TEST(Conv2d, BadSpecsNameTheValue) {
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":0,"kernel":3}]})"),
            "layer 0 (conv2d): filters must be >= 1, got 0");
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":3,"stride":0}]})"),
            "layer 0 (conv2d): stride must be >= 1, got 0");
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":3,"padding":-1}]})"),
            "layer 0 (conv2d): padding must be >= 0, got -1");
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":[8,3],"padding":1}]})"),
            "layer 0 (conv2d): kernel [8,3] is larger than the padded input [7,7] (input [1,5,5], padding [1,1])");
  EXPECT_EQ(build_error(R"({"input":[25],"layers":[{"type":"conv2d","filters":2,"kernel":3}]})"),
            "layer 0 (conv2d): needs a [C,H,W] input, got [25]");
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernal":3}]})"),
            "layer 0 (conv2d): kernel is required (a number or [kh,kw])");
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":3,"strides":2}]})"),
            "layer 0 (conv2d): unknown option 'strides' (it takes: filters, kernel, stride, padding)");
  EXPECT_EQ(build_error(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":2.5}]})"),
            "layer 0 (conv2d): kernel must be an integer or a pair of integers, got 2.5");
}

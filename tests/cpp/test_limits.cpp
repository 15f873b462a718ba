// Bad input that would otherwise trap: sizes past kMaxValues (an allocation failure aborts
// the WASM module), int overflow in shapes, bad data. Each is refused with a message that
// quotes the number, before anything big is allocated; the Model stays usable afterwards.
#include "net/model.h"
#include "test_util.h"

using namespace bpt;

TEST(Limits, HugeInputIsRefusedAtConstruction) {
  // 1e15 values per sample: would overflow an int and any allocator
  EXPECT_EQ(build_error(R"({"input":[100000,100000,100000],"layers":[{"type":"flatten"}]})"),
            "spec: input [100000,100000,100000] has 1000000000000000 values per sample, more than the limit of 67108864");
  EXPECT_EQ(build_error(R"({"input":[1000001],"layers":[]})"),
            "spec: input dimensions must be positive integers, got [1000001]");
}

TEST(Limits, HugeWeightsAndOutputsAreRefusedBeforeAllocation) {
  EXPECT_EQ(build_error(R"({"input":[3,28,28],"layers":[{"type":"conv2d","filters":1000000,"kernel":5}]})"),
            "layer 0 (conv2d): weight [1000000,3,5,5] has 75000000 values, more than the limit of 67108864");
  EXPECT_EQ(build_error(R"({"input":[1,28,28],"layers":[{"type":"conv2d","filters":1000000,"kernel":1}]})"),
            "layer 0 (conv2d): output [1000000,28,28] has 784000000 values, more than the limit of 67108864");
  EXPECT_EQ(build_error(R"({"input":[1,28,28],"layers":[{"type":"conv2d","filters":1000001,"kernel":1}]})"),
            "layer 0 (conv2d): filters is too large, got 1000001");
  EXPECT_EQ(build_error(R"({"input":[1000,1000,1],"layers":[{"type":"conv2d","filters":2,"kernel":[1000000,1],"padding":[500000,0]}]})"),
            "layer 0 (conv2d): weight [2,1000,1000000,1] has 2000000000 values, more than the limit of 67108864");
}

TEST(Limits, HugeNumbersInOptionsAreNotCastToInt) {
  // (int64_t)1e300 is undefined behaviour (UBSan aborts; WASM may trap): the check uses floor
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":1e300}]})"), "layer 0 (dense): units is too large, got 1e+300");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"dense","units":-1e300}]})"), "layer 0 (dense): units must be >= 1, got -1e+300");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"conv2d","filters":2,"kernel":[1e20,1]}]})"),
            "layer 0 (conv2d): kernel is too large, got [1e+20,1]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"maxpool2d","size":2,"stride":[1,-1e19]}]})"),
            "layer 0 (maxpool2d): stride must be >= 1, got [1,-1e+19]");
}

TEST(Limits, TheWholeNetIsCheckedLayerByLayer) {
  // each tensor fits, but input 1M + conv output 30M + relu output 30M, with gradients, do not;
  // activations are allocated at the first forward, so this costs nothing to refuse
  EXPECT_EQ(build_error(R"({"input":[1,1000,1000],"layers":[{"type":"conv2d","filters":30,"kernel":1},{"type":"relu"}],"loss":"mse"})"),
            "layer 1 (relu): the net up to here needs 122000120 values for one sample (parameters, activations and their "
            "gradients), more than the limit of 67108864");
}

TEST(Limits, BatchTooLargeForOneCall) {
  auto net = build<double>(R"({"input":[1000],"layers":[{"type":"dense","units":10}],"loss":"mse"})");
  std::vector<double> x(1000, 0.5);
  // 2·10010 parameter values + 2·40000·(1000 + 10) activation values = 80820020
  EXPECT_EQ(net->forward(x.data(), 40000 * 1000, 40000).msg,
            "forward: n = 40000 samples need 80820020 values (parameters, activations and their gradients), more than the "
            "limit of 67108864; pass fewer samples per call");
  EXPECT_EQ(net->forward(x.data(), 1000, 2000000).msg, "forward: n is too large, got 2000000");
  EXPECT_EQ(net->forward(x.data(), 1000, 0).msg, "forward: n must be >= 1, got 0");
  EXPECT_EQ(net->forward(x.data(), 1000, 1).msg, "");  // still works
}

TEST(Limits, BadDataNamesTheValue) {
  auto net = build<double>(R"({"input":[2],"layers":[{"type":"dense","units":2}],"loss":"softmax_cross_entropy"})");
  std::vector<double> x = {1, NAN, 3, 4}, t = {0, 1};
  double L;
  EXPECT_EQ(net->forward(x.data(), 4, 2).msg, "forward: x[1] is nan (inputs must be finite)");
  x[1] = -INFINITY;
  EXPECT_EQ(net->compute_gradients(x.data(), 4, t.data(), 2, 2, L).msg, "computeGradients: x[1] is -inf (inputs must be finite)");
  EXPECT_EQ(net->forward(x.data(), 3, 2).msg, "forward: x has 3 values, expected n*[2] = 2*2 = 4");
  x[1] = 2;
  EXPECT_EQ(net->backward(x.data(), 4).msg, "backward: call forward first");
  EXPECT_EQ(net->forward(x.data(), 4, 2).msg, "");
  EXPECT_EQ(net->backward(x.data(), 3).msg, "backward: dy has 3 values, expected n*2 = 4 (n = 2 from the last forward)");
  x[3] = NAN;
  EXPECT_EQ(net->backward(x.data(), 4).msg, "backward: dy[3] is nan");
}

TEST(Limits, ABadSpecLeavesAWorkingModelUntouched) {
  bp::Model m;
  ASSERT_EQ(m.init(std::string(R"({"input":[3],"layers":[{"type":"dense","units":2}],"loss":"mse","dtype":"float64"})")).msg, "");
  EXPECT_EQ(m.init(std::string(R"({"input":[3],"layers":[{"type":"dense","units":0}]})")).msg,
            "layer 0 (dense): units must be >= 1, got 0");
  EXPECT_EQ(m.init(std::string(R"({"input":[100000,100000,100000],"layers":[]})")).msg,
            "spec: input [100000,100000,100000] has 1000000000000000 values per sample, more than the limit of 67108864");
  EXPECT_EQ(m.init(std::string("{\"input\":[3],")).msg, "spec: JSON: expected a string at offset 13 (end of text)");
  EXPECT_TRUE(m.float64());
  m.x64 = {1, 2, 3};
  EXPECT_EQ(m.forward(1).msg, "");
  EXPECT_EQ(m.out_size(), 2);
}

TEST(Limits, BadSpecShapes) {
  EXPECT_EQ(build_error(R"({"input":[1,4],"layers":[]})"), "spec: input must be [C,H,W] or [features], got [1,4]");
  EXPECT_EQ(build_error(R"({"input":[0,4,4],"layers":[]})"), "spec: input dimensions must be positive integers, got [0,4,4]");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":{}})"), "spec: layers must be an array, got {}");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[],"dtype":"float16"})"),
            "spec: dtype must be \"float32\" or \"float64\", got \"float16\"");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[],"seed":-1})"), "spec: seed must be a non-negative integer, got -1");
  EXPECT_EQ(build_error(R"({"input":[4],"layer":[]})"),
            "spec: unknown key 'layer' (known: input, layers, loss, dtype, seed, optimizer)");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"units":3}]})"), "layer 0: needs a \"type\" string, got none");
}

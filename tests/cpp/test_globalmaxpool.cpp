// globalmaxpool: [C,H,W] -> [C], Y[c] = max over the plane; δ to the (first) arg-max.
#include "test_util.h"

using namespace bpt;

TEST(GlobalMaxPool, HandComputed) {
  auto net = one_layer("[2,2,2]", R"({"type":"globalmaxpool"})");
  EXPECT_EQ(net->output_shape(), (bp::Shape{2}));
  // channel 0 = [1,5,3,2] -> 5 at 1;  channel 1 = [−1,−4,−2,−3] -> −1 at 0;  δ = [2,3]
  expect_pass(*net, 1, {1, 5, 3, 2, -1, -4, -2, -3}, {5, -1}, {2, 3}, {0, 2, 0, 0, 3, 0, 0, 0});
}

TEST(GlobalMaxPool, TiesGoToTheFirst) {
  auto net = one_layer("[1,2,2]", R"({"type":"globalmaxpool"})");
  expect_pass(*net, 2, {2, 7, 7, 7, 4, 4, 4, 4}, {7, 4}, {1, 2}, {0, 1, 0, 0, 2, 0, 0, 0});
}

TEST(GlobalMaxPool, GradCheckGrid) {
  int count = 0;
  for (const char* in : {"[1,1,1]", "[3,4,5]", "[2,7,3]"}) {
    auto probe = build<double>(std::string(R"({"input":)") + in + R"(,"layers":[],"loss":"mse"})");
    auto x = distinct((size_t)2 * probe->in_size(), 5);
    auto rows = expect_gradcheck(std::string(R"({"input":)") + in + R"(,"layers":[{"type":"globalmaxpool"}],"loss":"mse"})", 2,
                                 1e-6, 7, 60, &x);
    for (auto& r : rows) EXPECT_EQ(r.kinks, 0);
    ++count;
  }
  EXPECT_EQ(count, 3);
  expect_gradcheck(R"({"input":[2,5,5],"layers":[{"type":"conv2d","filters":4,"kernel":3,"stride":2,"padding":1},)"
                   R"({"type":"globalmaxpool"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})", 3);
}

TEST(GlobalMaxPool, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[8],"layers":[{"type":"globalmaxpool"}]})"),
            "layer 0 (globalmaxpool): needs a [C,H,W] input, got [8]");
  EXPECT_EQ(build_error(R"({"input":[1,4,4],"layers":[{"type":"globalmaxpool","size":2}]})"),
            "layer 0 (globalmaxpool): unknown option 'size' (this layer takes none)");
}

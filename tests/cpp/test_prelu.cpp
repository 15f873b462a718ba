// prelu: y = x > 0 ? x : a·x with a learnable slope a ('alpha', initial 0.25), one shared
// or one per channel (channelwise: true). dx = δ·(x > 0 ? 1 : a), da += Σ δ·x·[x ≤ 0].
#include "test_util.h"

using namespace bpt;

TEST(PRelu, SharedHandComputed) {
  auto net = one_layer("[3]", R"({"type":"prelu"})");
  ASSERT_EQ(net->layers[0]->params.size(), 1u);
  EXPECT_EQ(net->layers[0]->params[0].name, "alpha");
  EXPECT_EQ(net->layers[0]->params[0].shape, (bp::Shape{1}));
  EXPECT_EQ(net->layers[0]->params[0].value, (std::vector<double>{0.25}));  // not re-initialised by the net
  // N = 2: x = [−2, 3, 0 | −4, 1, −1], a = 0.25 -> y = [−0.5, 3, 0 | −1, 1, −0.25]
  // δ = [1, 2, 3 | 4, 5, 6] -> dx = [0.25, 2, 0.75 | 1, 5, 1.5]   (x = 0 takes the a branch)
  // da = Σ δ·x over x ≤ 0 = 1·(−2) + 3·0 + 4·(−4) + 6·(−1) = −24
  expect_pass(*net, 2, {-2, 3, 0, -4, 1, -1}, {-0.5, 3, 0, -1, 1, -0.25}, {1, 2, 3, 4, 5, 6}, {0.25, 2, 0.75, 1, 5, 1.5});
  expect_near_all(grad_of(*net, 0, 0), {-24}, 1e-12, "da");
}

TEST(PRelu, ChannelwiseHandComputed) {
  auto net = one_layer("[2,1,2]", R"({"type":"prelu","channelwise":true})");
  EXPECT_EQ(net->layers[0]->params[0].shape, (bp::Shape{2}));
  net->layers[0]->params[0].value = {0.25, 0.5};
  // channel 0: x = [−1, 2], a = 0.25 -> y = [−0.25, 2];  channel 1: x = [−3, −4], a = 0.5 -> y = [−1.5, −2]
  // δ = [1, 2, 3, 4] -> dx = [0.25, 2, 1.5, 2];  da = [1·(−1), 3·(−3) + 4·(−4)] = [−1, −25]
  expect_pass(*net, 1, {-1, 2, -3, -4}, {-0.25, 2, -1.5, -2}, {1, 2, 3, 4}, {0.25, 2, 1.5, 2});
  expect_near_all(grad_of(*net, 0, 0), {-1, -25}, 1e-12, "da");
  // backward accumulates into da (the one rule): a second pass doubles it
  net->run_backward(std::vector<double>{1, 2, 3, 4}.data());
  expect_near_all(grad_of(*net, 0, 0), {-2, -50}, 1e-12, "da after two backward passes");
}

TEST(PRelu, ChannelwiseOnFeaturesIsOnePerFeature) {
  auto net = one_layer("[3]", R"({"type":"prelu","channelwise":true})");
  EXPECT_EQ(net->layers[0]->params[0].shape, (bp::Shape{3}));
  net->layers[0]->params[0].value = {0.1, 0.2, 0.3};
  expect_pass(*net, 1, {-1, -1, -1}, {-0.1, -0.2, -0.3}, {1, 1, 1}, {0.1, 0.2, 0.3});
  expect_near_all(grad_of(*net, 0, 0), {-1, -1, -1}, 1e-12, "da");
}

TEST(PRelu, GradCheckGrid) {
  // shared and channelwise × alone / after conv / between dense layers; alpha is checked in each
  for (const char* layer : {R"({"type":"prelu"})", R"({"type":"prelu","channelwise":true})"}) {
    EXPECT_EQ(expect_activation_grid(layer), 4);
    auto rows = expect_gradcheck(std::string(R"({"input":[3,4,4],"layers":[)") + layer +
                                 R"(,{"type":"conv2d","filters":2,"kernel":3,"stride":2,"padding":1}],"loss":"mse"})", 2);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0].name, "alpha");
    EXPECT_GT(rows[0].checked, 0);
  }
}

TEST(PRelu, BadSpecs) {
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"prelu","channelwise":"yes"}]})"),
            "layer 0 (prelu): channelwise must be true or false, got \"yes\"");
  EXPECT_EQ(build_error(R"({"input":[4],"layers":[{"type":"prelu","alpha":0.1}]})"),
            "layer 0 (prelu): unknown option 'alpha' (it takes: channelwise)");
}

// Optimizers: several steps on a scalar parameter with a chosen gradient sequence, against
// the published update rules (PyTorch torch.optim) worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>

#include "net/model.h"
#include "optim/optimizer.h"
#include "test_util.h"

namespace {

// Runs the optimizer on one parameter θ (starting at theta0) with gradients gs, one per step;
// returns θ after each step.
std::vector<double> run(const std::string& cfg_json, double theta0, const std::vector<double>& gs) {
  bp::Json cfg;
  EXPECT_TRUE(bp::Json::parse(cfg_json, cfg).ok());
  bp::Optimizer<double> opt;
  bp::Status s = bp::parse_optimizer(cfg, opt.cfg);
  EXPECT_TRUE(s.ok()) << s.msg;
  bp::Param<double> p("weight", {1});
  p.value[0] = theta0;
  std::vector<bp::Param<double>*> ps = {&p};
  opt.reset(ps);
  std::vector<double> out;
  for (double g : gs) {
    p.grad[0] = g;
    opt.step(ps);
    out.push_back(p.value[0]);
  }
  return out;
}

TEST(Optimizer, SgdPlain) {
  // θ ← θ − lr·g, lr 0.1, g = 1, 2, −1 from θ = 1:  0.9, 0.7, 0.8
  bpt::expect_near_all(run(R"({"type":"sgd","lr":0.1})", 1.0, {1, 2, -1}), {0.9, 0.7, 0.8}, 1e-15, "sgd");
}

TEST(Optimizer, SgdMomentum) {
  // μ 0.9, lr 0.1, g = 1 each step, θ0 = 1; b ← μb + g (b = g at t=1), θ ← θ − lr·b
  //   t=1: b = 1                 θ = 1 − 0.1          = 0.9
  //   t=2: b = 0.9·1 + 1 = 1.9   θ = 0.9 − 0.19       = 0.71
  //   t=3: b = 0.9·1.9+1 = 2.71  θ = 0.71 − 0.271     = 0.439
  bpt::expect_near_all(run(R"({"type":"sgd","lr":0.1,"momentum":0.9})", 1.0, {1, 1, 1}), {0.9, 0.71, 0.439}, 1e-15, "momentum");
}

TEST(Optimizer, SgdNesterov) {
  // As above but the step uses g + μb:
  //   t=1: b = 1,    g' = 1 + 0.9·1    = 1.9     θ = 1 − 0.19       = 0.81
  //   t=2: b = 1.9,  g' = 1 + 0.9·1.9  = 2.71    θ = 0.81 − 0.271   = 0.539
  //   t=3: b = 2.71, g' = 1 + 0.9·2.71 = 3.439   θ = 0.539 − 0.3439 = 0.1951
  bpt::expect_near_all(run(R"({"type":"sgd","lr":0.1,"momentum":0.9,"nesterov":true})", 1.0, {1, 1, 1}), {0.81, 0.539, 0.1951}, 1e-15,
                       "nesterov");
}

TEST(Optimizer, SgdWeightDecay) {
  // g' = g + wd·θ, wd 0.5, lr 0.1, g = 1, θ0 = 2:
  //   t=1: g' = 1 + 1 = 2      θ = 2 − 0.2    = 1.8
  //   t=2: g' = 1 + 0.9 = 1.9  θ = 1.8 − 0.19 = 1.61
  bpt::expect_near_all(run(R"({"type":"sgd","lr":0.1,"weightDecay":0.5})", 2.0, {1, 1}), {1.8, 1.61}, 1e-15, "weight decay");
}

TEST(Optimizer, LinearDecaySteps) {
  // lr_t = lr · max(0, 1 − (t−1)/N), lr 0.1, N 2, g = 1, θ0 = 0:
  //   t=1: lr 0.1   θ = −0.1
  //   t=2: lr 0.05  θ = −0.15
  //   t=3: lr 0     θ = −0.15 (and after)
  bpt::expect_near_all(run(R"({"type":"sgd","lr":0.1,"decaySteps":2})", 0.0, {1, 1, 1, 1}), {-0.1, -0.15, -0.15, -0.15}, 1e-15, "decaySteps");
  bp::Json j;
  ASSERT_TRUE(bp::Json::parse(R"({"type":"sgd","decaySteps":100})", j).ok());
  bp::OptimConfig c;
  ASSERT_TRUE(bp::parse_optimizer(j, c).ok());
  EXPECT_EQ(c.to_json().dump(), R"({"type":"sgd","lr":0.01,"momentum":0,"nesterov":false,"weightDecay":0,"decay":0,"decaySteps":100})");
}

TEST(Optimizer, TimeDecay) {
  // lr_t = lr / (1 + (t−1)·decay), lr 0.1, decay 1, g = 1, θ0 = 0:
  //   t=1: lr 0.1    θ = −0.1
  //   t=2: lr 0.05   θ = −0.15
  //   t=3: lr 0.1/3  θ = −0.15 − 0.0333… = −0.18333…
  bpt::expect_near_all(run(R"({"type":"sgd","lr":0.1,"decay":1})", 0.0, {1, 1, 1}), {-0.1, -0.15, -0.15 - 0.1 / 3}, 1e-15, "decay");
}

TEST(Optimizer, Adagrad) {
  // s ← s + g², θ ← θ − lr·g/(√s + eps), lr 0.1, eps 1e-10, g = 1, 2, θ0 = 0:
  //   t=1: s = 1   θ = −0.1·1/(1 + 1e-10)          = −0.09999999999
  //   t=2: s = 5   θ = −0.09999999999 − 0.2/√5      = −0.09999999999 − 0.0894427191 = −0.18944271909
  bpt::expect_near_all(run(R"({"type":"adagrad","lr":0.1})", 0.0, {1, 2}), {-0.09999999999, -0.18944271908599158}, 1e-14, "adagrad");
}

TEST(Optimizer, Rmsprop) {
  // v ← αv + (1−α)g², θ ← θ − lr·g/(√v + eps), lr 0.01, α 0.99, eps 1e-8, g = 1, θ0 = 0:
  //   t=1: v = 0.01     √v = 0.1          u = 1/(0.1 + 1e-8) = 9.999999   θ = −0.09999999
  //   t=2: v = 0.0199   √v = 0.14106736   u = 7.0888105               θ = −0.17088810548
  bpt::expect_near_all(run(R"({"type":"rmsprop"})", 0.0, {1, 1}), {-0.09999999000000097, -0.17088810547570926}, 1e-14, "rmsprop");
  // With momentum 0.5: b ← 0.5b + u:  t=1: b = 9.999999, θ = −0.09999999
  //   t=2: b = 4.9999995 + 7.0888105 = 12.08881, θ = −0.09999999 − 0.1208881 = −0.2208881
  bpt::expect_near_all(run(R"({"type":"rmsprop","momentum":0.5})", 0.0, {1, 1}), {-0.09999999000000097, -0.22088810047570973}, 1e-14,
                       "rmsprop momentum");
}

TEST(Optimizer, Adadelta) {
  // v ← ρv + (1−ρ)g², Δ = √(a+eps)/√(v+eps)·g, a ← ρa + (1−ρ)Δ², θ ← θ − lr·Δ; lr 1, ρ 0.9,
  // eps 1e-6, g = 1, θ0 = 0:
  //   t=1: v = 0.1    Δ = √1e-6/√0.100001 = 0.001/0.3162293 = 0.0031622618   a = 0.1·Δ² = 9.9999e-7
  //        θ = −0.0031622618
  //   t=2: v = 0.19   Δ = √1.99999e-6/√0.190001 = 0.0014142100/0.4358911 = 0.0032444118
  //        θ = −0.0031622618 − 0.0032444118 = −0.0064066736
  bpt::expect_near_all(run(R"({"type":"adadelta"})", 0.0, {1, 1}), {-0.0031622618488986636, -0.0064066736225993435}, 1e-15, "adadelta");
}

TEST(Optimizer, Adam) {
  // m ← β1m + (1−β1)g, v ← β2v + (1−β2)g², θ ← θ − lr/(1−β1^t)·m/(√v/√(1−β2^t) + eps);
  // lr 0.1, β 0.9/0.999, eps 1e-8, g = 1 then −1, θ0 = 0:
  //   t=1: m = 0.1, v = 0.001; m̂ = 1, √v̂ = 1        θ = −0.1/(1 + 1e-8)               = −0.099999999
  //   t=2: m = 0.09 − 0.1 = −0.01, v = 0.000999 + 0.001 = 0.001999;
  //        m̂ = −0.01/0.19 = −0.0526316, v̂ = 0.001999/0.001999 = 1
  //        θ = −0.099999999 + 0.1·0.0526316/(1 + 1e-8)                     = −0.0947368412
  bpt::expect_near_all(run(R"({"type":"adam","lr":0.1})", 0.0, {1, -1}), {-0.09999999900000002, -0.0947368411578948}, 1e-14, "adam");
  // Weight decay 0.1, g = 0, θ0 = 1: g' = 0.1; m̂ = 0.1, √v̂ = 0.1; θ = 1 − 0.1·0.1/(0.1 + 1e-8) = 0.90000001
  bpt::expect_near_all(run(R"({"type":"adam","lr":0.1,"weightDecay":0.1})", 1.0, {0}), {0.900000009999999}, 1e-14, "adam wd");
}

TEST(Optimizer, AdamWithoutBiasCorrection) {
  // biasCorrection false: θ ← θ − lr·m/(√v + eps), m and v not divided by 1 − βᵗ;
  // lr 0.1, β 0.9/0.999, eps 1e-8, g = 1 then −1, θ0 = 0:
  //   t=1: m = 0.1, v = 0.001, √v = 0.0316227766                θ = −0.01/(0.0316227766 + 1e-8) = −0.316227666
  //        (the corrected step is −0.1: uncorrected, the first step is √1000/10 ≈ 3.16× as long)
  //   t=2: m = −0.01, v = 0.001999, √v = 0.0447101778            θ = −0.316227666 + 0.001/(0.0447101778 + 1e-8)
  //                                                                = −0.293861399
  bpt::expect_near_all(run(R"({"type":"adam","lr":0.1,"biasCorrection":false})", 0.0, {1, -1}),
                       {-0.31622766601686936, -0.2938613989772403}, 1e-14, "adam without bias correction");
  // true is the default: the same steps as test Adam.
  bpt::expect_near_all(run(R"({"type":"adam","lr":0.1,"biasCorrection":true})", 0.0, {1, -1}),
                       {-0.09999999900000002, -0.0947368411578948}, 1e-14, "adam, biasCorrection true");
  bp::Json j;
  bp::OptimConfig c;
  ASSERT_TRUE(bp::Json::parse(R"({"type":"adam"})", j).ok());
  ASSERT_TRUE(bp::parse_optimizer(j, c).ok());
  EXPECT_EQ(c.to_json().dump(), R"({"type":"adam","lr":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-08,"weightDecay":0,"biasCorrection":true,"decay":0})");
  ASSERT_TRUE(bp::Json::parse(R"({"type":"adam","biasCorrection":false})", j).ok());
  ASSERT_TRUE(bp::parse_optimizer(j, c).ok());
  EXPECT_FALSE(c.bias_correction);
  EXPECT_EQ(c.to_json().find("biasCorrection")->dump(), "false");
}

TEST(Optimizer, DefaultsFollowPyTorch) {
  bp::OptimConfig c;
  ASSERT_TRUE(bp::parse_optimizer(bp::Json(), c).ok());
  EXPECT_EQ(c.to_json().dump(), R"({"type":"sgd","lr":0.01,"momentum":0,"nesterov":false,"weightDecay":0,"decay":0})");
  bp::Json j;
  ASSERT_TRUE(bp::Json::parse(R"({"type":"adadelta"})", j).ok());
  ASSERT_TRUE(bp::parse_optimizer(j, c).ok());
  EXPECT_EQ(c.to_json().dump(), R"({"type":"adadelta","lr":1,"rho":0.9,"eps":1e-06,"decay":0})");
}

std::string parse_error(const std::string& text) {
  bp::Json j;
  EXPECT_TRUE(bp::Json::parse(text, j).ok());
  bp::OptimConfig c;
  return bp::parse_optimizer(j, c).msg;
}

TEST(Optimizer, EveryHyperParameterHasItsRange) {
  // Issue 14: lr (0, 10]; momentum, alpha, rho, beta1, beta2 [0, 1); eps (0, 1]; weightDecay
  // [0, 1]; decaySteps a whole number in [0, 1e9]. Each bound refused just past it, kept at it.
  EXPECT_EQ(parse_error(R"({"type":"sgd","lr":0})"), "optimizer (sgd): lr must be in (0, 10], got 0");
  EXPECT_EQ(parse_error(R"({"type":"adam","lr":1e300})"), "optimizer (adam): lr must be in (0, 10], got 1e+300");
  EXPECT_EQ(parse_error(R"({"type":"sgd","lr":10.5})"), "optimizer (sgd): lr must be in (0, 10], got 10.5");
  EXPECT_EQ(parse_error(R"({"type":"sgd","lr":10})"), "");
  EXPECT_EQ(parse_error(R"({"type":"sgd","momentum":0.9,"weightDecay":1.5})"), "optimizer (sgd): weightDecay must be in [0, 1], got 1.5");
  EXPECT_EQ(parse_error(R"({"type":"sgd","weightDecay":1})"), "");
  EXPECT_EQ(parse_error(R"({"type":"adam","weightDecay":-0.1})"), "optimizer (adam): weightDecay must be in [0, 1], got -0.1");
  EXPECT_EQ(parse_error(R"({"type":"adagrad","eps":2})"), "optimizer (adagrad): eps must be in (0, 1], got 2");
  EXPECT_EQ(parse_error(R"({"type":"adagrad","eps":1})"), "");
  EXPECT_EQ(parse_error(R"({"type":"rmsprop","alpha":1})"), "optimizer (rmsprop): alpha must be in [0, 1), got 1");
  EXPECT_EQ(parse_error(R"({"type":"rmsprop","eps":1e300})"), "optimizer (rmsprop): eps must be in (0, 1], got 1e+300");
  EXPECT_EQ(parse_error(R"({"type":"rmsprop","momentum":1})"), "optimizer (rmsprop): momentum must be in [0, 1), got 1");
  EXPECT_EQ(parse_error(R"({"type":"adadelta","rho":1})"), "optimizer (adadelta): rho must be in [0, 1), got 1");
  EXPECT_EQ(parse_error(R"({"type":"adadelta","eps":0})"), "optimizer (adadelta): eps must be in (0, 1], got 0");
  EXPECT_EQ(parse_error(R"({"type":"adam","beta1":-0.1})"), "optimizer (adam): beta1 must be in [0, 1), got -0.1");
  EXPECT_EQ(parse_error(R"({"type":"adam","beta2":1})"), "optimizer (adam): beta2 must be in [0, 1), got 1");
  EXPECT_EQ(parse_error(R"({"type":"adam","decaySteps":1e10})"), "optimizer (adam): decaySteps must be in [0, 1000000000], got 10000000000");
  EXPECT_EQ(parse_error(R"({"type":"adam","decaySteps":1e9})"), "");
}

TEST(Optimizer, BadConfigsNameTheValue) {
  EXPECT_EQ(parse_error(R"({"type":"adamw"})"), "optimizer: unknown type 'adamw' (known: sgd, adagrad, rmsprop, adadelta, adam)");
  EXPECT_EQ(parse_error(R"({"type":"sgd","lr":-0.1})"), "optimizer (sgd): lr must be in (0, 10], got -0.1");
  EXPECT_EQ(parse_error(R"({"type":"sgd","momentum":1})"), "optimizer (sgd): momentum must be in [0, 1), got 1");
  EXPECT_EQ(parse_error(R"({"type":"rmsprop","momentum":-0.5})"), "optimizer (rmsprop): momentum must be in [0, 1), got -0.5");
  EXPECT_EQ(parse_error(R"({"type":"adam","eps":0})"), "optimizer (adam): eps must be in (0, 1], got 0");
  EXPECT_EQ(parse_error(R"({"type":"adam","beta1":1})"), "optimizer (adam): beta1 must be in [0, 1), got 1");
  EXPECT_EQ(parse_error(R"({"type":"adam","biasCorrection":"no"})"), "optimizer (adam): biasCorrection must be true or false, got \"no\"");
  EXPECT_EQ(parse_error(R"({"type":"adam","biasCorrection":0})"), "optimizer (adam): biasCorrection must be true or false, got 0");
  EXPECT_EQ(parse_error(R"({"type":"sgd","biasCorrection":false})"),
            "optimizer (sgd): unknown option 'biasCorrection' (it takes: lr, momentum, nesterov, weightDecay, decay, decaySteps)");
  EXPECT_EQ(parse_error(R"({"type":"adagrad","momentum":0.9})"),
            "optimizer (adagrad): unknown option 'momentum' (it takes: lr, eps, decay, decaySteps)");
  EXPECT_EQ(parse_error(R"({"type":"adam","decaySteps":2.5})"), "optimizer (adam): decaySteps must be a whole number of steps, got 2.5");
  EXPECT_EQ(parse_error(R"({"type":"adam","decaySteps":-1})"), "optimizer (adam): decaySteps must be in [0, 1000000000], got -1");
  EXPECT_EQ(parse_error(R"({"type":"sgd","nesterov":true})"), "optimizer (sgd): nesterov needs momentum > 0, got momentum 0");
  EXPECT_EQ(parse_error(R"({"lr":0.1})"),
            "optimizer: needs a \"type\" string (known: sgd, adagrad, rmsprop, adadelta, adam), got none");
}

const char* kDenseSpec = R"({"input":[2],"layers":[{"type":"dense","units":2}],"loss":"mse","dtype":"float64",
                             "optimizer":{"type":"sgd","lr":0.5}})";

TEST(Optimizer, TrainStepIsGradientThenStep) {
  // trainStep = compute_gradients, then θ ← θ − lr·dL/dθ (sgd lr 0.5).
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kDenseSpec)).ok());
  m.x64 = {0.5, -1.0};
  m.targets = {1.0, 2.0};
  double L0, L1;
  ASSERT_TRUE(m.compute_gradients(1, L0).ok());
  auto* w = m.param<double>(0, "weight");
  std::vector<double> want = w->value;
  for (size_t i = 0; i < want.size(); ++i) want[i] -= 0.5 * w->grad[i];
  ASSERT_TRUE(m.train_step(1, L1).ok());
  EXPECT_EQ(L0, L1);
  bpt::expect_near_all(w->value, want, 0, "weight after one sgd step");
  EXPECT_EQ(m.net<double>()->opt.t, 1);
}

TEST(Optimizer, SetOptimizerValidatesFirst) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kDenseSpec)).ok());
  EXPECT_EQ(m.set_optimizer(R"({"type":"sgd","momentum":1.5})").msg, "optimizer (sgd): momentum must be in [0, 1), got 1.5");
  EXPECT_EQ(m.info().find("spec")->find("optimizer")->dump(),
            R"({"type":"sgd","lr":0.5,"momentum":0,"nesterov":false,"weightDecay":0,"decay":0})");
  ASSERT_TRUE(m.set_optimizer(R"({"type":"adam","lr":0.01})").ok());
  EXPECT_EQ(m.net<double>()->opt.cfg.kind, bp::OptimKind::Adam);
  EXPECT_EQ(m.net<double>()->opt.state[0].size(), 2u * 4);  // m and v for the 2x2 weight
}

TEST(Optimizer, SpecWithBadOptimizerIsRejected) {
  EXPECT_EQ(bpt::build_error(R"({"input":[2],"layers":[],"loss":"mse","optimizer":{"type":"sgd","lr":-1}})"),
            "optimizer (sgd): lr must be in (0, 10], got -1");
}

}  // namespace

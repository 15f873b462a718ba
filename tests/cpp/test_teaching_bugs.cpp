// The demo's "break it" switch: each deliberately wrong backward must make the gradient
// check fail exactly where the chain rule carries the error (teaching_bugs.h), while the
// normal check on the same net and data passes, and training's own backward is untouched.
#include <algorithm>
#include <set>

#include "net/model.h"
#include "test_util.h"

namespace {

// The bugs sit in the LAST conv2d (layer 0) and the LAST relu (layer 5).
// The derivation series' tiny CNN on a 10×10 input: conv 1@3×3 -> relu -> maxpool 2 -> flatten -> dense 8 -> relu -> dense 10.
const char* kTiny = R"({"input":[1,10,10],"seed":3,"layers":[{"type":"conv2d","filters":1,"kernel":3},{"type":"relu"},
  {"type":"maxpool2d","size":2},{"type":"flatten"},{"type":"dense","units":8},{"type":"relu"},{"type":"dense","units":10}]})";

std::vector<bp::GradCheckRow> check_with(const char* bug, int N = 3) {
  auto net = bpt::build<double>(kTiny);
  bp::Rng r(11);
  for (auto& l : net->layers)
    for (auto& p : l->params)
      if (p.name == "bias")
        for (auto& b : p.value) b = 0.1 * r.normal();
  auto x = bpt::randn((size_t)N * net->in_size(), 5);
  auto t = bpt::targets_for(*net, N, 6);
  bp::GradCheckOptions opt;
  opt.stencil = 4;
  opt.eps = 1e-4;
  opt.max_coords = 40;
  EXPECT_TRUE(bp::parse_teaching_bug(bug, opt.bug).ok());
  return bp::grad_check(*net, x.data(), t.data(), N, opt);
}

// Rows of layers before `broken` (and the input row) fail; rows at or after it pass.
void expect_red_before(const std::vector<bp::GradCheckRow>& rows, int broken, const char* bug) {
  ASSERT_EQ(rows.size(), 7u);  // conv w,b; dense w,b; dense w,b; input
  for (auto& row : rows) {
    bool should_fail = row.layer < broken;  // input is layer −1
    EXPECT_EQ(row.passed, !should_fail) << bug << ": layer " << row.layer << " " << row.name << " max rel " << row.max_rel_error;
    if (should_fail) EXPECT_GT(row.max_rel_error, 1e-2) << bug << ": layer " << row.layer << " " << row.name;
    // Green rows: well inside the "fine" band (rounding in the fast kernels' summation order
    // puts small input-gradient components near 1e-6), four decades below any bug's error.
    else EXPECT_LT(row.max_rel_error, 1e-5) << bug << ": layer " << row.layer << " " << row.name;
  }
}

TEST(TeachingBugs, NormalCheckPasses) { expect_red_before(check_with("none"), -1, "none"); }
TEST(TeachingBugs, ConvNoRotateBreaksTheConvInputGradient) { expect_red_before(check_with("conv-no-rotate"), 0, "conv-no-rotate"); }
TEST(TeachingBugs, ReluNoMaskBreaksEverythingBeforeTheLastRelu) { expect_red_before(check_with("relu-no-mask"), 5, "relu-no-mask"); }
TEST(TeachingBugs, LossNoMeanBreaksEveryRowByN) {
  auto rows = check_with("loss-no-mean");
  expect_red_before(rows, 7, "loss-no-mean");
  for (auto& row : rows) EXPECT_NEAR(row.max_rel_error, 2.0 / 3.0, 1e-6) << row.name;  // a = 3n: |a − n| / |a| = 2/3
}

TEST(TeachingBugs, NamesAndMissingLayersAreErrors) {
  bp::TeachingBug b;
  EXPECT_EQ(bp::parse_teaching_bug("conv-no-flip", b).msg,
            "gradCheck: unknown bug 'conv-no-flip' (known: none, conv-no-rotate, relu-no-mask, loss-no-mean, conv-no-dilate, "
            "conv-crop-off-by-one, avgpool-no-scale, maxpool-wrong-index, mse-no-half)");
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(R"({"input":[4],"layers":[{"type":"dense","units":3}]})")).ok());
  m.x32 = {1, 2, 3, 4};
  m.targets = {1};
  bp::GradCheckOptions opt;
  opt.bug = bp::TeachingBug::ConvNoRotate;
  bp::GradCheckReport report;
  EXPECT_EQ(m.grad_check(1, opt, report).msg, "gradCheck: bug 'conv-no-rotate' needs a conv2d layer, the net has none");
}

// ---- the derivation chapters' bugs: each changes exactly what its one switched step reaches ----

// The check on a float64 net, off kinks (distinct inputs), every coordinate; the failing rows as
// "layer name" (input: "-1 input").
std::vector<std::string> failing(const std::string& spec, const char* bug, std::vector<bp::GradCheckRow>* rows_out = nullptr) {
  auto net = bpt::build<double>(spec);
  const int N = 2;
  auto x = bpt::distinct((size_t)N * net->in_size(), 3);
  auto t = bpt::targets_for(*net, N, 4);
  bp::GradCheckOptions opt;
  opt.max_coords = 1000;
  EXPECT_TRUE(bp::parse_teaching_bug(bug, opt.bug).ok()) << bug;
  auto rows = bp::grad_check(*net, x.data(), t.data(), N, opt);
  std::vector<std::string> out;
  for (auto& r : rows) {
    EXPECT_EQ(r.kinks, 0) << bug << ": layer " << r.layer << " " << r.name;
    if (!r.passed) out.push_back(std::to_string(r.layer) + " " + r.name);
  }
  if (rows_out) *rows_out = rows;
  return out;
}
using Names = std::vector<std::string>;

TEST(TeachingBugs, ConvNoDilateBreaksOnlyTheStridedConvsInputGradient) {
  const char* strided = R"({"input":[2,7,7],"dtype":"float64","layers":[{"type":"conv2d","filters":2,"kernel":3,"stride":2},
    {"type":"flatten"},{"type":"dense","units":3}]})";
  EXPECT_EQ(failing(strided, "none"), Names{});
  EXPECT_EQ(failing(strided, "conv-no-dilate"), Names{"-1 input"});
  // At stride 1 dilation inserts no zeros: the bug changes nothing.
  EXPECT_EQ(failing(R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":3},{"type":"flatten"},{"type":"dense","units":3}]})",
                    "conv-no-dilate"), Names{});
}

TEST(TeachingBugs, ConvCropOffByOneBreaksOnlyThePaddedConvsInputGradient) {
  const char* padded = R"({"input":[1,5,5],"layers":[{"type":"conv2d","filters":2,"kernel":3,"padding":1},{"type":"flatten"},
    {"type":"dense","units":3}]})";
  EXPECT_EQ(failing(padded, "conv-crop-off-by-one"), Names{"-1 input"});
  auto net = bpt::build<double>(padded);
  // The wrong crop reads the uncropped dXp one row and column early: dX_bug[y,x] = dXp[y+P−1, x+P−1]
  // = dX[y−1, x−1] for y, x ≥ 1 (row and column 0 read dXp's padding row and column).
  auto x = bpt::distinct(net->in_size(), 5);
  auto t = bpt::targets_for(*net, 1, 6);
  net->run_compute_gradients(x.data(), t.data(), 1);
  std::vector<double> good = net->grads[0];
  bp::run_compute_gradients_with_bug(*net, x.data(), t.data(), 1, bp::TeachingBug::ConvCropOffByOne);
  for (int y = 1; y < 5; ++y)
    for (int xx = 1; xx < 5; ++xx) EXPECT_NEAR(net->grads[0][y * 5 + xx], good[(y - 1) * 5 + xx - 1], 1e-15) << y << "," << xx;
}

TEST(TeachingBugs, AvgPoolNoScaleMultipliesDxByTheWindowSize) {
  const char* pooled = R"({"input":[1,6,6],"layers":[{"type":"conv2d","filters":2,"kernel":3},{"type":"avgpool2d","size":2},
    {"type":"flatten"},{"type":"dense","units":3}]})";
  EXPECT_EQ(failing(pooled, "avgpool-no-scale"), (Names{"0 weight", "0 bias", "-1 input"}));
  auto net = bpt::build<double>(pooled);
  auto x = bpt::distinct(net->in_size(), 5);
  auto t = bpt::targets_for(*net, 1, 6);
  net->run_compute_gradients(x.data(), t.data(), 1);
  std::vector<double> good = net->grads[1];
  bp::run_compute_gradients_with_bug(*net, x.data(), t.data(), 1, bp::TeachingBug::AvgPoolNoScale);
  for (size_t i = 0; i < good.size(); ++i) EXPECT_DOUBLE_EQ(net->grads[1][i], 4 * good[i]);  // k² = 4
  EXPECT_EQ(failing(R"({"input":[2,3,3],"layers":[{"type":"globalavgpool"},{"type":"dense","units":3}]})", "avgpool-no-scale"),
            Names{"-1 input"});
}

TEST(TeachingBugs, MaxPoolWrongIndexRoutesToTheWindowsFirstEntry) {
  const char* pooled = R"({"input":[1,6,6],"layers":[{"type":"conv2d","filters":2,"kernel":3},{"type":"maxpool2d","size":2},
    {"type":"flatten"},{"type":"dense","units":3}]})";
  // The conv's bias stays right: db sums every δ of its channel, wherever the pool routed it.
  EXPECT_EQ(failing(pooled, "maxpool-wrong-index"), (Names{"0 weight", "-1 input"}));
  // A 4×4 plane, 2×2 windows: δ lands on (0,0), (0,2), (2,0), (2,2) and nowhere else.
  auto net = bpt::build<double>(R"({"input":[1,4,4],"loss":"mse","layers":[{"type":"maxpool2d","size":2},{"type":"flatten"}]})");
  auto x = bpt::distinct(16, 7);
  std::vector<double> t(4, 0.0);
  bp::run_compute_gradients_with_bug(*net, x.data(), t.data(), 1, bp::TeachingBug::MaxPoolWrongIndex);
  for (int i = 0; i < 16; ++i) {
    const int y = i / 4, xx = i % 4;
    if (y % 2 == 0 && xx % 2 == 0) EXPECT_EQ(net->grads[0][i], net->grads[1][(y / 2) * 2 + xx / 2]) << i;
    else EXPECT_EQ(net->grads[0][i], 0.0) << i;
  }
}

TEST(TeachingBugs, MseNoHalfHalvesEveryGradient) {
  std::vector<bp::GradCheckRow> rows;
  const char* net = R"({"input":[4],"loss":"mse","layers":[{"type":"dense","units":3},{"type":"tanh"},{"type":"dense","units":2}]})";
  EXPECT_EQ(failing(net, "mse-no-half", &rows), (Names{"0 weight", "0 bias", "2 weight", "2 bias", "-1 input"}));
  for (auto& r : rows) EXPECT_NEAR(r.max_rel_error, 0.5, 1e-6) << r.layer << " " << r.name;  // a = n/2
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(R"({"input":[4],"layers":[{"type":"dense","units":3}]})")).ok());
  m.x32 = {1, 2, 3, 4};
  m.targets = {1};
  bp::GradCheckOptions opt;
  opt.bug = bp::TeachingBug::MseNoHalf;
  bp::GradCheckReport report;
  EXPECT_EQ(m.grad_check(1, opt, report).msg, "gradCheck: bug 'mse-no-half' needs an mse loss, the net has softmax_cross_entropy");
  opt.bug = bp::TeachingBug::MaxPoolWrongIndex;
  EXPECT_EQ(m.grad_check(1, opt, report).msg, "gradCheck: bug 'maxpool-wrong-index' needs a maxpool2d or globalmaxpool layer, the net has none");
}

// The twin's bug never reaches the real net: after a broken check, training's gradients are the same.
TEST(TeachingBugs, RealNetIsUntouched) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kTiny)).ok());
  m.x32.assign(2 * 100, 0.f);
  for (size_t i = 0; i < m.x32.size(); ++i) m.x32[i] = (float)std::sin(0.37 * i);
  m.targets = {3, 7};
  double L0, L1;
  ASSERT_TRUE(m.compute_gradients(2, L0).ok());
  auto g0 = m.param<float>(0, "weight")->grad;
  bp::GradCheckOptions opt;
  opt.bug = bp::TeachingBug::ReluNoMask;
  opt.max_coords = 5;
  bp::GradCheckReport report;
  ASSERT_TRUE(m.grad_check(2, opt, report).ok());
  EXPECT_FALSE(report.rows[0].passed);
  ASSERT_TRUE(m.compute_gradients(2, L1).ok());
  EXPECT_EQ(L0, L1);
  EXPECT_EQ(g0, m.param<float>(0, "weight")->grad);
}

// The report names the layer each bug sits in, the bug, and the loss; on a dataset it also picks
// the highest-loss samples of its pool (all 12 here, so the pick is checkable by hand).
TEST(TeachingBugs, ReportNamesTheBrokenLayerAndPicksTheHighestLossSamples) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kTiny)).ok());
  bp::Dataset ds;
  for (int i = 0; i < 12 * 100; ++i) ds.floats.push_back((float)std::sin(0.37 * i + 0.1 * (i / 100)));
  for (int i = 0; i < 12; ++i) ds.targets.push_back(i % 10);
  ASSERT_TRUE(ds.finish({1, 10, 10}, false, 10).ok());
  bp::GradCheckOptions opt;
  opt.stencil = 4;
  opt.eps = 1e-4;
  opt.max_coords = 10;
  const char* bugs[] = {"none", "conv-no-rotate", "relu-no-mask", "loss-no-mean"};
  const int broken[] = {-1, 0, 5, 7};
  for (int b = 0; b < 4; ++b) {
    ASSERT_TRUE(bp::parse_teaching_bug(bugs[b], opt.bug).ok());
    bp::GradCheckReport r;
    ASSERT_TRUE(m.grad_check_dataset(ds, 3, 64, opt, r).ok());
    EXPECT_EQ(r.bug, bugs[b]);
    EXPECT_EQ(r.broken_layer, broken[b]) << bugs[b];
    EXPECT_EQ(r.rows.size(), 7u);
    ASSERT_EQ(r.samples.size(), 3u);
    // The three highest per-sample losses (ties: lower index), from a forward of each sample alone.
    std::vector<std::pair<double, uint32_t>> all;
    for (uint32_t i = 0; i < 12; ++i) {
      m.x32.assign(ds.floats.begin() + i * 100, ds.floats.begin() + (i + 1) * 100);
      m.targets = {ds.targets[i]};
      double L;
      ASSERT_TRUE(m.loss(1, L).ok());
      all.push_back({-L, i});
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(r.samples, (std::vector<uint32_t>{all[0].second, all[1].second, all[2].second})) << bugs[b];
    // The same check on those samples staged by hand: the same report (samples aside).
    m.x32.clear();
    m.targets.clear();
    for (uint32_t i : r.samples) {
      m.x32.insert(m.x32.end(), ds.floats.begin() + i * 100, ds.floats.begin() + (i + 1) * 100);
      m.targets.push_back(ds.targets[i]);
    }
    bp::GradCheckReport staged;
    ASSERT_TRUE(m.grad_check(3, opt, staged).ok());
    EXPECT_TRUE(staged.samples.empty());
    EXPECT_EQ(staged.loss, r.loss);
    EXPECT_EQ(staged.broken_layer, r.broken_layer);
    for (size_t k = 0; k < r.rows.size(); ++k) {
      EXPECT_EQ(staged.rows[k].max_abs_error, r.rows[k].max_abs_error);
      EXPECT_EQ(staged.rows[k].passed, r.rows[k].passed);
    }
  }
  bp::GradCheckReport r;
  EXPECT_EQ(m.grad_check_dataset(ds, 13, 64, opt, r).msg, "gradCheckDataset: samples 13 is more than the pool of 12 (pool 64, dataset count 12)");
  EXPECT_EQ(m.grad_check_dataset(ds, 0, 64, opt, r).msg, "gradCheckDataset: samples must be >= 1, got 0");
  EXPECT_EQ(m.grad_check_dataset(ds, 2, 0, opt, r).msg, "gradCheckDataset: pool must be >= 1, got 0");
  opt.stencil = 3;
  EXPECT_EQ(m.grad_check_dataset(ds, 2, 8, opt, r).msg, "gradCheckDataset: stencil must be 2 or 4, got 3");
  // A pool smaller than the dataset: distinct indices, all in range.
  opt.stencil = 2;
  opt.bug = bp::TeachingBug::None;
  ASSERT_TRUE(m.grad_check_dataset(ds, 4, 5, opt, r).ok());
  std::set<uint32_t> distinct(r.samples.begin(), r.samples.end());
  EXPECT_EQ(distinct.size(), 4u);
  for (uint32_t i : r.samples) EXPECT_LT(i, 12u);
}

}  // namespace

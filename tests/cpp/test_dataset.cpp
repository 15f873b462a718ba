// Dataset and fit: the checks on images/labels, the seeded per-epoch shuffle, chunked fits
// that continue where they stopped, and evaluation over a whole dataset.
#include <gtest/gtest.h>

#include <set>

#include "data/dataset.h"
#include "net/model.h"
#include "test_util.h"

namespace {

bp::Status make(bp::Dataset& d, size_t images, std::vector<double> labels, bp::Shape shape, int classes = 0) {
  d.pixels.assign(images, 128);
  d.targets = std::move(labels);
  return d.finish(shape, true, classes);
}

TEST(Dataset, Errors) {
  bp::Dataset d;
  EXPECT_EQ(make(d, 8, {0, 1, 2}, {4}).msg, "dataset: 2 images but 3 labels (expected one label per image, or the same number of mse targets for each)");
  EXPECT_EQ(make(d, 10, {0, 1}, {4}).msg, "dataset: images have 10 values, not a whole number of samples of [4] = 4 values each");
  EXPECT_EQ(make(d, 8, {0, 10}, {4}, 10).msg, "dataset: label 10 at index 1 is not a class in [0, 10)");
  EXPECT_EQ(make(d, 8, {0, 1.5}, {4}, 10).msg, "dataset: label 1.5 at index 1 is not a class in [0, 10)");
  EXPECT_EQ(make(d, 0, {}, {4}).msg, "dataset: no images (0 values)");
  EXPECT_EQ(make(d, 8, {0, 1}, {0, 2}).msg, "dataset: shape dimensions must be positive, got [0,2]");
  EXPECT_FALSE(d.ready());
  ASSERT_TRUE(make(d, 8, {0, 1}, {4}).ok());
  EXPECT_EQ(d.count(), 2);
}

TEST(Dataset, GatherScalesPixels) {
  bp::Dataset d;
  d.pixels = {0, 255, 51, 102};
  d.targets = {1, 0};
  ASSERT_TRUE(d.finish({2}, true, 2).ok());
  float x[2];
  double t[1];
  uint32_t idx[1] = {1};
  d.gather(x, t, idx, 1);
  EXPECT_FLOAT_EQ(x[0], 0.2f);  // 51/255
  EXPECT_FLOAT_EQ(x[1], 0.4f);  // 102/255
  EXPECT_EQ(t[0], 0);
}

const char* kSpec = R"({"input":[4],"layers":[{"type":"dense","units":3}],"loss":"softmax_cross_entropy",
                        "optimizer":{"type":"sgd","lr":0.1},"dtype":"float64"})";

struct Fit : ::testing::Test {
  bp::Dataset ds;
  void SetUp() override {
    // 10 samples; sample i has its label i % 3 encoded in its pixels.
    for (int i = 0; i < 10; ++i) {
      for (int k = 0; k < 4; ++k) ds.pixels.push_back((uint8_t)(k == i % 3 ? 255 : 0));
      ds.targets.push_back(i % 3);
    }
    ASSERT_TRUE(ds.finish({4}, true, 3).ok());
  }
};

TEST_F(Fit, BadInputsNameTheValue) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kSpec)).ok());
  bp::FitConfig c;
  bp::FitReport r;
  c.batch_size = 0;
  EXPECT_EQ(m.fit_steps(ds, 1, c, r).msg, "fit: batchSize must be >= 1, got 0");
  c.batch_size = 4;
  bp::Model two;
  ASSERT_TRUE(two.init(std::string(R"({"input":[4],"layers":[{"type":"dense","units":2}]})")).ok());
  EXPECT_EQ(two.fit_steps(ds, 1, c, r).msg, "fit: label 2 is not a class in [0, 2)");
  bp::Model wide;
  ASSERT_TRUE(wide.init(std::string(R"({"input":[1,2,3],"layers":[{"type":"dense","units":3}]})")).ok());
  EXPECT_EQ(wide.fit_steps(ds, 1, c, r).msg, "fit: dataset samples are [4] but the net takes [1,2,3]");
  bp::Model reg;
  ASSERT_TRUE(reg.init(std::string(R"({"input":[4],"layers":[{"type":"dense","units":2}],"loss":"mse"})")).ok());
  EXPECT_EQ(reg.fit_steps(ds, 1, c, r).msg, "fit: an mse net with 2 outputs needs 2 targets per sample, the dataset has 1");
  double L, acc;
  EXPECT_EQ(m.evaluate_dataset(ds, 0, 0, L, acc).msg, "evaluate: batchSize must be >= 1, got 0");
  EXPECT_EQ(m.net<double>()->opt.t, 0);
}

TEST_F(Fit, EpochsShuffleAndChunks) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kSpec)).ok());
  bp::FitConfig c;
  c.batch_size = 4;
  c.seed = 9;
  bp::FitReport r;
  // 10 samples in batches of 4: 4, 4, 2 per epoch. Two chunks of 2 steps = one epoch and a step.
  ASSERT_TRUE(m.fit_steps(ds, 2, c, r).ok());
  EXPECT_EQ(r.samples, 8);
  EXPECT_EQ(r.epoch, 0);
  EXPECT_EQ(r.position, 8);
  std::vector<uint32_t> epoch0 = m.trainer.order;
  std::set<uint32_t> all(epoch0.begin(), epoch0.end());
  EXPECT_EQ(all.size(), 10u);  // a permutation
  ASSERT_TRUE(m.fit_steps(ds, 2, c, r).ok());
  EXPECT_EQ(r.samples, 2 + 4);  // the epoch's short last batch, then the first of epoch 1
  EXPECT_EQ(r.epoch, 1);
  EXPECT_EQ(r.position, 4);
  EXPECT_EQ(r.total_steps, 4);
  EXPECT_NE(m.trainer.order, epoch0);  // reshuffled
  EXPECT_EQ(m.net<double>()->opt.t, 4);

  // The same seed gives the same training; one call of 4 steps equals two calls of 2.
  bp::Model m2;
  ASSERT_TRUE(m2.init(std::string(kSpec)).ok());
  ASSERT_TRUE(m2.fit_steps(ds, 4, c, r).ok());
  EXPECT_EQ(m2.param<double>(0, "weight")->value, m.param<double>(0, "weight")->value);
  // A different batch size starts over at epoch 0.
  c.batch_size = 5;
  ASSERT_TRUE(m2.fit_steps(ds, 1, c, r).ok());
  EXPECT_EQ(r.epoch, 0);
  EXPECT_EQ(r.total_steps, 1);
}

TEST_F(Fit, LearnsAndEvaluates) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kSpec)).ok());
  double L0, acc0, L1, acc1;
  ASSERT_TRUE(m.evaluate_dataset(ds, 3, 0, L0, acc0).ok());
  bp::FitConfig c;
  c.batch_size = 5;
  bp::FitReport r;
  ASSERT_TRUE(m.fit_steps(ds, 200, c, r).ok());
  ASSERT_TRUE(m.evaluate_dataset(ds, 3, 0, L1, acc1).ok());
  EXPECT_LT(L1, L0 / 10);
  EXPECT_EQ(acc1, 1.0);
  // Batching does not change the result: the mean over 10 in batches of 3 (3,3,3,1) equals one batch of 10.
  double L10, acc10;
  ASSERT_TRUE(m.evaluate_dataset(ds, 10, 0, L10, acc10).ok());
  EXPECT_NEAR(L10, L1, 1e-15);
  // limit: the first 4 samples only.
  double L4, acc4;
  ASSERT_TRUE(m.evaluate_dataset(ds, 10, 4, L4, acc4).ok());
  m.x64.clear();
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 4; ++k) m.x64.push_back(k == i % 3 ? 1.0 : 0.0);
  m.targets = {0, 1, 2, 0};
  double Lx, accx;
  ASSERT_TRUE(m.evaluate(4, Lx, accx).ok());
  EXPECT_NEAR(L4, Lx, 1e-15);
  EXPECT_EQ(acc4, accx);
}

// next_batch draws from the trainer fit_steps uses: k × (next_batch, gradients_at,
// apply_gradients) on a twin equals k fit steps bit for bit, and a fit afterwards continues
// after those batches (the sequence of batches does not depend on who consumes it).
TEST_F(Fit, NextBatchAndGradientsAtAreTheFitSteps) {
  for (const char* dtype : {"float32", "float64"}) {
    std::string spec = R"({"input":[4],"layers":[{"type":"dense","units":5},{"type":"relu"},{"type":"dense","units":3}],
                           "optimizer":{"type":"adam","lr":0.01},"dtype":")" + std::string(dtype) + "\"}";
    bp::Model a, b;
    ASSERT_TRUE(a.init(spec).ok());
    ASSERT_TRUE(b.init(spec).ok());
    bp::FitConfig c;
    c.batch_size = 4;
    c.seed = 5;
    bp::FitReport r;
    ASSERT_TRUE(a.fit_steps(ds, 7, c, r).ok());  // 10 samples in 4, 4, 2: two epochs and a step
    std::vector<uint32_t> seen;
    for (int s = 0; s < 5; ++s) {
      std::vector<uint32_t> idx;
      ASSERT_TRUE(b.next_batch(ds, c, idx).ok());
      seen.insert(seen.end(), idx.begin(), idx.end());
      b.indices.assign(idx.begin(), idx.end());
      double L;
      ASSERT_TRUE(b.gradients_at(ds, L).ok());
      b.apply_gradients();
    }
    EXPECT_EQ(seen.size(), 4u + 4 + 2 + 4 + 4);
    EXPECT_EQ(std::set<uint32_t>(seen.begin(), seen.begin() + 10).size(), 10u);  // epoch 0: a permutation
    bp::FitPosition p = b.trainer.position();
    EXPECT_EQ(p.total_steps, 5);
    EXPECT_EQ(p.epoch, 1);
    EXPECT_EQ(p.position, 8);
    ASSERT_TRUE(b.fit_steps(ds, 2, c, r).ok());
    EXPECT_EQ(r.total_steps, 7);
    EXPECT_EQ(r.epoch, 2);
    EXPECT_EQ(r.position, 4);
    EXPECT_EQ(b.trainer.steps_to_epoch_end(), 2);
    std::vector<uint8_t> wa, wb;  // model files with the optimizer state: equal bytes, equal nets
    ASSERT_TRUE(a.save(true, wa).ok());
    ASSERT_TRUE(b.save(true, wb).ok());
    EXPECT_TRUE(wa == wb) << dtype;
  }
}

TEST_F(Fit, NextBatchAndGradientsAtErrors) {
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(kSpec)).ok());
  bp::FitConfig c;
  c.batch_size = 0;
  std::vector<uint32_t> idx;
  EXPECT_EQ(m.next_batch(ds, c, idx).msg, "nextBatch: batchSize must be >= 1, got 0");
  EXPECT_EQ(m.trainer.position().total_steps, 0);
  double L;
  m.indices = {};
  EXPECT_EQ(m.gradients_at(ds, L).msg, "gradientsAt: indices must hold at least 1 index, got 0");
  m.indices = {3, 10};
  EXPECT_EQ(m.gradients_at(ds, L).msg, "gradientsAt: index 10 at position 1 is not a sample in [0, 10)");
  m.indices = {-2};
  EXPECT_EQ(m.gradients_at(ds, L).msg, "gradientsAt: index -2 at position 0 is not a sample in [0, 10)");
  m.indices = {0.5};
  EXPECT_EQ(m.gradients_at(ds, L).msg, "gradientsAt: index 0.5 at position 0 is not a sample in [0, 10)");
  bp::Dataset empty;
  m.indices = {0};
  EXPECT_EQ(m.gradients_at(empty, L).msg, "gradientsAt: the dataset is empty or was disposed");
  // The same samples staged by hand: the same loss and gradients.
  m.indices = {7, 7, 2};
  ASSERT_TRUE(m.gradients_at(ds, L).ok());
  auto g = m.param<double>(0, "weight")->grad;
  m.x64.clear();
  m.targets.clear();
  for (int i : {7, 7, 2}) {
    for (int k = 0; k < 4; ++k) m.x64.push_back(ds.pixels[i * 4 + k] * (1.0 / 255.0));
    m.targets.push_back(ds.targets[i]);
  }
  double L2;
  ASSERT_TRUE(m.param_gradients(3, L2).ok());
  EXPECT_EQ(L, L2);
  EXPECT_EQ(g, m.param<double>(0, "weight")->grad);
}

}  // namespace

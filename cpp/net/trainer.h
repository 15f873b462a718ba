// trainer.h: where a fit is in its dataset, kept between calls so fit can run in chunks
// (k steps per call into WASM) and pick up where it stopped.
//
//   epoch e:  order = a Fisher–Yates shuffle of 0..count−1 (Rng(seed), one stream across epochs;
//             identity order when shuffle is off); batches are consecutive slices of `order`,
//             the last one smaller when batchSize does not divide count (PyTorch drop_last=False).
// A new dataset or a different batchSize/shuffle/seed starts over at epoch 0.
#pragma once
#include <numeric>
#include <vector>

#include "../data/dataset.h"

namespace bp {

struct FitConfig {
  int batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 1;
  bool operator==(const FitConfig& o) const { return batch_size == o.batch_size && shuffle == o.shuffle && seed == o.seed; }
};

// Where the trainer is.
struct FitPosition {
  int64_t total_steps = 0;  // steps (batches) since the trainer started
  int64_t epoch = 0;        // completed epochs
  int64_t position = 0;     // samples done in the current epoch
};

// What one fit_steps call did, and where the trainer now is.
struct FitReport {
  int steps = 0;            // steps run by this call
  double loss_sum = 0;      // Σ batch losses of this call
  double last_loss = 0;
  int64_t samples = 0;      // samples seen by this call
  int64_t total_steps = 0;  // since the trainer started
  int64_t epoch = 0;        // completed epochs
  int64_t position = 0;     // samples done in the current epoch
};

class Trainer {
 public:
  bool matches(const Dataset& ds, const FitConfig& c) const { return ds.id() == dataset_id && c == cfg; }
  void start(const Dataset& ds, const FitConfig& c) {
    dataset_id = ds.id();
    cfg = c;
    rng = Rng(c.seed);
    order.resize((size_t)ds.count());
    epoch = pos = total_steps = 0;
    new_epoch();
  }
  // The next batch: n indices at `idx`; moves on (and reshuffles at an epoch's end).
  int next(const uint32_t*& idx) {
    int n = (int)std::min<int64_t>(cfg.batch_size, (int64_t)order.size() - pos);
    idx = order.data() + pos;
    pos += n;
    ++total_steps;
    return n;
  }
  // A step refused after next() (the divergence watch): the trainer goes back to that batch.
  void undo_next(int n) {
    pos -= n;
    --total_steps;
  }
  void end_step() {
    if (pos == (int64_t)order.size()) {
      ++epoch;
      pos = 0;
      new_epoch();
    }
  }
  int64_t steps_per_epoch() const { return ((int64_t)order.size() + cfg.batch_size - 1) / cfg.batch_size; }
  int64_t steps_to_epoch_end() const { return ((int64_t)order.size() - pos + cfg.batch_size - 1) / cfg.batch_size; }
  void reset() { dataset_id = 0; }
  FitPosition position() const { return dataset_id ? FitPosition{total_steps, epoch, pos} : FitPosition(); }

  uint64_t dataset_id = 0;
  FitConfig cfg;
  Rng rng;
  std::vector<uint32_t> order;
  int64_t epoch = 0, pos = 0, total_steps = 0;
  std::vector<float> x32;  // one gathered batch, in the net's dtype
  std::vector<double> x64, t;

 private:
  void new_epoch() {
    std::iota(order.begin(), order.end(), 0u);
    if (!cfg.shuffle) return;
    for (size_t i = order.size(); i-- > 1;) std::swap(order[i], order[rng.below((uint32_t)(i + 1))]);
  }
};

}  // namespace bp

// dataset.h: samples held inside the module, so a training loop copies each image once
// (JS -> WASM at creation) and never per step.
//
//   images   count × numel(shape) values: uint8 pixels, read as x = p / 255 ∈ [0,1],
//            or float32 values, read as they are
//   targets  count × D doubles: D = 1 integer class labels (cross-entropy) or D regression
//            targets per sample (mse)
//   gather   x[b,:] = images[idx[b],:], t[b,:] = targets[idx[b],:] for a batch of indices
#pragma once
#include <cstdint>
#include <vector>

#include "../core/common.h"

namespace bp {

class Dataset {
 public:
  // Staging, filled by the caller (the bindings copy a typed array into one of these),
  // then finish() checks and takes them.
  std::vector<uint8_t> pixels;
  std::vector<float> floats;
  std::vector<double> targets;

  // Checks the staged data against the per-sample shape. classes > 0 also checks every
  // target is an integer label in [0, classes). On error the dataset stays empty.
  Status finish(const Shape& shape, bool uint8, int classes);
  // The same, with the shape as JSON text from JS ("[1,28,28]").
  Status finish_json(const std::string& shape_json, bool uint8, int classes);

  bool ready() const { return count_ > 0; }
  int64_t count() const { return count_; }
  const Shape& shape() const { return shape_; }
  int64_t sample_size() const { return numel(shape_); }
  int64_t target_size() const { return target_size_; }
  bool uint8() const { return uint8_; }
  // Facts about the targets, worked out once in finish() so each fit checks them in O(1).
  bool integer_labels() const { return integer_labels_; }
  double max_target() const { return max_target_; }
  uint64_t id() const { return id_; }  // unique per finish(): a trainer knows when its data changed

  template <typename T>
  void gather(T* x, double* t, const uint32_t* idx, int n) const {
    const int64_t S = sample_size(), D = target_size_;
    for (int b = 0; b < n; ++b) {
      const int64_t i = idx[b];
      T* xb = x + (size_t)b * S;
      if (uint8_) {
        const uint8_t* p = pixels.data() + (size_t)i * S;
        for (int64_t k = 0; k < S; ++k) xb[k] = (T)(p[k] * (1.0 / 255.0));
      } else {
        const float* f = floats.data() + (size_t)i * S;
        for (int64_t k = 0; k < S; ++k) xb[k] = (T)f[k];
      }
      for (int64_t d = 0; d < D; ++d) t[(size_t)b * D + d] = targets[(size_t)i * D + d];
    }
  }

 private:
  Shape shape_;
  int64_t count_ = 0, target_size_ = 0;
  bool uint8_ = true, integer_labels_ = false;
  double max_target_ = 0;
  uint64_t id_ = 0;
};

}  // namespace bp

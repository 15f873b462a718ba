#include "dataset.h"

#include <cmath>

#include "../core/json.h"

namespace bp {

Status Dataset::finish_json(const std::string& shape_json, bool is_uint8, int classes) {
  Json j;
  if (!Json::parse(shape_json, j).ok() || !j.is_array()) return Error("dataset: shape must be an array like [1,28,28]");
  Shape shape;
  for (auto& v : j.items()) {
    // Range first: a cast of a double outside int's range is undefined behaviour.
    if (!v.is_number() || std::fabs(v.num()) > 1e9 || v.num() != std::floor(v.num()))
      return Error("dataset: shape must hold integers, got " + j.brief());
    shape.push_back((int)v.num());
  }
  return finish(shape, is_uint8, classes);
}

Status Dataset::finish(const Shape& shape, bool is_uint8, int classes) {
  count_ = 0;
  auto fail = [&](std::string m) {
    pixels.clear();
    floats.clear();
    targets.clear();
    return Error("dataset: " + m);
  };
  if (shape.empty() || shape.size() > 3) return fail("shape must be [C,H,W] or [features], got " + shape_str(shape));
  for (int d : shape)
    if (d < 1) return fail("shape dimensions must be positive, got " + shape_str(shape));
  const int64_t S = numel(shape);
  const int64_t len = is_uint8 ? (int64_t)pixels.size() : (int64_t)floats.size();
  if (len == 0) return fail("no images (0 values)");
  if (len % S != 0)
    return fail("images have " + std::to_string(len) + " values, not a whole number of samples of " + shape_str(shape) + " = " +
                std::to_string(S) + " values each");
  const int64_t count = len / S;
  if (count > 0xFFFFFFFFll) return fail("too many samples (" + std::to_string(count) + ")");
  if (targets.empty() || (int64_t)targets.size() % count != 0)
    return fail(std::to_string(count) + " images but " + std::to_string(targets.size()) +
                " labels (expected one label per image, or the same number of mse targets for each)");
  if (!is_uint8)
    for (int64_t i = 0; i < len; ++i)
      if (!std::isfinite(floats[i])) return fail("image value [" + std::to_string(i) + "] is " + num_str(floats[i]) + " (must be finite)");
  bool integer = true;
  double mx = -INFINITY;
  for (size_t i = 0; i < targets.size(); ++i) {
    double t = targets[i];
    if (!std::isfinite(t)) return fail("label [" + std::to_string(i) + "] is " + num_str(t) + " (must be finite)");
    integer &= t >= 0 && t == std::floor(t);
    mx = t > mx ? t : mx;
    if (classes > 0 && !(t >= 0 && t < classes && t == std::floor(t)))
      return fail("label " + num_str(t) + " at index " + std::to_string(i) + " is not a class in [0, " + std::to_string(classes) + ")");
  }
  static uint64_t next_id = 0;
  shape_ = shape;
  uint8_ = is_uint8;
  target_size_ = (int64_t)targets.size() / count;
  integer_labels_ = integer;
  max_target_ = mx;
  id_ = ++next_id;
  if (is_uint8) floats.clear();
  else pixels.clear();
  count_ = count;
  return Status::Ok();
}

}  // namespace bp

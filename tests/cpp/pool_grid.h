// The grid shared by the max- and average-pool tests: channels × size (incl. rectangular)
// × stride {1,2,3} × padding {0,1,2}, on a [C,7,8] input. PyTorch allows padding up to
// half the size, so padding 2 needs the [4,5] window.
#pragma once
#include "test_util.h"

namespace bpt {

// Returns the number of nets checked. distinct_inputs: use spaced values (no ties, so the
// checker must report no kinks at all) instead of random normals.
inline int expect_pool_grid(const std::string& type, bool distinct_inputs) {
  int count = 0;
  for (int C : {1, 3})
    for (const char* size : {"2", "3", "[2,3]", "[4,5]"})
      for (int s : {1, 2, 3})
        for (int p : {0, 1, 2}) {
          bool big = std::string(size) == "[4,5]";
          if (p == 2 && !big) continue;
          std::string spec = R"({"input":[)" + std::to_string(C) + R"(,7,8],"layers":[{"type":")" + type + R"(","size":)" + size +
                             R"(,"stride":)" + std::to_string(s) + R"(,"padding":)" + std::to_string(p) + R"(}],"loss":"mse"})";
          if (distinct_inputs) {
            auto x = distinct((size_t)2 * C * 7 * 8, 3 + count);
            auto rows = expect_gradcheck(spec, 2, 1e-6, 7, 60, &x);
            for (auto& r : rows) EXPECT_EQ(r.kinks, 0) << spec;
          } else {
            expect_gradcheck(spec, 2);
          }
          ++count;
        }
  return count;
}

}  // namespace bpt

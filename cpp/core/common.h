// common.h: the few types every file shares.
//
//   Shape   per-sample shape, [C,H,W] or [features]; data is NCHW, batch first.
//   Status  one error path: "" is ok, anything else is a message that quotes the bad value.
//   Rng     splitmix64; the same seed gives the same numbers natively and in WASM.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace bp {

using Shape = std::vector<int>;

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int d : s) n *= d;
  return n;
}

// The most values one net may hold: its parameters and their gradients, plus the
// activations and their gradients for the batch of one call. Past it an allocation could
// fail, and in WASM a failed allocation aborts the whole module; so every size is checked
// against this before anything is allocated. 2^26 values: 256 MiB in float32, 512 in float64.
constexpr int64_t kMaxValues = int64_t(1) << 26;

// Element count without overflow (dims up to 1e6 each can pass 2^63 as a product).
inline double numel_f(const Shape& s) {
  double n = 1;
  for (int d : s) n *= d;
  return n;
}

// A count for a message: exact while it fits, else like 1e+24.
inline std::string count_str(double n) {
  if (n < 9e15) return std::to_string((long long)n);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g", n);
  return buf;
}

inline std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// A number as a user wrote it: 1e-3 stays "0.001", 2 stays "2"; any NaN is "nan" (not "-nan").
inline std::string num_str(double v) {
  if (std::isnan(v)) return "nan";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// Status: empty message == ok. Functions that can fail on user input return it;
// kernels never do (they only compute).
struct Status {
  std::string msg;
  bool ok() const { return msg.empty(); }
  static Status Ok() { return {}; }
};
inline Status Error(std::string m) { return Status{std::move(m)}; }

#define BP_TRY(expr)                 \
  do {                               \
    ::bp::Status _s = (expr);        \
    if (!_s.ok()) return _s;         \
  } while (0)

// splitmix64 (Steele et al. 2014): tiny, seedable, identical on every platform.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed = 1) : s(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0,1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal() {  // Box-Muller, one value per call (deterministic, no cached state)
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  uint32_t below(uint32_t n) { return (uint32_t)(uniform() * n); }
};

}  // namespace bp

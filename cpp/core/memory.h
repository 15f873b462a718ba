// memory.h: the module's memory budget, one accountant for the big allocations.
//
//   budget    1.5 GiB by default (the WASM module may grow to 2 GiB; the rest is for what is not
//             counted: code, stack, small buffers, a copy in flight)
//   in use    the sum of every Reservation: each net's parameters, gradients, optimizer state and
//             activations for its batch (Sequential::bytes_needed), its staged inputs, each dataset
//   check     before allocating: in_use - held + need <= budget, else an error that states the
//             request, what is in use and the budget in MiB; nothing is allocated then
//
// In WASM a failed allocation aborts the whole module (every net and dataset in it is lost), so
// the sizes are checked here first and refused with a message instead. A Reservation gives its
// bytes back when its owner is destroyed (dispose() in JS).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "common.h"

namespace bp {

constexpr int64_t kMiB = int64_t(1) << 20;
constexpr int64_t kDefaultBudget = 1536 * kMiB;
constexpr int64_t kMinBudget = 1 * kMiB;

struct MemoryBudget {
  int64_t budget = kDefaultBudget;
  int64_t in_use = 0;
  int64_t refusals = 0;  // requests refused so far: a caller can tell a refusal from another error
  // While a model file builds its net: the parameter bytes its data holds; each weight takes its
  // share before it is allocated (Options::fits), so a spec far bigger than its file stops at once.
  double file_bytes = INFINITY;
};

inline MemoryBudget& memory() {
  static MemoryBudget m;
  return m;
}

// "12.5 MiB"
inline std::string mib(double bytes) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (double)kMiB);
  return buf;
}

// The refusal of a request for `need` bytes by an owner that holds `held` (memory.cpp).
Status refuse(int64_t held, double need, const std::string& what);

// Whether an owner that holds `held` bytes may hold `need` instead. `what` names the request in
// the refusal: a string, or a callable that makes one, so a call that fits (every step of a
// training loop) builds no message.
template <typename What>
Status check_budget(int64_t held, double need, const What& what) {
  const MemoryBudget& m = memory();
  if ((double)(m.in_use - held) + need <= (double)m.budget) return Status::Ok();
  if constexpr (std::is_invocable_v<const What&>)
    return refuse(held, need, what());
  else
    return refuse(held, need, what);
}

// The budget, for tests and pages that share the module with other work; at most the default.
inline Status set_budget(double bytes) {
  if (!(bytes >= (double)kMinBudget && bytes <= (double)kDefaultBudget) || bytes != std::floor(bytes))
    return Error("memory budget must be an integer number of bytes in [" + std::to_string(kMinBudget) + ", " +
                 std::to_string(kDefaultBudget) + "] (1 MiB to 1.5 GiB), got " + num_str(bytes));
  memory().budget = (int64_t)bytes;
  return Status::Ok();
}

// The bytes one owner holds, given back on destruction.
class Reservation {
 public:
  Reservation() = default;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation() { set(0); }
  int64_t bytes() const { return bytes_; }
  template <typename What>
  Status fits(double need, const What& what) const {
    return check_budget(bytes_, need, what);
  }
  // Checks, then holds `need` bytes.
  template <typename What>
  Status resize(double need, const What& what) {
    BP_TRY(fits(need, what));
    set((int64_t)need);
    return Status::Ok();
  }
  // Holds `n` bytes unchecked: what is already allocated (after a check) is counted as it is.
  void set(int64_t n) {
    memory().in_use += n - bytes_;
    bytes_ = n;
  }

 private:
  int64_t bytes_ = 0;
};

template <typename T>
int64_t bytes_of(const std::vector<T>& v) {
  return (int64_t)(v.capacity() * sizeof(T));
}

// Resizes a staging buffer to len zeros, checked against the budget first: `held` are the bytes
// of all the owner's staging buffers (r counts them), this one's included. The old buffer is
// freed before the new one is allocated, so the peak is the larger of the two, not the sum.
template <typename T>
Status restage(std::vector<T>& v, int64_t len, Reservation& r, int64_t held, const char* what) {
  if (len < 0) len = 0;
  const int64_t rest = held - bytes_of(v);
  BP_TRY(r.fits((double)rest + (double)len * sizeof(T), [&] { return std::string(what) + " of " + std::to_string(len) + " values"; }));
  if ((int64_t)v.capacity() != len) std::vector<T>().swap(v);
  v.assign((size_t)len, T(0));
  r.set(rest + bytes_of(v));
  return Status::Ok();
}

}  // namespace bp

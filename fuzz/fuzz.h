// fuzz.h: what the libFuzzer harnesses share (docs/fuzzing.md).
//   expect(ok, what)  a property every input must keep; false prints `what` and aborts, which
//                     libFuzzer reports as a crash and saves the input.
//   Kept              a net built before the input is read; a failed init or load must leave
//                     it as it was (its saved bytes unchanged).
//   exercise(m)       what a user does with a net that came out of a spec or a file: info, a
//                     save/load round trip that must give the same bytes again (nets of up to
//                     kRoundTripValues parameter values: near the size limit it takes seconds),
//                     then one training step on one sample and a predict.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/model.h"

namespace bp::fuzz {

constexpr int64_t kRoundTripValues = int64_t(1) << 20;

inline void expect(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

inline std::vector<uint8_t> saved(const Model& m) {
  std::vector<uint8_t> b;
  expect(m.save(true, b).ok(), "save failed");
  return b;
}

struct Kept {
  Model m;
  std::vector<uint8_t> before;
  Kept() {
    expect(m.init(std::string(R"({"input":[2],"layers":[{"type":"dense","units":2}],"seed":7})")).ok(), "the kept net does not build");
    before = saved(m);
  }
  void expect_unchanged(const Status& s) const {
    expect(!s.msg.empty(), "a failure without a message");
    expect(saved(m) == before, "a failure changed the net: " + s.msg);
  }
};

inline void exercise(Model& m) {
  expect(!m.info().dump().empty(), "info() of a net is empty");
  if (m.param_count() <= kRoundTripValues) {
    const std::vector<uint8_t> once = saved(m);
    Model back;
    Status s = back.load(once.data(), once.size());
    expect(s.ok(), "a saved net does not load: " + s.msg);
    expect(saved(back) == once, "save, load, save gives other bytes");
  }
  // One sample of 0.5s; label 0, or mse targets of 0. These may refuse (a message), not crash.
  m.x32.assign(m.float64() ? 0 : m.in_size(), 0.5f);
  m.x64.assign(m.float64() ? m.in_size() : 0, 0.5);
  m.targets.assign(m.visit([](auto& n) { return n.spec.loss == LossKind::Mse; }) ? m.out_size() : 1, 0.0);
  double loss = 0;
  (void)m.train_step(1, loss);
  (void)m.predict(1);
}

}  // namespace bp::fuzz

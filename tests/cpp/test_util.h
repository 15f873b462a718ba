// Shared helpers for the native tests: build a net from JSON, random data, and a
// gradient check that prints the first failing rows with their errors.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "net/gradcheck.h"
#include "net/sequential.h"

namespace bpt {

template <typename T>
std::unique_ptr<bp::Sequential<T>> build(const std::string& spec) {
  std::unique_ptr<bp::Sequential<T>> net;
  bp::Status s = bp::Sequential<T>::build(spec, net);
  EXPECT_TRUE(s.ok()) << s.msg << "\n  spec: " << spec;
  return net;
}

inline std::string build_error(const std::string& spec) {
  std::unique_ptr<bp::Sequential<double>> net;
  return bp::Sequential<double>::build(spec, net).msg;
}

inline std::vector<double> randn(size_t n, uint64_t seed, double scale = 1.0) {
  bp::Rng r(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = scale * r.normal();
  return v;
}

// n distinct values spaced `step` apart, symmetric about 0 and none within step/2 of it,
// in a seeded shuffled order: inputs off every kink (no ReLU input at 0, no max-pool tie)
// for any probe offset below step/2.
inline std::vector<double> distinct(size_t n, uint64_t seed, double step = 0.01) {
  std::vector<double> v(n);
  for (size_t k = 0; k < n; ++k) v[k] = ((double)k - (double)(n / 2) + 0.5) * step;
  bp::Rng r(seed);
  for (size_t k = n; k > 1; --k) std::swap(v[k - 1], v[r.below((uint32_t)k)]);
  return v;
}

// Targets that fit the net's loss: labels for cross-entropy, N(0,1) values for mse.
inline std::vector<double> targets_for(bp::Sequential<double>& net, int N, uint64_t seed) {
  if (net.spec.loss == bp::LossKind::Mse) return randn((size_t)N * net.out_size(), seed);
  bp::Rng r(seed);
  std::vector<double> t(N);
  for (auto& y : t) y = r.below((uint32_t)net.out_size());
  return t;
}

// Runs the float64 checker on random inputs; every row must pass and have max relative
// error below max_rel. Returns the rows for further checks.
inline std::vector<bp::GradCheckRow> expect_gradcheck(const std::string& spec, int N = 2, double max_rel = 1e-6,
                                                      uint64_t seed = 7, int max_coords = 60,
                                                      const std::vector<double>* x_in = nullptr) {
  auto net = build<double>(spec);
  if (!net) return {};
  // Break weight symmetry and keep biases off zero so no gradient is identically tiny.
  bp::Rng r(seed + 100);
  for (auto& l : net->layers)
    for (auto& p : l->params)
      if (p.name == "bias")
        for (auto& b : p.value) b = 0.1 * r.normal();
  auto x = x_in ? *x_in : randn((size_t)N * net->in_size(), seed);
  EXPECT_EQ(x.size(), (size_t)N * net->in_size());
  auto t = targets_for(*net, N, seed + 1);
  bp::GradCheckOptions opt;
  opt.max_coords = max_coords;
  opt.stencil = 4;  // with h = 1e-4: noise ~1e-12, so max rel < 1e-6 is meaningful (see gradcheck.h)
  opt.eps = 1e-4;
  auto rows = bp::grad_check(*net, x.data(), t.data(), N, opt);
  for (auto& row : rows) {
    EXPECT_TRUE(row.passed) << "layer " << row.layer << " " << row.name << ": max |a-n| " << row.max_abs_error
                            << ", max rel " << row.max_rel_error << "\n  spec: " << spec;
    // The relative bound is meaningful above the difference quotient's rounding noise,
    // ~ε·|L|/h ≈ 1e-12 here: a component of 2e-6 (seen in the conv grid) reaches 1e-6
    // relative from noise alone, and which side of the bound it lands on depends on the
    // summation order of the forward pass (reference loops vs im2col+GEMM). So an error
    // below kNoiseFloor passes on its absolute size; any real mistake is orders larger.
    constexpr double kNoiseFloor = 1e-10;
    if (row.max_abs_error > kNoiseFloor) {
      EXPECT_LT(row.max_rel_error, max_rel) << "layer " << row.layer << " " << row.name << " (checked " << row.checked
                                          << ", kinks " << row.kinks << ")\n  spec: " << spec;
    }
    EXPECT_GT(row.checked, 0) << "layer " << row.layer << " " << row.name << ": every coordinate hit a kink\n  spec: " << spec;
  }
  return rows;
}

// max |got − want| ≤ tol · max |want| (NaN counts as a difference); prints the first
// offending index and both values.
template <typename T>
void expect_rel_close(const std::vector<T>& got, const std::vector<T>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0, maxd = 0;
  size_t at = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    scale = std::max(scale, std::fabs((double)want[i]));
    double d = std::fabs((double)got[i] - (double)want[i]);
    if (!(d <= maxd)) maxd = d, at = i;
  }
  EXPECT_LE(maxd, tol * std::max(scale, 1e-30)) << what << ": max difference " << maxd << " (scale " << scale << ") at [" << at
                                                << "]: got " << got[at] << ", want " << want[at];
}

inline void expect_near_all(const std::vector<double>& got, const std::vector<double>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double maxd = 0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::fabs(got[i] - want[i]) > maxd) maxd = std::fabs(got[i] - want[i]), at = i;
  EXPECT_LE(maxd, tol) << what << ": max difference " << maxd << " at [" << at << "]: got " << got[at] << ", want " << want[at];
}

template <typename T>
std::vector<double> as_double(const T* p, size_t n) {
  return std::vector<double>(p, p + n);
}

// A net of one layer: {"input":<input>,"layers":[<layer>],"loss":<loss>}.
inline std::unique_ptr<bp::Sequential<double>> one_layer(const std::string& input, const std::string& layer,
                                                         const std::string& loss = "mse") {
  return build<double>(R"({"input":)" + input + R"(,"layers":[)" + layer + R"(],"loss":")" + loss + R"("})");
}

// A hand-computed case: Y = forward(x) must be y, and with δ = dy (grads zeroed first)
// backward must write dX = dx. Parameter grads are left for the caller to check.
inline void expect_pass(bp::Sequential<double>& net, int N, const std::vector<double>& x, const std::vector<double>& y,
                        const std::vector<double>& dy, const std::vector<double>& dx, double tol = 1e-12) {
  ASSERT_EQ(x.size(), (size_t)N * net.in_size());
  ASSERT_EQ(y.size(), (size_t)N * net.out_size());
  net.zero_grad();
  net.run_forward(x.data(), N);
  expect_near_all(as_double(net.output(), y.size()), y, tol, "Y");
  net.run_backward(dy.data());
  expect_near_all(as_double(net.input_grad(), dx.size()), dx, tol, "dX");
}

inline std::vector<double> grad_of(bp::Sequential<double>& net, int layer, int param) {
  return net.layers[layer]->params[param].grad;
}

// The gradient check of an element-wise activation: alone on distinct inputs (no kinks,
// so none may be reported), after a padded conv feeding cross-entropy, and between two
// dense layers (so the parameter gradients flow through it). Returns the number of nets.
inline int expect_activation_grid(const std::string& act) {
  int nets = 0;
  for (const char* in : {"[5]", "[2,3,4]"}) {
    auto probe = build<double>(std::string(R"({"input":)") + in + R"(,"layers":[],"loss":"mse"})");
    auto x = distinct((size_t)2 * probe->in_size(), 11, 0.1);  // in [-1.2, 1.2], 0.1 apart
    auto rows = expect_gradcheck(std::string(R"({"input":)") + in + R"(,"layers":[)" + act + R"(],"loss":"mse"})", 2, 1e-6, 7,
                                 60, &x);
    for (auto& r : rows) EXPECT_EQ(r.kinks, 0) << act << " on " << in;
    ++nets;
  }
  expect_gradcheck(R"({"input":[2,5,4],"layers":[{"type":"conv2d","filters":3,"kernel":[3,2],"padding":1},)" + act +
                   R"(,{"type":"flatten"},{"type":"dense","units":4}],"loss":"softmax_cross_entropy"})", 3);
  expect_gradcheck(R"({"input":[6],"layers":[{"type":"dense","units":5},)" + act + R"(,{"type":"dense","units":3}],"loss":"mse"})", 2);
  return nets + 2;
}

}  // namespace bpt

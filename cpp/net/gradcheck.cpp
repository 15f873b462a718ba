#include "gradcheck.h"

#include <algorithm>
#include <cmath>

namespace bp {

namespace {

uint64_t kink_state(Sequential<double>& net) {
  uint64_t h = 0;
  for (auto& l : net.layers) h = kink_mix(h, l->kink_hash);
  return h;
}

// Loss at the current θ, plus the kink pattern it ran through (the forward from layer `first`).
double probe(Sequential<double>& net, const double* targets, int N, uint64_t& kinks, int first = 0) {
  net.run_forward(net.acts[0].data(), N, first);
  kinks = kink_state(net);
  return net.run_loss(targets, false);
}

// The centred difference of L in coordinate i of theta (restored after); kinked: a probe
// changed the kink pattern.
double numeric_at(Sequential<double>& net, double* theta, int64_t i, const double* targets, int N, uint64_t base_kinks,
                  const GradCheckOptions& opt, bool& kinked, int first = 0) {
  double saved = theta[i];
  auto at = [&](double offset) {
    uint64_t k;
    theta[i] = saved + offset;
    double l = probe(net, targets, N, k, first);
    kinked |= k != base_kinks;
    return l;
  };
  kinked = false;
  double h = opt.eps, n;
  double d1 = at(h) - at(-h);
  if (opt.stencil == 4) n = (8 * d1 - (at(2 * h) - at(-2 * h))) / (12 * h);
  else n = d1 / (2 * h);
  theta[i] = saved;
  return n;
}

void check_tensor(Sequential<double>& net, double* theta, const double* analytic, int64_t size, const double* targets, int N,
                  uint64_t base_kinks, const GradCheckOptions& opt, Rng& rng, GradCheckRow& row) {
  std::vector<int64_t> coords;
  if (size <= opt.max_coords) {
    for (int64_t i = 0; i < size; ++i) coords.push_back(i);
  } else {
    for (int k = 0; k < opt.max_coords; ++k) coords.push_back((int64_t)(rng.uniform() * size));
  }
  for (int64_t i : coords) {
    bool kinked;
    double n = numeric_at(net, theta, i, targets, N, base_kinks, opt, kinked);
    if (kinked) {
      row.kinks++;
      continue;
    }
    double a = analytic[i];
    double abs_err = std::fabs(a - n), denom = std::max(std::fabs(a), std::fabs(n));
    double rel = denom == 0 ? 0 : abs_err / denom;
    row.max_abs_error = std::max(row.max_abs_error, abs_err);
    row.max_rel_error = std::max(row.max_rel_error, rel);
    if (!(abs_err <= opt.atol + opt.rtol * std::fabs(n))) row.passed = false;
    row.checked++;
  }
}

}  // namespace

std::vector<GradCheckRow> grad_check(Sequential<double>& net, const double* x, const double* targets, int N,
                                     const GradCheckOptions& opt, double* loss) {
  for (auto& l : net.layers) l->track_kinks = true;
  // Analytic gradients, copied out before the probes overwrite the buffers.
  double L = opt.bug == TeachingBug::None ? net.run_compute_gradients(x, targets, N)
                                          : run_compute_gradients_with_bug(net, x, targets, N, opt.bug);
  if (loss) *loss = L;
  uint64_t base_kinks = kink_state(net);
  std::vector<double> dx(net.grads[0]);
  std::vector<std::vector<double>> dparams;
  for (auto& l : net.layers)
    for (auto& p : l->params) dparams.push_back(p.grad);

  Rng rng(opt.seed);
  std::vector<GradCheckRow> rows;
  size_t k = 0;
  for (size_t li = 0; li < net.layers.size(); ++li)
    for (auto& p : net.layers[li]->params) {
      GradCheckRow row{(int)li, p.name, p.shape};
      check_tensor(net, p.value.data(), dparams[k++].data(), (int64_t)p.value.size(), targets, N, base_kinks, opt, rng, row);
      rows.push_back(row);
    }
  Shape in_shape = net.spec.input;
  in_shape.insert(in_shape.begin(), N);
  GradCheckRow row{-1, "input", in_shape};
  check_tensor(net, net.acts[0].data(), dx.data(), (int64_t)dx.size(), targets, N, base_kinks, opt, rng, row);
  rows.push_back(row);

  for (auto& l : net.layers) l->track_kinks = false;
  return rows;
}

void numeric_gradient(Sequential<double>& net, const double* x, const double* targets, int N, int layer, const std::string& tensor,
                      const GradCheckOptions& opt, std::vector<double>& out) {
  for (auto& l : net.layers) l->track_kinks = true;
  net.run_forward(x, N);
  const uint64_t base_kinks = kink_state(net);
  // A parameter of layer k or the activation entering it: the probes rerun layers k.. only.
  Param<double>* p = tensor == "input" ? nullptr : net.find_param(layer, tensor);
  std::vector<double>& t = p ? p->value : net.acts[layer];
  const size_t S = t.size();
  out.assign(2 * S, 0);
  for (size_t i = 0; i < S; ++i) {
    bool kinked;
    out[i] = numeric_at(net, t.data(), (int64_t)i, targets, N, base_kinks, opt, kinked, layer);
    out[S + i] = kinked;
  }
  for (auto& l : net.layers) l->track_kinks = false;
}

}  // namespace bp

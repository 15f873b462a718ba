// gradcheck.h: analytic gradients against centred differences, in float64.
//
//   numeric   stencil 2 (default): n_i = (L(θ + h·e_i) − L(θ − h·e_i)) / 2h      (h = eps, default 1e-6)
//             stencil 4: n_i = (8[L(θ+h) − L(θ−h)] − [L(θ+2h) − L(θ−2h)]) / 12h       (error O(h⁴))
//             Rounding puts ~ε_machine·|L|/h of noise into n_i (≈1e-10 at h = 1e-6), so gradient
//             components below ~1e-4 show relative errors above 1e-6 with stencil 2. Stencil 4
//             at h = 1e-4 cuts the noise to ~1e-12 and is exact where L is piecewise quadratic.
//   errors    |a − n|  and  rel = |a − n| / max(|a|, |n|)          (rel = 0 when both are 0)
//   pass      |a − n| ≤ atol + rtol·|n|   (PyTorch gradcheck; atol 1e-5, rtol 1e-3)
// L is the exact loss backprop differentiates (the mean over the batch). Every parameter
// tensor and the input are checked: all coordinates of a tensor with at most max_coords of
// them, else a seeded random sample of max_coords. A coordinate whose ±h changes a kink
// pattern (ReLU sign, max-pool arg-max; see Layer::kink_hash) is counted in `kinks` and
// left out of the errors and the verdict: there the difference quotient is not a derivative.
#pragma once
#include <string>
#include <vector>

#include "sequential.h"
#include "teaching_bugs.h"

namespace bp {

struct GradCheckOptions {
  double eps = 1e-6, atol = 1e-5, rtol = 1e-3;
  int stencil = 2;  // 2 or 4 points
  int max_coords = 100;
  uint64_t seed = 1;
  // Teaching mode (the demo's "break it" switch): the analytic side uses a deliberately
  // wrong backward (teaching_bugs.h). None for every real check.
  TeachingBug bug = TeachingBug::None;
};

struct GradCheckRow {
  int layer;         // −1 for the input
  std::string name;  // "weight", "bias", "alpha", "input"
  Shape shape;
  double max_abs_error = 0, max_rel_error = 0;
  int checked = 0, kinks = 0;
  bool passed = true;
};

// A check, whole, as the page shows it (Model::grad_check, Model::grad_check_dataset).
struct GradCheckReport {
  std::vector<uint32_t> samples;  // the dataset indices checked, highest loss first (empty: staged data)
  std::vector<GradCheckRow> rows;
  int broken_layer = -1;          // the layer the teaching bug sits in: −1 none, layers.size() = the loss
  std::string bug = "none";
  double loss = 0;                // the mean loss at the checked point
};

// x: N samples, targets as for the loss (validated by the caller). loss (optional) gets L at θ.
std::vector<GradCheckRow> grad_check(Sequential<double>& net, const double* x, const double* targets, int N,
                                     const GradCheckOptions& opt, double* loss = nullptr);

// The numerical side alone, for EVERY coordinate of one tensor: parameter `tensor` ("weight",
// "bias", "alpha") of layer `layer`, or "input", the activation entering it (layer = layers: the
// loss's input). The probes rerun the net's suffix, layers `layer`.. (none for the loss's input).
// out: the tensor's S values n_i as above, then S kink flags (1 where ±h changed the kink
// pattern, else 0). Assumes valid arguments.
void numeric_gradient(Sequential<double>& net, const double* x, const double* targets, int N, int layer, const std::string& tensor,
                      const GradCheckOptions& opt, std::vector<double>& out);

}  // namespace bp

// optimizer.h: the five optimizers, with PyTorch torch.optim's update rules and defaults.
//
// For every parameter tensor θ with gradient g = dL/dθ, at step t = 1, 2, ... (t counts the
// optimizer's steps; state buffers start at 0):
//   lr_t = lr / (1 + (t−1)·decay)                 time-based schedule ("decay", every optimizer;
//                                                  the first step uses lr, like Keras' `decay`)
//          · max(0, 1 − (t−1)/decaySteps)         and, with decaySteps N > 0, a linear ramp to 0 at
//                                                  step N+1 (PyTorch's LinearLR with end_factor 0)
//   sgd       {lr 0.01, momentum 0, nesterov false, weightDecay 0}
//             g ← g + wd·θ;  b ← μ·b + g  (b = g at t=1);  g ← nesterov ? g + μ·b : b  (if μ ≠ 0)
//             θ ← θ − lr_t·g
//   adagrad   {lr 0.01, eps 1e-10}
//             s ← s + g²;  θ ← θ − lr_t · g / (√s + eps)
//   rmsprop   {lr 0.01, alpha 0.99, eps 1e-8, momentum 0}
//             v ← α·v + (1−α)·g²;  u = g / (√v + eps)
//             μ > 0: b ← μ·b + u;  θ ← θ − lr_t·b        μ = 0: θ ← θ − lr_t·u
//   adadelta  {lr 1.0, rho 0.9, eps 1e-6}
//             v ← ρ·v + (1−ρ)·g²;  Δ = √(a + eps) / √(v + eps) · g;  a ← ρ·a + (1−ρ)·Δ²
//             θ ← θ − lr_t·Δ
//   adam      {lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8, weightDecay 0, biasCorrection true}
//             g ← g + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//             θ ← θ − lr_t/(1−β1^t) · m / (√v/√(1−β2^t) + eps)
//             biasCorrection false: θ ← θ − lr_t · m / (√v + eps)  (the bias towards 0 of the
//             early steps' m and v left in: the optimizers lesson's "break it")
// Reference: PyTorch docs for torch.optim.{SGD,Adagrad,RMSprop,Adadelta,Adam} (dampening 0,
// centered false, amsgrad false). The arithmetic runs in double; state is stored in the net's
// dtype, as PyTorch stores it in the parameter's.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/json.h"
#include "../layers/layer.h"

namespace bp {

enum class OptimKind { Sgd, Adagrad, Rmsprop, Adadelta, Adam };

struct OptimConfig {
  OptimKind kind = OptimKind::Sgd;
  double lr = 0.01, decay = 0;
  double decay_steps = 0;                 // 0: no linear ramp
  double momentum = 0, weight_decay = 0;  // sgd (momentum, weightDecay), rmsprop (momentum), adam (weightDecay)
  bool nesterov = false;                  // sgd
  bool bias_correction = true;            // adam: false leaves m and v undivided by 1 − βᵗ
  double alpha = 0.99;                    // rmsprop
  double rho = 0.9;                       // adadelta
  double beta1 = 0.9, beta2 = 0.999;      // adam
  double eps = 1e-8;
  // Normalised: {"type":..., every option of that type with its value}.
  Json to_json() const;
  // How many state tensors (each the size of θ) this optimizer keeps per parameter:
  // sgd 1 (momentum buffer), adagrad 1 (sum), rmsprop 2 (square avg, momentum buffer),
  // adadelta 2 (square avg, accumulated delta), adam 2 (m, v). Fixed per type.
  int slots() const;
};

const char* optim_name(OptimKind k);
// State slot `slot` of kind k by torch.optim's state key (model files name them so): sgd
// momentum_buffer; adagrad sum; rmsprop square_avg, momentum_buffer; adadelta square_avg,
// acc_delta; adam exp_avg, exp_avg_sq. nullptr past the kind's slots().
const char* optim_state_name(OptimKind k, int slot);

// Parses {"type":"adam","lr":1e-3,...}; null gives the default (sgd, lr 0.01). Messages quote
// the value: "optimizer (sgd): momentum must be in [0, 1), got 1.5".
Status parse_optimizer(const Json& spec, OptimConfig& out);

// Where a step would have written a non-finite value: parameter tensor `param` (in the order
// step() is given them), element `index`; slot -1 the parameter itself, else that state slot.
struct StepFault {
  int64_t param = -1, index = -1;
  int slot = -1;
  double value = 0, grad = 0;
};

template <typename T>
class Optimizer {
 public:
  OptimConfig cfg;
  int64_t t = 0;                        // steps taken
  std::vector<std::vector<T>> state;    // per parameter tensor: slots() buffers, concatenated

  // Sizes the state to the given parameters (zeros) and resets t.
  void reset(const std::vector<Param<T>*>& params) {
    t = 0;
    state.assign(params.size(), {});
    for (size_t i = 0; i < params.size(); ++i) state[i].assign(params[i]->value.size() * cfg.slots(), T(0));
  }

  double lr_now() const { return lr_at(t); }
  // The learning rate of step `step` (1 the first).
  double lr_at(int64_t step) const {
    const double lr = cfg.lr / (1.0 + (double)(step - 1) * cfg.decay);
    return cfg.decay_steps > 0 ? lr * std::max(0.0, 1.0 - (double)(step - 1) / cfg.decay_steps) : lr;
  }

  // One update of every parameter from its grad. reset() must have sized the state.
  // Out of line (step.cpp, -O3): one loop per kind, with the kind's update inlined, so the
  // compiler vectorises it (f64x2); the arithmetic per element is the same either way.
  void step(const std::vector<Param<T>*>& params);
  // The step training takes (the divergence watch): first every new value is computed without
  // being written, and only if all are finite in T is the step taken. Else nothing changes
  // (t neither) and fault says where the first non-finite value would have gone.
  bool checked_step(const std::vector<Param<T>*>& params, StepFault& fault);
};

}  // namespace bp

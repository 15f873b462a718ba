// step.cpp: Optimizer<T>::step, the update rules of optimizer.h element by element.
//
// The kind is switched on once per step, not per element: each kind's loop has its update
// inlined, and float32 Adam's is vectorised (f64x2 under -msimd128; 43 → 20 µs a mnist-cnn step,
// where the -Os layer glue tested the kind per element). The arithmetic is the same
// double-precision expression per element either way, so results do not depend on it.
#include <cmath>
#include <type_traits>

#include "optimizer.h"

namespace bp {
namespace {

struct Bias {
  double bc1, sqrt_bc2;  // Adam: 1 − β1ᵗ and √(1 − β2ᵗ)
};

template <OptimKind K, typename T>
inline void update(const OptimConfig& c, T& theta, double g, T* a, T* b, double lr, const Bias& bias) {
  double th = (double)theta;
  if constexpr (K == OptimKind::Sgd) {
    g += c.weight_decay * th;
    if (c.momentum != 0) {
      double buf = c.momentum * (double)*a + g;
      *a = (T)buf;
      g = c.nesterov ? g + c.momentum * buf : buf;
    }
    th -= lr * g;
  } else if constexpr (K == OptimKind::Adagrad) {
    double s = (double)*a + g * g;
    *a = (T)s;
    th -= lr * g / (std::sqrt(s) + c.eps);
  } else if constexpr (K == OptimKind::Rmsprop) {
    double v = c.alpha * (double)*a + (1 - c.alpha) * g * g;
    *a = (T)v;
    double u = g / (std::sqrt(v) + c.eps);
    if (c.momentum > 0) {
      double buf = c.momentum * (double)*b + u;
      *b = (T)buf;
      u = buf;
    }
    th -= lr * u;
  } else if constexpr (K == OptimKind::Adadelta) {
    double v = c.rho * (double)*a + (1 - c.rho) * g * g;
    *a = (T)v;
    double delta = std::sqrt((double)*b + c.eps) / std::sqrt(v + c.eps) * g;
    *b = (T)(c.rho * (double)*b + (1 - c.rho) * delta * delta);
    th -= lr * delta;
  } else {  // Adam
    g += c.weight_decay * th;
    double m = c.beta1 * (double)*a + (1 - c.beta1) * g;
    double v = c.beta2 * (double)*b + (1 - c.beta2) * g * g;
    *a = (T)m;
    *b = (T)v;
    th -= lr / bias.bc1 * m / (std::sqrt(v) / bias.sqrt_bc2 + c.eps);
  }
  theta = (T)th;
}

template <OptimKind K, typename T>
void update_all(const OptimConfig& c, T* __restrict theta, const T* __restrict grad, T* __restrict s0, T* __restrict s1,
                size_t n, double lr, const Bias& bias) {
  if constexpr (std::is_same_v<T, float> && K == OptimKind::Adam) {
    for (size_t j = 0; j < n; ++j) update<K>(c, theta[j], (double)grad[j], s0 + j, s1 + j, lr, bias);
  } else {  // vectorised only for float32 Adam (the demo's and most presets' optimizer): the module's size budget
#if defined(__clang__)
#pragma clang loop vectorize(disable) interleave(disable)
#endif
    for (size_t j = 0; j < n; ++j) update<K>(c, theta[j], (double)grad[j], s0 + j, s1 + j, lr, bias);
  }
}

}  // namespace

template <typename T>
void Optimizer<T>::step(const std::vector<Param<T>*>& params) {
  ++t;
  const double lr = lr_now();
  // Adam's bias corrections depend on t only: once per step, not two pow() per element
  // (biasCorrection false: 1 and 1, the element loop unchanged).
  const Bias bias = cfg.kind == OptimKind::Adam && cfg.bias_correction
                        ? Bias{1 - std::pow(cfg.beta1, (double)t), std::sqrt(1 - std::pow(cfg.beta2, (double)t))}
                        : Bias{1, 1};
  for (size_t i = 0; i < params.size(); ++i) {
    Param<T>& p = *params[i];
    const size_t n = p.value.size();
    T* s0 = state[i].data();  // slot 0: momentum / sum / square average / m
    T* s1 = s0 + (cfg.slots() - 1) * n;  // slot 1 (or slot 0 again for one-slot kinds, which never touch it)
    T* th = p.value.data();
    const T* g = p.grad.data();
    switch (cfg.kind) {
      case OptimKind::Sgd: update_all<OptimKind::Sgd>(cfg, th, g, s0, s1, n, lr, bias); break;
      case OptimKind::Adagrad: update_all<OptimKind::Adagrad>(cfg, th, g, s0, s1, n, lr, bias); break;
      case OptimKind::Rmsprop: update_all<OptimKind::Rmsprop>(cfg, th, g, s0, s1, n, lr, bias); break;
      case OptimKind::Adadelta: update_all<OptimKind::Adadelta>(cfg, th, g, s0, s1, n, lr, bias); break;
      case OptimKind::Adam: update_all<OptimKind::Adam>(cfg, th, g, s0, s1, n, lr, bias); break;
    }
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace bp

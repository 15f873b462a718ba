// activation.h: element-wise activations, y = f(x), and PReLU (which learns its slope).
// Any input shape; output shape = input shape. δ = dL/dy.
//
//   layer        forward y = f(x)                         backward dx = δ · f'(x)
//   relu         max(0, x)                                δ · [x > 0]
//   leaky_relu   x > 0 ? x : s·x          (slope s=0.01)  δ · (x > 0 ? 1 : s)
//   elu          x > 0 ? x : α(eˣ − 1)    (alpha α=1)     δ · (x > 0 ? 1 : y + α)
//   selu         λ·(x > 0 ? x : α(eˣ − 1))                δ · λ · (x > 0 ? 1 : α eˣ)
//                λ = 1.0507009873554805, α = 1.6732632423543772 (Klambauer et al. 2017)
//   sigmoid      1 / (1 + e⁻ˣ)                            δ · y (1 − y)
//   tanh         tanh x                                   δ · (1 − y²)
//   prelu        x > 0 ? x : a·x    a per channel or one  δ · (x > 0 ? 1 : a)
//                                   shared (init 0.25)    da += Σ δ · x · [x ≤ 0]  over the
//                                                         positions that share a (He et al. 2015)
// relu, leaky_relu, prelu, elu and selu have a kink at x = 0 (tracked for the gradient check).
// Reference: the derivation series' "activation functions" post; PyTorch nn.* of the same names.
#pragma once
#include <cmath>

#include "../kernels/kernels.h"
#include "layer.h"

namespace bp {

enum class Act { Relu, LeakyRelu, Elu, Selu, Sigmoid, Tanh };

constexpr double kSeluLambda = 1.0507009873554805;
constexpr double kSeluAlpha = 1.6732632423543772;

// f and f' side by side; f' may use y = f(x) where that is the cheaper form.
template <typename T>
inline T act_f(Act a, T x, T k) {
  switch (a) {
    case Act::Relu: return x > 0 ? x : T(0);
    case Act::LeakyRelu: return x > 0 ? x : k * x;
    case Act::Elu: return x > 0 ? x : k * std::expm1(x);
    case Act::Selu: return T(kSeluLambda) * (x > 0 ? x : T(kSeluAlpha) * std::expm1(x));
    case Act::Sigmoid: return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    case Act::Tanh: return std::tanh(x);
  }
  return x;
}
template <typename T>
inline T act_df(Act a, T x, T y, T k) {
  switch (a) {
    case Act::Relu: return x > 0 ? T(1) : T(0);
    case Act::LeakyRelu: return x > 0 ? T(1) : k;
    case Act::Elu: return x > 0 ? T(1) : y + k;
    case Act::Selu: return x > 0 ? T(kSeluLambda) : T(kSeluLambda * kSeluAlpha) * std::exp(x);
    case Act::Sigmoid: return y * (T(1) - y);
    case Act::Tanh: return T(1) - y * y;
  }
  return T(1);
}
inline bool act_has_kink(Act a) { return a != Act::Sigmoid && a != Act::Tanh; }

template <typename T>
void activation_forward(T* out, const T* inp, int64_t n, Act a, T k) {
  for (int64_t i = 0; i < n; ++i) out[i] = act_f(a, inp[i], k);
}
// mask = false (only the teaching bug relu-no-mask, net/teaching_bugs.h): dx = δ, the factor
// f'(x) (relu's mask [x > 0]) dropped.
template <typename T>
void activation_backward(T* dinp, const T* dout, const T* inp, const T* out, int64_t n, Act a, T k, bool mask = true) {
  for (int64_t i = 0; i < n; ++i) dinp[i] = mask ? dout[i] * act_df(a, inp[i], out[i], k) : dout[i];
}

template <typename T>
uint64_t sign_pattern(const T* x, int64_t n) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t i = 0; i < n; ++i) h = kink_mix(h, x[i] > 0);
  return h;
}

template <typename T>
class Activation : public Layer<T> {
 public:
  static Status create(Act a, Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) {
    double k = 0;
    if (a == Act::LeakyRelu) BP_TRY(o.number("slope", 0.01, 0, 1e6, k));
    if (a == Act::Elu) BP_TRY(o.number("alpha", 1.0, 0, 1e6, k));
    BP_TRY(o.finish());
    auto l = std::make_unique<Activation<T>>();
    l->act = a;
    l->k = (T)k;
    l->in_shape = l->out_shape = in;
    out = std::move(l);
    return Status::Ok();
  }
  void forward(T* out, const T* inp, int N) override {
    int64_t n = N * this->in_size();
    if (act == Act::Relu && !kernel_flags().reference) relu_forward_fast(out, inp, n);
    else activation_forward(out, inp, n, act, k);
    if (this->track_kinks && act_has_kink(act)) this->kink_hash = sign_pattern(inp, n);
  }
  void backward(T* dinp, const T* dout, const T* inp, const T* out, int N) override {
    if (act == Act::Relu && !kernel_flags().reference) relu_backward_fast(dinp, dout, inp, N * this->in_size());
    else activation_backward(dinp, dout, inp, out, N * this->in_size(), act, k);
  }
  bool relu_like() const override { return act_has_kink(act); }

  Act act = Act::Relu;
  T k = 0;
};

template <typename T>
class PRelu : public Layer<T> {
 public:
  static Status create(Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) {
    bool channelwise;
    BP_TRY(o.boolean("channelwise", false, channelwise));
    BP_TRY(o.finish());
    auto l = std::make_unique<PRelu<T>>();
    l->in_shape = l->out_shape = in;
    // [C,H,W] -> one a per channel C; [F] -> one per feature.
    l->A = channelwise ? in[0] : 1;
    l->inner = (int)(numel(in) / in[0]);
    l->params.emplace_back("alpha", Shape{l->A});
    for (auto& a : l->params[0].value) a = T(0.25);
    out = std::move(l);
    return Status::Ok();
  }
  // Channel of flat index i within a sample: i / inner (one a shared when A == 1).
  void forward(T* out, const T* inp, int N) override {
    const T* a = this->params[0].value.data();
    int64_t S = this->in_size();
    for (int n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        T x = inp[n * S + i];
        out[n * S + i] = x > 0 ? x : a[A == 1 ? 0 : i / inner] * x;
      }
    if (this->track_kinks) this->kink_hash = sign_pattern(inp, N * S);
  }
  void backward(T* dinp, const T* dout, const T* inp, const T*, int N) override {
    const T* a = this->params[0].value.data();
    T* da = this->params[0].grad.data();
    int64_t S = this->in_size();
    for (int n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        int64_t j = n * S + i, c = A == 1 ? 0 : i / inner;
        T x = inp[j];
        if (dinp) dinp[j] = x > 0 ? dout[j] : a[c] * dout[j];  // nullptr: param grads only (layer.h)
        if (x <= 0) da[c] += dout[j] * x;
      }
  }
  bool relu_like() const override { return true; }
  int A = 1, inner = 1;
};

}  // namespace bp

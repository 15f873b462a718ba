// dense.h: fully connected layer (PyTorch nn.Linear); flattens its input.
//
//   shapes   X [N,in] (any per-sample shape, read flat)   W [out,in]   b [out]   Y [N,out]
//   forward  Y[n,o] = b[o] + Σ_k W[o,k] · X[n,k]          (Y = X Wᵀ + b)
//   backward, with δ = dL/dY:
//     dW[o,k] = Σ_n δ[n,o] · X[n,k]                       (dW = δᵀ X)
//     db[o]   = Σ_n δ[n,o]
//     dX[n,k] = Σ_o δ[n,o] · W[o,k]                       (dX = δ W)
//   Reference: the derivation series' "fully connected layer" post.
#pragma once
#include "../kernels/kernels.h"
#include "layer.h"

namespace bp {

template <typename T>
void dense_forward_ref(T* out, const T* inp, const T* weight, const T* bias, int N, int IN, int OUT) {
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < OUT; ++o) {
      T acc = bias[o];
      const T* w = weight + (size_t)o * IN;
      const T* x = inp + (size_t)n * IN;
      for (int k = 0; k < IN; ++k) acc += w[k] * x[k];
      out[(size_t)n * OUT + o] = acc;
    }
}

template <typename T>
void dense_backward_ref(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight, int N, int IN,
                        int OUT) {
  for (int n = 0; n < N; ++n) {
    const T* d = dout + (size_t)n * OUT;
    const T* x = inp + (size_t)n * IN;
    for (int o = 0; o < OUT; ++o) {
      dbias[o] += d[o];
      T* dw = dweight + (size_t)o * IN;
      for (int k = 0; k < IN; ++k) dw[k] += d[o] * x[k];
    }
    if (!dinp) continue;  // param grads only (layer.h)
    T* dx = dinp + (size_t)n * IN;
    for (int k = 0; k < IN; ++k) dx[k] = 0;
    for (int o = 0; o < OUT; ++o) {
      const T* w = weight + (size_t)o * IN;
      for (int k = 0; k < IN; ++k) dx[k] += d[o] * w[k];
    }
  }
}

template <typename T>
class Dense : public Layer<T> {
 public:
  static Status create(Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) {
    int units;
    BP_TRY(o.integer("units", -1, 1, units));
    if (units < 0) return o.error("units is required (the number of outputs)");
    BP_TRY(o.finish());
    BP_TRY(o.fits("weight", Shape{units, (int)numel(in)}, sizeof(T)));
    auto l = std::make_unique<Dense<T>>();
    l->IN = (int)numel(in);
    l->OUT = units;
    l->in_shape = in;
    l->out_shape = {units};
    l->params.emplace_back("weight", Shape{units, l->IN});
    l->params.emplace_back("bias", Shape{units});
    out = std::move(l);
    return Status::Ok();
  }
  // The fast kernels (kernels/dense.cpp: three GEMMs) unless kernel_flags().reference.
  void forward(T* out, const T* inp, int N) override {
    const T *w = this->params[0].value.data(), *b = this->params[1].value.data();
    if (kernel_flags().reference) dense_forward_ref(out, inp, w, b, N, IN, OUT);
    else dense_forward_fast(out, inp, w, b, N, IN, OUT, ws);
  }
  void backward(T* dinp, const T* dout, const T* inp, const T*, int N) override {
    T *dw = this->params[0].grad.data(), *db = this->params[1].grad.data();
    const T* w = this->params[0].value.data();
    if (kernel_flags().reference) dense_backward_ref(dinp, dw, db, dout, inp, w, N, IN, OUT);
    else dense_backward_fast(dinp, dw, db, dout, inp, w, N, IN, OUT, ws);
  }
  int IN = 0, OUT = 0;
  GemmWorkspace<T> ws;  // packing buffers, reused every step
};

}  // namespace bp

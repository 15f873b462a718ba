// flatten.h: [C,H,W] -> [C·H·W]. NCHW memory is already flat per sample.
//
//   forward  Y[n, (c·H + h)·W + w] = X[n,c,h,w]      (a copy)
//   backward dX = reshape(δ)                           (no parameters)
#pragma once
#include <algorithm>

#include "layer.h"

namespace bp {

template <typename T>
class Flatten : public Layer<T> {
 public:
  static Status create(Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) {
    BP_TRY(o.finish());
    auto l = std::make_unique<Flatten<T>>();
    l->in_shape = in;
    l->out_shape = {(int)numel(in)};
    out = std::move(l);
    return Status::Ok();
  }
  void forward(T* out, const T* inp, int N) override { std::copy(inp, inp + N * this->in_size(), out); }
  void backward(T* dinp, const T* dout, const T*, const T*, int N) override {
    std::copy(dout, dout + N * this->in_size(), dinp);
  }
};

}  // namespace bp

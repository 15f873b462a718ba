// registry.h: the closed table of layer types. Adding a layer: write cpp/layers/<name>.h
// (math header, forward, backward, create), add one row here, add its tests
// (tests/cpp/test_<name>.cpp: a hand-computed case and a gradient-check grid) and a row
// in the README's layer table.
#pragma once
#include "activation.h"
#include "conv2d.h"
#include "dense.h"
#include "flatten.h"
#include "pool.h"

namespace bp {

template <typename T>
using LayerFactory = Status (*)(Options&, const Shape&, std::unique_ptr<Layer<T>>&);

template <typename T>
struct LayerRow {
  const char* type;
  LayerKind kind;
  LayerFactory<T> create;
};

template <typename T>
const std::vector<LayerRow<T>>& layer_table() {
  static const std::vector<LayerRow<T>> table = {
      {"conv2d", LayerKind::Conv2d, &Conv2d<T>::create},
      {"dense", LayerKind::Dense, &Dense<T>::create},
      {"flatten", LayerKind::Flatten, &Flatten<T>::create},
      {"maxpool2d", LayerKind::MaxPool2d, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Pool2d<T>::create(true, false, o, in, out); }},
      {"avgpool2d", LayerKind::AvgPool2d, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Pool2d<T>::create(false, false, o, in, out); }},
      {"globalmaxpool", LayerKind::GlobalMaxPool, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Pool2d<T>::create(true, true, o, in, out); }},
      {"globalavgpool", LayerKind::GlobalAvgPool, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Pool2d<T>::create(false, true, o, in, out); }},
      {"relu", LayerKind::Relu, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Activation<T>::create(Act::Relu, o, in, out); }},
      {"leaky_relu", LayerKind::LeakyRelu, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Activation<T>::create(Act::LeakyRelu, o, in, out); }},
      {"prelu", LayerKind::PRelu, &PRelu<T>::create},
      {"elu", LayerKind::Elu, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Activation<T>::create(Act::Elu, o, in, out); }},
      {"selu", LayerKind::Selu, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Activation<T>::create(Act::Selu, o, in, out); }},
      {"sigmoid", LayerKind::Sigmoid, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Activation<T>::create(Act::Sigmoid, o, in, out); }},
      {"tanh", LayerKind::Tanh, [](Options& o, const Shape& in, std::unique_ptr<Layer<T>>& out) { return Activation<T>::create(Act::Tanh, o, in, out); }},
  };
  return table;
}

template <typename T>
Status make_layer(const Json& spec, const Shape& in, int index, std::unique_ptr<Layer<T>>& out) {
  std::string who = "layer " + std::to_string(index);
  if (!spec.is_object()) return Error(who + ": must be an object like {\"type\":\"dense\",\"units\":10}, got " + spec.brief());
  const Json* t = spec.find("type");
  if (!t || !t->is_string()) return Error(who + ": needs a \"type\" string, got " + (t ? t->brief() : std::string("none")));
  std::string names;
  for (auto& row : layer_table<T>()) {
    if (t->str() == row.type) {
      Options o(spec, index, row.type);
      BP_TRY(row.create(o, in, out));
      out->config = o.config();
      out->kind = row.kind;
      if (out->out_size() <= 0) return o.error("output shape " + shape_str(out->out_shape) + " is empty (input " + shape_str(in) + ")");
      BP_TRY(o.fits("output", out->out_shape, sizeof(T)));
      return Status::Ok();
    }
    names += (names.empty() ? "" : ", ") + std::string(row.type);
  }
  return Error(who + ": unknown type '" + t->str() + "' (known: " + names + ")");
}

}  // namespace bp

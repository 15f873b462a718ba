// layer.h: what every layer is.
//
// One rule for gradients, stated once for the whole core:
//   forward(out, inp, N)                   out = f(inp; params), N samples, NCHW.
//   backward(dinp, dout, inp, out, N)      WRITES dinp = dL/dinp, and ACCUMULATES (+=)
//                                          dL/dparam into every params[i].grad.
// The loss owns the 1/N (see loss.h); no layer divides by the batch size.
// The one exception: dinp may be nullptr, and then the layer computes only its param
// grads. Sequential does that for the first layer with parameters in a training step
// (no one reads dL/dx there); a layer with no parameters is then not called at all.
// Layers with parameters (conv2d, dense, prelu) therefore test dinp before writing it.
// Sizes per sample: in_size = numel(in_shape), out_size = numel(out_shape).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../core/common.h"
#include "../core/json.h"
#include "../core/memory.h"

namespace bp {

// The closed set of layer types; registry.h's table has one row per kind (its name, its factory).
enum class LayerKind { Conv2d, Dense, Flatten, MaxPool2d, AvgPool2d, GlobalMaxPool, GlobalAvgPool,
                       Relu, LeakyRelu, PRelu, Elu, Selu, Sigmoid, Tanh };

// How a layer runs in one inference step (a forward no backward follows), as the planner chose:
//   on          skip what only backward reads (max-pool's arg-max, conv's kept columns)
//   fusion      ReluInput: the layer reads the input of the relu before it, which is skipped;
//               ReluPool: the layer writes maxpool(relu(its output)), the relu and pool after it skipped
//   rows, cols  the leading rows and columns of each output plane the next layers read (0: all)
enum class Fusion { None, ReluInput, ReluPool };
struct InferMode {
  bool on = false;
  Fusion fusion = Fusion::None;
  int rows = 0, cols = 0;
};

template <typename T>
struct Param {
  std::string name;  // "weight", "bias", "alpha"
  Shape shape;       // PyTorch layout: conv [OC,C,KH,KW], dense [out,in]
  std::vector<T> value, grad;
  Param(std::string n, Shape s) : name(std::move(n)), shape(std::move(s)), value(numel(shape)), grad(numel(shape)) {}
};

template <typename T>
class Layer {
 public:
  virtual ~Layer() = default;
  virtual void forward(T* out, const T* inp, int N) = 0;
  virtual void backward(T* dinp, const T* dout, const T* inp, const T* out, int N) = 0;

  // Kinks: when track_kinks is set, layers with a piecewise branch (ReLU sign, max-pool
  // arg-max) fold the branch every element took into kink_hash during forward. The
  // gradient checker compares the hash at θ+h and θ−h with the one at θ: a change means
  // the centred difference straddled a kink and is no valid reference for that coordinate.
  bool track_kinks = false;
  uint64_t kink_hash = 0;
  // Inference (Sequential::run_infer, which sets it from the net's plan for the length of one
  // forward and clears it after): what the layer may skip or fuse in (InferMode above).
  InferMode infer;
  // What the planner (Sequential's plan_inference) may fuse into this layer in inference:
  // takes_relu_input(): it can read the input of a relu before it and apply relu as it reads
  // (max-pool: kernels.h); takes_relu_pool(): it can write what a relu and then a max-pool that
  // takes_relu_input() would make of its output (the Winograd conv: kernels/winograd.h).
  virtual bool takes_relu_input() const { return false; }
  virtual bool takes_relu_pool() const { return false; }
  // How many leading rows and columns of each input plane this layer reads (0: all).
  virtual int in_rows_read() const { return 0; }
  virtual int in_cols_read() const { return 0; }
  // True for activations after which He initialisation suits the previous layer.
  virtual bool relu_like() const { return false; }

  const std::string& type() const { return config.find("type")->str(); }  // for messages; code tests `kind`
  int64_t in_size() const { return numel(in_shape); }
  int64_t out_size() const { return numel(out_shape); }

  Shape in_shape, out_shape;
  std::vector<Param<T>> params;
  Json config;  // normalised spec: {"type":..., every option with its value}; set by make_layer
  LayerKind kind = LayerKind::Dense;  // set by make_layer from its table row
};

inline uint64_t kink_mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull + (h >> 29); }

// Options reads one layer's spec object, checks each value once, and remembers
// the normalised value in `config`. Messages quote what the user wrote:
//   "layer 2 (conv2d): stride must be >= 1, got 0"
class Options {
 public:
  Options(const Json& spec, int index, std::string type)
      : spec_(spec), who_("layer " + std::to_string(index) + " (" + type + ")"), config_(Json::object()) {
    config_.set("type", type);
  }
  const std::string& who() const { return who_; }
  Status error(const std::string& what) const { return Error(who_ + ": " + what); }

  Status integer(const char* key, int dflt, int min, int& out) {
    used_.push_back(key);
    const Json* v = spec_.find(key);
    if (!v) { out = dflt; config_.set(key, out); return Status::Ok(); }
    if (!v->is_number() || v->num() != std::floor(v->num()))  // (no int cast: UB past 2^63)
      return error(std::string(key) + " must be an integer, got " + v->brief());
    if (v->num() < min)
      return error(std::string(key) + " must be >= " + std::to_string(min) + ", got " + v->brief());
    if (v->num() > 1e6) return error(std::string(key) + " is too large, got " + v->brief());
    out = (int)v->num();
    config_.set(key, out);
    return Status::Ok();
  }
  // A number or an [h,w] pair (PyTorch's int-or-tuple).
  Status pair(const char* key, int dflt, int min, int out[2]) {
    used_.push_back(key);
    const Json* v = spec_.find(key);
    auto check = [&](double d, int& o) -> Status {
      if (d != std::floor(d)) return error(std::string(key) + " must be an integer or a pair of integers, got " + v->brief());
      if (d < min) return error(std::string(key) + " must be >= " + std::to_string(min) + ", got " + v->brief());
      if (d > 1e6) return error(std::string(key) + " is too large, got " + v->brief());
      o = (int)d;
      return Status::Ok();
    };
    if (!v) {
      out[0] = out[1] = dflt;
    } else if (v->is_number()) {
      BP_TRY(check(v->num(), out[0]));
      out[1] = out[0];
    } else if (v->is_array() && v->size() == 2 && v->items()[0].is_number() && v->items()[1].is_number()) {
      BP_TRY(check(v->items()[0].num(), out[0]));
      BP_TRY(check(v->items()[1].num(), out[1]));
    } else {
      return error(std::string(key) + " must be a number or an [h,w] pair, got " + v->brief());
    }
    Json a = Json::array();
    a.push(out[0]);
    a.push(out[1]);
    config_.set(key, a);
    return Status::Ok();
  }
  Status number(const char* key, double dflt, double min, double max, double& out) {
    used_.push_back(key);
    const Json* v = spec_.find(key);
    if (!v) { out = dflt; config_.set(key, out); return Status::Ok(); }
    if (!v->is_number() || !std::isfinite(v->num()))
      return error(std::string(key) + " must be a finite number, got " + v->brief());
    if (v->num() < min || v->num() > max)
      return error(std::string(key) + " must be in [" + num_str(min) + ", " + num_str(max) + "], got " + v->brief());
    out = v->num();
    config_.set(key, out);
    return Status::Ok();
  }
  Status boolean(const char* key, bool dflt, bool& out) {
    used_.push_back(key);
    const Json* v = spec_.find(key);
    if (!v) { out = dflt; config_.set(key, out); return Status::Ok(); }
    if (!v->is_bool()) return error(std::string(key) + " must be true or false, got " + v->brief());
    out = v->boolean();
    config_.set(key, out);
    return Status::Ok();
  }
  // Call before allocating a tensor of `es`-byte values: its size against the kMaxValues limit
  // and the memory budget (memory.h); a weight also against the data of the model file being
  // read, if one is.
  Status fits(const char* what, const Shape& s, size_t es) const {
    if (numel_f(s) > (double)kMaxValues)
      return error(std::string(what) + " " + shape_str(s) + " has " + count_str(numel_f(s)) +
                   " values, more than the limit of " + std::to_string(kMaxValues));
    const double bytes = numel_f(s) * (double)es;
    const bool weight = std::string(what) == "weight";
    MemoryBudget& m = memory();
    if (weight && bytes > m.file_bytes) {
      ++m.refusals;
      return error(std::string(what) + " " + shape_str(s) + " needs " + mib(bytes) + ", more than the " + count_str(m.file_bytes) +
                   " bytes of parameter data left in the model file");
    }
    if (weight) m.file_bytes -= bytes;
    return check_budget(0, weight ? 2 * bytes : bytes, who_ + ": " + what + " " + shape_str(s) + (weight ? " with its gradient" : ""));
  }
  // Records a value that a default was resolved to (e.g. pool stride = size).
  void resolved(const char* key, Json v) { config_.set(key, std::move(v)); }
  // Call last: a key nobody read is a typo the user wants to hear about.
  Status finish() const {
    for (auto& kv : spec_.members()) {
      if (kv.first == "type") continue;
      bool known = false;
      for (auto& u : used_) known |= (u == kv.first);
      if (!known) {
        std::string list;
        for (auto& u : used_) list += (list.empty() ? "" : ", ") + u;
        return error("unknown option '" + kv.first + "'" + (list.empty() ? " (this layer takes none)" : " (it takes: " + list + ")"));
      }
    }
    return Status::Ok();
  }
  const Json& config() const { return config_; }

 private:
  const Json& spec_;
  std::string who_;
  Json config_;
  std::vector<std::string> used_;
};

}  // namespace bp

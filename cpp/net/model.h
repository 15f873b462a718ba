// model.h: a net of either dtype behind one interface, plus the staging buffers that
// data crosses the WASM boundary through (JS writes a typed array into a staged buffer,
// then calls one method). Everything here returns a Status; nothing aborts on user input.
// The Embind file wraps this class and nothing else; native tests drive it directly, so
// the same JSON fixtures run on both sides.
#pragma once
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../data/dataset.h"
#include "gradcheck.h"
#include "sequential.h"
#include "trainer.h"

namespace bp {

// The float or the double one of a pair of buffers, by the net's T.
template <typename T>
std::vector<T>& pick(std::vector<float>& f, std::vector<double>& d) {
  if constexpr (std::is_same_v<T, float>) return f;
  else return d;
}

class Model {
 public:
  // Calls f with the Sequential<float> or Sequential<double> this model holds.
  template <typename F>
  auto visit(F f) const {
    return f32 ? f(*f32) : f(*f64);
  }
  template <typename F>
  auto visit(F f) {
    return f32 ? f(*f32) : f(*f64);
  }
  Status init(const std::string& spec_json);
  Status init(const Json& spec);
  bool ready() const { return f32 || f64; }
  bool float64() const { return (bool)f64; }
  int64_t in_size() const { return visit([](auto& n) { return n.in_size(); }); }
  int64_t out_size() const { return visit([](auto& n) { return n.out_size(); }); }
  int batch() const { return visit([](auto& n) { return n.batch; }); }
  // {"input":[..],"output":[..],"params":[{"layer":i,"name":..,"shape":[..]}],"layers":[{type,outputShape,..}],"spec":{..}}
  Json info() const;

  // Staging: x (net dtype), dy (net dtype), values for set_param (net dtype), targets (double).
  std::vector<float> x32, dy32, v32;
  std::vector<double> x64, dy64, v64, targets;

  Status forward(int n);                       // x -> output()
  Status backward();                           // dy -> input_grad(); needs a forward first
  Status compute_gradients(int n, double& loss);  // x, targets
  Status loss(int n, double& loss);
  // The gradient check (gradcheck.h) on the float64 twin: on x, targets staged ...
  Status grad_check(int n, const GradCheckOptions& opt, GradCheckReport& out);
  // ... or on the `samples` highest-loss of `pool` distinct samples drawn from ds with
  // Rng(opt.seed) (ties: the lower index first), their losses from a forward in inference.
  Status grad_check_dataset(const Dataset& ds, int samples, int pool, const GradCheckOptions& opt, GradCheckReport& out);
  void zero_grad() { visit([](auto& n) { n.zero_grad(); return 0; }); }

  // Parameter access by (layer, name); `grad` selects the gradient.
  Status find_param(int layer, const std::string& name) const;
  Status set_param(int layer, const std::string& name);  // from v32/v64
  template <typename T>
  Param<T>* param(int layer, const std::string& name) { return net<T>()->find_param(layer, name); }

  template <typename T>
  Sequential<T>* net();

  // A float64 copy of this net (same spec, same parameters): what the checker runs on.
  Status float64_twin(std::unique_ptr<Sequential<double>>& out) const;

  // ---- lessons: one derivation traced, and the numerical gradient of one tensor ----
  // trace: zero_grad, forward, loss and backward with every gradient (the input's too) on x,
  // targets staged, in the net's dtype, a teaching bug in place if one is given (teaching_bugs.h).
  // Read after it: the net's acts and grads and the layers' saved state (max-pool's arg-max).
  // (The softmax probabilities: predict() on the same x.)
  Status trace(int n, TeachingBug bug, double& loss, int& broken_layer);
  // numeric_gradient (gradcheck.h) for every entry of `tensor` of layer `layer` on x, targets
  // staged: a parameter, or "input", the activation entering the layer (layer = layers: the
  // loss's input). On the float64 twin, whose probes rerun layers layer.. -> numeric: the values,
  // then the kink flags.
  Status numeric_gradient(int n, int layer, const std::string& tensor, const GradCheckOptions& opt);
  std::vector<double> numeric;

  // ---- training (x, targets staged as for compute_gradients) ----
  Status set_optimizer(const std::string& cfg_json);  // a bad config leaves the net unchanged
  Status train_step(int n, double& loss);
  Status evaluate(int n, double& loss, double& accuracy);  // accuracy NaN for mse
  Status predict(int n);  // -> prediction(): softmax probabilities (cross-entropy) or outputs
  std::vector<float> pred32;
  std::vector<double> pred64;
  // k optimizer steps over ds from where the last fit stopped (see trainer.h).
  Status fit_steps(const Dataset& ds, int k, const FitConfig& cfg, FitReport& out);
  // Loss and accuracy over the first `limit` samples (all when limit <= 0), in batches.
  Status evaluate_dataset(const Dataset& ds, int batch_size, int64_t limit, double& loss, double& accuracy);
  Status check_dataset(const Dataset& ds, const char* what) const;
  Trainer trainer;
  // The batches fit_steps would train on, one at a time, from the same trainer: next_batch
  // moves it on as a fit step does (and a later fit continues after). gradients_at: zero_grad,
  // forward, loss, backward (param grads only) on the samples of ds at `indices` (staged as
  // numbers, checked); then apply_gradients makes it the fit step.
  Status next_batch(const Dataset& ds, const FitConfig& cfg, std::vector<uint32_t>& out);
  Status gradients_at(const Dataset& ds, double& loss);
  std::vector<double> indices;
  std::vector<uint32_t> batch_indices;

  // ---- data-parallel training (model_parallel.cpp; web/parallel.js) ----
  // Replicas of one net each take a share of a batch: param_gradients on it, the shares'
  // gradients averaged (weighted by share size) outside, set_gradients + apply_gradients
  // on every replica, so all apply the identical step and stay bit-identical.
  Status param_gradients(int n, double& loss);  // x, targets staged; dL/dparams only
  void gather_gradients();                      // all param grads, layer order -> g32/g64
  Status set_gradients();                       // v32/v64 (stageValues) -> all param grads
  Status apply_gradients();                     // one optimizer step on the current grads (the divergence watch's)
  int64_t param_count() const;
  std::vector<float> g32;
  std::vector<double> g64;

  // ---- model files (model_file.cpp) ----
  // A safetensors file: the parameters under PyTorch's state_dict names ("0.weight", ...), the
  // spec and (with the optimizer state) its step count in __metadata__; layout at the top of
  // model_file.cpp. load() also reads the first format ('BPWM'); it builds into a new net and
  // checks every length, name, shape and value, so a bad file changes nothing.
  Status save(bool with_optimizer, std::vector<uint8_t>& out) const;
  Status load(const uint8_t* data, size_t len);
  std::vector<uint8_t> bytes;  // staging for save/load

 private:
  std::vector<double> staged_x() const;  // x32 or x64 as doubles
  Status batch_step(const Dataset& ds, const uint32_t* idx, int n, bool step, double& loss);
  std::unique_ptr<Sequential<float>> f32;
  std::unique_ptr<Sequential<double>> f64;
};

// A batch of n samples must fit in kMaxValues before run_* allocates it (a failed allocation
// aborts the WASM module): "what: <name> <value> needs ... values ...; use a smaller <name>".
Status batch_fits(const Model& m, int64_t n, const char* what, const char* name, int64_t value);

template <>
inline Sequential<float>* Model::net<float>() { return f32.get(); }
template <>
inline Sequential<double>* Model::net<double>() { return f64.get(); }

}  // namespace bp

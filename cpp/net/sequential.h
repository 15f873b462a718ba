// sequential.h: a stack of layers and a loss: the whole chain rule on one screen.
//
//   forward   a[0] = x;  a[i+1] = layer_i(a[i])                 L = loss(a[n], targets)
//   backward  g[n] = dL/da[n] (from the loss);  g[i] = layer_i.backward(g[i+1])
//             each layer adds its dL/dparam into its params' grad (zero_grad clears them).
//
// Spec (JSON): {"input":[C,H,W] or [F], "layers":[{...}, ...], "loss":"softmax_cross_entropy"|"mse",
//               "dtype":"float32"|"float64", "seed":1, "optimizer":{...}}
// Public methods that take user data validate it and return a Status; the run_* methods
// below them assume valid data and only compute.
#pragma once
#include <memory>
#include <vector>

#include "../layers/layer.h"
#include "../layers/loss.h"
#include "../layers/registry.h"
#include "../optim/optimizer.h"

namespace bp {

struct NetSpec {
  Json layers;  // normalised layer configs
  Shape input;
  LossKind loss = LossKind::SoftmaxCrossEntropy;
  bool float64 = false;
  uint64_t seed = 1;
  Json optimizer;  // normalised (optimizer.h); sgd lr 0.01 when the spec has none
  OptimConfig optim;
  Json to_json() const;
};

// Parses and checks everything about a spec that does not depend on T.
Status parse_net_spec(const Json& spec, NetSpec& out, Json& raw_layers);

// One step of inference: layers[layer] reads acts[in] (x itself when in is 0) and writes
// acts[out], in the mode the planner chose. out = layer + 1, or past the layers fused into it.
struct InferStep {
  int layer, in, out;
  InferMode mode;
};
// What the planner knows of each layer: its kind, what it can fuse in, what it reads (layer.h).
struct LayerFacts {
  LayerKind kind;
  bool takes_relu_input, takes_relu_pool;
  int rows_read, cols_read;
};
std::vector<InferStep> plan_inference(const std::vector<LayerFacts>& layers);

template <typename T>
class Sequential {
 public:
  static Status build(const Json& spec, std::unique_ptr<Sequential<T>>& out);
  static Status build(const std::string& spec_json, std::unique_ptr<Sequential<T>>& out);

  // ---- checked API (user data) ----
  Status forward(const T* x, int64_t len, int N);
  Status backward(const T* dy, int64_t len);  // after forward; result in input_grad()
  Status compute_gradients(const T* x, int64_t xlen, const double* targets, int64_t tlen, int N, double& loss);
  Status loss(const T* x, int64_t xlen, const double* targets, int64_t tlen, int N, double& loss);
  Status check_input(const T* x, int64_t len, int N, const char* what) const;
  Status check_targets(const double* t, int64_t len, int N) const;

  // ---- kernels of the net: no checks ----
  // first > 0: resume at layer `first`, reading acts[first] as it is (x unused): the forward of
  // the net's suffix, for the numerical gradient of a middle layer's input (gradcheck.h).
  void run_forward(const T* x, int N, int first = 0);
  // A forward no backward follows (predict, evaluate): runs inference_plan(), whose layers skip
  // backward-only work and fuse what they can (InferMode); backward() then asks for a forward first.
  void run_infer(const T* x, int N);
  // The inference steps, planned by plan_inference() the first time they are needed and again
  // only when the kernel flags (which decide what can fuse) have changed.
  const std::vector<InferStep>& inference_plan();
  // Backward into grads[0]. params_only (training's backward): layers before the first one with
  // parameters are skipped and that layer gets dinp = nullptr (layer.h), so input_grad() is
  // not updated.
  void run_backward(const T* dy, bool params_only = false);
  double run_loss(const double* targets, bool with_grad, bool mean = true);  // on the last forward (mean: loss.h)
  // Each sample's loss on the last forward (of N samples): losses[n].
  void run_sample_losses(const double* targets, double* losses) const;
  // zero_grad, forward, loss, backward (params_only as above): what a step needs before opt.step.
  double run_compute_gradients(const T* x, const double* targets, int N, bool params_only = false);
  void zero_grad();
  void init_params(uint64_t seed);

  const T* output() const { return acts.back().data(); }
  const T* input_grad() const { return grads[0].data(); }
  int64_t in_size() const { return numel(spec.input); }
  int64_t out_size() const { return layers.empty() ? in_size() : layers.back()->out_size(); }
  Shape output_shape() const { return layers.empty() ? spec.input : layers.back()->out_shape; }
  Param<T>* find_param(int layer, const std::string& name);
  // Values held for a batch of N: parameters, activations and their gradients (see kMaxValues).
  int64_t values_needed(int N) const;
  // Values in all parameter tensors (each has a gradient of the same size).
  int64_t param_count() const;
  // Bytes held for a batch of N with an optimizer of `slots` state tensors: values_needed(N) and
  // the optimizer state. `mem` holds them against the memory budget (memory.h).
  int64_t bytes_needed(int N, int slots) const;
  Reservation mem;

  // ---- training: gradients, then one optimizer step (optimizer.h) ----
  Status set_optimizer(const Json& cfg);  // validates first: a bad config leaves the net as it was
  Status train_step(const T* x, int64_t xlen, const double* targets, int64_t tlen, int N, double& loss);
  // Gradients, the loss checked, then step(): on an error the net is as it was before the call
  // (but for its activations and gradients). `what` begins the message ("fit", "trainStep").
  Status run_train_step(const T* x, const double* targets, int N, double& loss, const char* what = "trainStep");
  // The divergence watch (sequential.cpp): every training step ends here. A non-finite loss, or an
  // optimizer step that would leave a non-finite weight or state, is refused with the step number,
  // the layer and the tensor; the step is then not taken.
  Status check_loss(double loss, const char* what) const;
  Status step(const char* what);
  // On the last forward: mean loss, and the number of argmax hits (cross-entropy only).
  double run_evaluate(const double* targets, int64_t& correct);
  // Every parameter tensor in layer order; built once by build() (layers never change after).
  const std::vector<Param<T>*>& param_list() const { return params_; }
  Optimizer<T> opt;

  NetSpec spec;
  std::vector<std::unique_ptr<Layer<T>>> layers;
  std::vector<std::vector<T>> acts;   // acts[0] = input, acts[i+1] = output of layer i
  std::vector<std::vector<T>> grads;  // grads[i] = dL/dacts[i]
  int batch = 0;
  bool backward_ready = false;  // the last forward was run_forward, not run_infer

 private:
  void ensure_batch(int N);
  std::vector<Param<T>*> params_;
  std::vector<InferStep> plan_;
  KernelFlags plan_flags_;
};

extern template class Sequential<float>;
extern template class Sequential<double>;

}  // namespace bp

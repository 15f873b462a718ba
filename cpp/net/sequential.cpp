#include "sequential.h"

#include <cmath>

namespace bp {

Json NetSpec::to_json() const {
  Json j = Json::object();
  Json in = Json::array();
  for (int d : input) in.push(d);
  j.set("input", in);
  j.set("layers", layers);
  j.set("loss", loss == LossKind::Mse ? "mse" : "softmax_cross_entropy");
  j.set("dtype", float64 ? "float64" : "float32");
  j.set("seed", (double)seed);
  if (!optimizer.is_null()) j.set("optimizer", optimizer);
  return j;
}

Status parse_net_spec(const Json& spec, NetSpec& out, Json& raw_layers) {
  if (!spec.is_object()) return Error("spec: must be an object {input, layers, loss}, got " + spec.brief());
  static const char* known[] = {"input", "layers", "loss", "dtype", "seed", "optimizer"};
  for (auto& kv : spec.members()) {
    bool ok = false;
    for (const char* k : known) ok |= kv.first == k;
    if (!ok) return Error("spec: unknown key '" + kv.first + "' (known: input, layers, loss, dtype, seed, optimizer)");
  }
  const Json* in = spec.find("input");
  if (!in || !in->is_array() || (in->size() != 1 && in->size() != 3))
    return Error("spec: input must be [C,H,W] or [features], got " + (in ? in->brief() : std::string("none")));
  out.input.clear();
  for (auto& d : in->items()) {
    if (!d.is_number() || d.num() < 1 || d.num() != std::floor(d.num()) || d.num() > 1e6)
      return Error("spec: input dimensions must be positive integers, got " + in->brief());
    out.input.push_back((int)d.num());
  }
  if (numel_f(out.input) > (double)kMaxValues)
    return Error("spec: input " + shape_str(out.input) + " has " + count_str(numel_f(out.input)) +
                 " values per sample, more than the limit of " + std::to_string(kMaxValues));
  const Json* layers = spec.find("layers");
  if (!layers || !layers->is_array()) return Error("spec: layers must be an array, got " + (layers ? layers->brief() : std::string("none")));
  raw_layers = *layers;
  out.loss = LossKind::SoftmaxCrossEntropy;
  if (const Json* l = spec.find("loss")) {
    if (l->is_string() && l->str() == "mse") out.loss = LossKind::Mse;
    else if (!(l->is_string() && l->str() == "softmax_cross_entropy"))
      return Error("spec: unknown loss " + l->brief() + " (known: softmax_cross_entropy, mse)");
  }
  out.float64 = false;
  if (const Json* d = spec.find("dtype")) {
    if (d->is_string() && d->str() == "float64") out.float64 = true;
    else if (!(d->is_string() && d->str() == "float32"))
      return Error("spec: dtype must be \"float32\" or \"float64\", got " + d->brief());
  }
  out.seed = 1;
  if (const Json* s = spec.find("seed")) {
    if (!s->is_number() || s->num() < 0 || s->num() != std::floor(s->num()) || s->num() > 9007199254740991.0)
      return Error("spec: seed must be a non-negative integer, got " + s->brief());
    out.seed = (uint64_t)s->num();
  }
  out.optimizer = Json();
  const Json* o = spec.find("optimizer");
  BP_TRY(parse_optimizer(o ? *o : Json(), out.optim));
  out.optimizer = out.optim.to_json();
  return Status::Ok();
}

template <typename T>
Status Sequential<T>::build(const std::string& spec_json, std::unique_ptr<Sequential<T>>& out) {
  Json spec;
  Status s = Json::parse(spec_json, spec);
  if (!s.ok()) return Error("spec: " + s.msg);
  return build(spec, out);
}

template <typename T>
Status Sequential<T>::build(const Json& spec, std::unique_ptr<Sequential<T>>& out) {
  auto net = std::make_unique<Sequential<T>>();
  Json raw;
  BP_TRY(parse_net_spec(spec, net->spec, raw));
  net->spec.layers = Json::array();
  Shape shape = net->spec.input;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::unique_ptr<Layer<T>> layer;
    BP_TRY(make_layer<T>(raw[i], shape, (int)i, layer));
    shape = layer->out_shape;
    net->spec.layers.push(layer->config);
    net->layers.push_back(std::move(layer));
    // Checked layer by layer, so a net of many large layers stops before it allocates them all.
    if (net->values_needed(1) > kMaxValues)
      return Error("layer " + std::to_string(i) + " (" + net->layers.back()->type() + "): the net up to here needs " +
                   std::to_string(net->values_needed(1)) + " values for one sample (parameters, activations and their gradients), "
                   "more than the limit of " + std::to_string(kMaxValues));
    BP_TRY(net->mem.resize((double)net->bytes_needed(1, net->spec.optim.slots()),
                           "layer " + std::to_string(i) + " (" + net->layers.back()->type() +
                               "): the net up to here (parameters, gradients, optimizer state, activations for one sample)"));
  }
  if (net->spec.loss == LossKind::SoftmaxCrossEntropy && net->out_size() < 2)
    return Error("spec: softmax_cross_entropy needs at least 2 outputs, the last layer gives " + shape_str(net->output_shape()));
  net->acts.resize(net->layers.size() + 1);
  net->grads.resize(net->layers.size() + 1);
  for (auto& l : net->layers)
    for (auto& p : l->params) net->params_.push_back(&p);
  net->init_params(net->spec.seed);
  net->opt.cfg = net->spec.optim;
  net->opt.reset(net->param_list());
  out = std::move(net);
  return Status::Ok();
}

// He (Kaiming normal, std = √(2/fan_in)) for a layer whose next activation is ReLU-like,
// Glorot (uniform, limit √(6/(fan_in+fan_out))) otherwise; biases 0. fan_in = numel/out,
// fan_out = out · receptive field (PyTorch's convention). Drawn in double, layer by layer,
// so float32 and float64 nets with one seed start from the same numbers.
template <typename T>
void Sequential<T>::init_params(uint64_t seed) {
  Rng rng(seed);
  for (size_t i = 0; i < layers.size(); ++i) {
    bool he = false;
    for (size_t j = i + 1; j < layers.size(); ++j) {
      const LayerKind k = layers[j]->kind;
      if (k == LayerKind::Flatten || k == LayerKind::MaxPool2d || k == LayerKind::AvgPool2d) continue;
      he = layers[j]->relu_like();
      break;
    }
    for (auto& p : layers[i]->params) {
      if (p.name == "weight") {
        int64_t out = p.shape[0], fan_in = numel(p.shape) / out;
        int64_t receptive = p.shape.size() > 2 ? numel(p.shape) / (p.shape[0] * p.shape[1]) : 1;
        double fan_out = (double)out * receptive;
        double std_he = std::sqrt(2.0 / fan_in), lim = std::sqrt(6.0 / (fan_in + fan_out));
        for (auto& w : p.value) w = (T)(he ? std_he * rng.normal() : rng.uniform(-lim, lim));
      } else if (p.name == "bias") {
        for (auto& b : p.value) b = 0;
      }
    }
  }
}

template <typename T>
int64_t Sequential<T>::param_count() const {
  int64_t c = 0;
  for (auto& l : layers)
    for (auto& p : l->params) c += (int64_t)p.value.size();
  return c;
}

template <typename T>
int64_t Sequential<T>::values_needed(int N) const {
  int64_t acts_per_sample = in_size();
  for (auto& l : layers) acts_per_sample += l->out_size();
  return 2 * param_count() + 2 * (int64_t)N * acts_per_sample;
}

template <typename T>
int64_t Sequential<T>::bytes_needed(int N, int slots) const {
  return (values_needed(N) + param_count() * slots) * (int64_t)sizeof(T);
}

template <typename T>
void Sequential<T>::ensure_batch(int N) {
  if (N == batch) return;
  mem.set(bytes_needed(N, opt.cfg.slots()));  // checked by check_input / batch_fits before
  batch = N;
  acts[0].resize((size_t)N * in_size());
  grads[0].resize((size_t)N * in_size());
  for (size_t i = 0; i < layers.size(); ++i) {
    acts[i + 1].resize((size_t)N * layers[i]->out_size());
    grads[i + 1].resize((size_t)N * layers[i]->out_size());
  }
}

template <typename T>
void Sequential<T>::run_forward(const T* x, int N, int first) {
  ensure_batch(N);
  if (first == 0 && x != acts[0].data()) std::copy(x, x + (size_t)N * in_size(), acts[0].data());
  for (size_t i = first; i < layers.size(); ++i) layers[i]->forward(acts[i + 1].data(), acts[i].data(), N);
  backward_ready = true;
}

// The inference plan, one step per layer except where layers fuse:
//   conv that takes_relu_pool() (Winograd), relu, max-pool that takes_relu_input() (2×2, stride 2)
//       -> one step: the conv writes the pool's output; the relu's and the conv's are not written
//   relu, max-pool that takes_relu_input()
//       -> one step: the pool reads the relu's input; the relu's output is not written
// Each step also says how many rows and columns of its output planes are read: through
// elementwise relus, up to a layer that says how many it reads (a pool without padding, whose
// floor-mode windows may stop short of the last rows and columns: mnist-cnn's 3×3 pool reads
// 12 × 12 of conv2's 14 × 14). Layers that can (the stride-1 conv) skip the others.
std::vector<InferStep> plan_inference(const std::vector<LayerFacts>& layers) {
  const int L = (int)layers.size();
  auto relu = [&](int i) { return i < L && layers[i].kind == LayerKind::Relu; };
  auto takes_relu = [&](int i) { return i < L && layers[i].takes_relu_input; };
  std::vector<InferStep> plan(L);
  int steps = 0;
  for (int i = 0; i < L;) {
    InferStep s{i, i, i + 1, InferMode{true, Fusion::None, 0, 0}};
    if (layers[i].takes_relu_pool && relu(i + 1) && takes_relu(i + 2)) {
      s.out = i + 3;
      s.mode.fusion = Fusion::ReluPool;
    } else if (relu(i) && takes_relu(i + 1)) {
      s.layer = i + 1;
      s.out = i + 2;
      s.mode.fusion = Fusion::ReluInput;
    }
    int j = s.layer + 1;
    while (relu(j)) ++j;
    if (j < L) s.mode.rows = layers[j].rows_read, s.mode.cols = layers[j].cols_read;
    plan[steps++] = s;
    i = s.out;
  }
  plan.resize(steps);
  return plan;
}

template <typename T>
const std::vector<InferStep>& Sequential<T>::inference_plan() {
  if (plan_.empty() != layers.empty() || !(plan_flags_ == kernel_flags())) {
    std::vector<LayerFacts> facts(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      const Layer<T>& l = *layers[i];
      facts[i] = {l.kind, l.takes_relu_input(), l.takes_relu_pool(), l.in_rows_read(), l.in_cols_read()};
    }
    plan_ = plan_inference(facts);
    plan_flags_ = kernel_flags();
  }
  return plan_;
}

// Inference reads x in place (no backward reads acts[0] afterwards).
template <typename T>
void Sequential<T>::run_infer(const T* x, int N) {
  ensure_batch(N);
  if (layers.empty() && x != acts[0].data()) std::copy(x, x + (size_t)N * in_size(), acts[0].data());
  for (const InferStep& s : inference_plan()) {
    Layer<T>& l = *layers[s.layer];
    l.infer = s.mode;
    l.forward(acts[s.out].data(), s.in == 0 ? x : acts[s.in].data(), N);
    l.infer = InferMode();
  }
  backward_ready = false;
}

template <typename T>
void Sequential<T>::run_backward(const T* dy, bool params_only) {
  size_t L = layers.size(), first = 0;
  if (params_only) {
    first = L;
    for (size_t i = 0; i < L && first == L; ++i)
      if (!layers[i]->params.empty()) first = i;
  }
  if (dy != grads[L].data()) std::copy(dy, dy + (size_t)batch * out_size(), grads[L].data());
  for (size_t i = L; i-- > first;)
    layers[i]->backward(params_only && i == first ? nullptr : grads[i].data(), grads[i + 1].data(), acts[i].data(),
                        acts[i + 1].data(), batch);
}

template <typename T>
double Sequential<T>::run_loss(const double* targets, bool with_grad, bool mean) {
  T* d = with_grad ? grads.back().data() : nullptr;
  if (spec.loss == LossKind::Mse) return mse(d, output(), targets, batch, out_size(), mean);
  return softmax_ce<T>(d, nullptr, output(), targets, batch, (int)out_size(), mean);
}

template <typename T>
void Sequential<T>::run_sample_losses(const double* targets, double* losses) const {
  const int64_t K = out_size();
  for (int n = 0; n < batch; ++n) {
    const T* z = output() + (size_t)n * K;
    losses[n] = spec.loss == LossKind::Mse ? mse<T>(nullptr, z, targets + (size_t)n * K, 1, K)
                                            : softmax_ce<T>(nullptr, nullptr, z, targets + n, 1, (int)K);
  }
}

template <typename T>
double Sequential<T>::run_compute_gradients(const T* x, const double* targets, int N, bool params_only) {
  zero_grad();
  run_forward(x, N);
  double L = run_loss(targets, true);
  run_backward(grads.back().data(), params_only);
  return L;
}

template <typename T>
void Sequential<T>::zero_grad() {
  for (auto& l : layers)
    for (auto& p : l->params) std::fill(p.grad.begin(), p.grad.end(), T(0));
}

template <typename T>
Param<T>* Sequential<T>::find_param(int layer, const std::string& name) {
  if (layer < 0 || layer >= (int)layers.size()) return nullptr;
  for (auto& p : layers[layer]->params)
    if (p.name == name) return &p;
  return nullptr;
}

// ---- checks on user data ----

template <typename T>
Status Sequential<T>::check_input(const T* x, int64_t len, int N, const char* what) const {
  if (N < 1) return Error(std::string(what) + ": n must be >= 1, got " + std::to_string(N));
  if (N > 1000000) return Error(std::string(what) + ": n is too large, got " + std::to_string(N));
  if (values_needed(N) > kMaxValues)
    return Error(std::string(what) + ": n = " + std::to_string(N) + " samples need " + std::to_string(values_needed(N)) +
                 " values (parameters, activations and their gradients), more than the limit of " + std::to_string(kMaxValues) +
                 "; pass fewer samples per call");
  BP_TRY(mem.fits((double)bytes_needed(N, opt.cfg.slots()), [&] {
    return std::string(what) + ": n = " + std::to_string(N) + " samples (parameters, gradients, optimizer state, activations)";
  }));
  int64_t want = (int64_t)N * in_size();
  if (len != want)
    return Error(std::string(what) + ": x has " + std::to_string(len) + " values, expected n*" + shape_str(spec.input) +
                 " = " + std::to_string(N) + "*" + std::to_string(in_size()) + " = " + std::to_string(want));
  for (int64_t i = 0; i < len; ++i)
    if (!std::isfinite((double)x[i]))
      return Error(std::string(what) + ": x[" + std::to_string(i) + "] is " + num_str((double)x[i]) + " (inputs must be finite)");
  return Status::Ok();
}

template <typename T>
Status Sequential<T>::check_targets(const double* t, int64_t len, int N) const {
  if (spec.loss == LossKind::SoftmaxCrossEntropy) {
    if (len != N) return Error("targets: expected " + std::to_string(N) + " integer labels (one per sample), got " + std::to_string(len));
    int64_t K = out_size();
    for (int64_t i = 0; i < len; ++i)
      if (!(t[i] >= 0 && t[i] < K && t[i] == std::floor(t[i])))
        return Error("targets: label " + num_str(t[i]) + " at index " + std::to_string(i) + " is not a class in [0, " +
                     std::to_string(K) + ")");
  } else {
    int64_t want = (int64_t)N * out_size();
    if (len != want)
      return Error("targets: expected n*" + std::to_string(out_size()) + " = " + std::to_string(want) + " values for mse, got " +
                   std::to_string(len));
    for (int64_t i = 0; i < len; ++i)
      if (!std::isfinite(t[i])) return Error("targets: targets[" + std::to_string(i) + "] is " + num_str(t[i]) + " (must be finite)");
  }
  return Status::Ok();
}

template <typename T>
Status Sequential<T>::forward(const T* x, int64_t len, int N) {
  BP_TRY(check_input(x, len, N, "forward"));
  run_forward(x, N);
  return Status::Ok();
}

template <typename T>
Status Sequential<T>::backward(const T* dy, int64_t len) {
  if (batch == 0 || !backward_ready) return Error("backward: call forward first");
  int64_t want = (int64_t)batch * out_size();
  if (len != want)
    return Error("backward: dy has " + std::to_string(len) + " values, expected n*" + std::to_string(out_size()) + " = " +
                 std::to_string(want) + " (n = " + std::to_string(batch) + " from the last forward)");
  for (int64_t i = 0; i < len; ++i)
    if (!std::isfinite((double)dy[i])) return Error("backward: dy[" + std::to_string(i) + "] is " + num_str((double)dy[i]));
  run_backward(dy);
  return Status::Ok();
}

template <typename T>
Status Sequential<T>::compute_gradients(const T* x, int64_t xlen, const double* targets, int64_t tlen, int N, double& L) {
  BP_TRY(check_input(x, xlen, N, "computeGradients"));
  BP_TRY(check_targets(targets, tlen, N));
  L = run_compute_gradients(x, targets, N);
  return Status::Ok();
}

template <typename T>
Status Sequential<T>::loss(const T* x, int64_t xlen, const double* targets, int64_t tlen, int N, double& L) {
  BP_TRY(check_input(x, xlen, N, "loss"));
  BP_TRY(check_targets(targets, tlen, N));
  run_forward(x, N);
  L = run_loss(targets, false);
  return Status::Ok();
}

// ---- training ----

template <typename T>
Status Sequential<T>::set_optimizer(const Json& cfg) {
  OptimConfig c;
  BP_TRY(parse_optimizer(cfg, c));
  BP_TRY(mem.resize((double)bytes_needed(std::max(batch, 1), c.slots()),
                    std::string("optimizer (") + optim_name(c.kind) + "): the net with its state"));
  spec.optim = c;
  spec.optimizer = c.to_json();
  opt.cfg = c;
  opt.reset(param_list());
  return Status::Ok();
}

// ---- the divergence watch: every training step (trainStep, fit, applyGradients) passes step() ----
// A non-finite loss, or an update that would leave a non-finite weight or optimizer state, stops
// training: the step is not taken, so the net keeps its last finite weights and optimizer state.
// Checking the update costs a second pass over the optimizer's arithmetic (optimizer.h), no copy.

static std::string diverged(const char* what, int64_t step) {
  return std::string(what) + ": training diverged at step " + std::to_string(step) + ": ";
}
static const char kKept[] =
    "; the step was not taken, the net keeps its weights and optimizer state (try a lower lr, or scale the inputs or targets)";

template <typename T>
Status Sequential<T>::check_loss(double L, const char* what) const {
  if (std::isfinite(L)) return Status::Ok();
  std::string where = " (every layer's output is finite: the targets are too far from it)";
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::vector<T>& a = acts[i + 1];
    for (size_t j = 0; j < a.size(); ++j)
      if (!std::isfinite((double)a[j])) {
        where = " (the first non-finite output: layer " + std::to_string(i) + " (" + layers[i]->type() + ") output[" +
                std::to_string(j) + "] = " + num_str((double)a[j]) + ")";
        i = layers.size() - 1;
        break;
      }
  }
  return Error(diverged(what, opt.t + 1) + "the loss is " + num_str(L) + where + kKept);
}

template <typename T>
Status Sequential<T>::step(const char* what) {
  StepFault f;
  if (opt.checked_step(params_, f)) return Status::Ok();
  size_t layer = 0, k = 0;
  for (; layer < layers.size(); ++layer) {
    if ((int64_t)(k + layers[layer]->params.size()) > f.param) break;
    k += layers[layer]->params.size();
  }
  const Param<T>& p = *params_[f.param];
  const std::string at = "[" + std::to_string(f.index) + "]";
  const std::string value = f.slot < 0 ? p.name + at
                                       : p.name + "'s " + optim_name(opt.cfg.kind) + " state " +
                                             optim_state_name(opt.cfg.kind, f.slot) + at;
  return Error(diverged(what, opt.t + 1) + "layer " + std::to_string(layer) + " (" + layers[layer]->type() + ") " + value +
               " would become " + num_str(f.value) + " (its gradient " + num_str(f.grad) + ", lr " + num_str(opt.lr_at(opt.t + 1)) +
               ")" + kKept);
}

template <typename T>
Status Sequential<T>::run_train_step(const T* x, const double* targets, int N, double& L, const char* what) {
  L = run_compute_gradients(x, targets, N, true);
  BP_TRY(check_loss(L, what));
  return step(what);
}

template <typename T>
Status Sequential<T>::train_step(const T* x, int64_t xlen, const double* targets, int64_t tlen, int N, double& L) {
  BP_TRY(check_input(x, xlen, N, "trainStep"));
  BP_TRY(check_targets(targets, tlen, N));
  return run_train_step(x, targets, N, L, "trainStep");
}

template <typename T>
double Sequential<T>::run_evaluate(const double* targets, int64_t& correct) {
  correct = 0;
  if (spec.loss == LossKind::SoftmaxCrossEntropy) {
    const int K = (int)out_size();
    for (int n = 0; n < batch; ++n) {
      const T* z = output() + (size_t)n * K;
      int best = 0;
      for (int k = 1; k < K; ++k) best = z[k] > z[best] ? k : best;  // first maximum on ties
      correct += best == (int)targets[n];
    }
  }
  return run_loss(targets, false);
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace bp

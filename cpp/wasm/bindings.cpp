// bindings.cpp: Embind glue, nothing else. One class, NetHandle, over bp::Model.
// Every method that can fail returns a string: "" for ok, else the message, which
// web/errors.js turns into a BackpropError. Data crosses as typed-array views of
// C++-owned buffers: JS copies in with .set() and copies out with .slice(). Reports
// (fit, gradient check, trainer position) leave as plain JS objects (value_object).
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cstdlib>

#include "../core/memory.h"
#include "../kernels/kernels.h"
#include "../kernels/peak.h"
#include "../net/model.h"

using emscripten::typed_memory_view;
using emscripten::val;

namespace {

template <typename T>
val view(std::vector<T>& v) {
  return val(typed_memory_view(v.size(), v.data()));
}

// Resizes a staging buffer (memory.h's restage): a view to write into, or over the memory
// budget the message (a string), with nothing allocated.
template <typename T>
val staged(std::vector<T>& v, int len, bp::Reservation& r, int64_t held, const char* what) {
  bp::Status s = bp::restage(v, len, r, held, what);
  return s.ok() ? view(v) : val(s.msg);
}

// A dataset held in the module: JS stages images and labels once, then finish() checks them.
// Its buffers count against the memory budget for as long as it lives.
class DatasetHandle {
 public:
  val stagePixels(int len) { return staged(d.pixels, len, mem_, held(), "dataset: images"); }
  val stageFloats(int len) { return staged(d.floats, len, mem_, held(), "dataset: images"); }
  val stageTargets(int len) { return staged(d.targets, len, mem_, held(), "dataset: labels"); }
  std::string finish(const std::string& shape_json, bool uint8, int classes) { return d.finish_json(shape_json, uint8, classes).msg; }
  double count() const { return (double)d.count(); }
  int targetSize() const { return (int)d.target_size(); }
  // What it holds (views; JS copies them): pixels or float values, and the targets.
  val images() { return d.uint8() ? view(d.pixels) : view(d.floats); }
  val targets() { return view(d.targets); }
  bp::Dataset d;

 private:
  int64_t held() const { return bp::bytes_of(d.pixels) + bp::bytes_of(d.floats) + bp::bytes_of(d.targets); }
  bp::Reservation mem_;
};


#define BP_STATUS(expr)            \
  do {                             \
    bp::Status s_ = (expr);        \
    if (!s_.ok()) return s_.msg;   \
  } while (0)

// Report fields that are not plain numbers, strings or bools: arrays as fresh JS arrays, and
// int64 counts as numbers. Reports only leave C++, so their setters do nothing.
template <typename R, typename V>
void read_only(R&, V) {}
template <typename R, int64_t R::*F>
double number(const R& r) {
  return (double)(r.*F);
}
template <typename C>
val array(const C& items) {
  val a = val::array();
  for (size_t i = 0; i < items.size(); ++i) a.set(i, items[i]);
  return a;
}
val row_shape(const bp::GradCheckRow& r) { return array(r.shape); }
val report_samples(const bp::GradCheckReport& r) { return array(r.samples); }
val report_rows(const bp::GradCheckReport& r) { return array(r.rows); }

class NetHandle {
 public:
  std::string init(const std::string& spec) { return m.init(spec).msg; }
  std::string info() const { return m.info().dump(); }
  bool float64() const { return m.float64(); }

  // Staging: resize a buffer to len and return a view to write into (or, over the memory budget,
  // the message). unstage() frees them all: JS calls it when a call that staged data is refused.
  val stageX(int len) { return m.float64() ? staged(m.x64, len, staging_, held(), "input x") : staged(m.x32, len, staging_, held(), "input x"); }
  val stageDy(int len) { return m.float64() ? staged(m.dy64, len, staging_, held(), "dy") : staged(m.dy32, len, staging_, held(), "dy"); }
  val stageValues(int len) { return m.float64() ? staged(m.v64, len, staging_, held(), "values") : staged(m.v32, len, staging_, held(), "values"); }
  val stageTargets(int len) { return staged(m.targets, len, staging_, held(), "targets"); }
  void unstage() {
    each_staging(m, [](auto& v) { drop(v); });
    staging_.set(0);
  }

  std::string forward(int n) { return m.forward(n).msg; }
  std::string backward() { return m.backward().msg; }
  std::string computeGradients(int n) { return m.compute_gradients(n, loss_).msg; }
  std::string loss(int n) { return m.loss(n, loss_).msg; }
  double lastLoss() const { return loss_; }
  void zeroGrad() { m.zero_grad(); }
  // Gradient checks: the report is read with gradCheckReport().
  std::string gradCheck(int n, double eps, int max_coords, double seed, int stencil, const std::string& bug) {
    bp::GradCheckOptions o;
    BP_STATUS(options(o, eps, max_coords, seed, stencil, bug));
    return m.grad_check(n, o, check_).msg;
  }
  std::string gradCheckDataset(DatasetHandle& ds, int samples, int pool, double eps, int max_coords, double seed, int stencil,
                               const std::string& bug) {
    bp::GradCheckOptions o;
    BP_STATUS(options(o, eps, max_coords, seed, stencil, bug));
    return m.grad_check_dataset(ds.d, samples, pool, o, check_).msg;
  }
  bp::GradCheckReport gradCheckReport() const { return check_; }

  // Views valid until the next call; JS copies them at once.
  val output() {
    return m.visit([](auto& n) { return val(typed_memory_view((size_t)n.batch * n.out_size(), n.output())); });
  }
  val inputGrad() {
    return m.visit([](auto& n) { return val(typed_memory_view((size_t)n.batch * n.in_size(), n.input_grad())); });
  }
  std::string checkParam(int layer, const std::string& name) const { return m.find_param(layer, name).msg; }
  val param(int layer, const std::string& name, bool grad) {  // after checkParam
    return m.visit([&](auto& n) {
      auto* p = n.find_param(layer, name);
      auto& v = grad ? p->grad : p->value;
      return val(typed_memory_view(v.size(), v.data()));
    });
  }
  std::string setParam(int layer, const std::string& name) { return m.set_param(layer, name).msg; }

  // ---- lessons (web/core/trace.js assembles the report from these views) ----
  std::string trace(int n, const std::string& bug) {
    bp::TeachingBug b;
    BP_STATUS(bp::parse_teaching_bug(bug, b, "trace"));
    return m.trace(n, b, loss_, broken_).msg;
  }
  // What the last trace or numericGradient left, as a view: what = 0 acts[i], 1 grads[i] (i = 0
  // the input, i = layer + 1 its output), 2 layer i's arg-max (max-pool; empty for other
  // layers), 3 the numerical gradient: its values, then its kink flags; 4 (a number) the layer
  // the trace's bug sat in.
  val traced(int i, int what) {  // (trace.js asks only for i in range)
    if (what == 3) return view(m.numeric);
    if (what == 4) return val(broken_);
    return m.visit([&](auto& n) {
      using T = std::decay_t<decltype(*n.acts[0].data())>;
      if (what < 2) return view(what ? n.grads[i] : n.acts[i]);
      static std::vector<int> none;
      auto& l = *n.layers[i];
      return view(l.kind == bp::LayerKind::MaxPool2d || l.kind == bp::LayerKind::GlobalMaxPool ? static_cast<bp::Pool2d<T>&>(l).argmax : none);
    });
  }
  std::string numericGradient(int n, int layer, const std::string& tensor, double eps, int stencil) {
    bp::GradCheckOptions o;
    o.eps = eps;
    o.stencil = stencil;
    return m.numeric_gradient(n, layer, tensor, o).msg;
  }

  // Data-parallel replicas (web/parallel.js): gradients on a share, all grads as one buffer.
  std::string paramGradients(int n) { return m.param_gradients(n, loss_).msg; }
  val gradients() {
    m.gather_gradients();
    return m.float64() ? view(m.g64) : view(m.g32);
  }
  std::string setGradients() { return m.set_gradients().msg; }
  std::string applyGradients() { return m.apply_gradients().msg; }
  double paramCount() const { return (double)m.param_count(); }

  // ---- training ----
  std::string setOptimizer(const std::string& cfg) { return m.set_optimizer(cfg).msg; }
  std::string trainStep(int n) { return m.train_step(n, loss_).msg; }
  std::string evaluate(int n) { return m.evaluate(n, loss_, accuracy_).msg; }
  double lastAccuracy() const { return accuracy_; }
  std::string predict(int n) { return m.predict(n).msg; }
  val prediction() { return m.float64() ? view(m.pred64) : view(m.pred32); }
  // k steps; the report is read with fitReport().
  std::string fitSteps(DatasetHandle& ds, int k, int batch_size, bool shuffle, double seed) {
    return m.fit_steps(ds.d, k, bp::FitConfig{batch_size, shuffle, (uint64_t)seed}, fit_).msg;
  }
  bp::FitReport fitReport() const { return fit_; }
  bp::FitPosition fitPosition() const { return m.trainer.position(); }
  // The next batch of the fit with this config; its indices are read with batchIndices().
  std::string nextBatch(DatasetHandle& ds, int batch_size, bool shuffle, double seed) {
    return m.next_batch(ds.d, bp::FitConfig{batch_size, shuffle, (uint64_t)seed}, m.batch_indices).msg;
  }
  val batchIndices() { return view(m.batch_indices); }
  val stageIndices(int len) { return staged(m.indices, len, staging_, held(), "indices"); }
  std::string gradientsAt(DatasetHandle& ds) { return m.gradients_at(ds.d, loss_).msg; }
  // Steps left in the current epoch if a fit with this config continued (a new fit: a whole epoch).
  double stepsToEpochEnd(DatasetHandle& ds, int batch_size, bool shuffle, double seed) {
    bp::FitConfig c{batch_size, shuffle, (uint64_t)seed};
    if (batch_size < 1) return 0;
    if (m.trainer.matches(ds.d, c)) return (double)m.trainer.steps_to_epoch_end();
    return (double)((ds.d.count() + batch_size - 1) / batch_size);
  }
  void resetFit() { m.trainer.reset(); }
  std::string evaluateDataset(DatasetHandle& ds, int batch_size, double limit) {
    return m.evaluate_dataset(ds.d, batch_size, (int64_t)limit, loss_, accuracy_).msg;
  }
  std::string save(bool with_optimizer) { return m.save(with_optimizer, m.bytes).msg; }
  val bytes() { return view(m.bytes); }
  val stageBytes(int len) { return staged(m.bytes, len, staging_, held(), "model file"); }
  std::string load() {
    bp::Status s = m.load(m.bytes.data(), m.bytes.size());
    drop(m.bytes);
    staging_.set(held());
    return s.msg;
  }

 private:
  template <typename T>
  static void drop(std::vector<T>& v) { std::vector<T>().swap(v); }
  // f(buffer) for each staging buffer JS writes into (save() also writes `bytes`).
  template <typename Model, typename F>
  static void each_staging(Model& m, F f) {
    f(m.x32), f(m.x64), f(m.dy32), f(m.dy64), f(m.v32), f(m.v64), f(m.targets), f(m.indices), f(m.bytes);
  }
  // The bytes they hold (`bytes` after a save: counted from the next stage on).
  int64_t held() const {
    int64_t n = 0;
    each_staging(m, [&](const auto& v) { n += bp::bytes_of(v); });
    return n;
  }
  bp::Reservation staging_;
  static bp::Status options(bp::GradCheckOptions& o, double eps, int max_coords, double seed, int stencil, const std::string& bug) {
    o.eps = eps;
    o.max_coords = max_coords;
    o.seed = (uint64_t)seed;
    o.stencil = stencil;
    return bp::parse_teaching_bug(bug, o.bug);
  }
  bp::Model m;
  double loss_ = 0, accuracy_ = 0;
  int broken_ = -1;
  bp::GradCheckReport check_;
  bp::FitReport fit_;
};

size_t heap_in_use() { return mallinfo().uordblks; }
void set_reference_kernels(bool on) { bp::kernel_flags().reference = on; }
void set_winograd(bool on) { bp::kernel_flags().winograd = on; }
double max_values() { return (double)bp::kMaxValues; }
// The memory budget (memory.h): { inUse, budget } in bytes, and a lower budget ("" or the message).
val memory_use() {
  val o = val::object();
  o.set("inUse", (double)bp::memory().in_use);
  o.set("budget", (double)bp::memory().budget);
  return o;
}
std::string set_memory_budget(double bytes) { return bp::set_budget(bytes).msg; }
// Aborts the module as a bug would (tests of the JS side's recovery).
void simulate_abort() { abort(); }

}  // namespace

EMSCRIPTEN_BINDINGS(backprop) {
  using bp::FitPosition, bp::FitReport, bp::GradCheckReport, bp::GradCheckRow;
  emscripten::value_object<GradCheckRow>("GradCheckRow")
      .field("layer", &GradCheckRow::layer)
      .field("name", &GradCheckRow::name)
      .field("shape", &row_shape, &read_only<GradCheckRow, val>)
      .field("maxAbsError", &GradCheckRow::max_abs_error)
      .field("maxRelError", &GradCheckRow::max_rel_error)
      .field("checked", &GradCheckRow::checked)
      .field("kinks", &GradCheckRow::kinks)
      .field("passed", &GradCheckRow::passed);
  emscripten::value_object<GradCheckReport>("GradCheckReport")
      .field("samples", &report_samples, &read_only<GradCheckReport, val>)
      .field("brokenLayer", &GradCheckReport::broken_layer)
      .field("bug", &GradCheckReport::bug)
      .field("loss", &GradCheckReport::loss)
      .field("rows", &report_rows, &read_only<GradCheckReport, val>);
  emscripten::value_object<FitReport>("FitReport")
      .field("steps", &FitReport::steps)
      .field("lossSum", &FitReport::loss_sum)
      .field("lastLoss", &FitReport::last_loss)
      .field("samples", &number<FitReport, &FitReport::samples>, &read_only<FitReport, double>)
      .field("totalSteps", &number<FitReport, &FitReport::total_steps>, &read_only<FitReport, double>)
      .field("epoch", &number<FitReport, &FitReport::epoch>, &read_only<FitReport, double>)
      .field("position", &number<FitReport, &FitReport::position>, &read_only<FitReport, double>);
  emscripten::value_object<FitPosition>("FitPosition")
      .field("totalSteps", &number<FitPosition, &FitPosition::total_steps>, &read_only<FitPosition, double>)
      .field("epoch", &number<FitPosition, &FitPosition::epoch>, &read_only<FitPosition, double>)
      .field("position", &number<FitPosition, &FitPosition::position>, &read_only<FitPosition, double>);
  emscripten::class_<NetHandle>("NetHandle")
      .constructor<>()
      .function("init", &NetHandle::init)
      .function("info", &NetHandle::info)
      .function("float64", &NetHandle::float64)
      .function("stageX", &NetHandle::stageX)
      .function("stageDy", &NetHandle::stageDy)
      .function("stageValues", &NetHandle::stageValues)
      .function("stageTargets", &NetHandle::stageTargets)
      .function("forward", &NetHandle::forward)
      .function("backward", &NetHandle::backward)
      .function("computeGradients", &NetHandle::computeGradients)
      .function("loss", &NetHandle::loss)
      .function("lastLoss", &NetHandle::lastLoss)
      .function("zeroGrad", &NetHandle::zeroGrad)
      .function("gradCheck", &NetHandle::gradCheck)
      .function("gradCheckDataset", &NetHandle::gradCheckDataset)
      .function("gradCheckReport", &NetHandle::gradCheckReport)
      .function("output", &NetHandle::output)
      .function("inputGrad", &NetHandle::inputGrad)
      .function("checkParam", &NetHandle::checkParam)
      .function("param", &NetHandle::param)
      .function("setParam", &NetHandle::setParam)
      .function("trace", &NetHandle::trace)
      .function("traced", &NetHandle::traced)
      .function("numericGradient", &NetHandle::numericGradient)
      .function("setOptimizer", &NetHandle::setOptimizer)
      .function("trainStep", &NetHandle::trainStep)
      .function("evaluate", &NetHandle::evaluate)
      .function("lastAccuracy", &NetHandle::lastAccuracy)
      .function("predict", &NetHandle::predict)
      .function("prediction", &NetHandle::prediction)
      .function("fitSteps", &NetHandle::fitSteps)
      .function("fitReport", &NetHandle::fitReport)
      .function("fitPosition", &NetHandle::fitPosition)
      .function("nextBatch", &NetHandle::nextBatch)
      .function("batchIndices", &NetHandle::batchIndices)
      .function("stageIndices", &NetHandle::stageIndices)
      .function("gradientsAt", &NetHandle::gradientsAt)
      .function("stepsToEpochEnd", &NetHandle::stepsToEpochEnd)
      .function("resetFit", &NetHandle::resetFit)
      .function("evaluateDataset", &NetHandle::evaluateDataset)
      .function("save", &NetHandle::save)
      .function("bytes", &NetHandle::bytes)
      .function("stageBytes", &NetHandle::stageBytes)
      .function("unstage", &NetHandle::unstage)
      .function("load", &NetHandle::load)
      .function("paramGradients", &NetHandle::paramGradients)
      .function("gradients", &NetHandle::gradients)
      .function("setGradients", &NetHandle::setGradients)
      .function("applyGradients", &NetHandle::applyGradients)
      .function("paramCount", &NetHandle::paramCount);
  emscripten::class_<DatasetHandle>("DatasetHandle")
      .constructor<>()
      .function("stagePixels", &DatasetHandle::stagePixels)
      .function("stageFloats", &DatasetHandle::stageFloats)
      .function("stageTargets", &DatasetHandle::stageTargets)
      .function("finish", &DatasetHandle::finish)
      .function("count", &DatasetHandle::count)
      .function("targetSize", &DatasetHandle::targetSize)
      .function("images", &DatasetHandle::images)
      .function("targets", &DatasetHandle::targets);
  emscripten::function("heapInUse", &heap_in_use);
  // Speed (kernels/): the micro-kernel's GFLOP/s over ~ms milliseconds, and the switch
  // between the fast kernels and the reference loops (for the benchmark and the tests).
  emscripten::function("peakGflops", &bp::peak_gflops);
  emscripten::function("setReferenceKernels", &set_reference_kernels);
  emscripten::function("setWinograd", &set_winograd);  // Winograd conv forward on/off
  emscripten::function("maxValues", &max_values);
  emscripten::function("memory", &memory_use);
  emscripten::function("setMemoryBudget", &set_memory_budget);
  emscripten::function("simulateAbort", &simulate_abort);
}

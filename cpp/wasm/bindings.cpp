// bindings.cpp: Embind glue, nothing else. One class, NetHandle, over bp::Model.
// Every method that can fail returns a string: "" for ok, else the message, which
// web/errors.js turns into a BackpropError. Data crosses as typed-array views of
// C++-owned buffers: JS copies in with .set() and copies out with .slice().
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include "../net/model.h"

using emscripten::typed_memory_view;
using emscripten::val;

namespace {

template <typename T>
val view(std::vector<T>& v) {
  return val(typed_memory_view(v.size(), v.data()));
}

class NetHandle {
 public:
  std::string init(const std::string& spec) { return m.init(spec).msg; }
  std::string info() const { return m.info().dump(); }
  bool float64() const { return m.float64(); }

  // Staging: resize a buffer to len and return a view to write into.
  val stageX(int len) { return m.float64() ? view(resize(m.x64, len)) : view(resize(m.x32, len)); }
  val stageDy(int len) { return m.float64() ? view(resize(m.dy64, len)) : view(resize(m.dy32, len)); }
  val stageValues(int len) { return m.float64() ? view(resize(m.v64, len)) : view(resize(m.v32, len)); }
  val stageTargets(int len) { return view(resize(m.targets, len)); }

  std::string forward(int n) { return m.forward(n).msg; }
  std::string backward() { return m.backward().msg; }
  std::string computeGradients(int n) { return m.compute_gradients(n, loss_).msg; }
  std::string loss(int n) { return m.loss(n, loss_).msg; }
  double lastLoss() const { return loss_; }
  void zeroGrad() { m.zero_grad(); }
  std::string gradCheck(int n, double eps, int max_coords, double seed, int stencil, const std::string& bug) {
    bp::GradCheckOptions o;
    bp::Status b = bp::parse_teaching_bug(bug, o.bug);
    if (!b.ok()) return b.msg;
    o.stencil = stencil;
    o.eps = eps;
    o.max_coords = max_coords;
    o.seed = (uint64_t)seed;
    std::vector<bp::GradCheckRow> rows;
    bp::Status s = m.grad_check(n, o, rows);
    result_ = s.ok() ? bp::grad_check_json(rows) : "";
    return s.msg;
  }
  std::string result() const { return result_; }

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

 private:
  template <typename T>
  static std::vector<T>& resize(std::vector<T>& v, int len) {
    v.assign(len < 0 ? 0 : (size_t)len, T(0));
    return v;
  }
  bp::Model m;
  double loss_ = 0;
  std::string result_;
};

size_t heap_in_use() { return mallinfo().uordblks; }

}  // namespace

EMSCRIPTEN_BINDINGS(backprop) {
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
      .function("result", &NetHandle::result)
      .function("output", &NetHandle::output)
      .function("inputGrad", &NetHandle::inputGrad)
      .function("checkParam", &NetHandle::checkParam)
      .function("param", &NetHandle::param)
      .function("setParam", &NetHandle::setParam);
  emscripten::function("heapInUse", &heap_in_use);
}

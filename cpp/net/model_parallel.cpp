// model_parallel.cpp: what a data-parallel replica needs (see model.h and web/parallel.js).
//   full-batch gradient  g = Σ_k (n_k / N) · g_k     g_k = dL_k/dθ on share k (a mean over n_k)
// Every replica then runs the same optimizer step on the same g.
#include "model.h"

namespace bp {

Status Model::param_gradients(int n, double& L) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    BP_TRY(net.check_input(x.data(), (int64_t)x.size(), n, "paramGradients"));
    BP_TRY(net.check_targets(targets.data(), (int64_t)targets.size(), n));
    L = net.run_compute_gradients(x.data(), targets.data(), n, true);
    return Status::Ok();
  });
}

int64_t Model::param_count() const {
  return visit([](auto& net) { return net.param_count(); });
}

void Model::gather_gradients() {
  visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& g = pick<T>(g32, g64);
    g.clear();
    for (auto* p : net.param_list()) g.insert(g.end(), p->grad.begin(), p->grad.end());
    return 0;
  });
}

Status Model::set_gradients() {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& v = pick<T>(v32, v64);
    if ((int64_t)v.size() != param_count())
      return Error("setGradients: expected " + std::to_string(param_count()) + " values (all parameters, layer order), got " +
                   std::to_string(v.size()));
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite((double)v[i])) return Error("setGradients: value " + std::to_string(i) + " is " + num_str((double)v[i]));
    const T* src = v.data();
    for (auto* p : net.param_list()) {
      std::copy(src, src + p->grad.size(), p->grad.begin());
      src += p->grad.size();
    }
    return Status::Ok();
  });
}

Status Model::apply_gradients() {
  return visit([](auto& net) { return net.step("applyGradients"); });
}

}  // namespace bp

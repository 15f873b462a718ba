#include "model.h"

#include <algorithm>
#include <cmath>

namespace bp {

namespace {
Json shape_json(const Shape& s) {
  Json a = Json::array();
  for (int d : s) a.push(d);
  return a;
}
}  // namespace

Status Model::init(const std::string& spec_json) {
  Json spec;
  Status s = Json::parse(spec_json, spec);
  if (!s.ok()) return Error("spec: " + s.msg);
  return init(spec);
}

Status Model::init(const Json& spec) {
  NetSpec ns;
  Json raw;
  BP_TRY(parse_net_spec(spec, ns, raw));
  // Build into temporaries so a bad spec leaves a working model untouched.
  if (ns.float64) {
    std::unique_ptr<Sequential<double>> n;
    BP_TRY(Sequential<double>::build(spec, n));
    f64 = std::move(n);
    f32.reset();
  } else {
    std::unique_ptr<Sequential<float>> n;
    BP_TRY(Sequential<float>::build(spec, n));
    f32 = std::move(n);
    f64.reset();
  }
  return Status::Ok();
}

Json Model::info() const {
  return visit([](auto& n) {
    Json j = Json::object();
    j.set("input", shape_json(n.spec.input));
    j.set("output", shape_json(n.output_shape()));
    Json params = Json::array(), layers = Json::array();
    for (size_t i = 0; i < n.layers.size(); ++i) {
      Json l = n.layers[i]->config;
      l.set("inputShape", shape_json(n.layers[i]->in_shape));
      l.set("outputShape", shape_json(n.layers[i]->out_shape));
      layers.push(l);
      for (auto& p : n.layers[i]->params) {
        Json pj = Json::object();
        pj.set("layer", (int)i);
        pj.set("name", p.name);
        pj.set("shape", shape_json(p.shape));
        params.push(pj);
      }
    }
    j.set("params", params);
    j.set("layers", layers);
    j.set("spec", n.spec.to_json());
    return j;
  });
}

Status Model::forward(int n) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    return net.forward(x.data(), (int64_t)x.size(), n);
  });
}

Status Model::backward() {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& dy = pick<T>(dy32, dy64);
    return net.backward(dy.data(), (int64_t)dy.size());
  });
}

Status Model::compute_gradients(int n, double& L) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    return net.compute_gradients(x.data(), (int64_t)x.size(), targets.data(), (int64_t)targets.size(), n, L);
  });
}

Status Model::loss(int n, double& L) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    return net.loss(x.data(), (int64_t)x.size(), targets.data(), (int64_t)targets.size(), n, L);
  });
}

Status Model::float64_twin(std::unique_ptr<Sequential<double>>& out) const {
  return visit([&](auto& net) {
    Json spec = net.spec.to_json();
    spec.set("dtype", "float64");
    BP_TRY(Sequential<double>::build(spec, out));
    for (size_t i = 0; i < net.layers.size(); ++i)
      for (size_t k = 0; k < net.layers[i]->params.size(); ++k) {
        auto& src = net.layers[i]->params[k].value;
        auto& dst = out->layers[i]->params[k].value;
        for (size_t j = 0; j < src.size(); ++j) dst[j] = (double)src[j];
      }
    return Status::Ok();
  });
}

namespace {
Status check_options(const GradCheckOptions& opt, const std::string& what) {
  if (!(opt.eps > 0 && opt.eps < 1)) return Error(what + ": eps must be in (0, 1), got " + num_str(opt.eps));
  if (opt.stencil != 2 && opt.stencil != 4) return Error(what + ": stencil must be 2 or 4, got " + std::to_string(opt.stencil));
  if (opt.max_coords < 1) return Error(what + ": maxCoords must be >= 1, got " + std::to_string(opt.max_coords));
  return Status::Ok();
}

// The check proper, on the float64 twin (x: n samples, validated here).
Status check_on(Sequential<double>& twin, const std::vector<double>& x, const std::vector<double>& t, int n,
                const GradCheckOptions& opt, const char* what, GradCheckReport& out) {
  BP_TRY(twin.check_input(x.data(), (int64_t)x.size(), n, what));
  BP_TRY(twin.check_targets(t.data(), (int64_t)t.size(), n));
  BP_TRY(teaching_bug_layer(twin.spec, opt.bug, out.broken_layer));
  out.bug = teaching_bug_name(opt.bug);
  out.rows = grad_check(twin, x.data(), t.data(), n, opt, &out.loss);
  return Status::Ok();
}
}  // namespace

std::vector<double> Model::staged_x() const {
  std::vector<double> x(x32.size() + x64.size());
  if (f32) std::copy(x32.begin(), x32.end(), x.begin());
  else x = x64;
  return x;
}

Status Model::grad_check(int n, const GradCheckOptions& opt, GradCheckReport& out) {
  BP_TRY(check_options(opt, "gradCheck"));
  std::unique_ptr<Sequential<double>> twin;
  BP_TRY(float64_twin(twin));
  out = GradCheckReport();
  return check_on(*twin, staged_x(), targets, n, opt, "gradCheck", out);
}

Status Model::trace(int n, TeachingBug bug, double& L, int& broken) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    BP_TRY(net.check_input(x.data(), (int64_t)x.size(), n, "trace"));
    BP_TRY(net.check_targets(targets.data(), (int64_t)targets.size(), n));
    BP_TRY(teaching_bug_layer(net.spec, bug, broken, "trace"));
    L = bug == TeachingBug::None ? net.run_compute_gradients(x.data(), targets.data(), n)
                                 : run_compute_gradients_with_bug(net, x.data(), targets.data(), n, bug);
    return Status::Ok();
  });
}

Status Model::numeric_gradient(int n, int layer, const std::string& tensor, const GradCheckOptions& opt) {
  const std::string w = "numericGradient";
  BP_TRY(check_options(opt, w));
  // (web/core/backprop.js checks layer and tensor first, with the messages a user reads)
  const int L = (int)visit([](auto& net) { return net.layers.size(); });
  if (layer < 0 || layer > L || (tensor != "input" && (layer == L || !find_param(layer, tensor).ok())))
    return Error("numericGradient: no such tensor");
  std::unique_ptr<Sequential<double>> twin;
  BP_TRY(float64_twin(twin));
  const std::vector<double> x = staged_x();
  BP_TRY(twin->check_input(x.data(), (int64_t)x.size(), n, "numericGradient"));
  BP_TRY(twin->check_targets(targets.data(), (int64_t)targets.size(), n));
  bp::numeric_gradient(*twin, x.data(), targets.data(), n, layer, tensor, opt, numeric);
  return Status::Ok();
}

Status Model::grad_check_dataset(const Dataset& ds, int samples, int pool, const GradCheckOptions& opt, GradCheckReport& out) {
  const std::string w = "gradCheckDataset";
  BP_TRY(check_options(opt, w));
  BP_TRY(check_dataset(ds, "gradCheckDataset"));
  if (samples < 1) return Error(w + ": samples must be >= 1, got " + std::to_string(samples));
  if (pool < 1) return Error(w + ": pool must be >= 1, got " + std::to_string(pool));
  const int P = (int)std::min<int64_t>(pool, ds.count());
  if (samples > P)
    return Error(w + ": samples " + std::to_string(samples) + " is more than the pool of " + std::to_string(P) + " (pool " +
                 std::to_string(pool) + ", dataset count " + std::to_string(ds.count()) + ")");
  BP_TRY(batch_fits(*this, P, "gradCheckDataset", "pool", pool));
  std::unique_ptr<Sequential<double>> twin;
  BP_TRY(float64_twin(twin));
  // The pool: P distinct indices in [0, count) (Floyd's sampling: for j = count−P .. count−1,
  // draw t in [0, j]; take t, or j if t is taken already).
  Rng rng(opt.seed);
  std::vector<uint32_t> cand;
  for (int64_t j = ds.count() - P; j < ds.count(); ++j) {
    uint32_t t = rng.below((uint32_t)(j + 1));
    cand.push_back(std::find(cand.begin(), cand.end(), t) == cand.end() ? t : (uint32_t)j);
  }
  // Each one's loss, from a forward in inference; then the `samples` highest, one at a time
  // (ties: the lower index; a NaN loss counts as the lowest).
  std::vector<double> x((size_t)P * ds.sample_size()), t((size_t)P * ds.target_size()), loss(P);
  ds.gather(x.data(), t.data(), cand.data(), P);
  twin->run_infer(x.data(), P);
  twin->run_sample_losses(t.data(), loss.data());
  for (double& l : loss) l = std::isnan(l) ? -INFINITY : l;
  out = GradCheckReport();
  for (int s = 0; s < samples; ++s) {
    int best = -1;
    for (int i = 0; i < P; ++i)
      if (cand[i] != UINT32_MAX && (best < 0 || loss[i] > loss[best] || (loss[i] == loss[best] && cand[i] < cand[best]))) best = i;
    out.samples.push_back(cand[best]);
    cand[best] = UINT32_MAX;
  }
  x.resize((size_t)samples * ds.sample_size());
  t.resize((size_t)samples * ds.target_size());
  ds.gather(x.data(), t.data(), out.samples.data(), samples);
  return check_on(*twin, x, t, samples, opt, "gradCheckDataset", out);
}

Status Model::find_param(int layer, const std::string& name) const {
  return visit([&](auto& net) {
    if (layer < 0 || layer >= (int)net.layers.size())
      return Error("param: layer " + std::to_string(layer) + " does not exist (the net has " + std::to_string(net.layers.size()) +
                   " layers, 0.." + std::to_string((int)net.layers.size() - 1) + ")");
    std::string names;
    for (auto& p : net.layers[layer]->params) {
      if (p.name == name) return Status::Ok();
      names += (names.empty() ? "" : ", ") + p.name;
    }
    return Error("param: layer " + std::to_string(layer) + " (" + net.layers[layer]->type() + ") has no parameter '" + name +
                 "' (" + (names.empty() ? std::string("it has none") : "it has: " + names) + ")");
  });
}

Status Model::set_param(int layer, const std::string& name) {
  BP_TRY(find_param(layer, name));
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& v = pick<T>(v32, v64);
    auto* p = net.find_param(layer, name);
    if (v.size() != p->value.size())
      return Error("setParam: layer " + std::to_string(layer) + " " + name + " " + shape_str(p->shape) + " needs " +
                   std::to_string(p->value.size()) + " values, got " + std::to_string(v.size()));
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite((double)v[i]))
        return Error("setParam: layer " + std::to_string(layer) + " " + name + "[" + std::to_string(i) + "] is " + num_str((double)v[i]));
    std::copy(v.begin(), v.end(), p->value.begin());
    return Status::Ok();
  });
}

}  // namespace bp

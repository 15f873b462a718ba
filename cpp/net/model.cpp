#include "model.h"

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

Status Model::grad_check(int n, const GradCheckOptions& opt, std::vector<GradCheckRow>& rows) {
  if (!(opt.eps > 0 && opt.eps < 1)) return Error("gradCheck: eps must be in (0, 1), got " + num_str(opt.eps));
  if (opt.stencil != 2 && opt.stencil != 4) return Error("gradCheck: stencil must be 2 or 4, got " + std::to_string(opt.stencil));
  if (opt.max_coords < 1) return Error("gradCheck: maxCoords must be >= 1, got " + std::to_string(opt.max_coords));
  std::unique_ptr<Sequential<double>> twin;
  BP_TRY(float64_twin(twin));
  std::vector<double> x(x32.size() + x64.size());
  if (f32) std::copy(x32.begin(), x32.end(), x.begin());
  else x = x64;
  BP_TRY(twin->check_input(x.data(), (int64_t)x.size(), n, "gradCheck"));
  BP_TRY(twin->check_targets(targets.data(), (int64_t)targets.size(), n));
  int broken;
  BP_TRY(teaching_bug_layer(*twin, opt.bug, broken));
  rows = bp::grad_check(*twin, x.data(), targets.data(), n, opt);
  return Status::Ok();
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

std::string grad_check_json(const std::vector<GradCheckRow>& rows) {
  Json a = Json::array();
  for (auto& r : rows) {
    Json j = Json::object();
    j.set("layer", r.layer);
    j.set("name", r.name);
    j.set("shape", shape_json(r.shape));
    j.set("maxAbsError", r.max_abs_error);
    j.set("maxRelError", r.max_rel_error);
    j.set("checked", r.checked);
    j.set("kinks", r.kinks);
    j.set("passed", r.passed);
    a.push(j);
  }
  return a.dump();
}

}  // namespace bp

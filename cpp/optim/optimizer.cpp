#include "optimizer.h"

namespace bp {

namespace {
struct OptimRow {
  OptimKind kind;
  const char* name;
  const char* options;  // what this type takes besides type, lr, decay
  const char* state[2];  // its state tensors, by torch.optim's names (the second may be absent)
};
const OptimRow kOptims[] = {
    {OptimKind::Sgd, "sgd", "momentum, nesterov, weightDecay", {"momentum_buffer"}},
    {OptimKind::Adagrad, "adagrad", "eps", {"sum"}},
    {OptimKind::Rmsprop, "rmsprop", "alpha, eps, momentum", {"square_avg", "momentum_buffer"}},
    {OptimKind::Adadelta, "adadelta", "rho, eps", {"square_avg", "acc_delta"}},
    {OptimKind::Adam, "adam", "beta1, beta2, eps, weightDecay, biasCorrection", {"exp_avg", "exp_avg_sq"}},
};

// Reads one optimizer option, checks it once, remembers which keys were read.
struct Reader {
  const Json& spec;
  std::string who;
  std::vector<std::string> used;
  Status error(const std::string& m) const { return Error(who + ": " + m); }
  // A number in [lo, hi] (hi_open: [lo, hi)); lo_open: (lo, ...].
  Status number(const char* key, double dflt, double lo, double hi, bool lo_open, bool hi_open, double& out) {
    used.push_back(key);
    const Json* v = spec.find(key);
    if (!v) { out = dflt; return Status::Ok(); }
    if (!v->is_number() || !std::isfinite(v->num())) return error(std::string(key) + " must be a finite number, got " + v->brief());
    double x = v->num();
    bool bad = lo_open ? !(x > lo) : !(x >= lo);
    bad |= hi_open ? !(x < hi) : !(x <= hi);
    if (bad) {
      std::string range = std::isinf(hi) ? (lo_open ? std::string("> ") : std::string(">= ")) + num_str(lo)
                                         : std::string("in ") + (lo_open ? "(" : "[") + num_str(lo) + ", " + num_str(hi) + (hi_open ? ")" : "]");
      return error(std::string(key) + " must be " + range + ", got " + v->brief());
    }
    out = x;
    return Status::Ok();
  }
  Status boolean(const char* key, bool dflt, bool& out) {
    used.push_back(key);
    const Json* v = spec.find(key);
    if (!v) { out = dflt; return Status::Ok(); }
    if (!v->is_bool()) return error(std::string(key) + " must be true or false, got " + v->brief());
    out = v->boolean();
    return Status::Ok();
  }
  Status finish() const {
    for (auto& kv : spec.members()) {
      if (kv.first == "type") continue;
      bool known = false;
      for (auto& u : used) known |= u == kv.first;
      if (!known) {
        std::string list;
        for (auto& u : used) list += (list.empty() ? "" : ", ") + u;
        return error("unknown option '" + kv.first + "' (it takes: " + list + ")");
      }
    }
    return Status::Ok();
  }
};
const double kInf = INFINITY;
}  // namespace

const char* optim_name(OptimKind k) {
  for (auto& r : kOptims)
    if (r.kind == k) return r.name;
  return "?";
}

const char* optim_state_name(OptimKind k, int slot) {
  for (auto& r : kOptims)
    if (r.kind == k) return r.state[slot];
  return nullptr;
}

int OptimConfig::slots() const { return optim_state_name(kind, 1) ? 2 : 1; }

Json OptimConfig::to_json() const {
  Json j = Json::object();
  j.set("type", optim_name(kind));
  j.set("lr", lr);
  switch (kind) {
    case OptimKind::Sgd:
      j.set("momentum", momentum);
      j.set("nesterov", nesterov);
      j.set("weightDecay", weight_decay);
      break;
    case OptimKind::Adagrad:
      j.set("eps", eps);
      break;
    case OptimKind::Rmsprop:
      j.set("alpha", alpha);
      j.set("eps", eps);
      j.set("momentum", momentum);
      break;
    case OptimKind::Adadelta:
      j.set("rho", rho);
      j.set("eps", eps);
      break;
    case OptimKind::Adam:
      j.set("beta1", beta1);
      j.set("beta2", beta2);
      j.set("eps", eps);
      j.set("weightDecay", weight_decay);
      j.set("biasCorrection", bias_correction);
      break;
  }
  j.set("decay", decay);
  if (decay_steps > 0) j.set("decaySteps", decay_steps);  // only when set: older files and tests stay as they were
  return j;
}

Status parse_optimizer(const Json& spec, OptimConfig& out) {
  OptimConfig c;
  if (spec.is_null()) {
    out = c;
    return Status::Ok();
  }
  if (!spec.is_object()) return Error("optimizer: must be an object like {\"type\":\"adam\",\"lr\":0.001}, got " + spec.brief());
  const Json* t = spec.find("type");
  std::string names;
  for (auto& r : kOptims) names += (names.empty() ? "" : ", ") + std::string(r.name);
  if (!t || !t->is_string()) return Error("optimizer: needs a \"type\" string (known: " + names + "), got " + (t ? t->brief() : std::string("none")));
  const OptimRow* row = nullptr;
  for (auto& r : kOptims)
    if (t->str() == r.name) row = &r;
  if (!row) return Error("optimizer: unknown type '" + t->str() + "' (known: " + names + ")");
  c.kind = row->kind;
  Reader r{spec, std::string("optimizer (") + row->name + ")", {}};
  static const double kDefaultLr[] = {0.01, 0.01, 0.01, 1.0, 1e-3};
  BP_TRY(r.number("lr", kDefaultLr[(int)c.kind], 0, 10, true, false, c.lr));
  switch (c.kind) {
    case OptimKind::Sgd:
      BP_TRY(r.number("momentum", 0, 0, 1, false, true, c.momentum));
      BP_TRY(r.boolean("nesterov", false, c.nesterov));
      BP_TRY(r.number("weightDecay", 0, 0, 1, false, false, c.weight_decay));
      if (c.nesterov && c.momentum == 0) return r.error("nesterov needs momentum > 0, got momentum 0");
      break;
    case OptimKind::Adagrad:
      BP_TRY(r.number("eps", 1e-10, 0, 1, true, false, c.eps));
      break;
    case OptimKind::Rmsprop:
      BP_TRY(r.number("alpha", 0.99, 0, 1, false, true, c.alpha));
      BP_TRY(r.number("eps", 1e-8, 0, 1, true, false, c.eps));
      BP_TRY(r.number("momentum", 0, 0, 1, false, true, c.momentum));
      break;
    case OptimKind::Adadelta:
      BP_TRY(r.number("rho", 0.9, 0, 1, false, true, c.rho));
      BP_TRY(r.number("eps", 1e-6, 0, 1, true, false, c.eps));
      break;
    case OptimKind::Adam:
      BP_TRY(r.number("beta1", 0.9, 0, 1, false, true, c.beta1));
      BP_TRY(r.number("beta2", 0.999, 0, 1, false, true, c.beta2));
      BP_TRY(r.number("eps", 1e-8, 0, 1, true, false, c.eps));
      BP_TRY(r.number("weightDecay", 0, 0, 1, false, false, c.weight_decay));
      BP_TRY(r.boolean("biasCorrection", true, c.bias_correction));
      break;
  }
  BP_TRY(r.number("decay", 0, 0, kInf, false, false, c.decay));
  BP_TRY(r.number("decaySteps", 0, 0, 1e9, false, false, c.decay_steps));
  if (c.decay_steps != std::floor(c.decay_steps)) return r.error("decaySteps must be a whole number of steps, got " + Json(c.decay_steps).dump());
  BP_TRY(r.finish());
  out = c;
  return Status::Ok();
}

}  // namespace bp

// model_train.cpp: the training half of Model: optimizer steps on staged batches, predict,
// and fit/evaluate over a Dataset held in the module (k steps per call, no copies from JS).
#include <cmath>

#include "model.h"

namespace bp {

Status Model::set_optimizer(const std::string& cfg_json) {
  Json cfg;
  Status s = Json::parse(cfg_json, cfg);
  if (!s.ok()) return Error("optimizer: " + s.msg);
  return visit([&](auto& net) { return net.set_optimizer(cfg); });
}

Status Model::train_step(int n, double& L) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    return net.train_step(x.data(), (int64_t)x.size(), targets.data(), (int64_t)targets.size(), n, L);
  });
}

Status Model::evaluate(int n, double& L, double& accuracy) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    BP_TRY(net.check_input(x.data(), (int64_t)x.size(), n, "evaluate"));
    BP_TRY(net.check_targets(targets.data(), (int64_t)targets.size(), n));
    net.run_infer(x.data(), n);
    int64_t correct = 0;
    L = net.run_evaluate(targets.data(), correct);
    accuracy = net.spec.loss == LossKind::SoftmaxCrossEntropy ? (double)correct / n : NAN;
    return Status::Ok();
  });
}

// Cross-entropy nets: p[n,k] = exp(z[n,k] − m_n) / Σ_j exp(z[n,j] − m_n) (loss.h's softmax).
Status Model::predict(int n) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(x32, x64);
    BP_TRY(net.check_input(x.data(), (int64_t)x.size(), n, "predict"));
    net.run_infer(x.data(), n);
    const int K = (int)net.out_size();
    auto& p = pick<T>(pred32, pred64);
    p.assign(net.output(), net.output() + (size_t)n * K);
    if (net.spec.loss == LossKind::SoftmaxCrossEntropy)
      for (int i = 0; i < n; ++i) {
        T* z = p.data() + (size_t)i * K;
        T m = z[0];
        for (int k = 1; k < K; ++k) m = z[k] > m ? z[k] : m;
        double sum = 0;
        for (int k = 0; k < K; ++k) sum += std::exp((double)(z[k] - m));
        for (int k = 0; k < K; ++k) z[k] = (T)(std::exp((double)(z[k] - m)) / sum);
      }
    return Status::Ok();
  });
}

Status Model::check_dataset(const Dataset& ds, const char* what) const {
  const std::string w = what;
  if (!ds.ready()) return Error(w + ": the dataset is empty or was disposed");
  return visit([&](auto& net) {
    // A net of [C,H,W] takes exactly that shape; a flat [features] net any shape of as many values.
    if (ds.sample_size() != net.in_size() || (net.spec.input.size() == 3 && ds.shape() != net.spec.input))
      return Error(w + ": dataset samples are " + shape_str(ds.shape()) + " but the net takes " + shape_str(net.spec.input));
    if (net.spec.loss == LossKind::SoftmaxCrossEntropy) {
      const int64_t K = net.out_size();
      if (ds.target_size() != 1)
        return Error(w + ": a softmax_cross_entropy net needs one label per sample, the dataset has " +
                     std::to_string(ds.target_size()) + " targets per sample");
      if (!ds.integer_labels()) return Error(w + ": labels must be non-negative integers (class indices)");
      if (ds.max_target() >= K)
        return Error(w + ": label " + num_str(ds.max_target()) + " is not a class in [0, " + std::to_string(K) + ")");
    } else if (ds.target_size() != net.out_size()) {
      return Error(w + ": an mse net with " + std::to_string(net.out_size()) + " outputs needs " + std::to_string(net.out_size()) +
                   " targets per sample, the dataset has " + std::to_string(ds.target_size()));
    }
    return Status::Ok();
  });
}

// (e.g. evaluate with batchSize 10000 on a conv net)
Status batch_fits(const Model& m, int64_t n, const char* what, const char* name, int64_t value) {
  int64_t need = m.visit([&](auto& net) { return net.values_needed((int)n); });
  if (need <= kMaxValues)
    return m.visit([&](auto& net) {
      return net.mem.fits((double)net.bytes_needed((int)n, net.opt.cfg.slots()), [&] {
        return std::string(what) + ": " + name + " " + std::to_string(value) + " (parameters, gradients, optimizer state, activations)";
      });
    });
  return Error(std::string(what) + ": " + name + " " + std::to_string(value) + " needs " + std::to_string(need) +
               " values (parameters, activations and their gradients), more than the limit of " + std::to_string(kMaxValues) +
               "; use a smaller " + name);
}

Status Model::fit_steps(const Dataset& ds, int k, const FitConfig& cfg, FitReport& out) {
  if (cfg.batch_size < 1) return Error("fit: batchSize must be >= 1, got " + std::to_string(cfg.batch_size));
  if (k < 1) return Error("fit: steps must be >= 1, got " + std::to_string(k));
  BP_TRY(check_dataset(ds, "fit"));
  BP_TRY(batch_fits(*this, std::min<int64_t>(cfg.batch_size, ds.count()), "fit", "batchSize", cfg.batch_size));
  if (!trainer.matches(ds, cfg)) trainer.start(ds, cfg);
  out = FitReport();
  for (int s = 0; s < k; ++s) {
    const uint32_t* idx;
    int n = trainer.next(idx);
    Status st = batch_step(ds, idx, n, true, out.last_loss);
    if (!st.ok()) {
      trainer.undo_next(n);  // the trainer stays at this batch, as the net stays at its weights
      return st;
    }
    trainer.end_step();  // (after the batch is gathered: it may reshuffle the order idx points into)
    out.loss_sum += out.last_loss;
    out.samples += n;
    ++out.steps;
  }
  out.total_steps = trainer.total_steps;
  out.epoch = trainer.epoch;
  out.position = trainer.pos;
  return Status::Ok();
}

// The samples of ds at idx gathered into the trainer's batch buffers, then the parameter
// gradients on them and, with step, the optimizer step: one fit step, or gradients_at.
Status Model::batch_step(const Dataset& ds, const uint32_t* idx, int n, bool step, double& L) {
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    auto& x = pick<T>(trainer.x32, trainer.x64);
    x.resize((size_t)n * ds.sample_size());
    trainer.t.resize((size_t)n * ds.target_size());
    ds.gather(x.data(), trainer.t.data(), idx, n);
    if (step) return net.run_train_step(x.data(), trainer.t.data(), n, L, "fit");
    L = net.run_compute_gradients(x.data(), trainer.t.data(), n, true);
    return Status::Ok();
  });
}

Status Model::next_batch(const Dataset& ds, const FitConfig& cfg, std::vector<uint32_t>& out) {
  if (cfg.batch_size < 1) return Error("nextBatch: batchSize must be >= 1, got " + std::to_string(cfg.batch_size));
  BP_TRY(check_dataset(ds, "nextBatch"));
  if (!trainer.matches(ds, cfg)) trainer.start(ds, cfg);
  const uint32_t* idx;
  int n = trainer.next(idx);
  out.assign(idx, idx + n);
  trainer.end_step();
  return Status::Ok();
}

Status Model::gradients_at(const Dataset& ds, double& L) {
  const std::string w = "gradientsAt";
  BP_TRY(check_dataset(ds, "gradientsAt"));
  const int64_t n = (int64_t)indices.size();
  if (n < 1) return Error(w + ": indices must hold at least 1 index, got 0");
  for (int64_t b = 0; b < n; ++b) {
    const double i = indices[b];
    if (!(i >= 0 && i < (double)ds.count() && i == std::floor(i)))
      return Error(w + ": index " + num_str(i) + " at position " + std::to_string(b) + " is not a sample in [0, " +
                   std::to_string(ds.count()) + ")");
  }
  BP_TRY(batch_fits(*this, n, "gradientsAt", "indices.length", n));
  batch_indices.assign(indices.begin(), indices.end());
  return batch_step(ds, batch_indices.data(), (int)n, false, L);
}

Status Model::evaluate_dataset(const Dataset& ds, int batch_size, int64_t limit, double& L, double& accuracy) {
  if (batch_size < 1) return Error("evaluate: batchSize must be >= 1, got " + std::to_string(batch_size));
  BP_TRY(check_dataset(ds, "evaluate"));
  const int64_t count = limit > 0 && limit < ds.count() ? limit : ds.count();
  BP_TRY(batch_fits(*this, std::min<int64_t>(batch_size, count), "evaluate", "batchSize", batch_size));
  return visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    std::vector<T> x;
    std::vector<double> t;
    std::vector<uint32_t> idx;
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t start = 0; start < count; start += batch_size) {
      int n = (int)std::min<int64_t>(batch_size, count - start);
      idx.resize(n);
      for (int b = 0; b < n; ++b) idx[b] = (uint32_t)(start + b);
      x.resize((size_t)n * ds.sample_size());
      t.resize((size_t)n * ds.target_size());
      ds.gather(x.data(), t.data(), idx.data(), n);
      net.run_infer(x.data(), n);
      int64_t c = 0;
      loss_sum += net.run_evaluate(t.data(), c) * n;  // each batch loss is a mean over its n samples
      correct += c;
    }
    L = loss_sum / (double)count;
    accuracy = net.spec.loss == LossKind::SoftmaxCrossEntropy ? (double)correct / (double)count : NAN;
    return Status::Ok();
  });
}

}  // namespace bp

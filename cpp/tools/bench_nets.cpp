// bench_nets: times nets natively with the same kernels the WASM module runs, for `npm run bench`
// (the WASM/native ratio is its figure of merit). Reads a job from stdin and prints JSON:
//   in   {"runs":7, "ms":400, "nets":[{"name":"mnist-cnn", "batch":32, "spec":{...}}, ...]}
//        optional "winograd": false times the conv forward without Winograd (kernels/winograd.h)
//   out  {"nets":[{"name":..., "batch":..., "train":{median,min,max,runs,stepsPerRun}, "infer":{...}}]}
// samples/s per timed run; the train step is run_train_step (gradients, then the spec's optimizer step),
// inference is run_infer (what predict runs: layers skip backward-only work).
// Timing only: correctness is the tests' job.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "core/json.h"
#include "kernels/winograd.h"
#include "net/sequential.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Warm up for about ms, pick steps per run so one run lasts about ms, then time `runs` runs.
template <typename F>
bp::Json measure(F step, int samples_per_step, int runs, double ms) {
  auto t0 = Clock::now();
  int warm = 0;
  do {
    step();
    ++warm;
  } while (seconds_since(t0) * 1000 < ms);
  double per_step = seconds_since(t0) / warm;
  int k = std::max(1, (int)(ms / 1000 / per_step + 0.5));
  std::vector<double> rate;
  for (int r = 0; r < runs; ++r) {
    auto t = Clock::now();
    for (int i = 0; i < k; ++i) step();
    rate.push_back((double)k * samples_per_step / seconds_since(t));
  }
  std::vector<double> sorted = rate;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  bp::Json out = bp::Json::object();
  out.set("median", median);
  out.set("min", sorted.front());
  out.set("max", sorted.back());
  out.set("runs", runs);
  out.set("stepsPerRun", k);
  return out;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "bench_nets: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  bp::Json job;
  bp::Status st = bp::Json::parse(text, job);
  if (!st.ok()) return fail("job: " + st.msg);
  const bp::Json* nets = job.find("nets");
  if (!nets || !nets->is_array()) return fail("job: needs a \"nets\" array");
  int runs = job.has("runs") ? (int)job.find("runs")->num() : 7;
  double ms = job.has("ms") ? job.find("ms")->num() : 400;
  if (job.has("winograd")) bp::kernel_flags().winograd = job.find("winograd")->boolean();

  bp::Json out_nets = bp::Json::array();
  for (const bp::Json& job_net : nets->items()) {
    std::string name = job_net.find("name")->str();
    int N = (int)job_net.find("batch")->num();
    std::unique_ptr<bp::Sequential<float>> net;
    st = bp::Sequential<float>::build(*job_net.find("spec"), net);
    if (!st.ok()) return fail(name + ": " + st.msg);

    // Fixed pseudo-random inputs in [0, 1) and labels 0..9 (speed does not depend on the values).
    bp::Rng rng{1};
    std::vector<float> x((size_t)N * net->in_size());
    for (float& v : x) v = (float)rng.uniform();
    std::vector<double> labels(N);
    for (int i = 0; i < N; ++i) labels[i] = i % net->out_size();

    bp::Json row = bp::Json::object();
    row.set("name", name);
    row.set("batch", N);
    row.set("train", measure([&] { double L; (void)net->run_train_step(x.data(), labels.data(), N, L); }, N, runs, ms));
    row.set("infer", measure([&] { net->run_infer(x.data(), N); }, N, runs, ms));  // as predict: no backward follows
    out_nets.push(row);
  }
  bp::Json out = bp::Json::object();
  out.set("nets", out_nets);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// make_fixtures: writes the shared JSON fixtures that the native gtest (tests/cpp/
// test_fixtures.cpp) and the WASM Vitest (tests/js/fixtures.test.js) both recompute, so
// native/WASM parity is a test. Usage: build/native/make_fixtures tests/fixtures
//
// Each file: { name, spec, n, x, targets, params: [{layer,name,values}],
//              expected: { output, loss, outputGrad, grads: [{layer,name,values}], inputGrad } }
// params are the values to load before computing: the seeded initial weights (the readers
// check that their own init gives the same numbers) with biases moved off 0 so their
// gradients are not trivially checked. outputGrad = dL/dY, for a forward/backward replay.
// Every value is exactly representable in the net's dtype.
#include <cstdio>
#include <string>

#include "net/sequential.h"

namespace {

struct Case {
  const char* name;
  const char* spec;  // without dtype and seed
  int n;
};

// Every layer type appears; nets stay tiny so each file is a few KB.
const Case kCases[] = {
    {"conv_relu_dense",
     R"({"input":[2,4,3],"layers":[{"type":"conv2d","filters":2,"kernel":[3,2],"stride":[2,1],"padding":[1,0]},{"type":"relu"},)"
     R"({"type":"flatten"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})",
     2},
    {"pools",
     R"({"input":[1,5,6],"layers":[{"type":"conv2d","filters":2,"kernel":3,"padding":1},)"
     R"({"type":"maxpool2d","size":[2,3],"stride":2,"padding":1},{"type":"avgpool2d","size":2,"stride":2,"padding":1},)"
     R"({"type":"flatten"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})",
     2},
    {"globalmax_leaky",
     R"({"input":[2,4,4],"layers":[{"type":"conv2d","filters":3,"kernel":3,"padding":1},{"type":"leaky_relu","slope":0.1},)"
     R"({"type":"globalmaxpool"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})",
     2},
    {"globalavg_elu",
     R"({"input":[2,4,4],"layers":[{"type":"conv2d","filters":3,"kernel":2,"stride":2},{"type":"elu","alpha":0.5},)"
     R"({"type":"globalavgpool"},{"type":"dense","units":2}],"loss":"mse"})",
     2},
    {"selu_sigmoid_tanh",
     R"({"input":[6],"layers":[{"type":"dense","units":5},{"type":"selu"},{"type":"dense","units":4},{"type":"sigmoid"},)"
     R"({"type":"dense","units":4},{"type":"tanh"},{"type":"dense","units":3}],"loss":"mse"})",
     2},
    {"prelu",
     R"({"input":[2,3,3],"layers":[{"type":"prelu","channelwise":true},{"type":"conv2d","filters":3,"kernel":2},)"
     R"({"type":"prelu"},{"type":"flatten"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy"})",
     2},
};

template <typename T>
bp::Json values(const T* p, size_t n) {
  bp::Json a = bp::Json::array();
  for (size_t i = 0; i < n; ++i) a.push((double)p[i]);
  return a;
}

template <typename T>
bp::Json param_list(bp::Sequential<T>& net, bool grads) {
  bp::Json a = bp::Json::array();
  for (size_t i = 0; i < net.layers.size(); ++i)
    for (auto& p : net.layers[i]->params) {
      bp::Json j = bp::Json::object();
      j.set("layer", (int)i);
      j.set("name", p.name);
      auto& v = grads ? p.grad : p.value;
      j.set("values", values(v.data(), v.size()));
      a.push(j);
    }
  return a;
}

template <typename T>
bp::Status make(const Case& c, const char* dtype, const std::string& dir) {
  bp::Json spec;
  BP_TRY(bp::Json::parse(c.spec, spec));
  spec.set("dtype", dtype);
  spec.set("seed", 3);
  std::unique_ptr<bp::Sequential<T>> net;
  BP_TRY(bp::Sequential<T>::build(spec, net));
  bp::Rng rng(42);
  for (auto& l : net->layers)
    for (auto& p : l->params)
      if (p.name == "bias")
        for (auto& b : p.value) b = (T)(0.1 * rng.normal());
  bp::Json fixture = bp::Json::object();
  fixture.set("name", std::string(c.name) + "." + dtype);
  fixture.set("spec", spec);
  fixture.set("n", c.n);
  fixture.set("params", param_list(*net, false));

  std::vector<T> x((size_t)c.n * net->in_size());
  for (auto& v : x) v = (T)rng.normal();
  std::vector<double> targets;
  if (net->spec.loss == bp::LossKind::Mse) {
    for (int64_t i = 0; i < c.n * net->out_size(); ++i) targets.push_back((double)(T)rng.normal());
  } else {
    for (int i = 0; i < c.n; ++i) targets.push_back(rng.below((uint32_t)net->out_size()));
  }
  fixture.set("x", values(x.data(), x.size()));
  fixture.set("targets", values(targets.data(), targets.size()));

  double loss;
  BP_TRY(net->compute_gradients(x.data(), (int64_t)x.size(), targets.data(), (int64_t)targets.size(), c.n, loss));
  bp::Json e = bp::Json::object();
  e.set("output", values(net->output(), (size_t)c.n * net->out_size()));
  e.set("loss", loss);
  e.set("outputGrad", values(net->grads.back().data(), (size_t)c.n * net->out_size()));
  e.set("grads", param_list(*net, true));
  e.set("inputGrad", values(net->input_grad(), x.size()));
  fixture.set("expected", e);

  std::string path = dir + "/" + c.name + "." + dtype + ".json";
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return bp::Error("cannot write " + path);
  std::string text = fixture.dump() + "\n";
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  std::printf("%s  %zu bytes\n", path.c_str(), text.size());
  return bp::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "tests/fixtures";
  for (const Case& c : kCases) {
    bp::Status s = make<double>(c, "float64", dir);
    if (s.ok()) s = make<float>(c, "float32", dir);
    if (!s.ok()) {
      std::fprintf(stderr, "make_fixtures: %s: %s\n", c.name, s.msg.c_str());
      return 1;
    }
  }
  return 0;
}

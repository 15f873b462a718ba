// The shared fixtures (tests/fixtures/*.json, written by cpp/tools/make_fixtures.cpp),
// recomputed natively through bp::Model, the class the WASM bindings wrap. The Vitest
// tests/js/fixtures.test.js recomputes the same files through the WASM module, so
// native/WASM parity is a test. Tolerance per tensor: |a − e| ≤ tol · max|e|
// (float64 1e-12, float32 1e-5).
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "net/model.h"
#include "test_util.h"

using bp::Json;

namespace {

std::vector<std::string> fixture_files() {
  std::vector<std::string> files;
  for (auto& e : std::filesystem::directory_iterator(BP_FIXTURES_DIR))
    if (e.path().extension() == ".json") {  // <name>.float32.json / <name>.float64.json (others are other tests' data)
      std::string f = e.path().filename().string();
      if (f.find(".float32.") != std::string::npos || f.find(".float64.") != std::string::npos) files.push_back(f);
    }
  std::sort(files.begin(), files.end());
  return files;
}

Json load(const std::string& file) {
  std::ifstream in(std::string(BP_FIXTURES_DIR) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  Json j;
  bp::Status s = Json::parse(ss.str(), j);
  EXPECT_TRUE(s.ok()) << file << ": " << s.msg;
  return j;
}

std::vector<double> nums(const Json& a) {
  std::vector<double> v;
  for (auto& x : a.items()) v.push_back(x.num());
  return v;
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0, maxd = 0;
  size_t at = 0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  for (size_t i = 0; i < got.size(); ++i)
    if (std::fabs(got[i] - want[i]) > maxd) maxd = std::fabs(got[i] - want[i]), at = i;
  EXPECT_LE(maxd, tol * scale) << what << ": max difference " << maxd << " at [" << at << "] (got " << got[at] << ", want "
                               << want[at] << "; tolerance " << tol << " x " << scale << ")";
}

template <typename T>
std::vector<double> param_values(bp::Model& m, int layer, const std::string& name, bool grad) {
  auto* p = m.param<T>(layer, name);
  auto& v = grad ? p->grad : p->value;
  return std::vector<double>(v.begin(), v.end());
}

template <typename T>
void stage(std::vector<T>& dst, const std::vector<double>& src) {
  dst.assign(src.begin(), src.end());
}

// The Model's staging buffers of dtype T.
template <typename T>
struct Staging;
template <>
struct Staging<double> {
  static std::vector<double>& x(bp::Model& m) { return m.x64; }
  static std::vector<double>& v(bp::Model& m) { return m.v64; }
  static std::vector<double>& dy(bp::Model& m) { return m.dy64; }
};
template <>
struct Staging<float> {
  static std::vector<float>& x(bp::Model& m) { return m.x32; }
  static std::vector<float>& v(bp::Model& m) { return m.v32; }
  static std::vector<float>& dy(bp::Model& m) { return m.dy32; }
};

template <typename T>
void recompute(const Json& f, double tol) {
  bp::Model m;
  ASSERT_EQ(m.init(*f.find("spec")).msg, "");
  ASSERT_EQ(m.float64(), (std::is_same<T, double>::value));
  int n = (int)f.find("n")->num();
  const Json& e = *f.find("expected");
  auto& xs = Staging<T>::x(m);
  auto& vs = Staging<T>::v(m);
  auto& dys = Staging<T>::dy(m);

  // Seeded init: the same weights as the tool got (biases and alphas are set, not compared).
  for (auto& p : f.find("params")->items()) {
    int layer = (int)p.find("layer")->num();
    const std::string& name = p.find("name")->str();
    if (name == "weight") expect_close(param_values<T>(m, layer, name, false), nums(*p.find("values")), tol, "initial " + name);
    stage(vs, nums(*p.find("values")));
    ASSERT_EQ(m.set_param(layer, name).msg, "");
  }
  // computeGradients: loss, output, parameter grads, input grad
  stage(xs, nums(*f.find("x")));
  m.targets = nums(*f.find("targets"));
  double loss = 0;
  ASSERT_EQ(m.compute_gradients(n, loss).msg, "");
  EXPECT_NEAR(loss, e.find("loss")->num(), tol * std::fabs(e.find("loss")->num()));
  auto& net = *m.net<T>();
  expect_close(std::vector<double>(net.output(), net.output() + n * net.out_size()), nums(*e.find("output")), tol, "output");
  auto check_grads = [&](const char* when) {
    for (auto& g : e.find("grads")->items())
      expect_close(param_values<T>(m, (int)g.find("layer")->num(), g.find("name")->str(), true), nums(*g.find("values")), tol,
                   std::string(when) + " grad " + g.find("name")->str() + " of layer " + std::to_string((int)g.find("layer")->num()));
    expect_close(std::vector<double>(net.input_grad(), net.input_grad() + n * net.in_size()), nums(*e.find("inputGrad")), tol,
                 std::string(when) + " inputGrad");
  };
  check_grads("computeGradients");
  // replay: zeroGrad, forward, backward(dL/dY) gives the same grads
  m.zero_grad();
  ASSERT_EQ(m.forward(n).msg, "");
  stage(dys, nums(*e.find("outputGrad")));
  ASSERT_EQ(m.backward().msg, "");
  check_grads("forward/backward");
}

class Fixture : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(Fixture, RecomputesNatively) {
  Json f = load(GetParam());
  ASSERT_TRUE(f.is_object());
  if (f.find("spec")->find("dtype")->str() == "float64") recompute<double>(f, 1e-12);
  else recompute<float>(f, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Shared, Fixture, ::testing::ValuesIn(fixture_files()), [](const auto& info) {
  std::string s = info.param.substr(0, info.param.size() - 5);
  for (auto& c : s)
    if (!isalnum((unsigned char)c)) c = '_';
  return s;
});

TEST(Fixtures, CoverEveryLayerTypeInBothDtypes) {
  std::set<std::string> seen[2];
  for (auto& file : fixture_files()) {
    Json f = load(file);
    int d = f.find("spec")->find("dtype")->str() == "float64";
    for (auto& l : f.find("spec")->find("layers")->items()) seen[d].insert(l.find("type")->str());
    seen[d].insert(f.find("spec")->find("loss")->str());
  }
  for (auto& row : bp::layer_table<double>())
    for (int d : {0, 1}) EXPECT_TRUE(seen[d].count(row.type)) << row.type << (d ? " float64" : " float32");
  for (const char* loss : {"softmax_cross_entropy", "mse"})
    for (int d : {0, 1}) EXPECT_TRUE(seen[d].count(loss)) << loss;
}

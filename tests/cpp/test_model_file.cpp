// Model files: a safetensors file with PyTorch's state_dict names and layouts; save -> load is
// bit-identical (parameters and, when saved, the optimizer state, so the next train step
// matches); files of the first format ('BPWM', tests/fixtures/legacy_v1.bpm) still load; and
// every kind of bad file, including lengths that wrap a 32-bit size_t, gets its message and
// leaves the model as it was.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "net/model.h"
#include "test_util.h"

namespace {

using Bytes = std::vector<uint8_t>;

const char* kSpec32 = R"({"input":[1,6,6],"layers":[{"type":"conv2d","filters":2,"kernel":3,"padding":1},{"type":"relu"},
  {"type":"maxpool2d","size":2},{"type":"flatten"},{"type":"dense","units":3}],"loss":"softmax_cross_entropy",
  "optimizer":{"type":"adam","lr":0.01},"seed":5})";

void stage_batch(bp::Model& m, int N) {
  auto x = bpt::randn((size_t)N * 36, 3);
  m.x32.assign(x.begin(), x.end());
  m.x64 = x;
  m.targets.resize(N);
  for (int i = 0; i < N; ++i) m.targets[i] = i % 3;
}

template <typename T>
std::vector<T> all_params(bp::Model& m) {
  std::vector<T> v;
  for (auto* p : m.net<T>()->param_list()) v.insert(v.end(), p->value.begin(), p->value.end());
  return v;
}

std::string spec_with_dtype(const char* dtype) {
  std::string s = kSpec32;
  return s.substr(0, s.size() - 1) + ",\"dtype\":\"" + dtype + "\"}";
}

uint64_t get_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= (uint64_t)p[i] << (8 * i);
  return v;
}
void put_le(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

// A safetensors file taken apart: the header's text and the data after it.
struct Parts {
  std::string header;
  Bytes data;
};
Parts split(const Bytes& f) {
  uint64_t n = get_le(f.data(), 8);
  return {std::string(f.begin() + 8, f.begin() + 8 + n), Bytes(f.begin() + 8 + n, f.end())};
}
Bytes join(const std::string& header, const Bytes& data) {
  Bytes f(8 + header.size() + data.size());
  put_le(f.data(), header.size(), 8);
  std::copy(header.begin(), header.end(), f.begin() + 8);
  std::copy(data.begin(), data.end(), f.begin() + 8 + header.size());
  return f;
}
void put_f32(Bytes& b, size_t at, float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  put_le(&b.at(at), u, 4);
}
bp::Json header_of(const Bytes& f) {
  bp::Json h;
  EXPECT_TRUE(bp::Json::parse(split(f).header, h).ok());
  return h;
}
// The file with one header entry replaced (the rest, and the data, as they were).
Bytes with_entry(const Bytes& f, const std::string& name, const bp::Json& entry) {
  bp::Json h = header_of(f);
  h.set(name, entry);
  return join(h.dump(), split(f).data);
}
bp::Json entry(const char* dtype, bp::Json shape, double begin, double end) {
  bp::Json e = bp::Json::object(), off = bp::Json::array();
  off.push(begin);
  off.push(end);
  e.set("dtype", dtype);
  e.set("shape", shape);
  e.set("data_offsets", off);
  return e;
}
bp::Json ints(std::initializer_list<int> v) {
  bp::Json a = bp::Json::array();
  for (int x : v) a.push(x);
  return a;
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

template <typename T>
void round_trip(const std::string& spec) {
  bp::Model a;
  ASSERT_TRUE(a.init(spec).ok());
  stage_batch(a, 4);
  double L;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.train_step(4, L).ok());
  Bytes bytes;
  ASSERT_TRUE(a.save(true, bytes).ok());
  bp::Model b;
  bp::Status s = b.load(bytes.data(), bytes.size());
  ASSERT_TRUE(s.ok()) << s.msg;
  EXPECT_EQ(b.info().dump(), a.info().dump());
  auto pa = all_params<T>(a), pb = all_params<T>(b);
  ASSERT_EQ(pa.size(), pb.size());
  EXPECT_EQ(std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(T)), 0) << "parameters differ after load";
  EXPECT_EQ(b.net<T>()->opt.t, 3);
  // The next step is identical: same optimizer state, same parameters.
  stage_batch(b, 4);
  double La, Lb;
  ASSERT_TRUE(a.train_step(4, La).ok());
  ASSERT_TRUE(b.train_step(4, Lb).ok());
  EXPECT_EQ(La, Lb);
  pa = all_params<T>(a), pb = all_params<T>(b);
  EXPECT_EQ(std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(T)), 0) << "parameters differ after the next step";
  // Saved again, the file is the same bytes.
  Bytes again;
  ASSERT_TRUE(a.save(true, bytes).ok());
  ASSERT_TRUE(b.save(true, again).ok());
  EXPECT_EQ(again, bytes);
}

TEST(ModelFile, RoundTripFloat32) { round_trip<float>(kSpec32); }
TEST(ModelFile, RoundTripFloat64) { round_trip<double>(spec_with_dtype("float64")); }

TEST(ModelFile, IsSafetensorsWithPyTorchNames) {
  // dense 3 -> 2, then prelu: PyTorch's nn.Sequential(nn.Linear(3, 2), nn.PReLU()) has the
  // state_dict {"0.weight": [2,3], "0.bias": [2], "1.weight": [1]}; so does the file, in that
  // order, its data 8-byte aligned after a space-padded header.
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(R"({"input":[3],"layers":[{"type":"dense","units":2},{"type":"prelu"}],"loss":"mse"})")).ok());
  m.v32 = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(m.set_param(0, "weight").ok());
  m.v32 = {-1, 0.5f};
  ASSERT_TRUE(m.set_param(0, "bias").ok());
  Bytes f;
  ASSERT_TRUE(m.save(false, f).ok());
  Parts p = split(f);
  const std::string spec = bp::Json(m.info().find("spec")->dump()).dump();  // the spec JSON as a JSON string
  std::string want = R"({"__metadata__":{"format_version":"2","spec":)" + spec + "}," +
                     R"("0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)" +
                     R"("0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)" +
                     R"("1.weight":{"dtype":"F32","shape":[1],"data_offsets":[32,36]}})";
  want.resize((want.size() + 7) / 8 * 8, ' ');
  EXPECT_EQ(p.header, want);
  EXPECT_EQ((8 + p.header.size()) % 8, 0u);
  const float values[] = {1, 2, 3, 4, 5, 6, -1, 0.5f, 0.25f};  // W row-major [out, in], b, PReLU's initial 0.25
  ASSERT_EQ(p.data.size(), sizeof values);
  EXPECT_EQ(std::memcmp(p.data.data(), values, sizeof values), 0);
}

TEST(ModelFile, OptimizerStateUnderTorchOptimNames) {
  const std::pair<const char*, std::vector<std::string>> kinds[] = {
      {"sgd", {"momentum_buffer"}},
      {"adagrad", {"sum"}},
      {"rmsprop", {"square_avg", "momentum_buffer"}},
      {"adadelta", {"square_avg", "acc_delta"}},
      {"adam", {"exp_avg", "exp_avg_sq"}},
  };
  for (auto& [type, keys] : kinds) {
    bp::Model m;
    ASSERT_TRUE(m.init(std::string(R"({"input":[2],"layers":[{"type":"dense","units":1}],"loss":"mse","optimizer":{"type":")") +
                       type + "\"}}")
                    .ok());
    Bytes f;
    ASSERT_TRUE(m.save(true, f).ok());
    bp::Json h = header_of(f);
    std::vector<std::string> names;
    for (auto& kv : h.members()) names.push_back(kv.first);
    std::vector<std::string> want = {"__metadata__", "0.weight", "0.bias"};
    for (const char* p : {"0.weight", "0.bias"})
      for (auto& k : keys) want.push_back(std::string("optimizer.") + p + "." + k);
    EXPECT_EQ(names, want) << type;
    EXPECT_EQ(h.find("__metadata__")->find("optimizer.step")->str(), "0") << type;
  }
}

TEST(ModelFile, WithoutOptimizerStateStartsFresh) {
  bp::Model a, b;
  ASSERT_TRUE(a.init(std::string(kSpec32)).ok());
  stage_batch(a, 2);
  double L;
  ASSERT_TRUE(a.train_step(2, L).ok());
  Bytes with, without;
  ASSERT_TRUE(a.save(true, with).ok());
  ASSERT_TRUE(a.save(false, without).ok());
  // adam's 2 state tensors per parameter (as big as the parameters) only in the first.
  size_t nparams = all_params<float>(a).size();
  EXPECT_EQ(split(with).data.size(), 3 * nparams * sizeof(float));
  EXPECT_EQ(split(without).data.size(), nparams * sizeof(float));
  EXPECT_EQ(header_of(with).find("__metadata__")->find("optimizer.step")->str(), "1");
  EXPECT_EQ(header_of(without).find("__metadata__")->find("optimizer.step"), nullptr);
  ASSERT_TRUE(b.load(without.data(), without.size()).ok());
  EXPECT_EQ(b.net<float>()->opt.t, 0);
  EXPECT_EQ(all_params<float>(b), all_params<float>(a));
}

// tests/fixtures/legacy_v1.bpm was written by the 'BPWM' writer (version 1, adam's state after
// 3 steps); legacy_v1.json has the net's outputs on x, and after one more step.
struct Legacy : ::testing::Test {
  Bytes bytes = read_file(std::string(BP_FIXTURES_DIR) + "/legacy_v1.bpm");
  bp::Json doc;
  void SetUp() override {
    std::ifstream in(std::string(BP_FIXTURES_DIR) + "/legacy_v1.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    ASSERT_TRUE(bp::Json::parse(text, doc).ok());
  }
  std::vector<double> nums(const char* key) {
    std::vector<double> v;
    for (auto& x : doc.find(key)->items()) v.push_back(x.num());
    return v;
  }
  void expect_output(bp::Model& m, const char* key) {
    const int n = (int)doc.find("n")->num();
    auto x = nums("x");
    m.x32.assign(x.begin(), x.end());
    ASSERT_TRUE(m.forward(n).ok());
    auto want = nums(key);
    const float* y = m.net<float>()->output();
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-5 * (1 + std::fabs(want[i]))) << key << "[" << i << "]";
  }
};

TEST_F(Legacy, FixtureLoadsWithItsOutputsAndOptimizerState) {
  bp::Model m;
  bp::Status s = m.load(bytes.data(), bytes.size());
  ASSERT_TRUE(s.ok()) << s.msg;
  EXPECT_EQ(m.net<float>()->opt.t, 3);
  expect_output(m, "output");
  auto t = nums("targets");
  m.targets = t;
  double L;
  ASSERT_TRUE(m.train_step((int)t.size(), L).ok());
  expect_output(m, "afterStep");
}

TEST_F(Legacy, SavedAgainItIsSafetensorsWithTheSameNet) {
  bp::Model a, b;
  ASSERT_TRUE(a.load(bytes.data(), bytes.size()).ok());
  Bytes f;
  ASSERT_TRUE(a.save(true, f).ok());
  ASSERT_EQ(f[8], '{');
  ASSERT_TRUE(b.load(f.data(), f.size()).ok());
  EXPECT_EQ(all_params<float>(b), all_params<float>(a));
  EXPECT_EQ(b.net<float>()->opt.state, a.net<float>()->opt.state);
  EXPECT_EQ(b.net<float>()->opt.t, 3);
  // The fixture's prelu (layer 1) has PyTorch's name for its alpha, and so has its state.
  bp::Json h = header_of(f);
  std::vector<std::string> names;
  for (auto& kv : h.members()) names.push_back(kv.first);
  const std::vector<std::string> want = {"__metadata__", "0.weight", "0.bias", "1.weight", "4.weight", "4.bias",
      "optimizer.0.weight.exp_avg", "optimizer.0.weight.exp_avg_sq", "optimizer.0.bias.exp_avg", "optimizer.0.bias.exp_avg_sq",
      "optimizer.1.weight.exp_avg", "optimizer.1.weight.exp_avg_sq", "optimizer.4.weight.exp_avg", "optimizer.4.weight.exp_avg_sq",
      "optimizer.4.bias.exp_avg", "optimizer.4.bias.exp_avg_sq"};
  EXPECT_EQ(names, want);
}

// Every bad file: its message, and the target model unchanged.
struct BadFile : ::testing::Test {
  bp::Model good, target;
  Bytes bytes, legacy = read_file(std::string(BP_FIXTURES_DIR) + "/legacy_v1.bpm");
  std::string before;
  void SetUp() override {
    ASSERT_TRUE(good.init(std::string(kSpec32)).ok());
    stage_batch(good, 2);
    double L;
    ASSERT_TRUE(good.train_step(2, L).ok());
    ASSERT_TRUE(good.save(true, bytes).ok());
    ASSERT_TRUE(target.init(std::string(R"({"input":[3],"layers":[{"type":"dense","units":2}]})")).ok());
    before = target.info().dump();
  }
  std::string load(const Bytes& b) {
    std::string msg = target.load(b.data(), b.size()).msg;
    EXPECT_EQ(target.info().dump(), before) << "a failed load changed the model";
    return msg;
  }
  // The header entry of a tensor, with one field replaced.
  Bytes with_field(const std::string& name, const char* field, bp::Json v) {
    bp::Json e = *header_of(bytes).find(name);
    e.set(field, std::move(v));
    return with_entry(bytes, name, e);
  }
  Bytes with_meta(const char* key, bp::Json v) {
    bp::Json m = *header_of(bytes).find("__metadata__");
    m.set(key, std::move(v));
    return with_entry(bytes, "__metadata__", m);
  }
  // A value of tensor `name` (the net's float32) replaced in the data.
  Bytes with_value(const std::string& name, size_t index, float v) {
    Parts p = split(bytes);
    size_t at = (size_t)header_of(bytes).find(name)->find("data_offsets")->items()[0].num() + 4 * index;
    put_f32(p.data, at, v);
    return join(p.header, p.data);
  }
};

// The module is 32-bit in WASM: a length near 2^32 must not wrap a size_t sum and pass a check.
TEST_F(BadFile, HeaderLengthsNear2To32DoNotWrap) {
  for (uint64_t n = 0xFFFFFFECull; n <= 0xFFFFFFFFull; ++n) {
    Bytes b = bytes;
    put_le(b.data(), n, 8);
    EXPECT_EQ(load(b), "model file: header length " + std::to_string(n) + " is more than the " + std::to_string(b.size() - 8) +
                           " bytes after it (truncated?)");
  }
  for (uint64_t n : {(1ull << 32) + 16, ~0ull, 1ull << 63}) {  // as 32 bits: 16 (a short header), or huge
    Bytes b = bytes;
    put_le(b.data(), n, 8);
    EXPECT_EQ(load(b), "model file: header length " + std::to_string(n) + " is more than the " + std::to_string(b.size() - 8) +
                           " bytes after it (truncated?)");
  }
}

TEST_F(BadFile, Truncated) {
  EXPECT_EQ(load({}), "model file: truncated: 0 bytes, shorter than a header");
  EXPECT_EQ(load({1, 0, 0, 0, 0, 0, 0}), "model file: truncated: 7 bytes, shorter than a header");
  Bytes b(bytes.begin(), bytes.begin() + 40);
  EXPECT_EQ(load(b), "model file: header length " + std::to_string(split(bytes).header.size()) + " is more than the 32 bytes after it (truncated?)");
  b.assign(bytes.begin(), bytes.end() - 1);  // the last tensor's end is past the data
  const size_t size = split(bytes).data.size();
  EXPECT_EQ(load(b), "model file: tensor 'optimizer.4.bias.exp_avg_sq' has data_offsets [" + std::to_string(size - 12) + "," +
                         std::to_string(size) + "], not [begin, end] with 0 <= begin <= end <= " + std::to_string(size - 1) +
                         " (the data's size)");
  // Every prefix fails cleanly (ASan checks the reads).
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    b.assign(bytes.begin(), bytes.begin() + cut);
    EXPECT_NE(load(b), "") << "a " << cut << "-byte prefix loaded";
  }
}

TEST_F(BadFile, NotAModelFile) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  EXPECT_EQ(load(png), "model file: not a model file: it starts '.PNG.....', but a safetensors file has '{' after its 8-byte "
                       "header length (and a 'BPWM' one starts 'BPWM')");
  EXPECT_EQ(load(join("{\"a\":", {})), "model file: header: JSON: expected a value at offset 5 (end of text)");
}

TEST_F(BadFile, Metadata) {
  EXPECT_EQ(load(join("{}", {})), "model file: the header has no __metadata__ object (a safetensors file, but not one of a backprop-wasm net)");
  EXPECT_EQ(load(with_meta("format_version", "3")), "model file: format_version \"3\" is not supported (this library reads \"2\")");
  EXPECT_EQ(load(with_meta("format_version", 2)), "model file: __metadata__ \"format_version\" must be a string, got 2");
  EXPECT_EQ(load(with_meta("spec", "{\"input\":[0]}")), "model file: bad spec: spec: input dimensions must be positive integers, got [0]");
  EXPECT_EQ(load(with_meta("spec", "{\"input\"")), "model file: bad spec: JSON: expected ':' at offset 8 (end of text)");
  bp::Json h = header_of(bytes), m = bp::Json::object();
  m.set("format_version", "2");
  h.set("__metadata__", m);
  EXPECT_EQ(load(join(h.dump(), split(bytes).data)), "model file: __metadata__ has no \"spec\"");
}

TEST_F(BadFile, Names) {
  Parts p = split(bytes);
  // unknown
  EXPECT_EQ(load(with_entry(bytes, "4.alpha", entry("F32", ints({3}), 0, 12))),
            "model file: tensor '4.alpha' is not a parameter of the spec's net nor its optimizer state");
  bp::Json m = *header_of(bytes).find("__metadata__"), h = bp::Json::object(), noopt = bp::Json::object();
  for (auto& kv : m.members())
    if (kv.first != "optimizer.step") noopt.set(kv.first, kv.second);
  EXPECT_EQ(load(with_entry(bytes, "__metadata__", noopt)), "model file: tensor 'optimizer.0.weight.exp_avg' is not a parameter of the spec's net");
  // duplicate (a JSON object may repeat a key; safetensors must not)
  std::string dup = p.header;
  dup.insert(dup.rfind('}'), R"(,"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[72,80]})");
  EXPECT_EQ(load(join(dup, p.data)), "model file: tensor '0.bias' appears twice in the header");
  dup = p.header;
  dup.insert(dup.rfind('}'), R"(,"__metadata__":{})");
  EXPECT_EQ(load(join(dup, p.data)), "model file: __metadata__ appears twice in the header");
  // missing: the header without 4.bias (and its data)
  bp::Json all = header_of(bytes);
  for (auto& kv : all.members())
    if (kv.first != "4.bias") h.set(kv.first, kv.second);
  EXPECT_EQ(load(join(h.dump(), p.data)), "model file: tensor '4.bias' [3] of the spec's net is missing");
}

TEST_F(BadFile, DtypeAndShape) {
  EXPECT_EQ(load(with_field("0.weight", "dtype", "F64")), "model file: tensor '0.weight' has dtype \"F64\", but the spec's net is float32: \"F32\"");
  EXPECT_EQ(load(with_field("0.weight", "dtype", "BF16")), "model file: tensor '0.weight' has dtype \"BF16\", but the spec's net is float32: \"F32\"");
  EXPECT_EQ(load(with_field("0.weight", "shape", ints({2, 1, 9}))), "model file: tensor '0.weight' has shape [2,1,9], but the spec's net has [2,1,3,3]");
  EXPECT_EQ(load(with_field("0.weight", "shape", ints({2, 1, 3, 3, 1}))), "model file: tensor '0.weight' has shape [2,1,3,3,1], but the spec's net has [2,1,3,3]");
  EXPECT_EQ(load(with_field("4.weight", "shape", ints({18, 3}))), "model file: tensor '4.weight' has shape [18,3], but the spec's net has [3,18]");
  // A float64 file for a float32 spec: every tensor's dtype is named.
  bp::Model f64;
  ASSERT_TRUE(f64.init(spec_with_dtype("float64")).ok());
  Bytes b;
  ASSERT_TRUE(f64.save(false, b).ok());
  bp::Json h = header_of(b), m = *h.find("__metadata__");
  m.set("spec", good.info().find("spec")->dump());
  h.set("__metadata__", m);
  EXPECT_EQ(load(join(h.dump(), split(b).data)), "model file: tensor '0.weight' has dtype \"F64\", but the spec's net is float32: \"F32\"");
}

TEST_F(BadFile, DataOffsets) {
  const size_t size = split(bytes).data.size();
  const std::string tail = ", not [begin, end] with 0 <= begin <= end <= " + std::to_string(size) + " (the data's size)";
  auto off = [](double a, double b) {
    bp::Json o = bp::Json::array();
    o.push(a);
    o.push(b);
    return o;
  };
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", off(80, 72))), "model file: tensor '0.bias' has data_offsets [80,72]" + tail);
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", off(-8, 0))), "model file: tensor '0.bias' has data_offsets [-8,0]" + tail);
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", off(72, 80.5))), "model file: tensor '0.bias' has data_offsets [72,80.5]" + tail);
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", ints({72}))), "model file: tensor '0.bias' has data_offsets [72]" + tail);
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", "72")), "model file: tensor '0.bias' has data_offsets \"72\"" + tail);
  // Past the data, also by 2^32 more (a 32-bit end - begin would be 8 again), and 2^64.
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", off(72, 4294967376.0))), "model file: tensor '0.bias' has data_offsets [72,4294967376]" + tail);
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", off(0, 18446744073709551616.0))),
            "model file: tensor '0.bias' has data_offsets [0,1.8446744073709552e+19]" + tail);
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", off(72, 76))),
            "model file: tensor '0.bias' has data_offsets [72,76]: 4 bytes, but shape [2] in \"F32\" takes 8");
}

TEST_F(BadFile, GapOverlapTrailing) {
  Parts p = split(bytes);
  bp::Json h = header_of(bytes);
  // 0.weight [0,72) 0.bias [72,80) 4.weight [80,296) 4.bias [296,308), then the state
  // Every tensor moved 8 bytes on: a gap at the start.
  bp::Json moved = bp::Json::object();
  for (auto& kv : h.members()) {
    if (kv.first == "__metadata__") { moved.set(kv.first, kv.second); continue; }
    bp::Json e = kv.second;
    auto& o = kv.second.find("data_offsets")->items();
    bp::Json no = bp::Json::array();
    no.push(o[0].num() + 8);
    no.push(o[1].num() + 8);
    e.set("data_offsets", no);
    moved.set(kv.first, e);
  }
  Bytes data = p.data;
  data.insert(data.begin(), 8, 0);
  EXPECT_EQ(load(join(moved.dump(), data)), "model file: tensor '0.weight' starts at byte 8 of the data, where the tensors before it end at 0 (a gap)");
  // 0.bias read from 4.weight's first bytes: the bytes it had are a gap (and 4.weight overlaps it).
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", ints({80, 88}))),
            "model file: tensor '0.bias' starts at byte 80 of the data, where the tensors before it end at 72 (a gap)");
  EXPECT_EQ(load(with_field("0.bias", "data_offsets", ints({64, 72}))),
            "model file: tensor '0.bias' starts at byte 64 of the data, where the tensors before it end at 72 (they overlap)");
  EXPECT_EQ(load(with_field("4.weight", "data_offsets", ints({76, 292}))),
            "model file: tensor '4.weight' starts at byte 76 of the data, where the tensors before it end at 80 (they overlap)");
  data = p.data;
  data.push_back(0);
  EXPECT_EQ(load(join(p.header, data)), "model file: 1 unexpected bytes after the last tensor's data (the data is " +
                                            std::to_string(data.size()) + " bytes, the tensors end at " + std::to_string(p.data.size()) + ")");
}

TEST_F(BadFile, NonFiniteValuesAndStepCount) {
  EXPECT_EQ(load(with_value("0.weight", 5, NAN)), "model file: tensor '0.weight' value nan at index 5 is not finite");
  EXPECT_EQ(load(with_value("4.bias", 2, -INFINITY)), "model file: tensor '4.bias' value -inf at index 2 is not finite");
  EXPECT_EQ(load(with_value("optimizer.0.weight.exp_avg", 0, INFINITY)), "model file: tensor 'optimizer.0.weight.exp_avg' value inf at index 0 is not finite");
  EXPECT_EQ(load(with_value("optimizer.4.bias.exp_avg_sq", 1, -0.5f)),
            "model file: tensor 'optimizer.4.bias.exp_avg_sq' value -0.5 at index 1 is not a finite number >= 0 (a sum or average of squares)");
  for (const char* step : {"9223372036854775808", "9007199254740992", "-1", "", "1e3", "0x10", " 1", "99999999999999999999"})
    EXPECT_EQ(load(with_meta("optimizer.step", step)), "model file: optimizer.step \"" + std::string(step) + "\" is not a step count in [0, 9007199254740991]");
  // The edges that do load: a negative mean of gradients, the largest step count.
  bp::Model m;
  Bytes b = with_value("optimizer.4.bias.exp_avg", 1, -0.5f);
  EXPECT_EQ(m.load(b.data(), b.size()).msg, "");
  b = with_meta("optimizer.step", "9007199254740991");
  EXPECT_EQ(m.load(b.data(), b.size()).msg, "");
  EXPECT_EQ(m.net<float>()->opt.t, 9007199254740991);
}

// ---- the first format ('BPWM') ----

// The fixture with a corrupted byte put right: its CRC-32 recomputed (zlib's, bit by bit here).
Bytes fix_crc(Bytes b) {
  uint32_t c = ~0u;
  for (size_t i = 0; i + 4 < b.size(); ++i) {
    c ^= b[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  put_le(b.data() + b.size() - 4, ~c, 4);
  return b;
}

TEST_F(BadFile, LegacySpecLengthsNear2To32DoNotWrap) {
  // 16 + length + 4 wraps a 32-bit size_t to 0..19 for these: the check passed and ~4 GiB was
  // copied (WASM aborted). Now each is too long for the file.
  for (uint64_t n = 0xFFFFFFECull; n <= 0xFFFFFFFFull; ++n) {
    Bytes b = legacy;
    put_le(b.data() + 12, n, 4);
    EXPECT_EQ(load(b), "model file: truncated: " + std::to_string(b.size()) + " bytes, but the spec alone needs " + std::to_string(n + 20));
  }
}

TEST_F(BadFile, LegacyValuesAndStepCount) {
  const size_t spec_end = 16 + get_le(legacy.data() + 12, 4);
  Bytes b = legacy;
  put_f32(b, b.size() - 8, NAN);  // the last parameter: 4.bias[2]
  EXPECT_EQ(load(fix_crc(b)), "model file: tensor '4.bias' value nan at index 2 is not finite");
  b = legacy;
  put_f32(b, spec_end + 8 + 4, INFINITY);  // the first state tensor's second value
  EXPECT_EQ(load(fix_crc(b)), "model file: tensor 'optimizer.0.weight.exp_avg' value inf at index 1 is not finite");
  b = legacy;
  put_le(b.data() + spec_end, 1ull << 63, 8);
  EXPECT_EQ(load(fix_crc(b)), "model file: optimizer.step \"9223372036854775808\" is not a step count in [0, 9007199254740991]");
}

TEST_F(BadFile, LegacyLengthsChecksumVersion) {
  EXPECT_EQ(load({'B', 'P', 'W', 'M', 1, 0, 0, 0, 0}), "model file: truncated: 9 bytes, shorter than the 'BPWM' header");
  for (size_t cut : {legacy.size() - 1, legacy.size() - 4, legacy.size() - 100}) {
    Bytes b(legacy.begin(), legacy.begin() + cut);
    EXPECT_EQ(load(b), "model file: truncated: " + std::to_string(cut) + " bytes, expected " + std::to_string(legacy.size()));
  }
  Bytes b = legacy;
  b.push_back(0);
  EXPECT_EQ(load(b), "model file: 1 unexpected bytes after the parameters (expected " + std::to_string(legacy.size()) + " bytes)");
  for (size_t at : {legacy.size() - 10, (size_t)20, legacy.size() - 1}) {  // a parameter, the spec, the CRC
    b = legacy;
    b[at] ^= 0x40;
    EXPECT_EQ(load(b).substr(0, 37), "model file: checksum mismatch (stored") << at;
    EXPECT_NE(load(b).find("): the file is corrupted"), std::string::npos) << at;
  }
  b = legacy;
  b[4] = 2;
  EXPECT_EQ(load(b), "model file: 'BPWM' format version 2 is not supported (this library reads version 1; the file is newer than the library)");
  for (size_t cut = 0; cut < legacy.size(); cut += 7) {
    b.assign(legacy.begin(), legacy.begin() + cut);
    EXPECT_NE(load(b), "") << "a " << cut << "-byte prefix loaded";
  }
}

}  // namespace

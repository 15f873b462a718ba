// Model files: save -> load is bit-identical (parameters and, when saved, the optimizer
// state, so the next train step matches), and every kind of bad file gets its message.
#include <gtest/gtest.h>

#include <cstring>

#include "net/model.h"
#include "test_util.h"

namespace {

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

template <typename T>
void round_trip(const std::string& spec) {
  bp::Model a;
  ASSERT_TRUE(a.init(spec).ok());
  stage_batch(a, 4);
  double L;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.train_step(4, L).ok());
  std::vector<uint8_t> bytes;
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
}

TEST(ModelFile, RoundTripFloat32) { round_trip<float>(kSpec32); }
TEST(ModelFile, RoundTripFloat64) { round_trip<double>(spec_with_dtype("float64")); }

TEST(ModelFile, WithoutOptimizerStateStartsFresh) {
  bp::Model a, b;
  ASSERT_TRUE(a.init(std::string(kSpec32)).ok());
  stage_batch(a, 2);
  double L;
  ASSERT_TRUE(a.train_step(2, L).ok());
  std::vector<uint8_t> with, without;
  ASSERT_TRUE(a.save(true, with).ok());
  ASSERT_TRUE(a.save(false, without).ok());
  // 8 bytes of step count + adam's 2 state tensors per parameter (as big as the parameters).
  size_t nparams = all_params<float>(a).size();
  EXPECT_EQ(with.size() - without.size(), 8 + 2 * nparams * sizeof(float));
  ASSERT_TRUE(b.load(without.data(), without.size()).ok());
  EXPECT_EQ(b.net<float>()->opt.t, 0);
  EXPECT_EQ(all_params<float>(b), all_params<float>(a));
}

struct BadFile : ::testing::Test {
  bp::Model good, target;
  std::vector<uint8_t> bytes;
  std::string before;
  void SetUp() override {
    ASSERT_TRUE(good.init(std::string(kSpec32)).ok());
    ASSERT_TRUE(good.save(true, bytes).ok());
    ASSERT_TRUE(target.init(std::string(R"({"input":[3],"layers":[{"type":"dense","units":2}]})")).ok());
    before = target.info().dump();
  }
  std::string load(const std::vector<uint8_t>& b) {
    std::string msg = target.load(b.data(), b.size()).msg;
    EXPECT_EQ(target.info().dump(), before) << "a failed load changed the model";
    return msg;
  }
};

TEST_F(BadFile, Truncated) {
  EXPECT_EQ(load({}), "model file: truncated: 0 bytes, too short for the 'BPWM' magic and a version");
  EXPECT_EQ(load({'B', 'P', 'W', 'M', 1, 0, 0, 0, 0}), "model file: truncated: 9 bytes, shorter than the header");
  std::vector<uint8_t> b(bytes.begin(), bytes.begin() + 40);
  EXPECT_EQ(load(b).substr(0, 34), "model file: truncated: 40 bytes, b");  // "...but the spec alone needs N"
  for (size_t cut : {bytes.size() - 1, bytes.size() - 4, bytes.size() - 100}) {
    b.assign(bytes.begin(), bytes.begin() + cut);
    EXPECT_EQ(load(b), "model file: truncated: " + std::to_string(cut) + " bytes, expected " + std::to_string(bytes.size()));
  }
  // Every prefix fails cleanly (ASan checks the reads).
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    b.assign(bytes.begin(), bytes.begin() + cut);
    EXPECT_NE(load(b), "") << "a " << cut << "-byte prefix loaded";
  }
}

TEST_F(BadFile, TrailingBytes) {
  auto b = bytes;
  b.push_back(0);
  EXPECT_EQ(load(b), "model file: 1 unexpected bytes after the parameters (expected " + std::to_string(bytes.size()) + " bytes)");
}

TEST_F(BadFile, CorruptedParameterByte) {
  auto b = bytes;
  b[b.size() - 10] ^= 0x40;
  EXPECT_EQ(load(b).substr(0, 37), "model file: checksum mismatch (stored");
  EXPECT_NE(load(b).find("the file is corrupted"), std::string::npos);
}

TEST_F(BadFile, CorruptedSpecByte) {
  auto b = bytes;
  b[20] ^= 0x01;  // inside the spec JSON
  EXPECT_NE(load(b).find("checksum mismatch"), std::string::npos);
}

TEST_F(BadFile, CorruptedChecksum) {
  auto b = bytes;
  b.back() ^= 0xFF;
  EXPECT_NE(load(b).find("checksum mismatch"), std::string::npos);
}

TEST_F(BadFile, WrongMagic) {
  auto b = bytes;
  b[0] = 'P', b[1] = 'K', b[2] = 3, b[3] = 4;
  EXPECT_EQ(load(b), "model file: wrong magic 'PK..' (0x04034b50), not a backprop-wasm model (expected 'BPWM')");
}

TEST_F(BadFile, FutureVersion) {
  auto b = bytes;
  b[4] = 2;
  EXPECT_EQ(load(b), "model file: format version 2 is not supported (this library reads version 1; the file is newer than the library)");
}

TEST(ModelFile, Crc32IsZlibs) {
  // The layout ends with zlib's CRC-32: the standard check value of "123456789" is 0xCBF43926,
  // so a file is also checkable with any zlib. Here: the stored CRC equals zlib's of the rest.
  bp::Model m;
  ASSERT_TRUE(m.init(std::string(R"({"input":[1],"layers":[],"loss":"mse"})")).ok());
  std::vector<uint8_t> b;
  ASSERT_TRUE(m.save(false, b).ok());
  // header 16 + spec + 0 params + crc 4
  std::string spec = m.info().find("spec")->dump();
  ASSERT_EQ(b.size(), 16 + spec.size() + 4);
  EXPECT_EQ(std::string(b.begin() + 16, b.begin() + 16 + spec.size()), spec);
  // CRC of the same bytes computed bit by bit here (the reference definition).
  uint32_t c = ~0u;
  for (size_t i = 0; i + 4 < b.size(); ++i) {
    c ^= b[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  c = ~c;
  uint32_t stored = b[b.size() - 4] | (b[b.size() - 3] << 8) | (b[b.size() - 2] << 16) | ((uint32_t)b[b.size() - 1] << 24);
  EXPECT_EQ(stored, c);
}

}  // namespace

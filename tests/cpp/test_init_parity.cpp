// Initialisation is seeded and platform-independent: the native build reproduces the stored
// fixture exactly (tests/js/training.test.js checks the WASM build against the same file).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "net/model.h"

namespace {

TEST(InitParity, NativeMatchesFixtureBitForBit) {
  std::ifstream f(std::string(BP_FIXTURES_DIR) + "/init_parity.json");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  bp::Json doc;
  ASSERT_TRUE(bp::Json::parse(ss.str(), doc).ok());
  const bp::Json& cases = *doc.find("cases");
  ASSERT_EQ(cases.size(), 2u);
  for (auto& c : cases.items()) {
    bp::Model m;
    ASSERT_TRUE(m.init(*c.find("spec")).ok());
    for (auto& p : c.find("params")->items()) {
      int layer = (int)p.find("layer")->num();
      const std::string& name = p.find("name")->str();
      const auto& want = p.find("values")->items();
      m.visit([&](auto& n) {
        auto* prm = n.find_param(layer, name);
        EXPECT_NE(prm, nullptr);
        if (!prm) return 0;
        EXPECT_EQ(prm->value.size(), want.size());
        for (size_t i = 0; i < want.size() && i < prm->value.size(); ++i)
          EXPECT_EQ((double)prm->value[i], want[i].num()) << "layer " << layer << " " << name << "[" << i << "] "
                                                           << (m.float64() ? "float64" : "float32");
        return 0;
      });
    }
  }
}

}  // namespace

// fuzz/spec.cpp: libFuzzer harness for the spec parser: Model::init from JSON text
// (cpp/net/model.*, cpp/net/sequential.cpp parse_net_spec, the layer table, the optimizer
// config), what `bp.sequential(spec)` runs.
// Any bytes: init() builds a net or returns a message and keeps the net it had, without a
// sanitizer report. A net it builds trains one step, predicts, and survives a save/load
// round trip (fuzz.h exercise).
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bp::fuzz::Kept k;
  bp::Status s = k.m.init(std::string((const char*)data, size));
  if (!s.ok()) k.expect_unchanged(s);
  else bp::fuzz::exercise(k.m);
  return 0;
}

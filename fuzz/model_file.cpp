// fuzz/model_file.cpp: libFuzzer harness for the model file reader, Model::load(bytes, length)
// (cpp/net/model_file.cpp), what `bp.load(bytes)` and the demo's file picker run. It assumes
// nothing about the format: the seeds in fuzz/corpus/model_file are files the current build
// saved (fuzz/make-corpus.mjs).
// Any bytes: load() gives a net or a message and keeps the net it had, without a sanitizer
// report. A net it loads trains one step, predicts, and survives a save/load round trip
// (fuzz.h exercise).
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bp::fuzz::Kept k;
  bp::Status s = k.m.load(data, size);
  if (!s.ok()) k.expect_unchanged(s);
  else bp::fuzz::exercise(k.m);
  return 0;
}

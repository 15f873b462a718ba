// fuzz/json.cpp: libFuzzer harness for the JSON parser and writer (cpp/core/json.*), the first
// thing every spec, optimizer config, dataset shape and model file goes through.
// Any bytes: parse() gives a value or a "JSON: ..." message, without a sanitizer report.
// A value dumps to text that parses back and dumps to the same text (writer and reader agree).
#include "fuzz.h"

using bp::fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bp::Json j;
  bp::Status s = bp::Json::parse(std::string((const char*)data, size), j);
  if (!s.ok()) {
    expect(s.msg.rfind("JSON: ", 0) == 0, "a parse error without the 'JSON: ' prefix: " + s.msg);
    return 0;
  }
  const std::string once = j.dump();
  bp::Json back;
  s = bp::Json::parse(once, back);
  expect(s.ok(), "the dump of a parsed value does not parse: " + s.msg + "\n  dump: " + once);
  expect(back.dump() == once, "dump, parse, dump changes the text:\n  " + once + "\n  " + back.dump());
  expect(j.brief().size() <= 40, "brief() longer than 40 characters: " + j.brief());
  return 0;
}

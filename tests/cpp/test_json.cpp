// The JSON value, parser and writer: specs, fixtures and model files all go through it.
#include "core/json.h"

#include <gtest/gtest.h>

using bp::Json;

namespace {
std::string parse_error(const std::string& text) {
  Json j;
  return Json::parse(text, j).msg;
}
std::string round_trip(const std::string& text) {
  Json j;
  bp::Status s = Json::parse(text, j);
  EXPECT_TRUE(s.ok()) << s.msg;
  return j.dump();
}
}  // namespace

TEST(Json, RoundTrip) {
  const char* text = R"({"input":[1,28,28],"layers":[{"type":"conv2d","kernel":[5,5],"on":true,"off":false,"n":null}],)"
                     R"("lr":0.001,"neg":-2.5,"big":1e+300,"s":"a\"b\\c\nd\t\u0001"})";
  std::string once = round_trip(text);
  EXPECT_EQ(once, text);
  EXPECT_EQ(round_trip(once), once);
}

TEST(Json, NumbersRoundTripExactly) {
  // shortest form that reads back: 0.1 -> "0.1"; 1/3 needs 16 digits; integers print as integers
  Json a = Json::array();
  for (double v : {0.1, 1.0 / 3, 2.0, -0.0, 1e-300, 123456789012345.0, 0.30000000000000004}) a.push(v);
  std::string d = a.dump();
  EXPECT_EQ(d, "[0.1,0.3333333333333333,2,-0,1e-300,123456789012345,0.30000000000000004]");
  Json back;
  ASSERT_TRUE(Json::parse(d, back).ok());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(back[i].num(), a[i].num()) << i;
  Json inf(INFINITY);
  EXPECT_EQ(inf.dump(), "null");  // JSON has no infinity
}

TEST(Json, Strings) {
  Json j;
  ASSERT_TRUE(Json::parse(R"(["\u0041\u00e9\u20ac", "\/\b\f\r"])", j).ok());
  EXPECT_EQ(j[0].str(), "A\xC3\xA9\xE2\x82\xAC");  // UTF-8 of A, é, €
  EXPECT_EQ(j[1].str(), "/\b\f\r");
}

TEST(Json, ObjectsKeepOrderAndFind) {
  Json j;
  ASSERT_TRUE(Json::parse(R"({"b":1,"a":2})", j).ok());
  EXPECT_EQ(j.members()[0].first, "b");
  EXPECT_EQ(j.find("a")->num(), 2);
  EXPECT_EQ(j.find("c"), nullptr);
  j.set("b", 3);
  EXPECT_EQ(j.dump(), R"({"b":3,"a":2})");
}

TEST(Json, ErrorsNameThePlace) {
  EXPECT_EQ(parse_error(""), "JSON: expected a value at offset 0 (end of text)");
  EXPECT_EQ(parse_error("[1,2"), "JSON: expected ',' or ']' at offset 4 (end of text)");
  EXPECT_EQ(parse_error(R"({"a" 1})"), "JSON: expected ':' at offset 5 (found '1')");
  EXPECT_EQ(parse_error(R"({a:1})"), "JSON: expected a string at offset 1 (found 'a')");
  EXPECT_EQ(parse_error("{} x"), "JSON: trailing text at offset 3 (found 'x')");
  EXPECT_EQ(parse_error(R"("abc)"), "JSON: unterminated string at offset 4 (end of text)");
  EXPECT_EQ(parse_error(R"("a\qb")"), "JSON: bad escape at offset 3 (found 'q')");
  EXPECT_EQ(parse_error("tru"), "JSON: unexpected character at offset 0 (found 't')");
  EXPECT_EQ(parse_error(std::string(65, '[') + std::string(65, ']')), "JSON: nesting deeper than 64 at offset 64 (found '[')");
  EXPECT_EQ(parse_error(std::string(64, '[') + std::string(64, ']')), "");
}

TEST(Json, RejectsWhatStrtodWouldAccept) {
  EXPECT_EQ(parse_error("-inf"), "JSON: bad number at offset 1 (found 'i')");
  EXPECT_EQ(parse_error("NaN"), "JSON: unexpected character at offset 0 (found 'N')");
  EXPECT_EQ(parse_error("0x1F"), "JSON: trailing text at offset 1 (found 'x')");
  EXPECT_EQ(parse_error("01"), "JSON: trailing text at offset 1 (found '1')");
  EXPECT_EQ(parse_error("1."), "JSON: bad number (digits must follow '.') at offset 2 (end of text)");
  EXPECT_EQ(parse_error("[.5]"), "JSON: unexpected character at offset 1 (found '.')");
  EXPECT_EQ(parse_error("2e"), "JSON: bad number (digits must follow the exponent) at offset 2 (end of text)");
  EXPECT_EQ(parse_error("1e999"), "JSON: number out of range at offset 0 (found '1')");
  EXPECT_EQ(parse_error(R"("\u00zz")"), "JSON: \\u needs 4 hex digits at offset 5 (found 'z')");
  EXPECT_EQ(parse_error("\"a\nb\""), "JSON: control character in a string (write it as an escape) at offset 2 (found '\n')");
  EXPECT_EQ(parse_error("-0.5e-3"), "");
}

TEST(Json, BriefQuotesShortly) {
  Json j;
  ASSERT_TRUE(Json::parse(R"([1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20])", j).ok());
  EXPECT_EQ(j.brief(), "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,...");
  EXPECT_EQ(Json(-0.1).brief(), "-0.1");
}

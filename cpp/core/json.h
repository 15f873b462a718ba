// json.h: a small JSON value, parser and writer (RFC 8259 subset: no \u surrogate pairs
// beyond the BMP). Specs, fixtures and model files are JSON, so the same text drives the
// native tests and the WASM module.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace bp {

class Json {
 public:
  enum Kind { Null, Bool, Number, String, Array, Object };

  Json() = default;
  Json(double v) : kind_(Number), num_(v) {}
  Json(int v) : kind_(Number), num_(v) {}
  Json(bool v) : kind_(Bool), num_(v ? 1 : 0) {}
  Json(const char* s) : kind_(String), str_(s) {}
  Json(std::string s) : kind_(String), str_(std::move(s)) {}
  static Json array() { Json j; j.kind_ = Array; return j; }
  static Json object() { Json j; j.kind_ = Object; return j; }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Null; }
  bool is_number() const { return kind_ == Number; }
  bool is_string() const { return kind_ == String; }
  bool is_bool() const { return kind_ == Bool; }
  bool is_array() const { return kind_ == Array; }
  bool is_object() const { return kind_ == Object; }

  double num() const { return num_; }
  bool boolean() const { return num_ != 0; }
  const std::string& str() const { return str_; }
  const std::vector<Json>& items() const { return arr_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return obj_; }
  size_t size() const { return kind_ == Array ? arr_.size() : obj_.size(); }
  const Json& operator[](size_t i) const { return arr_[i]; }

  // Object access: members keep insertion order so dumps are stable.
  const Json* find(const std::string& key) const {
    for (auto& kv : obj_)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  bool has(const std::string& key) const { return find(key) != nullptr; }
  Json& set(const std::string& key, Json v) {
    for (auto& kv : obj_)
      if (kv.first == key) return kv.second = std::move(v);
    obj_.emplace_back(key, std::move(v));
    return obj_.back().second;
  }
  Json& push(Json v) { arr_.push_back(std::move(v)); return arr_.back(); }

  std::string dump() const;
  // Parses text into out; on error the message names the position and what was found.
  static Status parse(const std::string& text, Json& out);

  // A short description of a value for error messages: 3, "abc", [1,2], {...}.
  std::string brief() const;

 private:
  Kind kind_ = Null;
  double num_ = 0;
  std::string str_;
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;
  friend struct JsonParser;
};

}  // namespace bp

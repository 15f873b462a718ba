#include "json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace bp {

namespace {
void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += (char)c;
        }
    }
  }
  out += '"';
}

void dump_value(const Json& j, std::string& out) {
  switch (j.kind()) {
    case Json::Null: out += "null"; break;
    case Json::Bool: out += j.boolean() ? "true" : "false"; break;
    case Json::Number: {
      double v = j.num();
      if (!std::isfinite(v)) { out += "null"; break; }
      if (v == std::floor(v) && std::fabs(v) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", v);
        out += buf;
      } else {
        // The shortest of %.15g/%.16g/%.17g that reads back as v: 0.1 stays "0.1" (and
        // messages quote what the user wrote), while %.17g round-trips every double.
        char buf[40];
        for (int prec = 15; prec <= 17; ++prec) {
          std::snprintf(buf, sizeof buf, "%.*g", prec, v);
          if (std::strtod(buf, nullptr) == v) break;
        }
        out += buf;
      }
      break;
    }
    case Json::String: dump_string(j.str(), out); break;
    case Json::Array:
      out += '[';
      for (size_t i = 0; i < j.items().size(); ++i) {
        if (i) out += ',';
        dump_value(j.items()[i], out);
      }
      out += ']';
      break;
    case Json::Object:
      out += '{';
      for (size_t i = 0; i < j.members().size(); ++i) {
        if (i) out += ',';
        dump_string(j.members()[i].first, out);
        out += ':';
        dump_value(j.members()[i].second, out);
      }
      out += '}';
      break;
  }
}
}  // namespace

std::string Json::dump() const {
  std::string out;
  dump_value(*this, out);
  return out;
}

std::string Json::brief() const {
  std::string d = dump();
  return d.size() > 40 ? d.substr(0, 37) + "..." : d;
}

struct JsonParser {
  const std::string& t;
  size_t i = 0;
  std::string err;
  int depth = 0;

  bool fail(const std::string& what) {
    if (err.empty()) {
      err = "JSON: " + what + " at offset " + std::to_string(i);
      if (i < t.size()) err += " (found '" + t.substr(i, 1) + "')";
      else err += " (end of text)";
    }
    return false;
  }
  void ws() {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) ++i;
  }
  bool lit(const char* s) {
    size_t n = std::char_traits<char>::length(s);
    if (t.compare(i, n, s) != 0) return false;
    i += n;
    return true;
  }
  bool string(std::string& out) {
    if (i >= t.size() || t[i] != '"') return fail("expected a string");
    ++i;
    while (i < t.size() && t[i] != '"') {
      char c = t[i++];
      if (c == '\\') {
        if (i >= t.size()) return fail("unterminated escape");
        char e = t[i++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            unsigned cp = 0;
            for (int k = 0; k < 4; ++k, ++i) {  // exactly 4 hex digits (strtoul would take "zz" as 0)
              char h = i < t.size() ? t[i] : '\0';
              int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
              if (d < 0) return fail("\\u needs 4 hex digits");
              cp = cp * 16 + (unsigned)d;
            }
            if (cp < 0x80) out += (char)cp;
            else if (cp < 0x800) { out += (char)(0xC0 | (cp >> 6)); out += (char)(0x80 | (cp & 0x3F)); }
            else { out += (char)(0xE0 | (cp >> 12)); out += (char)(0x80 | ((cp >> 6) & 0x3F)); out += (char)(0x80 | (cp & 0x3F)); }
            break;
          }
          default: --i; return fail("bad escape");
        }
      } else if ((unsigned char)c < 0x20) {
        --i;
        return fail("control character in a string (write it as an escape)");
      } else {
        out += c;
      }
    }
    if (i >= t.size()) return fail("unterminated string");
    ++i;
    return true;
  }
  // RFC 8259 number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?  Checked by hand first:
  // strtod alone also takes "-inf", "nan", "0x1F", "1." and "01".
  bool number(Json& out) {
    size_t start = i;
    auto digits = [&]() {
      size_t from = i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
      return i > from;
    };
    if (t[i] == '-') ++i;
    if (i < t.size() && t[i] == '0') ++i;
    else if (!digits()) return fail("bad number");
    if (i < t.size() && t[i] == '.') {
      ++i;
      if (!digits()) return fail("bad number (digits must follow '.')");
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      ++i;
      if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
      if (!digits()) return fail("bad number (digits must follow the exponent)");
    }
    double v = std::strtod(t.substr(start, i - start).c_str(), nullptr);
    if (!std::isfinite(v)) { i = start; return fail("number out of range"); }
    out = Json(v);
    return true;
  }
  bool value(Json& out) {
    if (++depth > 64) return fail("nesting deeper than 64");
    ws();
    if (i >= t.size()) return fail("expected a value");
    char c = t[i];
    bool ok = true;
    if (c == '{') {
      out.kind_ = Json::Object;
      ++i; ws();
      if (i < t.size() && t[i] == '}') { ++i; --depth; return true; }
      while (ok) {
        ws();
        std::string key;
        if (!string(key)) return false;
        ws();
        if (i >= t.size() || t[i] != ':') return fail("expected ':'");
        ++i;
        Json v;
        if (!value(v)) return false;
        out.obj_.emplace_back(std::move(key), std::move(v));
        ws();
        if (i < t.size() && t[i] == ',') { ++i; continue; }
        if (i < t.size() && t[i] == '}') { ++i; break; }
        return fail("expected ',' or '}'");
      }
    } else if (c == '[') {
      out.kind_ = Json::Array;
      ++i; ws();
      if (i < t.size() && t[i] == ']') { ++i; --depth; return true; }
      while (ok) {
        Json v;
        if (!value(v)) return false;
        out.arr_.push_back(std::move(v));
        ws();
        if (i < t.size() && t[i] == ',') { ++i; continue; }
        if (i < t.size() && t[i] == ']') { ++i; break; }
        return fail("expected ',' or ']'");
      }
    } else if (c == '"') {
      out.kind_ = Json::String;
      if (!string(out.str_)) return false;
    } else if (lit("true")) { out = Json(true);
    } else if (lit("false")) { out = Json(false);
    } else if (lit("null")) { out = Json();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (!number(out)) return false;
    } else {
      return fail("unexpected character");
    }
    --depth;
    return true;
  }
};

Status Json::parse(const std::string& text, Json& out) {
  JsonParser p{text, 0, {}, 0};
  out = Json();
  if (!p.value(out)) return Error(p.err);
  p.ws();
  if (p.i != text.size()) { p.fail("trailing text"); return Error(p.err); }
  return Status::Ok();
}

}  // namespace bp

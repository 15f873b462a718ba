// model_file.cpp: Model::save / Model::load, the binary model file (layout in model.h).
// Reading checks, in this order: length, magic, version, checksum (telling a truncated file
// from a corrupted one), then the spec and every length, so any bad file gets a message.
#include <cstring>

#include "model.h"

namespace bp {

namespace {
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFlagOptimizer = 1;
constexpr size_t kHeader = 16;  // magic, version, flags, spec length

// CRC-32 (IEEE 802.3, zlib's crc32): reflected polynomial 0xEDB88320, init and final xor ~0.
uint32_t crc32(const uint8_t* p, size_t n) {
  static uint32_t table[256];
  static bool made = false;
  if (!made) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    made = true;
  }
  uint32_t c = ~0u;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

void put_u32(std::vector<uint8_t>& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back((uint8_t)(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }
template <typename T>
void put_values(std::vector<uint8_t>& o, const T* v, size_t n) {  // little-endian hosts (x86, WASM)
  size_t at = o.size();
  o.resize(at + n * sizeof(T));
  if (n) std::memcpy(o.data() + at, v, n * sizeof(T));
}

template <typename T>
size_t payload_size(Sequential<T>& net, bool with_opt) {
  size_t n = 0;
  for (auto* p : net.param_list()) n += p->value.size();
  return (with_opt ? 8 + n * net.opt.cfg.slots() * sizeof(T) : 0) + n * sizeof(T);
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}
}  // namespace

Status Model::save(bool with_opt, std::vector<uint8_t>& out) const {
  out.clear();
  const std::string spec = visit([](auto& n) { return n.spec.to_json().dump(); });
  out.insert(out.end(), {'B', 'P', 'W', 'M'});
  put_u32(out, kVersion);
  put_u32(out, with_opt ? kFlagOptimizer : 0);
  put_u32(out, (uint32_t)spec.size());
  out.insert(out.end(), spec.begin(), spec.end());
  const_cast<Model*>(this)->visit([&](auto& net) {
    if (with_opt) {
      uint64_t t = (uint64_t)net.opt.t;
      for (int i = 0; i < 8; ++i) out.push_back((uint8_t)(t >> (8 * i)));
      for (auto& s : net.opt.state) put_values(out, s.data(), s.size());
    }
    for (auto* p : net.param_list()) put_values(out, p->value.data(), p->value.size());
    return 0;
  });
  put_u32(out, crc32(out.data(), out.size()));
  return Status::Ok();
}

Status Model::load(const uint8_t* d, size_t len) {
  const std::string w = "model file: ";
  if (len < 8) return Error(w + "truncated: " + std::to_string(len) + " bytes, too short for the 'BPWM' magic and a version");
  if (std::memcmp(d, "BPWM", 4) != 0) {
    std::string got;
    for (int i = 0; i < 4; ++i) got += (d[i] >= 32 && d[i] < 127) ? (char)d[i] : '.';
    return Error(w + "wrong magic '" + got + "' (" + hex32(get_u32(d)) + "), not a backprop-wasm model (expected 'BPWM')");
  }
  const uint32_t version = get_u32(d + 4);
  if (version == 0 || version > kVersion)
    return Error(w + "format version " + std::to_string(version) + " is not supported (this library reads version " +
                 std::to_string(kVersion) + (version > kVersion ? "; the file is newer than the library)" : ")"));
  if (len < kHeader + 4) return Error(w + "truncated: " + std::to_string(len) + " bytes, shorter than the header");
  const uint32_t flags = get_u32(d + 8), spec_len = get_u32(d + 12);
  if (flags & ~kFlagOptimizer) return Error(w + "unknown flags " + hex32(flags) + " (corrupted?)");
  const bool with_opt = flags & kFlagOptimizer;
  if (kHeader + (size_t)spec_len + 4 > len)
    return Error(w + "truncated: " + std::to_string(len) + " bytes, but the spec alone needs " + std::to_string(kHeader + spec_len + 4));
  const uint32_t stored = get_u32(d + len - 4), computed = crc32(d, len - 4);

  // Build the net the spec describes; its sizes give the expected file length.
  Json spec;
  Model m;
  Status parsed = Json::parse(std::string((const char*)d + kHeader, spec_len), spec);
  if (parsed.ok()) parsed = m.init(spec);
  if (!parsed.ok()) {
    if (stored != computed) return Error(w + "checksum mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) + "): the file is corrupted");
    return Error(w + "bad spec: " + parsed.msg);
  }
  const size_t want = kHeader + spec_len + m.visit([&](auto& n) { return payload_size(n, with_opt); }) + 4;
  if (len < want) return Error(w + "truncated: " + std::to_string(len) + " bytes, expected " + std::to_string(want));
  if (len > want) return Error(w + std::to_string(len - want) + " unexpected bytes after the parameters (expected " + std::to_string(want) + " bytes)");
  if (stored != computed) return Error(w + "checksum mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) + "): the file is corrupted");

  const uint8_t* p = d + kHeader + spec_len;
  m.visit([&](auto& net) {
    using T = typename std::decay_t<decltype(net.acts[0])>::value_type;
    if (with_opt) {
      uint64_t t = 0;
      for (int i = 0; i < 8; ++i) t |= (uint64_t)p[i] << (8 * i);
      p += 8;
      net.opt.t = (int64_t)t;
      for (auto& s : net.opt.state) {
        if (!s.empty()) std::memcpy(s.data(), p, s.size() * sizeof(T));
        p += s.size() * sizeof(T);
      }
    }
    for (auto* prm : net.param_list()) {
      if (!prm->value.empty()) std::memcpy(prm->value.data(), p, prm->value.size() * sizeof(T));
      p += prm->value.size() * sizeof(T);
    }
    return 0;
  });
  f32 = std::move(m.f32);
  f64 = std::move(m.f64);
  trainer.reset();
  return Status::Ok();
}

}  // namespace bp

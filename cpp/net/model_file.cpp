// model_file.cpp: Model::save / Model::load. A model file is a safetensors file
// (https://huggingface.co/docs/safetensors), readable by safetensors.torch.load_file or numpy:
//
//   u64 N (little-endian) | N bytes of JSON header, space-padded to a multiple of 8 | data
//   header  {"__metadata__": {"format_version": "2", "spec": <the spec JSON, with its optimizer>,
//                             "optimizer.step": "<t>" (only with the optimizer state)},
//            "<name>": {"dtype": "F32"|"F64", "shape": [..], "data_offsets": [begin, end]}, ...}
//
// Names and layouts are PyTorch's state_dict of the same nn.Sequential: "<layer>.weight",
// "<layer>.bias" (conv2d [OC,C,KH,KW], dense [out,in]; prelu's alpha is "<layer>.weight" [A]),
// in the net's dtype; the optimizer state is "optimizer.<name>.<key>", key torch.optim's
// (exp_avg, exp_avg_sq, momentum_buffer, ...). Offsets count from the start of the data, which
// the tensors tile (save writes them in header order). load() also reads the first format,
// 'BPWM' (read_bpwm).
//
// Every length and offset read from a file is 64-bit (16 + 0xFFFFFFEC + 4 wraps WASM's 32-bit
// size_t); names (unknown, duplicate, missing), dtypes, shapes (against the spec's net), offsets
// (size, gaps, overlaps, trailing bytes), values (finite; sums of squares >= 0) and the step
// count are checked, and the net is built apart, so a bad file changes nothing.
#include <cstdarg>
#include <cstring>

#include "model.h"

namespace bp {

namespace {
constexpr uint64_t kMaxStep = (uint64_t(1) << 53) - 1;  // a step count a JS number holds exactly
using u64 = unsigned long long;                          // for %llu

// printf into a string: one call per message or header entry, not chains of string +s (the
// module's size budget).
std::string vformat(const char* fmt, va_list a) {
  va_list b;
  va_copy(b, a);
  std::string s(std::vsnprintf(nullptr, 0, fmt, b), '\0');
  va_end(b);
  std::vsnprintf(&s[0], s.size() + 1, fmt, a);
  return s;
}
std::string format(const char* fmt, ...) {
  va_list a;
  va_start(a, fmt);
  std::string s = vformat(fmt, a);
  va_end(a);
  return s;
}
Status fail(const char* fmt, ...) {  // "model file: " and the message
  va_list a;
  va_start(a, fmt);
  Status s = Error("model file: " + vformat(fmt, a));
  va_end(a);
  return s;
}

// One tensor of a net as the file names it; `values` points into the net (float or double).
// Plain data (a name of at most 63 characters: "optimizer.<layer>.weight.momentum_buffer"
// needs 40 with a 7-digit layer), so a list of them costs little code.
struct Tensor {
  char name[64];
  const Shape* shape;
  void* values;
  bool square;                  // a running sum or average of squares: never negative
  const uint8_t* at;            // load: where its bytes are in the file
  uint64_t begin, end;          // load (safetensors): its data_offsets
  uint64_t bytes(uint64_t es) const { return (uint64_t)numel(*shape) * es; }
};

// Names state slot s of the parameter tensor p (values set by the caller).
void name_state(Tensor& t, const Tensor& p, OptimKind kind, int s) {
  const char* key = optim_state_name(kind, s);
  char name[64];
  std::snprintf(name, 64, "optimizer.%.32s.%.16s", p.name, key);
  t = p;
  std::memcpy(t.name, name, 64);
  t.square = std::strcmp(key, "momentum_buffer") && std::strcmp(key, "exp_avg");
}

// The net's parameters in layer order, then (with_opt) each one's optimizer state slots.
std::vector<Tensor> tensors(Model& m, bool with_opt) {
  return m.visit([&](auto& net) {
    const size_t np = net.param_list().size();
    const int slots = with_opt ? net.opt.cfg.slots() : 0;
    std::vector<Tensor> out(np * (1 + slots));
    size_t i = 0;
    for (size_t l = 0; l < net.layers.size(); ++l)
      for (auto& p : net.layers[l]->params) {
        out[i].shape = &p.shape;
        out[i].values = p.value.data();  // PReLU's alpha is nn.PReLU's weight:
        std::snprintf(out[i].name, 64, "%d.%s", (int)l, p.name == "alpha" ? "weight" : p.name.c_str());
        for (int s = 0; s < slots; ++s) {
          name_state(out[np + i * slots + s], out[i], net.opt.cfg.kind, s);
          out[np + i * slots + s].values = net.opt.state[i].data() + s * p.value.size();
        }
        ++i;
      }
    return out;
  });
}

uint64_t get_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

// Builds the spec's net; `data`: the bytes the file holds for its tensors. Each weight is checked
// against what is left of them (and the memory budget) before it is allocated, so a spec far
// bigger than its file is refused at once, without building anything large.
Status build(Status parsed, Model& m, const Json& spec, uint64_t data) {
  if (!parsed.ok()) return fail("bad spec: %s", parsed.msg.c_str());
  MemoryBudget& mem = memory();
  const int64_t refusals = mem.refusals;
  mem.file_bytes = (double)data;
  parsed = m.init(spec);
  mem.file_bytes = INFINITY;
  if (parsed.ok()) return parsed;
  // A size the budget or the file refused is not a bad spec: say what would not fit.
  return mem.refusals != refusals ? fail("%s", parsed.msg.c_str()) : fail("bad spec: %s", parsed.msg.c_str());
}

// ---- the first format ----
// 'BPWM' | u32 version (1) | u32 flags (1 = optimizer state) | u32 spec length | spec JSON |
// [u64 step count | per parameter, its slots() state tensors] | the parameters in layer order |
// u32 CRC-32 (zlib's) of all before it. Checked in this order: length, magic, version, checksum
// (telling a truncated file from a corrupted one), then the spec and every length.
uint32_t crc32(const uint8_t* p, size_t n) {  // reflected polynomial 0xEDB88320, init and final xor ~0
  uint32_t c = ~0u;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

Status read_bpwm(const uint8_t* d, size_t len, Model& m, std::vector<Tensor>& ts, bool& with_opt, std::string& step) {
  const u64 version = get_le(d + 4, 4);
  if (version != 1)
    return fail("'BPWM' format version %llu is not supported (this library reads version 1%s)", version,
                version > 1 ? "; the file is newer than the library" : "");
  if (len < 20) return fail("truncated: %llu bytes, shorter than the 'BPWM' header", (u64)len);
  const u64 flags = get_le(d + 8, 4), spec_end = 16 + get_le(d + 12, 4);  // 64-bit: no wrap
  if (flags > 1) return fail("unknown flags 0x%08llx (corrupted?)", flags);
  with_opt = flags;
  if (spec_end + 4 > len) return fail("truncated: %llu bytes, but the spec alone needs %llu", (u64)len, spec_end + 4);
  const uint32_t stored = (uint32_t)get_le(d + len - 4, 4), computed = crc32(d, len - 4);
  const Status corrupted = fail("checksum mismatch (stored 0x%08x, computed 0x%08x): the file is corrupted", stored, computed);

  // Build the net the spec describes; its sizes give the expected file length.
  Json spec;
  Status s = build(Json::parse(std::string((const char*)d + 16, spec_end - 16), spec), m, spec, len - spec_end - 4);
  if (!s.ok()) return stored != computed ? corrupted : s;
  ts = tensors(m, with_opt);
  const uint64_t es = m.float64() ? 8 : 4;
  u64 want = spec_end + (with_opt ? 8 : 0) + 4;
  for (auto& t : ts) want += t.bytes(es);
  if (len < want) return fail("truncated: %llu bytes, expected %llu", (u64)len, want);
  if (len > want) return fail("%llu unexpected bytes after the parameters (expected %llu bytes)", len - want, want);
  if (stored != computed) return corrupted;

  const uint8_t* p = d + spec_end;
  if (with_opt) step = format("%llu", (u64)get_le(p, 8)), p += 8;
  const size_t np = ts.size() / (with_opt ? 1 + m.visit([](auto& n) { return n.opt.cfg.slots(); }) : 1);
  for (size_t i = 0; i < ts.size(); ++i) {  // the state (ts[np..]) comes first, then the parameters
    Tensor& t = ts[with_opt ? (i + np) % ts.size() : i];
    t.at = p;
    p += t.bytes(es);
  }
  return Status::Ok();
}

// ---- safetensors ----
Status read_safetensors(const uint8_t* d, size_t len, Model& m, std::vector<Tensor>& ts, bool& with_opt, std::string& step) {
  if (len > 8 && d[8] != '{') {
    char start[10] = {};
    for (int i = 0; i < 9; ++i) start[i] = d[i] >= 32 && d[i] < 127 ? (char)d[i] : '.';
    return fail("not a model file: it starts '%s', but a safetensors file has '{' after its 8-byte header length (and a 'BPWM' one starts 'BPWM')", start);
  }
  const u64 n = get_le(d, 8);
  if (n > len - 8) return fail("header length %llu is more than the %llu bytes after it (truncated?)", n, (u64)len - 8);
  const u64 size = len - 8 - n;
  Json h, spec;
  Status s = Json::parse(std::string((const char*)d + 8, n), h);
  if (!s.ok()) return fail("header: %s", s.msg.c_str());
  const Json* meta = h.find("__metadata__");
  if (!meta || !meta->is_object()) return fail("the header has no __metadata__ object (a safetensors file, but not one of a backprop-wasm net)");
  for (auto& kv : meta->members())
    if (!kv.second.is_string()) return fail("__metadata__ \"%s\" must be a string, got %s", kv.first.c_str(), kv.second.brief().c_str());
  const Json *version = meta->find("format_version"), *text = meta->find("spec"), *t = meta->find("optimizer.step");
  if (!version || version->str() != "2")
    return fail("format_version %s is not supported (this library reads \"2\")", version ? version->brief().c_str() : "(none)");
  if (!text) return fail("__metadata__ has no \"spec\"");
  BP_TRY(build(Json::parse(text->str(), spec), m, spec, size));
  with_opt = t;
  if (t) step = t->str();
  ts = tensors(m, with_opt);

  const uint64_t es = m.float64() ? 8 : 4;
  const char* dtype = es == 8 ? "\"F64\"" : "\"F32\"";
  auto dump = [](const Json* j) { return j ? j->dump() : std::string("(none)"); };
  for (auto& kv : h.members()) {
    const char* name = kv.first.c_str();
    if (kv.first == "__metadata__") {
      if (&kv.second != meta) return fail("__metadata__ appears twice in the header");
      continue;
    }
    Tensor* x = nullptr;
    for (auto& y : ts) x = kv.first == y.name ? &y : x;
    if (!x) return fail("tensor '%s' is not a parameter of the spec's net%s", name, with_opt ? " nor its optimizer state" : "");
    if (x->at) return fail("tensor '%s' appears twice in the header", name);
    const Json *off = kv.second.find("data_offsets");
    const std::string got = dump(kv.second.find("dtype")), shape = dump(kv.second.find("shape")), want = shape_str(*x->shape);
    if (got != dtype) return fail("tensor '%s' has dtype %s, but the spec's net is %s: %s", name, got.c_str(), es == 8 ? "float64" : "float32", dtype);
    if (shape != want) return fail("tensor '%s' has shape %s, but the spec's net has %s", name, shape.c_str(), want.c_str());
    double begin = -1, end = -1;
    if (off && off->is_array() && off->size() == 2 && (*off)[0].is_number() && (*off)[1].is_number()) begin = (*off)[0].num(), end = (*off)[1].num();
    if (!(0 <= begin && begin <= end && end <= (double)size) || begin != std::floor(begin) || end != std::floor(end))
      return fail("tensor '%s' has data_offsets %s, not [begin, end] with 0 <= begin <= end <= %llu (the data's size)", name, dump(off).c_str(), size);
    x->begin = (uint64_t)begin, x->end = (uint64_t)end;
    if (x->end - x->begin != x->bytes(es))
      return fail("tensor '%s' has data_offsets %s: %llu bytes, but shape %s in %s takes %llu", name, dump(off).c_str(),
                  (u64)(x->end - x->begin), want.c_str(), dtype, (u64)x->bytes(es));
    x->at = d + 8 + n + x->begin;
  }
  // By offset (a missing tensor first), the tensors must tile the data: no gap, no overlap.
  for (size_t i = 1; i < ts.size(); ++i)
    for (size_t j = i; j > 0 && ts[j - 1].begin > ts[j].begin; --j) std::swap(ts[j - 1], ts[j]);
  u64 pos = 0;
  for (auto& x : ts) {
    if (!x.at) return fail("tensor '%s' %s of the spec's net is missing", x.name, shape_str(*x.shape).c_str());
    if (x.begin != pos)
      return fail("tensor '%s' starts at byte %llu of the data, where the tensors before it end at %llu (%s)", x.name, (u64)x.begin, pos,
                  x.begin > pos ? "a gap" : "they overlap");
    pos = x.end;
  }
  if (pos != size) return fail("%llu unexpected bytes after the last tensor's data (the data is %llu bytes, the tensors end at %llu)", size - pos, size, pos);
  return Status::Ok();
}
}  // namespace

Status Model::save(bool with_opt, std::vector<uint8_t>& out) const {
  const std::vector<Tensor> ts = tensors(const_cast<Model&>(*this), with_opt);
  const uint64_t es = f64 ? 8 : 4;
  std::string text = "{\"__metadata__\":{\"format_version\":\"2\",\"spec\":" + Json(visit([](auto& n) { return n.spec.to_json().dump(); })).dump();
  if (with_opt) text += format(",\"optimizer.step\":\"%lld\"", (long long)visit([](auto& n) { return n.opt.t; }));
  text += "}";
  u64 at = 0;
  for (auto& t : ts)
    text += format(",\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%llu,%llu]}", t.name, es == 8 ? "F64" : "F32",
                   shape_str(*t.shape).c_str(), at, at + t.bytes(es)),
        at += t.bytes(es);
  text += "}";
  text.resize((text.size() + 7) / 8 * 8, ' ');  // the data 8-byte aligned, as safetensors' writer pads
  out.clear();
  for (int i = 0; i < 8; ++i) out.push_back((uint8_t)((uint64_t)text.size() >> (8 * i)));  // (64-bit: a 32-bit size_t shifted by 32 is undefined)
  out.insert(out.end(), text.begin(), text.end());
  for (auto& t : ts) out.insert(out.end(), (const uint8_t*)t.values, (const uint8_t*)t.values + t.bytes(es));
  return Status::Ok();
}

Status Model::load(const uint8_t* d, size_t len) {
  if (len < 8) return fail("truncated: %llu bytes, shorter than a header", (u64)len);
  Model m;
  std::vector<Tensor> ts;
  bool with_opt = false;
  std::string step;
  BP_TRY(std::memcmp(d, "BPWM", 4) == 0 ? read_bpwm(d, len, m, ts, with_opt, step) : read_safetensors(d, len, m, ts, with_opt, step));
  const bool wide = m.float64();
  for (auto& t : ts)
    for (int64_t j = 0; j < numel(*t.shape); ++j) {
      double v;
      float f;
      if (wide) std::memcpy(&v, t.at + 8 * j, 8);
      else v = *(float*)std::memcpy(&f, t.at + 4 * j, 4);
      if (!std::isfinite(v) || (t.square && v < 0))
        return fail("tensor '%s' value %.10g at index %lld is not %s", t.name, v, (long long)j,
                    t.square ? "a finite number >= 0 (a sum or average of squares)" : "finite");
      if (wide) ((double*)t.values)[j] = v;
      else ((float*)t.values)[j] = (float)v;
    }
  if (with_opt) {
    u64 t = 0;
    bool ok = !step.empty() && step.size() <= 16;
    for (char c : step) ok = ok && c >= '0' && c <= '9', t = t * 10 + (u64)(c - '0');
    if (!ok || t > kMaxStep) return fail("optimizer.step \"%s\" is not a step count in [0, %llu]", step.c_str(), (u64)kMaxStep);
    m.visit([&](auto& net) { return net.opt.t = (int64_t)t; });
  }
  f32 = std::move(m.f32);
  f64 = std::move(m.f64);
  trainer.reset();
  return Status::Ok();
}

}  // namespace bp

// simd.h: the one 16-byte vector type the fast kernels are written with.
//
// GCC/Clang vector extensions: V<float> is f32x4, V<double> f64x2, V<int> i32x4. The same
// source becomes WebAssembly SIMD128 under Emscripten (-msimd128) and SSE natively. Loads and
// stores go through memcpy, so a pointer needs no 16-byte alignment (the compilers emit one
// unaligned vector load/store).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace bp {

template <typename T>
struct Vec {
  typedef T type __attribute__((vector_size(16)));
};
template <typename T>
using V = typename Vec<T>::type;
template <typename T>
constexpr int VL = 16 / sizeof(T);  // lanes
// What a compare of two V<T> gives: per lane all ones (true) or all zeros, as same-width ints.
template <typename T>
using Mask = V<std::conditional_t<sizeof(T) == 4, int32_t, int64_t>>;

template <typename T>
inline V<T> vload(const T* p) {
  V<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
inline void vstore(T* p, V<T> v) {
  std::memcpy(p, &v, sizeof v);
}

// pmax(a, b) = a < b ? b : a per lane: WASM's f32x4.pmax, one instruction. pmax(0, v) is relu(v)
// bit for bit (NaN and −0 give +0), and for m ≥ +0 (not NaN) pmax(m, v) = max(m, relu(v)).
#if defined(__wasm_simd128__)
inline V<float> pmax(V<float> a, V<float> b) { return (V<float>)wasm_f32x4_pmax((v128_t)a, (v128_t)b); }
#else
inline V<float> pmax(V<float> a, V<float> b) {
  const Mask<float> m = a < b;
  return (V<float>)(((Mask<float>)b & m) | ((Mask<float>)a & ~m));
}
#endif

// Broadcast (not `V{} + s`: x + 0 is no identity for x = −0, so that costs a real add).
inline V<float> vsplat(float s) { return V<float>{s, s, s, s}; }
inline V<double> vsplat(double s) { return V<double>{s, s}; }

}  // namespace bp

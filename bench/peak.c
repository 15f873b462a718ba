// peak.c: the WASM SIMD peak the bench reports fractions of, when the module has no peakGflops()
// of its own. A register-blocked f32x4 GEMM micro-kernel: a 6x8 tile of C in 12 v128 accumulators,
// per k one 8-float row of B (two loads), six broadcasts of A, twelve f32x4 multiply + add
// (WASM SIMD has no fused multiply-add) = 96 FLOP. Packed panels of K = 128 stay in L1, so this
// is the compute ceiling of a GEMM written this way, not of the memory system.
// Built by bench/run.mjs: emcc -O3 -msimd128 --no-entry -sSTANDALONE_WASM -> build/bench/peak.wasm
#include <wasm_simd128.h>

#define K 128
static float A[K * 6], B[K * 8], C[6 * 8];

__attribute__((export_name("init"))) void init(void) {
  for (int i = 0; i < K * 6; ++i) A[i] = 1.0f + (float)i * 1e-6f;
  for (int i = 0; i < K * 8; ++i) B[i] = 1.0f - (float)i * 1e-6f;
}

// FLOP done by one call of kernel(reps): reps * K * 6 * 8 * 2.
__attribute__((export_name("flopPerRep"))) double flop_per_rep(void) { return (double)K * 6 * 8 * 2; }

#define ROW(r)                                  \
  a = wasm_v128_load32_splat(pa + r);           \
  c##r##0 = wasm_f32x4_add(c##r##0, wasm_f32x4_mul(a, b0)); \
  c##r##1 = wasm_f32x4_add(c##r##1, wasm_f32x4_mul(a, b1));

__attribute__((export_name("kernel"))) float kernel(int reps) {
  for (int rep = 0; rep < reps; ++rep) {
    v128_t z = wasm_f32x4_splat(0.0f);
    v128_t c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    for (int k = 0; k < K; ++k) {
      const float* pa = A + 6 * k;
      v128_t b0 = wasm_v128_load(B + 8 * k), b1 = wasm_v128_load(B + 8 * k + 4), a;
      ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5)
    }
    // Accumulate into C so nothing above is dead.
    v128_t* pc = (v128_t*)C;
    pc[0] = wasm_f32x4_add(pc[0], c00); pc[1] = wasm_f32x4_add(pc[1], c01);
    pc[2] = wasm_f32x4_add(pc[2], c10); pc[3] = wasm_f32x4_add(pc[3], c11);
    pc[4] = wasm_f32x4_add(pc[4], c20); pc[5] = wasm_f32x4_add(pc[5], c21);
    pc[6] = wasm_f32x4_add(pc[6], c30); pc[7] = wasm_f32x4_add(pc[7], c31);
    pc[8] = wasm_f32x4_add(pc[8], c40); pc[9] = wasm_f32x4_add(pc[9], c41);
    pc[10] = wasm_f32x4_add(pc[10], c50); pc[11] = wasm_f32x4_add(pc[11], c51);
  }
  return C[0];
}

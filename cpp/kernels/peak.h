// peak.h: what "peak" means for our GFLOP/s figures: the GEMM's own register-blocked
// micro-kernel (gemm.cpp: a 4×8 float tile, f32x4 mul + add in WASM, which has no FMA)
// run on panels that stay in L1, for about `ms` milliseconds. Returns GFLOP/s on one core:
// the best ~5 ms window (wall clock; WASM has no CPU-time clock), so that time other
// processes held the core is not counted.
// The benchmark divides achieved GFLOP/s by this to print "fraction of peak".
#pragma once

namespace bp {

double peak_gflops(double ms);

}  // namespace bp

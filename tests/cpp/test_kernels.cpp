// Fast kernels (cpp/kernels: im2col or, at stride 1, the implicit GEMM; the blocked GEMM)
// against the reference loops in cpp/layers, on odd shapes: channels 1/3/7, kernels 1..5
// (incl. rectangular), stride 1..3, padding 0..2, batch 1 and 33, in float32 and float64. A seeded sample of that grid keeps
// the suite fast. Outputs, dW, db and dX must agree to within a tolerance relative to each
// tensor's largest magnitude: 1e-5 in float32, 1e-12 in float64 (only the summation order
// differs).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "kernels/kernels.h"
#include "layers/conv2d.h"
#include "layers/activation.h"
#include "layers/dense.h"
#include "layers/pool.h"
#include "test_util.h"

using namespace bpt;

namespace {

template <typename T>
std::vector<T> rand_vec(size_t n, bp::Rng& r) {
  std::vector<T> v(n);
  for (auto& x : v) x = (T)r.uniform(-1, 1);
  return v;
}

template <typename T>
double tol();
template <>
double tol<float>() { return 1e-5; }
template <>
double tol<double>() { return 1e-12; }

template <typename T>
void expect_close(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  expect_rel_close(got, want, tol<T>(), what);  // test_util.h
}

template <typename T>
void check_conv(const bp::ConvGeom& g0, uint64_t seed) {
  bp::ConvGeom g = g0;
  g.OH = (g.H + 2 * g.PH - g.KH) / g.SH + 1;
  g.OW = (g.W + 2 * g.PW - g.KW) / g.SW + 1;
  std::string what = "N" + std::to_string(g.N) + " C" + std::to_string(g.C) + " " + std::to_string(g.H) + "x" + std::to_string(g.W) +
                     " OC" + std::to_string(g.OC) + " K" + std::to_string(g.KH) + "x" + std::to_string(g.KW) + " S" +
                     std::to_string(g.SH) + "," + std::to_string(g.SW) + " P" + std::to_string(g.PH) + "," + std::to_string(g.PW) +
                     (sizeof(T) == 4 ? " f32" : " f64");
  bp::Rng r(seed);
  size_t nx = (size_t)g.N * g.C * g.H * g.W, ny = (size_t)g.N * g.OC * g.OH * g.OW, nw = (size_t)g.OC * g.C * g.KH * g.KW;
  auto x = rand_vec<T>(nx, r), w = rand_vec<T>(nw, r), b = rand_vec<T>(g.OC, r), dy = rand_vec<T>(ny, r);
  // Parameter grads start non-zero: both kernels must accumulate (+=).
  auto dw0 = rand_vec<T>(nw, r), db0 = rand_vec<T>(g.OC, r);
  std::vector<T> y_ref(ny), y_fast(ny, T(7)), dx_ref(nx), dx_fast(nx, T(7));
  auto dw_ref = dw0, dw_fast = dw0, db_ref = db0, db_fast = db0;
  bp::ConvWorkspace<T> ws;
  bp::conv2d_forward_ref(y_ref.data(), x.data(), w.data(), b.data(), g);
  bp::conv2d_forward_fast(y_fast.data(), x.data(), w.data(), b.data(), g, ws);
  bp::conv2d_backward_ref(dx_ref.data(), dw_ref.data(), db_ref.data(), dy.data(), x.data(), w.data(), g);
  bp::conv2d_backward_fast(dx_fast.data(), dw_fast.data(), db_fast.data(), dy.data(), x.data(), w.data(), g, ws);
  expect_close(y_fast, y_ref, "Y   " + what);
  expect_close(dw_fast, dw_ref, "dW  " + what);
  expect_close(db_fast, db_ref, "db  " + what);
  expect_close(dx_fast, dx_ref, "dX  " + what);
  // Backward on a fresh workspace rebuilds the column matrices instead of reusing forward's.
  bp::ConvWorkspace<T> fresh;
  auto dw_fresh = dw0, db_fresh = db0;
  std::vector<T> dx_fresh(nx, T(7));
  bp::conv2d_backward_fast(dx_fresh.data(), dw_fresh.data(), db_fresh.data(), dy.data(), x.data(), w.data(), g, fresh);
  expect_close(dw_fresh, dw_ref, "dW (fresh workspace) " + what);
  expect_close(dx_fresh, dx_ref, "dX (fresh workspace) " + what);
  // Parameter gradients only (dinp = nullptr, as for a net's first layer), after an
  // inference forward (keep_cols = false: nothing kept for backward).
  std::vector<T> y_inf(ny, T(7));
  bp::conv2d_forward_fast(y_inf.data(), x.data(), w.data(), b.data(), g, ws, false);
  expect_close(y_inf, y_ref, "Y (inference) " + what);
  auto dw_po = dw0, db_po = db0;
  bp::conv2d_backward_fast((T*)nullptr, dw_po.data(), db_po.data(), dy.data(), x.data(), w.data(), g, ws);
  expect_close(dw_po, dw_ref, "dW (params only) " + what);
  expect_close(db_po, db_ref, "db (params only) " + what);
  // Backward on another input than the forward before it (same workspace and batch): the
  // kept buffers belong to x, so they must not be reused.
  auto x2 = rand_vec<T>(nx, r);
  auto dw_ref2 = dw0, db_ref2 = db0, dw_fast2 = dw0, db_fast2 = db0;
  std::vector<T> dx_ref2(nx), dx_fast2(nx, T(7));
  bp::conv2d_backward_ref(dx_ref2.data(), dw_ref2.data(), db_ref2.data(), dy.data(), x2.data(), w.data(), g);
  bp::conv2d_forward_fast(y_fast.data(), x.data(), w.data(), b.data(), g, ws);
  bp::conv2d_backward_fast(dx_fast2.data(), dw_fast2.data(), db_fast2.data(), dy.data(), x2.data(), w.data(), g, ws);
  expect_close(dw_fast2, dw_ref2, "dW (other input) " + what);
  expect_close(dx_fast2, dx_ref2, "dX (other input) " + what);
}

template <typename T>
void check_dense(int N, int IN, int OUT, uint64_t seed) {
  std::string what = "N" + std::to_string(N) + " IN" + std::to_string(IN) + " OUT" + std::to_string(OUT) + (sizeof(T) == 4 ? " f32" : " f64");
  bp::Rng r(seed);
  auto x = rand_vec<T>((size_t)N * IN, r), w = rand_vec<T>((size_t)OUT * IN, r), b = rand_vec<T>(OUT, r);
  auto dy = rand_vec<T>((size_t)N * OUT, r), dw0 = rand_vec<T>((size_t)OUT * IN, r), db0 = rand_vec<T>(OUT, r);
  std::vector<T> y_ref((size_t)N * OUT), y_fast((size_t)N * OUT, T(7)), dx_ref((size_t)N * IN), dx_fast((size_t)N * IN, T(7));
  auto dw_ref = dw0, dw_fast = dw0, db_ref = db0, db_fast = db0;
  bp::GemmWorkspace<T> ws;
  bp::dense_forward_ref(y_ref.data(), x.data(), w.data(), b.data(), N, IN, OUT);
  bp::dense_forward_fast(y_fast.data(), x.data(), w.data(), b.data(), N, IN, OUT, ws);
  bp::dense_backward_ref(dx_ref.data(), dw_ref.data(), db_ref.data(), dy.data(), x.data(), w.data(), N, IN, OUT);
  bp::dense_backward_fast(dx_fast.data(), dw_fast.data(), db_fast.data(), dy.data(), x.data(), w.data(), N, IN, OUT, ws);
  expect_close(y_fast, y_ref, "Y   " + what);
  expect_close(dw_fast, dw_ref, "dW  " + what);
  expect_close(db_fast, db_ref, "db  " + what);
  expect_close(dx_fast, dx_ref, "dX  " + what);
}

// A seeded sample of channels {1,3,7} × kernel {1..5}² × stride {1..3}² × padding {0..2}² ×
// batch {1,33}; padding is kept < kernel (PyTorch's rule) and the input sized so the
// padded input holds a kernel. Each point runs in both dtypes.
template <typename T>
void conv_grid(int points, uint64_t seed) {
  bp::Rng r(seed);
  const int Cs[] = {1, 3, 7};
  for (int t = 0; t < points; ++t) {
    bp::ConvGeom g{};
    g.N = r.below(3) == 0 ? 33 : 1;
    g.C = Cs[r.below(3)];
    g.OC = 1 + r.below(9);
    g.KH = 1 + r.below(5), g.KW = r.below(3) == 0 ? 1 + r.below(5) : g.KH;
    g.SH = 1 + r.below(3), g.SW = r.below(3) == 0 ? 1 + r.below(3) : g.SH;
    g.PH = std::min((int)r.below(3), g.KH - 1), g.PW = std::min((int)r.below(3), g.KW - 1);
    g.H = g.KH + r.below(9), g.W = g.KW + r.below(12);
    check_conv<T>(g, seed * 1000 + t);
  }
}

}  // namespace

TEST(Kernels, ConvMatchesReferenceFloat32) { conv_grid<float>(60, 11); }
TEST(Kernels, ConvMatchesReferenceFloat64) { conv_grid<double>(60, 11); }

TEST(Kernels, ConvEdgeShapes) {
  // Every corner of the grid that the sample may miss: 1×1 (the im2col-free path), 5×5 at
  // stride 3 with padding 2, 7 channels, batch 33, and the mnist-cnn layers.
  for (auto g : {bp::ConvGeom{2, 3, 5, 6, 4, 1, 1, 1, 1, 0, 0, 0, 0}, bp::ConvGeom{33, 7, 9, 11, 5, 5, 5, 3, 3, 2, 2, 0, 0},
                 bp::ConvGeom{1, 7, 5, 5, 3, 5, 3, 2, 1, 2, 0, 0, 0}, bp::ConvGeom{3, 1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 0, 0},
                 bp::ConvGeom{2, 8, 14, 14, 16, 5, 5, 1, 1, 2, 2, 0, 0}}) {
    check_conv<float>(g, 5);
    check_conv<double>(g, 5);
  }
}

TEST(Kernels, ConvStride1EdgeShapes) {
  // The stride-1 implicit GEMM (padded-width grid, no im2col): H = 1 and W = 1 inputs, a
  // kernel as large as the padded input (one output), as large as the unpadded input,
  // rectangular kernels and padding, padding ≥ kernel (δ'' starts inside δ), grid widths
  // that are no multiple of the 8-wide tile, a grid longer than one 1024-column block and
  // C·KH·KW deeper than one 256 block (the medium net's second conv).
  //                N  C   H   W  OC KH KW S  S  PH PW
  for (auto g : {bp::ConvGeom{2, 3, 1, 9, 4, 1, 3, 1, 1, 0, 1, 0, 0}, bp::ConvGeom{3, 2, 7, 1, 5, 3, 1, 1, 1, 1, 0, 0, 0},
                 bp::ConvGeom{2, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 0, 0}, bp::ConvGeom{1, 3, 4, 6, 2, 4, 6, 1, 1, 0, 0, 0, 0},
                 bp::ConvGeom{33, 7, 6, 11, 9, 2, 4, 1, 1, 1, 3, 0, 0}, bp::ConvGeom{2, 3, 5, 6, 4, 1, 2, 1, 1, 1, 3, 0, 0},
                 bp::ConvGeom{1, 2, 5, 5, 3, 2, 2, 1, 1, 2, 0, 0, 0}, bp::ConvGeom{1, 1, 40, 41, 3, 3, 3, 1, 1, 1, 1, 0, 0},
                 bp::ConvGeom{2, 32, 14, 14, 9, 3, 3, 1, 1, 1, 1, 0, 0}, bp::ConvGeom{2, 4, 9, 7, 3, 1, 1, 1, 1, 0, 0, 0, 0},
                 // C·KH·KW < OC: stride 1 through im2col; a padded 1×1 with C < OC stays on the grid (KW = 1)
                 bp::ConvGeom{2, 1, 9, 8, 16, 3, 3, 1, 1, 1, 1, 0, 0}, bp::ConvGeom{3, 2, 6, 5, 7, 1, 3, 1, 1, 0, 1, 0, 0},
                 bp::ConvGeom{2, 3, 5, 4, 8, 1, 1, 1, 1, 1, 0, 0, 0}}) {
    check_conv<float>(g, 6);
    check_conv<double>(g, 6);
  }
}

// gemm_offsets (and, for tb, gemm_dot) against the triple loop: op(B)[k,j] = tb ? B[off[j] + k] : B[off[k] + j],
// with overlapping rows (offsets closer than a row apart, as a conv's taps are) on sizes
// off the 4×8 tile and across the 256-deep and 1024-wide blocks; accumulate and overwrite.
template <typename T>
void gemm_offsets_matches_loop() {
  bp::Rng r(17);
  for (int tb : {0, 1})
    for (auto mnk : {std::array<int, 3>{1, 1, 1}, {5, 9, 3}, {7, 1030, 13}, {130, 17, 260}, {4, 8, 300}, {9, 23, 31}}) {
      int M = mnk[0], N = mnk[1], K = mnk[2];
      int rows = tb ? N : K, len = tb ? K : N;  // the table places `rows` runs of `len` values
      std::vector<std::ptrdiff_t> off(rows);
      for (int i = 0; i < rows; ++i) off[i] = (std::ptrdiff_t)r.below(2 * rows + 3);
      auto B = rand_vec<T>((size_t)2 * rows + 3 + len, r), A = rand_vec<T>((size_t)M * K, r);
      for (int acc : {0, 1}) {
        std::vector<T> want((size_t)M * N), got((size_t)M * N, T(1));
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < N; ++j) {
            double s = acc ? 1.0 : 0.0;
            for (int k = 0; k < K; ++k) s += (double)A[(size_t)i * K + k] * (double)(tb ? B[off[j] + k] : B[off[k] + j]);
            want[(size_t)i * N + j] = (T)s;
          }
        bp::GemmWorkspace<T> ws;
        bp::gemm_offsets(M, N, K, A.data(), K, false, B.data(), off.data(), (bool)tb, got.data(), N, (bool)acc, ws);
        expect_close(got, want, "gemm_offsets M" + std::to_string(M) + " N" + std::to_string(N) + " K" + std::to_string(K) +
                                    " tb" + std::to_string(tb) + " acc" + std::to_string(acc) + (sizeof(T) == 4 ? " f32" : " f64"));
        if (!tb || sizeof(T) != sizeof(float)) continue;  // gemm_dot: float only
        // gemm_dot computes the tb product as dot products: the same C, through its 4×2 blocks,
        // the M mod 4 and N mod 2 edges and the k tails under a vector.
        std::vector<T> dot((size_t)M * N, T(1));
        if constexpr (std::is_same_v<T, float>) bp::gemm_dot(M, N, K, A.data(), K, B.data(), off.data(), dot.data(), N, (bool)acc);
        expect_close(dot, want, "gemm_dot M" + std::to_string(M) + " N" + std::to_string(N) + " K" + std::to_string(K) + " acc" +
                                    std::to_string(acc) + (sizeof(T) == 4 ? " f32" : " f64"));
      }
    }
}
TEST(Kernels, GemmOffsetsMatchesLoopFloat) { gemm_offsets_matches_loop<float>(); }
TEST(Kernels, GemmOffsetsMatchesLoopDouble) { gemm_offsets_matches_loop<double>(); }

TEST(Kernels, DenseMatchesReference) {
  for (int N : {1, 33})
    for (auto io : {std::pair<int, int>{1, 1}, {7, 3}, {13, 10}, {300, 17}, {784, 10}}) {
      check_dense<float>(N, io.first, io.second, 3);
      check_dense<double>(N, io.first, io.second, 3);
    }
}

TEST(Kernels, GemmTransposesAndBlockEdges) {
  // C = op(A)·op(B) with every transpose, sizes across the MC/KC/NC block edges.
  bp::Rng r(9);
  for (int ta : {0, 1})
    for (int tb : {0, 1})
      for (auto mnk : {std::array<int, 3>{1, 1, 1}, {5, 9, 3}, {130, 17, 260}, {3, 1030, 20}}) {
        int M = mnk[0], N = mnk[1], K = mnk[2];
        auto A = rand_vec<double>((size_t)M * K, r), B = rand_vec<double>((size_t)K * N, r);
        std::vector<double> want((size_t)M * N), got((size_t)M * N, 1.0);
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < N; ++j) {
            double s = 1.0;  // accumulate onto the 1.0 already in C
            for (int k = 0; k < K; ++k) s += (ta ? A[(size_t)k * M + i] : A[(size_t)i * K + k]) * (tb ? B[(size_t)j * K + k] : B[(size_t)k * N + j]);
            want[(size_t)i * N + j] = s;
          }
        bp::GemmWorkspace<double> ws;
        bp::gemm(M, N, K, A.data(), ta ? M : K, ta, B.data(), tb ? K : N, tb, got.data(), N, true, ws);
        expect_close(got, want, "gemm M" + std::to_string(M) + " N" + std::to_string(N) + " K" + std::to_string(K) + " ta" +
                                    std::to_string(ta) + " tb" + std::to_string(tb));
      }
}

// A packed once (gemm_pack_a) and multiplied many times (gemm_prepacked): the same numbers as
// gemm, bit for bit (the same micro-kernel on the same panels), for ragged M, B with ldb > N,
// overwrite and accumulate (float: the only type it is built for); gemm_prepacks says where A
// fits one block.
template <typename T>
void gemm_prepacked_equals_gemm() {
  bp::Rng r(12);
  EXPECT_TRUE(bp::gemm_prepacks(128, 256));
  EXPECT_FALSE(bp::gemm_prepacks(129, 8));
  EXPECT_FALSE(bp::gemm_prepacks(8, 257));
  for (auto mnk : {std::array<int, 3>{1, 1, 1}, {5, 9, 3}, {64, 33, 32}, {128, 17, 256}, {7, 70, 1}}) {
    int M = mnk[0], N = mnk[1], K = mnk[2], ldb = N + 3;
    auto A = rand_vec<T>((size_t)M * K, r), B = rand_vec<T>((size_t)K * ldb, r);
    std::vector<T> packed(bp::gemm_packed_size(M, K));
    bp::gemm_pack_a(packed.data(), M, K, A.data(), K);
    for (bool acc : {false, true}) {
      std::vector<T> want((size_t)M * N, T(0.5)), got(want);
      bp::GemmWorkspace<T> w1, w2;
      bp::gemm(M, N, K, A.data(), K, false, B.data(), ldb, false, want.data(), N, acc, w1);
      for (int rep = 0; rep < 2; ++rep) {  // the packed A is read, not consumed
        std::fill(got.begin(), got.end(), T(0.5));
        bp::gemm_prepacked(M, N, K, packed.data(), B.data(), ldb, got.data(), N, acc, w2);
        EXPECT_EQ(got, want) << "M" << M << " N" << N << " K" << K << " acc " << acc;
      }
    }
  }
}
TEST(Kernels, GemmPrepackedEqualsGemm) { gemm_prepacked_equals_gemm<float>(); }

TEST(Kernels, ReferenceSwitchSelectsTheReference) {
  // The same net with the switch on and off: identical within the float64 tolerance, and the
  // switch really reaches the layer (the reference has no workspace, so it stays empty).
  std::string spec = R"({"input":[3,9,8],"layers":[{"type":"conv2d","filters":5,"kernel":3,"stride":2,"padding":1},)"
                     R"({"type":"relu"},{"type":"dense","units":4}],"loss":"softmax_cross_entropy","dtype":"float64"})";
  auto x = randn(2 * 3 * 9 * 8, 4);
  std::vector<double> t = {1, 3};
  std::vector<double> out[2], dx[2];
  for (int ref : {1, 0}) {
    bp::kernel_flags().reference = ref;
    auto net = build<double>(spec);
    net->run_compute_gradients(x.data(), t.data(), 2);
    out[ref] = as_double(net->output(), 8);
    dx[ref] = as_double(net->input_grad(), x.size());
    auto* conv = static_cast<bp::Conv2d<double>*>(net->layers[0].get());
    EXPECT_EQ(conv->ws.col.empty(), (bool)ref);
  }
  bp::kernel_flags().reference = false;
  expect_close(out[0], out[1], "output");
  expect_close(dx[0], dx[1], "dX");
}

// Unpadded windows (the fast path: generic, 3×3 and the f32x4 2×2 stride-2 kernel with its
// scalar tail), overlapping and not, rectangular, odd sizes that leave rows/columns
// unused. Values on a coarse grid make ties common, and some NaNs are planted: the maxima
// (bit for bit, so NaN compares equal to NaN) and every arg-max must equal the reference's,
// which takes the first maximum in row-major order; the inference form (no arg-max) too.
// (float only: float64 runs the reference)
void maxpool_matches_reference() {
  using T = float;
  bp::Rng r(21);
  for (auto g : {bp::PoolGeom{2, 3, 8, 9, 2, 2, 2, 2, 0, 0, 0, 0}, bp::PoolGeom{1, 2, 5, 18, 2, 2, 2, 2, 0, 0, 0, 0},
                 bp::PoolGeom{33, 1, 7, 7, 3, 3, 3, 3, 0, 0, 0, 0}, bp::PoolGeom{1, 7, 9, 6, 3, 2, 1, 2, 0, 0, 0, 0},
                 bp::PoolGeom{3, 2, 28, 28, 2, 2, 2, 2, 0, 0, 0, 0}, bp::PoolGeom{2, 3, 14, 14, 3, 3, 3, 3, 0, 0, 0, 0},
                 bp::PoolGeom{1, 3, 7, 11, 3, 3, 2, 2, 0, 0, 0, 0}, bp::PoolGeom{2, 1, 5, 9, 2, 2, 1, 1, 0, 0, 0, 0},
                 bp::PoolGeom{1, 2, 4, 5, 1, 1, 1, 1, 0, 0, 0, 0}, bp::PoolGeom{1, 1, 3, 40, 2, 2, 2, 2, 0, 0, 0, 0},
                 // 2×2 rows of 7 and 3 windows: the relu-fused kernel's 4-, 2- and 1-window steps
                 bp::PoolGeom{2, 2, 6, 14, 2, 2, 2, 2, 0, 0, 0, 0}, bp::PoolGeom{1, 3, 4, 7, 2, 2, 2, 2, 0, 0, 0, 0}}) {
    g.OH = (g.H - g.KH) / g.SH + 1, g.OW = (g.W - g.KW) / g.SW + 1;
    size_t nx = (size_t)g.N * g.C * g.H * g.W, ny = (size_t)g.N * g.C * g.OH * g.OW;
    std::vector<T> x(nx), y_ref(ny), y_fast(ny), y_inf(ny);
    for (auto& v : x) v = (T)(int)(r.uniform() * 5);
    for (size_t i = 0; i < nx; i += 37) x[i] = std::numeric_limits<T>::quiet_NaN();
    std::vector<int> a_ref(ny), a_fast(ny);
    bp::maxpool_forward(y_ref.data(), a_ref.data(), x.data(), g);
    bp::maxpool_forward_fast(y_fast.data(), a_fast.data(), x.data(), g);
    bp::maxpool_forward_fast(y_inf.data(), (int*)nullptr, x.data(), g);
    std::string at = "pool " + std::to_string(g.KH) + "x" + std::to_string(g.KW) + " s" + std::to_string(g.SH) + "," +
                     std::to_string(g.SW) + " on " + std::to_string(g.H) + "x" + std::to_string(g.W);
    EXPECT_EQ(0, std::memcmp(y_fast.data(), y_ref.data(), ny * sizeof(T))) << at;
    EXPECT_EQ(0, std::memcmp(y_inf.data(), y_ref.data(), ny * sizeof(T))) << at;
    EXPECT_EQ(a_fast, a_ref) << at;
    // relu fused in (inference, float 2×2 stride 2): the pooled relu of X, bit for bit. X now
    // spans [−2, 3) with −0 and NaN (relu makes both +0: a window of NaNs, zeros and negatives
    // pools to +0).
    if (!bp::maxpool_relu_fuses(g)) continue;
    for (size_t i = 0; i < nx; ++i) x[i] = i % 37 == 0 ? std::numeric_limits<T>::quiet_NaN() : i % 11 == 0 ? T(-0.0) : x[i] - 2;
    std::vector<T> rx(nx), y_relu(ny);
    bp::activation_forward(rx.data(), x.data(), (int64_t)nx, bp::Act::Relu, T(0));
    bp::maxpool_forward(y_ref.data(), a_ref.data(), rx.data(), g);
    bp::maxpool_relu_forward_fast(y_relu.data(), x.data(), g);
    EXPECT_EQ(0, std::memcmp(y_relu.data(), y_ref.data(), ny * sizeof(T))) << at << " with relu";
  }
}
TEST(Kernels, MaxPoolMatchesReferenceFloat) { maxpool_matches_reference(); }

// The vector body and the scalar tail (every length 0..11, odd offsets) against the reference,
// bit for bit: −0 and +0 differ there (relu(−0) = +0), and a NaN input gives 0 and masks δ.
template <typename T>
void relu_matches_reference() {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> x = {-2, T(-0.0), 0, T(1e-30), 3, T(-1e-30), T(7.5), nan, -nan, 1, -1, 5, T(0.25)};
  std::vector<T> dy = {1, 2, 3, 4, 5, 6, 7, 8, 9, nan, 11, -12, T(-0.0)};
  for (int off : {0, 1})
    for (int n = 0; n + off <= 12; ++n) {
      std::vector<T> y_ref(n), y_fast(n), dx_ref(n), dx_fast(n);
      bp::activation_forward(y_ref.data(), x.data() + off, n, bp::Act::Relu, T(0));
      bp::relu_forward_fast(y_fast.data(), x.data() + off, n);
      bp::activation_backward(dx_ref.data(), dy.data() + off, x.data() + off, y_ref.data(), n, bp::Act::Relu, T(0));
      bp::relu_backward_fast(dx_fast.data(), dy.data() + off, x.data() + off, n);
      std::string at = "n=" + std::to_string(n) + " off=" + std::to_string(off) + (sizeof(T) == 4 ? " f32" : " f64");
      if (n == 0) continue;  // (memcmp of empty vectors' null data() is undefined)
      EXPECT_EQ(0, std::memcmp(y_fast.data(), y_ref.data(), n * sizeof(T))) << at;
      EXPECT_EQ(0, std::memcmp(dx_fast.data(), dx_ref.data(), n * sizeof(T))) << at;
    }
  std::vector<T> dx(7);
  bp::relu_backward_fast(dx.data(), dy.data(), x.data(), 7);
  EXPECT_EQ(dx, (std::vector<T>{0, 0, 0, 4, 5, 0, 7}));
}
TEST(Kernels, ReluMatchesReferenceFloat) { relu_matches_reference<float>(); }
TEST(Kernels, ReluMatchesReferenceDouble) { relu_matches_reference<double>(); }

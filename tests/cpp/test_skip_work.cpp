// Work a step does not need (layer.h's one exception, Sequential::run_infer):
//   - a training step's backward gives the first layer with parameters dinp = nullptr and
//     skips the layers before it: the param grads must equal compute_gradients' exactly
//     (same kernels, same order), for conv2d, dense and prelu first, fast and reference;
//   - run_infer (predict/evaluate: no arg-max, no kept columns) gives the forward's outputs
//     exactly, and backward() afterwards asks for a forward.
#include <cstring>

#include "kernels/kernels.h"
#include "test_util.h"

using namespace bpt;

namespace {

template <typename T>
void expect_same_param_grads(const std::string& spec, int N, bool reference) {
  bp::kernel_flags().reference = reference;
  auto a = build<T>(spec), b = build<T>(spec);
  auto xd = distinct((size_t)N * a->in_size(), 7);
  std::vector<T> x(xd.begin(), xd.end());
  std::vector<double> t(N);
  for (int n = 0; n < N; ++n) t[n] = n % a->out_size();
  double la = a->run_compute_gradients(x.data(), t.data(), N);
  double lb = b->run_compute_gradients(x.data(), t.data(), N, true);
  EXPECT_EQ(la, lb) << spec;
  auto pa = a->param_list(), pb = b->param_list();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(pa[i]->grad, pb[i]->grad) << spec << " param " << i;
  bp::kernel_flags().reference = false;
}

const char* kNets[] = {
    R"({"input":[3,9,9],"layers":[{"type":"conv2d","filters":5,"kernel":3,"stride":2,"padding":1},{"type":"relu"},
        {"type":"maxpool2d","size":2},{"type":"flatten"},{"type":"dense","units":4}]})",
    R"({"input":[1,6,6],"layers":[{"type":"maxpool2d","size":2},{"type":"conv2d","filters":2,"kernel":1},
        {"type":"relu"},{"type":"dense","units":3}]})",
    R"({"input":[7],"layers":[{"type":"relu"},{"type":"dense","units":5},{"type":"tanh"},{"type":"dense","units":3}]})",
    R"({"input":[2,4,4],"layers":[{"type":"prelu"},{"type":"flatten"},{"type":"dense","units":3}]})",
    // relu → max-pool 2×2 runs fused in float inference (rows of 9 windows: two f32x4 and a
    // scalar one; a conv next, so a pooled negative would show), not before 3×3, padded or
    // global max-pools, nor an average pool
    R"({"input":[2,20,19],"layers":[{"type":"conv2d","filters":3,"kernel":2},{"type":"relu"},{"type":"maxpool2d","size":2},
        {"type":"conv2d","filters":3,"kernel":1},{"type":"relu"},{"type":"maxpool2d","size":3},{"type":"relu"},
        {"type":"maxpool2d","size":2,"padding":1},{"type":"relu"},{"type":"globalmaxpool"},{"type":"dense","units":3}]})",
    R"({"input":[3,6,6],"layers":[{"type":"relu"},{"type":"avgpool2d","size":2},{"type":"relu"},{"type":"maxpool2d","size":[2,3],"stride":[1,2]},
        {"type":"flatten"},{"type":"dense","units":2}]})",
    // floor-mode pools that leave a conv's last row unread: inference computes only the rows read
    // (the implicit GEMM: a padded grid through relu; an unpadded grid; 1×1, where the grid is Y)
    R"({"input":[3,7,9],"layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":1},{"type":"relu"},{"type":"maxpool2d","size":3},
        {"type":"flatten"},{"type":"dense","units":3}]})",
    R"({"input":[3,7,9],"layers":[{"type":"conv2d","filters":2,"kernel":1},{"type":"maxpool2d","size":2},{"type":"conv2d","filters":2,"kernel":2},
        {"type":"avgpool2d","size":2},{"type":"flatten"},{"type":"dense","units":3}]})",
    // ... and only the columns read (float: the output tiles): 9 of 11 through relu, tiles of 4
    // outputs × 8 channels with a ragged last one; 9 of 11 unpadded, tiles of 8 × 4
    R"({"input":[3,8,11],"layers":[{"type":"conv2d","filters":5,"kernel":3,"padding":1},{"type":"relu"},{"type":"maxpool2d","size":3},
        {"type":"flatten"},{"type":"dense","units":3}]})",
    R"({"input":[2,9,12],"layers":[{"type":"conv2d","filters":3,"kernel":2},{"type":"maxpool2d","size":[2,3]},{"type":"flatten"},
        {"type":"dense","units":3}]})",
    // Winograd conv → relu → 2×2 max-pool as one pass (float): odd sizes (ragged tiles the pool
    // drops), a row of fewer tiles than a vector, and a linear conv after it that would pass on
    // any negative a wrong relu let through; not before a 3×3 pool
    R"({"input":[8,9,11],"layers":[{"type":"conv2d","filters":6,"kernel":3,"padding":1},{"type":"relu"},{"type":"maxpool2d","size":2},
        {"type":"conv2d","filters":3,"kernel":2},{"type":"flatten"},{"type":"dense","units":3}]})",
    R"({"input":[9,6,5],"layers":[{"type":"conv2d","filters":4,"kernel":3},{"type":"relu"},{"type":"maxpool2d","size":2},
        {"type":"flatten"},{"type":"dense","units":2}]})",
    R"({"input":[8,8,8],"layers":[{"type":"conv2d","filters":5,"kernel":3,"padding":1},{"type":"relu"},{"type":"maxpool2d","size":3},
        {"type":"flatten"},{"type":"dense","units":2}]})",
};

}  // namespace

TEST(SkipWork, TrainingStepGradsEqualComputeGradients) {
  for (const char* spec : kNets)
    for (bool ref : {false, true}) {
      expect_same_param_grads<float>(spec, 5, ref);
      expect_same_param_grads<double>(spec, 5, ref);
    }
}

template <typename T>
void inference_forward_equals_training_forward() {
  for (const char* spec : kNets) {
    auto a = build<T>(spec), b = build<T>(spec);
    int N = 33;
    auto xd = distinct((size_t)N * a->in_size(), 3);
    std::vector<T> x(xd.begin(), xd.end()), x2(x.rbegin(), x.rend());
    a->run_forward(x.data(), N);
    std::vector<T> y(a->output(), a->output() + (size_t)N * a->out_size());
    // b's buffers hold another input's activations first: whatever inference skips (rows no
    // layer reads, the relu before a fused pool) must not leak into its result.
    b->run_forward(x2.data(), N);
    b->run_infer(x.data(), N);
    EXPECT_EQ(0, std::memcmp(b->output(), y.data(), y.size() * sizeof(T))) << spec;  // bit for bit
    a->run_infer(x.data(), N);
    EXPECT_EQ(0, std::memcmp(a->output(), y.data(), y.size() * sizeof(T))) << spec;
    std::vector<T> dy(y.size(), T(1));
    EXPECT_EQ(a->backward(dy.data(), (int64_t)dy.size()).msg, "backward: call forward first");
    a->run_forward(x.data(), N);
    EXPECT_TRUE(a->backward(dy.data(), (int64_t)dy.size()).ok());
  }
}
TEST(SkipWork, InferenceForwardEqualsTrainingForwardFloat) { inference_forward_equals_training_forward<float>(); }
TEST(SkipWork, InferenceForwardEqualsTrainingForwardDouble) { inference_forward_equals_training_forward<double>(); }

// Work a step does not need (layer.h's one exception, Sequential::run_infer):
//   - a training step's backward gives the first layer with parameters dinp = nullptr and
//     skips the layers before it: the param grads must equal compute_gradients' exactly
//     (same kernels, same order), for conv2d, dense and prelu first, fast and reference;
//   - run_infer (predict/evaluate: no arg-max, no kept columns) gives the forward's outputs
//     exactly, and backward() afterwards asks for a forward.
#include "kernels/kernels.h"
#include "test_util.h"

using namespace bpt;

namespace {

template <typename T>
void expect_same_param_grads(const std::string& spec, int N, bool reference) {
  bp::set_reference_kernels(reference);
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
  bp::set_reference_kernels(false);
}

const char* kNets[] = {
    R"({"input":[3,9,9],"layers":[{"type":"conv2d","filters":5,"kernel":3,"stride":2,"padding":1},{"type":"relu"},
        {"type":"maxpool2d","size":2},{"type":"flatten"},{"type":"dense","units":4}]})",
    R"({"input":[1,6,6],"layers":[{"type":"maxpool2d","size":2},{"type":"conv2d","filters":2,"kernel":1},
        {"type":"relu"},{"type":"dense","units":3}]})",
    R"({"input":[7],"layers":[{"type":"relu"},{"type":"dense","units":5},{"type":"tanh"},{"type":"dense","units":3}]})",
    R"({"input":[2,4,4],"layers":[{"type":"prelu"},{"type":"flatten"},{"type":"dense","units":3}]})",
};

}  // namespace

TEST(SkipWork, TrainingStepGradsEqualComputeGradients) {
  for (const char* spec : kNets)
    for (bool ref : {false, true}) {
      expect_same_param_grads<float>(spec, 5, ref);
      expect_same_param_grads<double>(spec, 5, ref);
    }
}

TEST(SkipWork, InferenceForwardEqualsTrainingForward) {
  for (const char* spec : kNets) {
    auto a = build<float>(spec);
    int N = 33;
    auto xd = distinct((size_t)N * a->in_size(), 3);
    std::vector<float> x(xd.begin(), xd.end());
    a->run_forward(x.data(), N);
    std::vector<float> y(a->output(), a->output() + (size_t)N * a->out_size());
    a->run_infer(x.data(), N);
    EXPECT_EQ(std::vector<float>(a->output(), a->output() + y.size()), y) << spec;
    std::vector<float> dy(y.size(), 1.0f);
    EXPECT_EQ(a->backward(dy.data(), (int64_t)dy.size()).msg, "backward: call forward first");
    a->run_forward(x.data(), N);
    EXPECT_TRUE(a->backward(dy.data(), (int64_t)dy.size()).ok());
  }
}

#include "teaching_bugs.h"

#include "../layers/activation.h"
#include "../layers/conv2d.h"
#include "../layers/pool.h"

namespace bp {

namespace {
// One row per bug: its name, and the layer types it can sit in (none: the loss).
struct BugRow {
  TeachingBug bug;
  const char* name;
  const char *type, *type2, *needs;
};
const BugRow kBugs[] = {
    {TeachingBug::ConvNoRotate, "conv-no-rotate", "conv2d", "conv2d", "a conv2d layer"},
    {TeachingBug::ReluNoMask, "relu-no-mask", "relu", "relu", "a relu layer"},
    {TeachingBug::LossNoMean, "loss-no-mean", nullptr, nullptr, ""},
    {TeachingBug::ConvNoDilate, "conv-no-dilate", "conv2d", "conv2d", "a conv2d layer"},
    {TeachingBug::ConvCropOffByOne, "conv-crop-off-by-one", "conv2d", "conv2d", "a conv2d layer"},
    {TeachingBug::AvgPoolNoScale, "avgpool-no-scale", "avgpool2d", "globalavgpool", "an avgpool2d or globalavgpool layer"},
    {TeachingBug::MaxPoolWrongIndex, "maxpool-wrong-index", "maxpool2d", "globalmaxpool", "a maxpool2d or globalmaxpool layer"},
    {TeachingBug::MseNoHalf, "mse-no-half", nullptr, nullptr, "an mse loss"},
};
}  // namespace

Status parse_teaching_bug(const std::string& name, TeachingBug& out, const char* what) {
  out = TeachingBug::None;
  for (const BugRow& r : kBugs)
    if (name == r.name) out = r.bug;
  if (out == TeachingBug::None && !name.empty() && name != "none")
    return Error(std::string(what) + ": unknown bug '" + name +
                 "' (known: none, conv-no-rotate, relu-no-mask, loss-no-mean, conv-no-dilate, conv-crop-off-by-one, "
                 "avgpool-no-scale, maxpool-wrong-index, mse-no-half)");
  return Status::Ok();
}

std::string teaching_bug_name(TeachingBug bug) {
  for (const BugRow& r : kBugs)
    if (r.bug == bug) return r.name;
  return "none";
}

// The LAST layer of the kind.
Status teaching_bug_layer(const NetSpec& spec, TeachingBug bug, int& layer, const char* what) {
  layer = -1;
  if (bug == TeachingBug::None) return Status::Ok();
  const BugRow* row = nullptr;
  for (const BugRow& r : kBugs) row = r.bug == bug ? &r : row;
  const int L = (int)spec.layers.size();
  if (!row->type && (bug != TeachingBug::MseNoHalf || spec.loss == LossKind::Mse)) layer = L;
  for (int i = L; row->type && layer < 0 && i-- > 0;) {
    const std::string& type = spec.layers[i].find("type")->str();
    if (type == row->type || type == row->type2) layer = i;
  }
  if (layer < 0)
    return Error(std::string(what) + ": bug '" + row->name + "' needs " + row->needs + ", the net has " +
                 (row->type ? "none" : "softmax_cross_entropy"));
  return Status::Ok();
}

// Sequential::run_compute_gradients (with the input's gradient), except that the broken layer's
// backward (or the loss) runs its own reference code with the one step switched off:
// conv2d_backward_ref(rot180 / dilate / crop), activation_backward(mask), avgpool_backward(scale),
// maxpool_backward with maxpool_first_entries' routes, the loss's mean or mse's two.
template <typename T>
double run_compute_gradients_with_bug(Sequential<T>& net, const T* x, const double* targets, int N, TeachingBug bug) {
  int broken = -1;
  if (!teaching_bug_layer(net.spec, bug, broken).ok()) broken = -1;
  net.zero_grad();
  net.run_forward(x, N);
  double L = bug == TeachingBug::MseNoHalf ? mse(net.grads.back().data(), net.output(), targets, N, net.out_size(), true, false)
                                           : net.run_loss(targets, true, bug != TeachingBug::LossNoMean);
  for (size_t i = net.layers.size(); i-- > 0;) {
    auto& l = *net.layers[i];
    T *dinp = net.grads[i].data(), *dout = net.grads[i + 1].data();
    const T *inp = net.acts[i].data(), *out = net.acts[i + 1].data();
    if ((int)i != broken) {
      l.backward(dinp, dout, inp, out, N);
    } else if (l.kind == LayerKind::Conv2d) {  // (the bugs on the loss never get here: broken = layers)
      auto& conv = static_cast<Conv2d<T>&>(l);
      conv.g.N = N;
      conv2d_backward_ref(dinp, conv.params[0].grad.data(), conv.params[1].grad.data(), dout, inp, conv.params[0].value.data(),
                          conv.g, bug != TeachingBug::ConvNoRotate, bug != TeachingBug::ConvNoDilate,
                          bug == TeachingBug::ConvCropOffByOne ? 1 : 0);
    } else if (bug == TeachingBug::ReluNoMask) {
      activation_backward(dinp, dout, inp, out, N * l.in_size(), Act::Relu, T(0), /*mask=*/false);
    } else {
      auto& pool = static_cast<Pool2d<T>&>(l);
      pool.g.N = N;
      if (pool.is_max) {
        std::vector<int> route(pool.argmax.size());  // the bug: each window's first entry, not its arg-max
        maxpool_first_entries(route.data(), pool.argmax.data(), pool.g);
        maxpool_backward(dinp, dout, route.data(), pool.g);
      }
      else avgpool_backward(dinp, dout, pool.g, /*scale=*/false);
    }
  }
  return L;
}

template double run_compute_gradients_with_bug(Sequential<float>&, const float*, const double*, int, TeachingBug);
template double run_compute_gradients_with_bug(Sequential<double>&, const double*, const double*, int, TeachingBug);

}  // namespace bp

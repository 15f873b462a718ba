#include "teaching_bugs.h"

#include "../layers/activation.h"
#include "../layers/conv2d.h"

namespace bp {

Status parse_teaching_bug(const std::string& name, TeachingBug& out) {
  if (name.empty() || name == "none") out = TeachingBug::None;
  else if (name == "conv-no-rotate") out = TeachingBug::ConvNoRotate;
  else if (name == "relu-no-mask") out = TeachingBug::ReluNoMask;
  else if (name == "loss-no-mean") out = TeachingBug::LossNoMean;
  else return Error("gradCheck: unknown bug '" + name + "' (known: none, conv-no-rotate, relu-no-mask, loss-no-mean)");
  return Status::Ok();
}

Status teaching_bug_layer(const Sequential<double>& net, TeachingBug bug, int& layer) {
  layer = -1;
  if (bug == TeachingBug::None) return Status::Ok();
  if (bug == TeachingBug::LossNoMean) {
    layer = (int)net.layers.size();
    return Status::Ok();
  }
  const char* want = bug == TeachingBug::ConvNoRotate ? "conv2d" : "relu";
  const LayerKind kind = bug == TeachingBug::ConvNoRotate ? LayerKind::Conv2d : LayerKind::Relu;
  for (size_t i = net.layers.size(); i-- > 0;)  // the last one
    if (net.layers[i]->kind == kind) {
      layer = (int)i;
      return Status::Ok();
    }
  return Error(std::string("gradCheck: bug '") + (bug == TeachingBug::ConvNoRotate ? "conv-no-rotate" : "relu-no-mask") +
               "' needs a " + want + " layer, the net has none");
}

std::string teaching_bug_name(TeachingBug bug) {
  switch (bug) {
    case TeachingBug::None: return "none";
    case TeachingBug::ConvNoRotate: return "conv-no-rotate";
    case TeachingBug::ReluNoMask: return "relu-no-mask";
    case TeachingBug::LossNoMean: return "loss-no-mean";
  }
  return "none";
}

// Sequential::run_compute_gradients, except that the broken layer's backward (or the loss) runs
// its own reference code with the one step switched off: conv2d_backward_ref(rot180 = false),
// activation_backward(mask = false), run_loss(mean = false).
double run_compute_gradients_with_bug(Sequential<double>& net, const double* x, const double* targets, int N, TeachingBug bug) {
  int broken = -1;
  if (!teaching_bug_layer(net, bug, broken).ok()) broken = -1;
  net.zero_grad();
  net.run_forward(x, N);
  double L = net.run_loss(targets, true, bug != TeachingBug::LossNoMean);
  for (size_t i = net.layers.size(); i-- > 0;) {
    auto& l = *net.layers[i];
    double *dinp = net.grads[i].data(), *dout = net.grads[i + 1].data();
    const double *inp = net.acts[i].data(), *out = net.acts[i + 1].data();
    if ((int)i != broken) {
      l.backward(dinp, dout, inp, out, N);
    } else if (bug == TeachingBug::ConvNoRotate) {
      auto& conv = static_cast<Conv2d<double>&>(l);
      conv.g.N = N;
      conv2d_backward_ref(dinp, conv.params[0].grad.data(), conv.params[1].grad.data(), dout, inp, conv.params[0].value.data(),
                          conv.g, /*rot180=*/false);
    } else if (bug == TeachingBug::ReluNoMask) {
      activation_backward(dinp, dout, inp, out, N * l.in_size(), Act::Relu, 0.0, /*mask=*/false);
    }
  }
  return L;
}

}  // namespace bp

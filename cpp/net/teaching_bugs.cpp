#include "teaching_bugs.h"

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

namespace {

// conv2d_backward_ref's dX with the kernel index NOT flipped: W[K−1−p] where W[p] belongs.
void conv2d_backward_input_unrotated(double* dinp, const double* dout, const double* weight, const ConvGeom& g) {
  for (int n = 0; n < g.N; ++n)
    for (int c = 0; c < g.C; ++c)
      for (int y = 0; y < g.H; ++y)
        for (int x = 0; x < g.W; ++x) {
          int yp = y + g.PH, xp = x + g.PW;
          double acc = 0;
          for (int o = 0; o < g.OC; ++o)
            for (int p = 0; p < g.KH; ++p) {
              int dy = yp - p;
              if (dy < 0 || dy % g.SH != 0 || dy / g.SH >= g.OH) continue;
              for (int q = 0; q < g.KW; ++q) {
                int dx = xp - q;
                if (dx < 0 || dx % g.SW != 0 || dx / g.SW >= g.OW) continue;
                acc += dout[((n * g.OC + o) * g.OH + dy / g.SH) * g.OW + dx / g.SW] *
                       weight[((o * g.C + c) * g.KH + (g.KH - 1 - p)) * g.KW + (g.KW - 1 - q)];  // the bug
              }
            }
          dinp[((n * g.C + c) * g.H + y) * g.W + x] = acc;
        }
}

}  // namespace

double run_compute_gradients_with_bug(Sequential<double>& net, const double* x, const double* targets, int N, TeachingBug bug) {
  int broken = -1;
  if (!teaching_bug_layer(net, bug, broken).ok()) broken = -1;
  net.zero_grad();
  net.run_forward(x, N);
  double L = net.run_loss(targets, true);
  size_t nl = net.layers.size();
  if (broken == (int)nl)  // loss-no-mean: the loss wrote dZ/N; the bug forgets the /N
    for (auto& d : net.grads[nl]) d *= N;
  for (size_t i = nl; i-- > 0;) {
    auto& l = *net.layers[i];
    double *dinp = net.grads[i].data(), *dout = net.grads[i + 1].data();
    l.backward(dinp, dout, net.acts[i].data(), net.acts[i + 1].data(), N);  // params' grads stay right
    if ((int)i != broken) continue;
    if (bug == TeachingBug::ReluNoMask) std::copy(dout, dout + (size_t)N * l.in_size(), dinp);
    if (bug == TeachingBug::ConvNoRotate) {
      auto& conv = static_cast<Conv2d<double>&>(l);
      conv2d_backward_input_unrotated(dinp, dout, conv.params[0].value.data(), conv.g);
    }
  }
  return L;
}

}  // namespace bp

// teaching_bugs.h: deliberately WRONG backward passes, for the demo's "break it" switch.
// Teaching mode of the float64 twin only: grad_check uses one of them to compute the
// ANALYTIC side of a check, while the numerical side (forward + loss) stays exact, so the
// check turns red where the bug is. Each bug is the layer's own reference code with one step
// switched off by a parameter that is on everywhere else (conv2d_backward_ref's rot180,
// activation_backward's mask, the loss's mean); training never switches them off, and the twin
// is a throw-away copy of the net.
//
//   bug              where              the wrong line                          rows that turn red
//   conv-no-rotate   last conv2d        dX = full_conv(dilate(δ), W)            that conv's dX: the input row
//                                       (the kernel NOT rotated by 180°)        and every layer before the conv
//   relu-no-mask     last relu          dX = δ            (mask [x > 0] dropped) every layer before that relu
//                                                                              and the input
//   loss-no-mean     the loss           dZ = p − onehot(y)  (the 1/N dropped)   every row, off by a factor N
// The LAST layer of the kind is broken, so the error has the most layers to flow back through
// (and a late ReLU, after a dense layer, has negative inputs on any data; an early one after a
// trained conv may not, and then dropping its mask changes nothing the check could see).
// Parameters of the broken layer itself and of the layers after it stay green: the chain
// rule carries a wrong dX only towards the input. (A kernel symmetric under rot180, e.g.
// 1×1, hides conv-no-rotate: then rotating or not is the same sum.)
#pragma once
#include <string>

#include "sequential.h"

namespace bp {

enum class TeachingBug { None, ConvNoRotate, ReluNoMask, LossNoMean };

// "" or "none" -> None; the three names above; anything else is an error quoting it.
Status parse_teaching_bug(const std::string& name, TeachingBug& out);
std::string teaching_bug_name(TeachingBug bug);

// The layer the bug sits in: -1 for None, net.layers.size() for the loss. An error when the
// net has no layer of the kind the bug needs.
Status teaching_bug_layer(const Sequential<double>& net, TeachingBug bug, int& layer);

// zero_grad, forward, loss and backward, with the bug in place: the analytic gradients a
// buggy implementation would report. Returns the loss (which the bug does not change).
double run_compute_gradients_with_bug(Sequential<double>& net, const double* x, const double* targets, int N, TeachingBug bug);

}  // namespace bp

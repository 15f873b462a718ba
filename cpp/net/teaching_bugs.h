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
//   conv-no-dilate   last conv2d        dX = full_conv(δ, rot180 W), δ NOT      as conv-no-rotate (at stride 1
//                                       dilated by S−1 zeros first              it changes nothing)
//   conv-crop-off-   last conv2d        dX[y,x] = dXp[y + PH − 1, x + PW − 1]   as conv-no-rotate
//   by-one                              (the crop one row and column early)
//   avgpool-no-      last avgpool2d or  dX = Σ δ  (the 1/(KH·KW) dropped)       every layer before the pool
//   scale            globalavgpool                                               and the input, off by KH·KW
//   maxpool-wrong-   last maxpool2d or  δ to the window's first entry, not to   every layer before the pool
//   index            globalmaxpool      its arg-max                             and the input (but a bias
//                                                                              right before it: db sums δ
//                                                                              wherever it was routed)
//   mse-no-half      the loss (mse)     dY = (Y − T)/(N·D): L has no ½ but the  every row, half the true
//                                       gradient drops the 2                    gradient
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

enum class TeachingBug { None, ConvNoRotate, ReluNoMask, LossNoMean, ConvNoDilate, ConvCropOffByOne, AvgPoolNoScale,
                         MaxPoolWrongIndex, MseNoHalf };

// "" or "none" -> None; the names above; anything else is an error quoting it ("<what>: unknown bug ...").
Status parse_teaching_bug(const std::string& name, TeachingBug& out, const char* what = "gradCheck");
std::string teaching_bug_name(TeachingBug bug);

// The layer the bug sits in: -1 for None, the number of layers for the loss. An error when the
// net has no layer of the kind the bug needs (or, for mse-no-half, its loss is not mse). One copy
// for both dtypes: it reads the normalised layer configs of the spec.
Status teaching_bug_layer(const NetSpec& spec, TeachingBug bug, int& layer, const char* what = "gradCheck");

// zero_grad, forward, loss and backward (every gradient, the input's too), with the bug in
// place: the analytic gradients a buggy implementation would report. Returns the loss (which
// the bug does not change).
template <typename T>
double run_compute_gradients_with_bug(Sequential<T>& net, const T* x, const double* targets, int N, TeachingBug bug);

}  // namespace bp

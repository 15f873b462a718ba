// loss.h: the two losses. The 1/N of the mean lives here and nowhere else.
//
//   softmax_cross_entropy   logits Z [N,K], integer labels y [N]
//     p[n,k] = exp(Z[n,k] − m_n) / Σ_j exp(Z[n,j] − m_n)      (m_n = max_k Z[n,k], for stability)
//     L      = −(1/N) Σ_n log p[n, y_n]
//     dZ     = (p − onehot(y)) / N
//   mse                     outputs Y [N,D], targets T [N,D]   (PyTorch MSELoss, mean over all)
//     L      = 1/(N·D) Σ (Y − T)²
//     dY     = 2 (Y − T) / (N·D)        (no ½ in L, so the 2 stays: the classic off-by-2 bug
//                                        is reporting L without ½ but using dY = Y − T)
//   mean = false (only the teaching bug loss-no-mean, net/teaching_bugs.h): the gradient without
//   its 1/N (L keeps it). two = false (only the teaching bug mse-no-half): dY = (Y − T)/(N·D),
//   half the true gradient (L unchanged).
//   Reference: the derivation series' "loss functions" post.
#pragma once
#include <cmath>
#include <cstdint>

namespace bp {

enum class LossKind { SoftmaxCrossEntropy, Mse };

// Returns L (accumulated in double); writes dZ if dlogits is non-null. probs (optional) gets p.
template <typename T>
double softmax_ce(T* dlogits, T* probs, const T* logits, const double* labels, int N, int K, bool mean = true) {
  const double div = mean ? N : 1;
  double loss = 0;
  for (int n = 0; n < N; ++n) {
    const T* z = logits + (size_t)n * K;
    T m = z[0];
    for (int k = 1; k < K; ++k) m = z[k] > m ? z[k] : m;
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp((double)(z[k] - m));
    int y = (int)labels[n];
    double logp_y = (double)(z[y] - m) - std::log(sum);
    loss -= logp_y;
    for (int k = 0; k < K; ++k) {
      double p = std::exp((double)(z[k] - m)) / sum;
      if (probs) probs[(size_t)n * K + k] = (T)p;
      if (dlogits) dlogits[(size_t)n * K + k] = (T)((p - (k == y ? 1.0 : 0.0)) / div);
    }
  }
  return loss / N;
}

// N samples of D values each.
template <typename T>
double mse(T* dout, const T* out, const double* targets, int N, int64_t D, bool mean = true, bool two = true) {
  const int64_t count = N * D;
  const double div = (double)(mean ? count : D);
  double loss = 0;
  for (int64_t i = 0; i < count; ++i) {
    double d = (double)out[i] - targets[i];
    loss += d * d;
    if (dout) dout[i] = (T)((two ? 2.0 : 1.0) * d / div);
  }
  return loss / (double)count;
}

}  // namespace bp

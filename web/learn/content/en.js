// content/en.js: the lesson text of learn.html in English, one entry per chapter.
//
//   <chapter-id>: { title, summary, sections: [{ heading, text, tex }], bugs: { <bug>: why }, notes: { <key>: text } }
//
// text: short paragraphs separated by a blank line ('\n\n'), plain text with inline math as $...$
// (KaTeX). tex: display equations (KaTeX, display mode; \tag{n} numbers an equation as the
// series' article does). Notation of the derivation series: z^l is layer l's output,
// δ^l = ∂L/∂z^l, W^{l-1} and b^{l-1} connect layer l−1 to layer l; indices start at 0; a conv
// weight W_{m,n,c,d} (kernel row m, column n, input channel c, output channel d) is stored
// [d, c, m, n] = [OC, C, KH, KW], as PyTorch and the core store it. The explanations are our own
// words; the series (numpy_neuron_network) gives the notation and the order of the chapters.

const r = String.raw;
const para = (...ps) => ps.join('\n\n');

// Notes every chapter carries (the page may read them from any chapter).
const common = {
  check: r`Beside every number of a gradient stands its check: the float64 centred difference $n$ of the loss and the relative error $|a-n| / \max(|a|,|n|)$ against the core's analytic value $a$. Green (good) below $10^{-7}$, light green (fine) below $10^{-4}$, amber (suspicious) above that, red (wrong) when the pair fails the pass rule $|a-n| \le 10^{-5} + 10^{-3}|n|$, and grey (kink) where no numerical check is possible. Amber is not an error by itself: it usually marks a gradient so small that cancellation dominates, while the absolute rule still holds.`,
  numerical: r`The numerical gradient nudges one entry $\theta$ by $\pm h$ ($h = 10^{-6}$), runs the forward pass and the loss again in float64, and takes $n = \big(L(\theta+h) - L(\theta-h)\big) / 2h$. It knows nothing of the backward formulas, which is why it can check them.`,
  kink: r`No check at a kink: where $\pm h$ flips the sign of a ReLU-like input or changes which entry of a max-pool window wins, the loss has a corner between the two evaluations. The difference quotient then mixes the slopes of both sides and is no derivative at all, so it cannot confirm or refute the analytic value. Such entries are marked "kink" and left unjudged.`,
  roundoff: r`A float32 net computes the analytic gradient with about 7 significant digits (machine epsilon $2^{-23} \approx 1.2 \times 10^{-7}$), while the numerical side runs in float64. So a correct float32 gradient typically lands around $10^{-7}$ to $10^{-6}$ relative error, in the "fine" band; a float64 net agrees to $10^{-9}$ or better. Round-off is not a bug: a bug shows up as an error near 1, not in the seventh digit.`,
  layout: r`Indices start at 0. Tensors are drawn per sample and per channel; a conv weight is stored as $[d, c, m, n]$ (output channel, input channel, kernel row, kernel column), so the entry the equations call $W_{m,n,c,d}$ is the grid cell W[d][c][m][n]. Width is written $\hat W$ so that $W$ stays the weights.`,
  batch: r`The mean over the batch, the $1/N$, lives in the loss and nowhere else: $\delta$ of the loss already carries it. Each layer then simply sums its parameter gradients over the $N$ samples, while $\delta^{l-1}$ stays one tensor per sample.`,
  tiny: r`The pass rule has an absolute part, $10^{-5}$: an entry whose true value is tiny can be off by a large factor and still pass. Under a bug such entries show as suspicious rather than wrong; that is the rule working as designed, not the bug hiding.`,
  sum: r`Click or focus an entry of a result: the entries that are multiplied and added to make it light up, and the sum is written out with the numbers in place. Zero terms (from padding or dilation) are shown in grey, as in the derivation.`,
};

export default {
  'fc-loss': {
    title: 'Dense layer and loss',
    summary: r`How a fully connected layer maps $z^{l-1}$ to $z^l$, how softmax cross-entropy and mean squared error produce the first $\delta$ (with the batch's $1/N$), and the three backward formulas every later chapter reuses.`,
    sections: [
      {
        heading: 'Notation',
        text: para(
          r`Layer $l$ holds the values $z^l$. The weights $W^{l-1}$ and the bias $b^{l-1}$ connect layer $l-1$ to layer $l$. For the gradient of the loss with respect to a layer's output we write $\delta^l = \partial L / \partial z^l$: every backward step receives $\delta^l$ and hands back $\delta^{l-1}$, together with the gradients of its own parameters.`,
          r`The series writes a sample as a row vector and multiplies $z W$. Here, as in PyTorch and in the core, a sample is a column vector and $W^{l-1}$ is stored as [outputs, inputs]; each formula below is the transpose of the series' one and produces the same numbers.`,
        ),
        tex: [],
      },
      {
        heading: 'Forward',
        text: para(
          r`Each output entry is a weighted sum of all inputs plus its bias. With a batch of $N$ samples, $n$ numbers the sample; the layer treats each sample on its own.`,
        ),
        tex: [
          r`z^l = W^{l-1} z^{l-1} + b^{l-1}`,
          r`z^l_{n,o} = \sum_{k} W^{l-1}_{o,k}\, z^{l-1}_{n,k} + b^{l-1}_o`,
        ],
      },
      {
        heading: 'Softmax cross-entropy',
        text: para(
          r`The last layer's outputs $z$ (the logits) become probabilities $a$ through softmax, and the loss is the mean negative log-probability of the true class $y_n$.`,
          r`Differentiating $-\log a_{y}$ through the softmax, the quotient rule's terms collapse, because the probabilities sum to 1: the result is simply "probability minus one-hot". The core subtracts the row maximum before exponentiating, which changes no probability and keeps $e^{z}$ finite. The $1/N$ of the mean appears in $\delta$ as well.`,
        ),
        tex: [
          r`a_{n,k} = \frac{e^{z_{n,k}}}{\sum_j e^{z_{n,j}}}, \qquad L = -\frac{1}{N} \sum_{n} \log a_{n,y_n}`,
          r`\delta_{n,k} = \frac{\partial L}{\partial z_{n,k}} = \frac{1}{N}\big(a_{n,k} - [k = y_n]\big)`,
        ],
      },
      {
        heading: 'Mean squared error',
        text: para(
          r`For outputs $y$ and targets $t$ with $D$ values per sample, our MSE (PyTorch's MSELoss) averages over all $N \cdot D$ squared differences. There is no $\tfrac12$ in front, so the 2 from the square stays in the gradient.`,
          r`Many texts, the series included, put a $\tfrac12$ in the loss so that the 2 cancels and the gradient reads $y - t$ (divided by $N D$ when the loss is a mean). Both conventions are correct as long as the gradient belongs to the loss it is reported with. The slip is to mix them: to report $L$ without the $\tfrac12$ but back-propagate $y - t$. That gradient is exactly half the derivative of the reported loss; the "mse-no-half" switch shows it.`,
        ),
        tex: [
          r`L = \frac{1}{N D} \sum_{n} \sum_{k} (y_{n,k} - t_{n,k})^2, \qquad \delta_{n,k} = \frac{2\,(y_{n,k} - t_{n,k})}{N D}`,
          r`L_{\frac12} = \frac{1}{2 N D} \sum_{n} \sum_{k} (y_{n,k} - t_{n,k})^2, \qquad \delta_{n,k} = \frac{y_{n,k} - t_{n,k}}{N D}`,
        ],
      },
      {
        heading: 'Backward through the dense layer',
        text: para(
          r`The weight $W^{l-1}_{o,k}$ enters the output only through the single product $W^{l-1}_{o,k} z^{l-1}_{k}$ in $z^l_o$, so its gradient is $\delta^l_o z^{l-1}_k$, one term per sample, added over the batch. In matrix form that is the outer product $\delta^l (z^{l-1})^{\top}$.`,
          r`The bias is added to $z^l_o$ with factor 1, so its gradient is $\delta^l_o$, again added over the batch. There is no extra $1/N$ here: it is already inside $\delta$.`,
          r`The input $z^{l-1}_k$ feeds every output $o$, so its gradient collects $\delta^l_o W^{l-1}_{o,k}$ over all $o$: a multiplication by the transposed weights. This is the step that carries the error one layer back, and it is done per sample.`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}} = \sum_{n} \delta^l_{n} \,(z^{l-1}_{n})^{\top}, \qquad \frac{\partial L}{\partial W^{l-1}_{o,k}} = \sum_{n} \delta^l_{n,o}\, z^{l-1}_{n,k}`,
          r`\frac{\partial L}{\partial b^{l-1}} = \sum_{n} \delta^l_{n}, \qquad \frac{\partial L}{\partial b^{l-1}_o} = \sum_{n} \delta^l_{n,o}`,
          r`\delta^{l-1}_{n} = (W^{l-1})^{\top} \delta^l_{n}, \qquad \delta^{l-1}_{n,k} = \sum_{o} W^{l-1}_{o,k}\, \delta^l_{n,o}`,
        ],
      },
      {
        heading: 'Chained',
        text: para(
          r`Applied layer after layer, the last formula walks the error back to the input: once the loss has given $\delta$ of the last layer, every earlier $\delta$ and every parameter gradient follows from the formulas above, with the layer's own saved input. The following chapters find the same three pieces (parameter gradient, bias gradient, $\delta^{l-1}$) for layers that are not fully connected.`,
        ),
        tex: [r`\delta^{l-1} = (W^{l-1})^{\top} \delta^l = (W^{l-1})^{\top} (W^{l})^{\top} \delta^{l+1} = \cdots`],
      },
    ],
    bugs: {
      'loss-no-mean': r`The loss forgets the $1/N$ in its gradient (the loss value itself is still the mean). Every entry of $\delta$ of the loss is $N$ times too large, and since $\partial L/\partial W$, $\partial L/\partial b$ and $\delta^{l-1}$ are all linear in $\delta^l$, every gradient on the page is $N$ times too large: all of them turn red, with relative error $1 - 1/N$; only entries that are 0, or so tiny that the absolute tolerance $10^{-5}$ of the pass rule covers the error, escape. With a single sample $N = 1$ and nothing changes: choose at least two samples to see it.`,
      'mse-no-half': r`The loss is reported without the $\tfrac12$, $L = \frac{1}{ND}\sum (y-t)^2$, but the gradient is taken as if the $\tfrac12$ were there, $(y-t)/(ND)$. Every gradient is then exactly half the derivative of the reported loss, so every nonzero entry of $\delta$, $\partial L/\partial W$, $\partial L/\partial b$ and $\delta^{l-1}$ turns red with relative error 0.5 (apart from entries so tiny that the absolute tolerance $10^{-5}$ covers the error). It is an MSE slip: pick the MSE loss to see it.`,
    },
    notes: {
      ...common,
      onehot: r`$[k = y_n]$ is 1 when $k$ is the true class of sample $n$ and 0 otherwise (the one-hot target).`,
      stability: r`Softmax is computed as $e^{z_k - \max_j z_j} / \sum_j e^{z_j - \max_j z_j}$: the same probabilities, without overflow.`,
      samples: r`Batch size matters for one bug only: with $N = 1$ the $1/N$ is 1, and "loss-no-mean" changes nothing.`,
    },
  },

  'conv-single': {
    title: 'Convolution: one channel, stride 1, no padding',
    summary: r`The simplest convolution: one input channel, one output channel, the kernel sliding one step at a time. Its weight gradient is a correlation of the input with $\delta^l$, and its input gradient is a full convolution of the zero-padded $p\delta^l$ with the kernel rotated by $180^\circ$.`,
    sections: [
      {
        heading: 'Forward',
        text: para(
          r`The kernel $W^{l-1}$ ($k_1 \times k_2$) slides over $z^{l-1}$; at each position it multiplies entry by entry and adds, plus the bias. Deep-learning libraries call this convolution although, strictly, it is a cross-correlation: the kernel is not flipped.`,
          r`Without padding and with stride 1, the output has $H^l = H^{l-1} - k_1 + 1$ rows and $\hat W^l = \hat W^{l-1} - k_2 + 1$ columns.`,
        ),
        tex: [
          r`z^l_{i,j} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n}\, z^{l-1}_{i+m,\,j+n} + b^{l-1}, \qquad 0 \le i < H^l,\ 0 \le j < \hat W^l \tag{4}`,
        ],
      },
      {
        heading: 'Weight and bias gradients',
        text: para(
          r`The weight $W^{l-1}_{m,n}$ is used at every position of the window: in output $(i,j)$ it multiplies $z^{l-1}_{i+m,j+n}$. Its gradient therefore adds up $\delta^l_{i,j}\, z^{l-1}_{i+m,j+n}$ over all outputs.`,
          r`Read it as a forward pass in disguise: slide $\delta^l$ over $z^{l-1}$ as if $\delta^l$ were the kernel. The result has $k_1 \times k_2$ entries, exactly the size of $W$. The bias is added to every output entry, so its gradient is the sum of all of $\delta^l$.`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n}} = \sum_{i} \sum_{j} \delta^l_{i,j}\, z^{l-1}_{i+m,\,j+n} \tag{5}`,
          r`\frac{\partial L}{\partial b^{l-1}} = \sum_{i} \sum_{j} \delta^l_{i,j} \tag{6}`,
        ],
      },
      {
        heading: 'Which outputs an input reaches',
        text: para(
          r`The input $z^{l-1}_{i',j'}$ lies in every window that covers it. The window of output $(i,j)$ covers it with the kernel entry $(m,n) = (i'-i,\,j'-j)$, so its gradient collects $\delta^l_{i,j} W^{l-1}_{i'-i,\,j'-j}$ over those windows. Near the border fewer windows cover it: the terms with $i'-m$ or $j'-n$ outside $\delta^l$ simply do not exist.`,
        ),
        tex: [
          r`\delta^{l-1}_{i',j'} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \delta^l_{i'-m,\,j'-n}\, W^{l-1}_{m,n}, \qquad \text{terms with } (i'-m,\,j'-n) \text{ outside } \delta^l \text{ are } 0`,
        ],
      },
      {
        heading: 'Padding δ and rotating the kernel',
        text: para(
          r`Two tricks turn this into an ordinary sliding-window sum. First, surround $\delta^l$ with $k_1 - 1$ rows and $k_2 - 1$ columns of zeros on every side: this is $p\delta^l$, of size $(H^{l-1} + k_1 - 1) \times (\hat W^{l-1} + k_2 - 1)$. The missing border terms now read zeros instead of needing special cases.`,
          r`Second, as $m$ runs forward the row of $\delta$ runs backward ($i' - m$). Turning the kernel by $180^\circ$ makes both run forward together. Sliding $\mathrm{rot}_{180^\circ}(W^{l-1})$ over $p\delta^l$ then gives exactly $H^{l-1} \times \hat W^{l-1}$ values: this "full convolution" is $\delta^{l-1}$.`,
        ),
        tex: [
          r`p\delta^l_{i,j} = \begin{cases} \delta^l_{i-k_1+1,\, j-k_2+1} & k_1-1 \le i \le H^l+k_1-2,\ \ k_2-1 \le j \le \hat W^l+k_2-2 \\ 0 & \text{otherwise} \end{cases} \tag{12}`,
          r`\mathrm{rot}_{180^\circ}(W)_{m,n} = W_{k_1-1-m,\; k_2-1-n}`,
          r`\delta^{l-1}_{i,j} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n}\; p\delta^l_{i+m,\,j+n} \tag{16}`,
        ],
      },
      {
        heading: 'A batch',
        text: para(
          r`With $N$ samples, $\partial L/\partial W$ and $\partial L/\partial b$ also add over the samples, and each sample gets its own $\delta^{l-1}$. The equation numbers are those of the series' single-channel article, so you can read the two side by side.`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'conv-no-rotate': r`The input gradient slides $W$ over $p\delta^l$ as it is, without the $180^\circ$ turn, so entry $(i,j)$ pairs $p\delta^l_{i+m,j+n}$ with $W_{m,n}$ instead of $W_{k_1-1-m,k_2-1-n}$. That is a different sum for (almost) every entry, so all of $\delta^{l-1}$ turns red; even the corner $\delta^{l-1}_{0,0}$ comes out as $\delta^l_{0,0} W_{k_1-1,k_2-1}$ instead of $\delta^l_{0,0} W_{0,0}$. $\partial L/\partial W$ and $\partial L/\partial b$ never use the rotation and stay green. A kernel equal to its own rotation (1×1, or symmetric numbers) would hide the bug.`,
    },
    notes: {
      ...common,
      correlation: r`Cross-correlation slides the kernel as it is; the mathematical convolution flips it first. The forward pass here is a correlation; the flip appears in the backward pass, as $\mathrm{rot}_{180^\circ}$.`,
      sizes: r`$\delta^l$ has the size of the output, $(H^{l-1}-k_1+1) \times (\hat W^{l-1}-k_2+1)$; padding it by $k-1$ on each side and sliding a $k$-wide kernel gives back the input size.`,
    },
  },

  'conv-multichannel': {
    title: 'Convolution with channels',
    summary: r`$C^{l-1}$ input channels, $C^l$ output channels: every output channel sees every input channel, like a dense layer between channels. The article's equations (5), (6) and (8) add the channel sums to the single-channel result.`,
    sections: [
      {
        heading: 'Forward',
        text: para(
          r`The kernel now has four indices: $W^{l-1}_{m,n,c,d}$ joins input channel $c$ to output channel $d$ at kernel position $(m,n)$; each output channel has one bias $b^{l-1}_d$. Output channel $d$ is the sum over all input channels of single-channel correlations.`,
          r`In the grids, $W$ is stored as PyTorch stores it, $[C^l, C^{l-1}, k_1, k_2] = [d, c, m, n]$: the entry written $W_{m,n,c,d}$ below is the cell W[d][c][m][n]. Channels are counted from 0 (the article counts them from 1).`,
        ),
        tex: [
          r`z^l_{d,i,j} = \sum_{c=0}^{C^{l-1}-1} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n,c,d}\, z^{l-1}_{c,\,i+m,\,j+n} + b^{l-1}_d \tag{4}`,
        ],
      },
      {
        heading: 'Weight and bias gradients',
        text: para(
          r`$W_{m,n,c,d}$ appears only in output channel $d$, where it multiplies input channel $c$. So its gradient is the single-channel formula applied to the pair $(c, d)$: correlate $z^{l-1}_c$ with $\delta^l_d$. Each $k_1 \times k_2$ slice $\partial L/\partial W_{:,:,c,d}$ is one such correlation.`,
          r`The bias $b_d$ is added to every entry of output channel $d$, so its gradient sums $\delta^l_d$ over all positions.`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{i} \sum_{j} \delta^l_{d,i,j}\; z^{l-1}_{c,\,i+m,\,j+n} \tag{5}`,
          r`\frac{\partial L}{\partial b^{l-1}_d} = \sum_{i} \sum_{j} \delta^l_{d,i,j} \tag{6}`,
        ],
      },
      {
        heading: 'Input gradient',
        text: para(
          r`Input channel $c$ feeds every output channel, so its gradient gathers a contribution from each $d$: the single-channel full convolution of $p\delta^l_d$ with the rotated slice $\mathrm{rot}_{180^\circ}(W)_{:,:,c,d}$, summed over $d$.`,
          r`The rotation turns each $k_1 \times k_2$ slice in place; it does not exchange $c$ and $d$. $p\delta^l$ is $\delta^l$ with $k_1-1$ rows and $k_2-1$ columns of zeros around each channel.`,
        ),
        tex: [
          r`\mathrm{rot}_{180^\circ}(W)_{m,n,c,d} = W_{k_1-1-m,\; k_2-1-n,\; c,\; d}`,
          r`\delta^{l-1}_{c,i,j} = \sum_{d=0}^{C^l-1} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n,c,d}\; p\delta^l_{d,\,i+m,\,j+n} \tag{8}`,
          r`p\delta^l_{d,i,j} = \begin{cases} \delta^l_{d,\,i-k_1+1,\,j-k_2+1} & k_1-1 \le i \le H^l+k_1-2,\ \ k_2-1 \le j \le \hat W^l+k_2-2 \\ 0 & \text{otherwise} \end{cases} \tag{12}`,
        ],
      },
      {
        heading: 'A batch',
        text: para(
          r`With $N$ samples (index $s$ here, to keep $n$ for the kernel column), the parameter gradients add over the samples as well; $\delta^{l-1}$ is computed per sample with (8).`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{s=0}^{N-1} \sum_{i} \sum_{j} \delta^l_{s,d,i,j}\; z^{l-1}_{s,c,\,i+m,\,j+n}, \qquad \frac{\partial L}{\partial b^{l-1}_d} = \sum_{s=0}^{N-1} \sum_{i} \sum_{j} \delta^l_{s,d,i,j}`,
        ],
      },
    ],
    bugs: {
      'conv-no-rotate': r`The input gradient uses $W_{m,n,c,d}$ where equation (8) needs $W_{k_1-1-m,k_2-1-n,c,d}$: each window of $p\delta^l$ meets the kernel the wrong way round. The sum over $d$ does not repair that, so (almost) every entry of $\delta^{l-1}$, in every input channel, turns red. Equations (5) and (6) contain no rotation: $\partial L/\partial W$ and $\partial L/\partial b$ stay green. With a 1×1 kernel, rotating changes nothing and the bug is invisible.`,
    },
    notes: {
      ...common,
      dense: r`Between channels a conv layer is fully connected: with $k_1 = k_2 = 1$ and $H = \hat W = 1$, equations (4), (5), (6) and (8) are exactly the dense layer's forward pass, $\delta\, z^{\top}$, $\sum \delta$ and $W^{\top}\delta$.`,
      numbering: r`Equation numbers (4), (5), (6), (8) and (12) follow the series' multi-channel article, so a learner can match them line by line.`,
    },
  },

  'conv-stride': {
    title: 'Convolution with stride',
    summary: r`With stride $S > 1$ the window jumps $S$ entries at a time. Put $S-1$ zeros between the entries of $\delta^l$ (dilation) and the stride-1 formulas of the previous chapters apply unchanged.`,
    sections: [
      {
        heading: 'Forward',
        text: para(
          r`Output $(i,j)$ now reads the window that starts at row $iS$ and column $jS$. The division in the size rounds down: if $H^{l-1} - k_1$ is not a multiple of $S$, the last rows of the input are never reached by any window.`,
        ),
        tex: [
          r`z^l_{d,i,j} = \sum_{c} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n,c,d}\; z^{l-1}_{c,\,iS+m,\,jS+n} + b^{l-1}_d`,
          r`H^l = \left\lfloor \frac{H^{l-1} - k_1}{S} \right\rfloor + 1, \qquad \hat W^l = \left\lfloor \frac{\hat W^{l-1} - k_2}{S} \right\rfloor + 1`,
        ],
      },
      {
        heading: 'Why dilation works',
        text: para(
          r`A stride-$S$ convolution is a stride-1 convolution of which only every $S$-th row and column is kept. The outputs that are skipped never reach the loss, so their gradient is 0. Put those zeros back between the entries of $\delta^l$ and you have the $\delta$ of the stride-1 convolution: the dilated $\tilde\delta^l$, of size $\big((H^l-1)S+1\big) \times \big((\hat W^l-1)S+1\big)$.`,
        ),
        tex: [
          r`\tilde\delta^l_{d,\,iS,\,jS} = \delta^l_{d,i,j}, \qquad \tilde\delta^l_{d,i',j'} = 0 \ \text{ where } S \nmid i' \text{ or } S \nmid j'`,
        ],
      },
      {
        heading: 'Weight and bias gradients',
        text: para(
          r`The weight gradient is the stride-1 correlation of $z^{l-1}$ with the dilated $\tilde\delta^l$. The inserted zeros contribute nothing, so the sum is the same as picking every $S$-th input directly. The bias gradient is unchanged: zeros add nothing to $\sum \delta$.`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{i} \sum_{j} \delta^l_{d,i,j}\; z^{l-1}_{c,\,iS+m,\,jS+n} = \sum_{i'} \sum_{j'} \tilde\delta^l_{d,i',j'}\; z^{l-1}_{c,\,i'+m,\,j'+n}`,
          r`\frac{\partial L}{\partial b^{l-1}_d} = \sum_{i} \sum_{j} \delta^l_{d,i,j}`,
        ],
      },
      {
        heading: 'Input gradient',
        text: para(
          r`$p\delta^l$ is now the dilated $\tilde\delta^l$ with $k_1-1$ zero rows on top and $k_1-1+r_1$ at the bottom, where $r_1$ counts the input rows no window reached (likewise $k_2-1$ and $k_2-1+r_2$ columns). Those $r$ extra rows make the full convolution come out with exactly $H^{l-1} \times \hat W^{l-1}$ entries; the unreached rows get gradient 0, as they should.`,
          r`Then equation (8) of the multi-channel chapter applies as it stands.`,
        ),
        tex: [
          r`r_1 = H^{l-1} - \big((H^l-1)S + k_1\big), \qquad r_2 = \hat W^{l-1} - \big((\hat W^l-1)S + k_2\big)`,
          r`\delta^{l-1}_{c,i,j} = \sum_{d} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n,c,d}\; p\delta^l_{d,\,i+m,\,j+n}`,
        ],
      },
    ],
    bugs: {
      'conv-no-dilate': r`$\delta^l$ goes into the full convolution without the $S-1$ zeros between its entries. Neighbouring entries of $\delta^l$ then sit 1 apart instead of $S$ apart and meet the wrong kernel weights, so $\delta^{l-1}$ turns red almost everywhere; only the top-left entry of each channel, which $\delta^l_{d,0,0}$ alone reaches through $W_{0,0,c,d}$ either way, can come out right. $\partial L/\partial W$ and $\partial L/\partial b$ are not touched by the bug and stay green. With $S = 1$ there is nothing to dilate and nothing turns red.`,
    },
    notes: {
      ...common,
      remainder: r`Floor rounding: with $H^{l-1} = 6$, $k_1 = 3$, $S = 2$ the windows start at rows 0 and 2 and end at row 4; row 5 ($r_1 = 1$) is read by no window and its gradient is 0.`,
      dilation: r`The series calls the dilated $\delta$ "$\delta^{l_{padding}}$"; here it is $\tilde\delta^l$, and $p\delta^l$ is it with the zero border added.`,
    },
  },

  'conv-padding': {
    title: 'Convolution with padding',
    summary: r`Padding $P$ surrounds the input with zeros before the convolution. The backward pass computes the gradient of the padded input with the previous chapters' formulas, then crops $P$ rows and columns from each side.`,
    sections: [
      {
        heading: 'Forward on the padded input',
        text: para(
          r`Write $pz^{l-1}$ for $z^{l-1}$ with $P$ rows and columns of zeros added on every side, of size $(H^{l-1}+2P) \times (\hat W^{l-1}+2P)$. The convolution is the stride-$S$ convolution of the last chapter, applied to $pz^{l-1}$.`,
        ),
        tex: [
          r`z^l_{d,i,j} = \sum_{c} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n,c,d}\; pz^{l-1}_{c,\,iS+m,\,jS+n} + b^{l-1}_d`,
          r`H^l = \left\lfloor \frac{H^{l-1} + 2P - k_1}{S} \right\rfloor + 1, \qquad \hat W^l = \left\lfloor \frac{\hat W^{l-1} + 2P - k_2}{S} \right\rfloor + 1`,
        ],
      },
      {
        heading: 'Weight and bias gradients',
        text: para(
          r`Nothing new: correlate the padded input with the (dilated) $\delta^l$. The padding zeros take part in the indexing but contribute nothing to the sums.`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{i} \sum_{j} \delta^l_{d,i,j}\; pz^{l-1}_{c,\,iS+m,\,jS+n}, \qquad \frac{\partial L}{\partial b^{l-1}_d} = \sum_{i} \sum_{j} \delta^l_{d,i,j}`,
        ],
      },
      {
        heading: 'Input gradient, then the crop',
        text: para(
          r`The full convolution of $p\delta^l$ with $\mathrm{rot}_{180^\circ}(W)$ gives the gradient with respect to the padded input, $(H^{l-1}+2P) \times (\hat W^{l-1}+2P)$ values. Here $p\delta^l$ is the dilated $\delta^l$ padded by $k_1-1$ on top and $k_1-1+r_1$ at the bottom, with $r_1 = H^{l-1}+2P - \big((H^l-1)S+k_1\big)$, and likewise for columns.`,
          r`The outer ring of $P$ rows and columns belongs to the padding zeros. They are constants, not inputs of the layer, so their gradients have no owner and are dropped: $\delta^{l-1}$ is the centre, rows $P$ to $P+H^{l-1}-1$ and columns $P$ to $P+\hat W^{l-1}-1$.`,
        ),
        tex: [
          r`\frac{\partial L}{\partial pz^{l-1}_{c,i,j}} = \sum_{d} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n,c,d}\; p\delta^l_{d,\,i+m,\,j+n}`,
          r`\delta^{l-1}_{c,i,j} = \frac{\partial L}{\partial pz^{l-1}_{c,\,i+P,\,j+P}}, \qquad 0 \le i < H^{l-1},\ 0 \le j < \hat W^{l-1}`,
        ],
      },
    ],
    bugs: {
      'conv-crop-off-by-one': r`The crop starts at row and column $P-1$ instead of $P$. Every entry of $\delta^{l-1}$ then shows the gradient of its upper-left neighbour in the padded gradient, and the first row and column come from the padding ring that should have been thrown away. So (almost) every entry of $\delta^{l-1}$ turns red. $\partial L/\partial W$, $\partial L/\partial b$ and $\delta^l$ are computed before the crop and stay green. The bug needs $P \ge 1$: without padding there is no crop.`,
    },
    notes: {
      ...common,
      ring: r`The padded gradient's border ring is not zero in general: a padding zero that a window reads does influence the output. It is dropped because nothing upstream can change a constant.`,
      same: r`With $S = 1$ and $P = (k-1)/2$ for odd $k$ ("same" padding), the output keeps the input's size.`,
    },
  },

  pooling: {
    title: 'Pooling',
    summary: r`Pooling layers have no parameters; their backward pass only decides where each entry of $\delta^l$ goes. Max pooling sends it to the winning entry of its window, average pooling spreads it evenly with weight $1/k^2$, and the global variants do the same over the whole channel.`,
    sections: [
      {
        heading: 'Max pooling',
        text: para(
          r`Each output is the largest entry of a $k \times k$ window; the windows move by a stride $S$ (by default $S = k$, so they tile the input). Only the winning entry influences the output: nudging any other entry a little does not change the maximum. So $\delta^l_{c,i,j}$ goes entirely to the arg-max of window $(i,j)$ and every other entry of the window gets 0. An input that wins several overlapping windows adds up their $\delta$s.`,
          r`The forward pass remembers each window's arg-max (shown as the flat index $y \hat W + x$ in the input plane); the backward pass just follows these routes.`,
        ),
        tex: [
          r`z^l_{c,i,j} = \max_{0 \le p,q < k} z^{l-1}_{c,\,iS+p,\,jS+q}`,
          r`\delta^{l-1}_{c,y,x} = \sum_{(i,j)\,:\,(y,x) = \operatorname*{arg\,max}(i,j)} \delta^l_{c,i,j}`,
        ],
      },
      {
        heading: 'Ties',
        text: para(
          r`When two entries of a window share the maximum, the max is not differentiable there: raising either one raises the output, lowering either one does not. Any split of $\delta$ between the tied entries is a valid subgradient. The core, like PyTorch, gives all of it to the first maximum in row-major order (top row first, then left to right). The numerical check cannot decide such a case and marks it as a kink.`,
        ),
        tex: [],
      },
      {
        heading: 'Average pooling',
        text: para(
          r`Each output is the mean of its window, so every entry of the window receives $1/k^2$ of $\delta^l$. With non-overlapping windows that is simply $\delta^l_{c,i,j}/k^2$ on every entry of window $(i,j)$; entries no window reaches get 0.`,
        ),
        tex: [
          r`z^l_{c,i,j} = \frac{1}{k^2} \sum_{p=0}^{k-1} \sum_{q=0}^{k-1} z^{l-1}_{c,\,iS+p,\,jS+q}`,
          r`\delta^{l-1}_{c,y,x} = \sum_{(i,j)\,:\,\text{window } (i,j) \ni (y,x)} \frac{\delta^l_{c,i,j}}{k^2}`,
        ],
      },
      {
        heading: 'Global max and global average',
        text: para(
          r`The global forms take one window as large as the channel: one output per channel. Global max routes $\delta^l_c$ to the (first) maximum of the whole channel; global average spreads it as $\delta^l_c/(H^{l-1}\hat W^{l-1})$ over every entry.`,
        ),
        tex: [
          r`z^l_c = \max_{y,x} z^{l-1}_{c,y,x}, \qquad \delta^{l-1}_{c,y,x} = \begin{cases} \delta^l_c & (y,x) = \operatorname*{arg\,max}_{y',x'} z^{l-1}_{c,y',x'} \\ 0 & \text{otherwise} \end{cases}`,
          r`z^l_c = \frac{1}{H^{l-1} \hat W^{l-1}} \sum_{y} \sum_{x} z^{l-1}_{c,y,x}, \qquad \delta^{l-1}_{c,y,x} = \frac{\delta^l_c}{H^{l-1} \hat W^{l-1}}`,
        ],
      },
    ],
    bugs: {
      'avgpool-no-scale': r`The backward pass forgets to divide by $k^2$: each input entry covered by a window receives $k^2$ times its share. Every such entry of $\delta^{l-1}$ turns red, with relative error $1 - 1/k^2$ (unless its $\delta$ is 0). Entries that no window covers get 0 either way and stay green. With $k = 1$ the factor is 1 and nothing changes.`,
      'maxpool-wrong-index': r`Each $\delta^l_{c,i,j}$ is sent to the first (top-left) entry of its window instead of the arg-max. A window whose maximum is its top-left entry is unaffected. Every other window turns two entries of $\delta^{l-1}$ red: the arg-max, which should receive $\delta$ but gets 0, and the top-left entry, which gets $\delta$ but should get 0. All other entries are 0 either way and stay green.`,
    },
    notes: {
      ...common,
      argmax: r`The arg-max grid holds, for each window, the flat index $y \hat W + x$ of its winner in the input channel (the first one on ties).`,
      noParams: r`Pooling has no weights and no bias: its whole backward pass is $\delta^{l-1}$.`,
      tie: r`Tied maximum: the page gives $\delta$ to the first one in row-major order, a subgradient; the centred difference sees a corner there and is not shown.`,
    },
  },

  activations: {
    title: 'Activation functions',
    summary: r`An activation acts on each entry separately, so its backward pass is an elementwise product: $\delta^{l-1} = \delta^l \odot f'(z^{l-1})$. Only PReLU has a parameter of its own, the slope $\alpha$.`,
    sections: [
      {
        heading: 'One rule for all',
        text: para(
          r`Treat the activation as a layer of its own: $z^l = f(z^{l-1})$ entry by entry. Each output depends on one input only, so the chain rule has a single term per entry: multiply $\delta^l$ by the slope of $f$ at that input. The grid "$f'(z)$" holds these slopes; for ReLU it is the mask, 1 where the input was positive and 0 elsewhere.`,
        ),
        tex: [r`\delta^{l-1} = \delta^l \odot f'(z^{l-1}), \qquad \delta^{l-1}_i = \delta^l_i\, f'(z^{l-1}_i)`],
      },
      {
        heading: 'ReLU, LeakyReLU, PReLU',
        text: para(
          r`ReLU passes positive inputs and zeroes the rest. At exactly $z = 0$ the core, like PyTorch, takes the slope 0. LeakyReLU keeps a small slope $s$ for negative inputs ($s = 0.01$ by default; the series uses 0.1), so negative units still pass some gradient.`,
          r`PReLU learns that slope: $\alpha$ is a parameter, one shared by the layer or one per channel (initialised to 0.25). $\alpha$ multiplies every non-positive input, so its gradient sums $\delta^l \cdot z^{l-1}$ over all those entries, across the batch and all positions that share it.`,
        ),
        tex: [
          r`\mathrm{ReLU}(z) = \max(0, z), \qquad \mathrm{ReLU}'(z) = [z > 0]`,
          r`\mathrm{LeakyReLU}(z) = \begin{cases} z & z > 0 \\ s z & z \le 0 \end{cases}, \qquad \mathrm{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ s & z \le 0 \end{cases}`,
          r`\mathrm{PReLU}(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}, \qquad \mathrm{PReLU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}`,
          r`\frac{\partial L}{\partial \alpha} = \sum_{i} \delta^l_i\, z^{l-1}_i\, [z^{l-1}_i \le 0]`,
        ],
      },
      {
        heading: 'ELU and SELU',
        text: para(
          r`ELU bends the negative side into $\alpha(e^z - 1)$, which approaches $-\alpha$ smoothly ($\alpha = 1$ by default). Its slope there, $\alpha e^z$, equals $f(z) + \alpha$, so the backward pass can reuse the output.`,
          r`SELU scales ELU by $\lambda$ and fixes both constants, chosen by Klambauer et al. so that activations keep zero mean and unit variance from layer to layer.`,
        ),
        tex: [
          r`\mathrm{ELU}(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases}, \qquad \mathrm{ELU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha e^z = \mathrm{ELU}(z) + \alpha & z \le 0 \end{cases}`,
          r`\mathrm{SELU}(z) = \lambda \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases}, \qquad \mathrm{SELU}'(z) = \lambda \begin{cases} 1 & z > 0 \\ \alpha e^z & z \le 0 \end{cases}`,
          r`\lambda = 1.0507009873554805, \qquad \alpha = 1.6732632423543772`,
        ],
      },
      {
        heading: 'Sigmoid and tanh',
        text: para(
          r`Both are smooth everywhere and their slopes are easiest written with the output $z^l$: the backward pass needs no exponential of its own. Both slopes vanish for large $|z|$, which is why deep stacks of them learn slowly.`,
        ),
        tex: [
          r`\sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)`,
          r`\tanh'(z) = 1 - \tanh^2(z)`,
        ],
      },
      {
        heading: 'Kinks',
        text: para(
          r`ReLU, LeakyReLU, PReLU, ELU and SELU are built from two pieces that meet at $z = 0$. For ReLU, LeakyReLU, PReLU and SELU the slopes of the two pieces differ there: a kink, where no derivative exists and the backward pass picks a side. If an input lies within $h$ of 0, the centred difference straddles the corner and returns a mixture of both slopes, which matches neither; the page therefore shows no verdict for such entries. (ELU with $\alpha = 1$ has equal slopes on both sides; it is marked all the same, to be safe.)`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'relu-no-mask': r`The backward pass hands $\delta^l$ straight through and forgets to multiply by the mask $[z^{l-1} > 0]$. Where the input was positive the mask is 1 anyway: those entries stay green. Where it was zero or negative the true gradient is 0 but the page shows $\delta^l$: those entries turn red (unless $\delta^l$ happens to be 0 there). It is ReLU's bug: choose ReLU to see it.`,
    },
    notes: {
      ...common,
      mask: r`The mask $[z > 0]$ is 1 where the input was positive and 0 elsewhere; multiplying by it is the whole of ReLU's backward pass.`,
      prelu: r`$\partial L/\partial \alpha$ adds one term $\delta^l_i z^{l-1}_i$ for every non-positive input that shares this $\alpha$, over the whole batch.`,
      selu: r`SELU's constants are $\lambda = 1.0507009873554805$ and $\alpha = 1.6732632423543772$, as in PyTorch.`,
    },
  },

  optimizers: {
    title: 'Optimizers',
    summary: r`Backpropagation delivers $g = \partial L/\partial \theta$; an optimizer decides what step to take with it. SGD with momentum or Nesterov, AdaGrad, RMSProp, Adadelta and Adam, as the core implements them (PyTorch's rules), racing on the same minibatches.`,
    sections: [
      {
        heading: 'Notation',
        text: para(
          r`For every parameter tensor $\theta$ with gradient $g_t$ at step $t = 1, 2, \ldots$, all operations act entry by entry, and every state buffer ($b, s, v, u, m$) starts at 0. $\eta$ is the learning rate. With a decay, the core uses $\eta_t = \eta / (1 + (t-1)\,\mathrm{decay})$, so the first step uses $\eta$ itself.`,
        ),
        tex: [],
      },
      {
        heading: 'SGD, momentum, Nesterov',
        text: para(
          r`Plain SGD steps against the gradient. Momentum keeps a running sum $b$ of past gradients that decays by $\mu$ each step, so directions that persist build up speed and directions that flip sign cancel. Nesterov looks ahead: it steps with the current gradient plus $\mu$ times the updated buffer.`,
          r`The series writes momentum as $v_t = \gamma v_{t-1} + \eta g_t$, $\theta \leftarrow \theta - v_t$; with a constant $\eta$ this is the same update, $v_t = \eta b_t$.`,
        ),
        tex: [
          r`\theta \leftarrow \theta - \eta\, g_t`,
          r`b_t = \mu\, b_{t-1} + g_t, \qquad \theta \leftarrow \theta - \eta\, b_t`,
          r`\text{Nesterov:}\quad b_t = \mu\, b_{t-1} + g_t, \qquad \theta \leftarrow \theta - \eta\,(g_t + \mu\, b_t)`,
        ],
      },
      {
        heading: 'AdaGrad',
        text: para(
          r`AdaGrad gives every entry its own step size: it accumulates the squared gradients and divides by their root. Entries with large gradients slow down, rare ones keep moving. Because $s$ only grows, the steps keep shrinking. The core adds $\epsilon = 10^{-10}$ after the root (the series puts it under the root).`,
        ),
        tex: [r`s_t = s_{t-1} + g_t^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon}`],
      },
      {
        heading: 'RMSProp',
        text: para(
          r`RMSProp replaces AdaGrad's sum by an exponential moving average with factor $\alpha$ ($0.99$), so old gradients are forgotten and the step size does not decay to zero ($\epsilon = 10^{-8}$).`,
        ),
        tex: [r`v_t = \alpha\, v_{t-1} + (1-\alpha)\, g_t^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}`],
      },
      {
        heading: 'Adadelta',
        text: para(
          r`Adadelta keeps two averages: of squared gradients ($v$) and of squared steps ($u$). The step is the gradient scaled by the ratio of their roots, so it carries the units of $\theta$ and needs no tuned learning rate ($\eta = 1$, $\rho = 0.9$, $\epsilon = 10^{-6}$).`,
        ),
        tex: [
          r`v_t = \rho\, v_{t-1} + (1-\rho)\, g_t^2, \qquad \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\; g_t`,
          r`u_t = \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2, \qquad \theta \leftarrow \theta - \eta\, \Delta_t`,
        ],
      },
      {
        heading: 'Adam',
        text: para(
          r`Adam combines momentum (the average $m$ of gradients) with RMSProp's scaling (the average $v$ of squared gradients), $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$, $\eta = 10^{-3}$.`,
          r`Both averages start at 0, so for the first steps they are too small: after $t$ steps of a constant gradient, $m_t = (1-\beta_1^t)\,g$ and $v_t = (1-\beta_2^t)\,g^2$. Dividing by these factors (the bias correction) removes the pull towards the zero start; for a constant gradient the step is then exactly $\eta$ in the direction of $-g$ from the very first step.`,
        ),
        tex: [
          r`m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2`,
          r`\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad \theta \leftarrow \theta - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}`,
        ],
      },
      {
        heading: 'The race',
        text: para(
          r`Every optimizer in the race starts from the same initial weights and sees the same minibatches in the same order, so the curves differ only by their update rules. On the 2-D loss surface you can watch the paths themselves: momentum overshoots and swings back, AdaGrad slows down, Adam's first steps have the length $\eta$.`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'adam-no-bias-correction': r`Without bias correction Adam steps with $\eta\, m_t / (\sqrt{v_t} + \epsilon)$. Because $v$ ($\beta_2 = 0.999$) forgets its zero start far more slowly than $m$ ($\beta_1 = 0.9$), the denominator is too small early on and the steps are too large: for a steady gradient the step is $\eta\,(1-\beta_1^t)/\sqrt{1-\beta_2^t}$, about $3.2\eta$ at $t = 1$, up to $6.6\eta$ near $t = 12$, still $3.2\eta$ at $t = 100$ and $1.26\eta$ at $t = 1000$. Its curve jumps or spikes early and joins Adam's only after a few thousand steps. The gradients are unchanged, so no gradient check turns red; the red line is this Adam's curve.`,
    },
    notes: {
      ...common,
      identical: r`All optimizers draw the same minibatches from the same seed: any difference between the curves comes from the update rule alone.`,
      defaults: r`Defaults as in PyTorch: SGD $\eta = 0.01$; AdaGrad $\eta = 0.01$, $\epsilon = 10^{-10}$; RMSProp $\eta = 0.01$, $\alpha = 0.99$, $\epsilon = 10^{-8}$; Adadelta $\eta = 1$, $\rho = 0.9$, $\epsilon = 10^{-6}$; Adam $\eta = 10^{-3}$, $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$.`,
      weightDecay: r`With weight decay $\lambda$, SGD and Adam first replace $g_t$ by $g_t + \lambda\theta$.`,
    },
  },

  network: {
    title: 'The whole network',
    summary: r`The tiny CNN of the series on one MNIST digit, one step at a time: forward layer by layer, the loss, backward layer by layer, the update. Each step is one of the earlier chapters; click a layer to open its chapter with these very numbers.`,
    sections: [
      {
        heading: 'The net',
        text: para(
          r`$z^0$ is the $1 \times 28 \times 28$ digit. A conv layer with one $3 \times 3$ kernel gives $1 \times 26 \times 26$; ReLU; $2 \times 2$ max pooling gives $1 \times 13 \times 13$; flatten makes a vector of 169; a dense layer to 64 units; ReLU; a dense layer to the 10 class scores; softmax cross-entropy. That is $10 + 10880 + 650 = 11540$ parameters.`,
        ),
        tex: [
          r`z^0 \xrightarrow{\ \text{conv } 3\times3\ } z^1 \xrightarrow{\ \text{ReLU}\ } z^2 \xrightarrow{\ \text{max-pool } 2\ } z^3 \xrightarrow{\ \text{flatten}\ } z^4 \xrightarrow{\ \text{dense}\ } z^5 \xrightarrow{\ \text{ReLU}\ } z^6 \xrightarrow{\ \text{dense}\ } z^7 \xrightarrow{\ \text{softmax CE}\ } L`,
        ],
      },
      {
        heading: 'Forward',
        text: para(
          r`Each layer keeps what its backward pass will need: the conv and dense layers their input, ReLU the sign of its input, max pooling the arg-max of every window.`,
        ),
        tex: [
          r`z^1_{i,j} = \sum_{m,n} W^0_{m,n}\, z^0_{i+m,j+n} + b^0, \qquad z^2 = \max(0, z^1), \qquad z^3_{i,j} = \max_{0 \le p,q < 2} z^2_{2i+p,\,2j+q}`,
          r`z^4 = \mathrm{flatten}(z^3), \qquad z^5 = W^4 z^4 + b^4, \qquad z^6 = \max(0, z^5), \qquad z^7 = W^6 z^6 + b^6`,
          r`L = -\log a_y, \qquad a_k = \frac{e^{z^7_k}}{\sum_j e^{z^7_j}}`,
        ],
      },
      {
        heading: 'Backward',
        text: para(
          r`The loss gives $\delta^7$ (with one digit, $N = 1$). From there each layer turns $\delta^l$ into $\delta^{l-1}$ and its parameter gradients: the dense layers as in the first chapter, ReLU by its mask, flatten by reshaping the 169 numbers back to $13 \times 13$, max pooling by routing each entry to its window's arg-max, and the conv layer by the single-channel formulas.`,
          r`$\delta^0$, the gradient with respect to the image, is not needed for training; it is shown because the check can verify it too, and it says which pixels would change the loss most.`,
        ),
        tex: [
          r`\delta^7 = a - \mathrm{onehot}(y)`,
          r`\frac{\partial L}{\partial W^6} = \delta^7 (z^6)^{\top}, \quad \frac{\partial L}{\partial b^6} = \delta^7, \quad \delta^6 = (W^6)^{\top} \delta^7, \quad \delta^5 = \delta^6 \odot [z^5 > 0]`,
          r`\frac{\partial L}{\partial W^4} = \delta^5 (z^4)^{\top}, \quad \frac{\partial L}{\partial b^4} = \delta^5, \quad \delta^4 = (W^4)^{\top} \delta^5, \quad \delta^3 = \mathrm{reshape}_{13 \times 13}(\delta^4)`,
          r`\delta^2_{y,x} = \sum_{(i,j)\,:\,(y,x) = \operatorname*{arg\,max}(i,j)} \delta^3_{i,j}, \qquad \delta^1 = \delta^2 \odot [z^1 > 0]`,
          r`\frac{\partial L}{\partial W^0_{m,n}} = \sum_{i,j} \delta^1_{i,j}\, z^0_{i+m,j+n}, \quad \frac{\partial L}{\partial b^0} = \sum_{i,j} \delta^1_{i,j}, \quad \delta^0_{i,j} = \sum_{m,n} \mathrm{rot}_{180^\circ}(W^0)_{m,n}\, p\delta^1_{i+m,j+n}`,
        ],
      },
      {
        heading: 'The update',
        text: para(
          r`With all gradients in hand, the optimizer moves every parameter, here plain gradient descent. Run the forward pass again on the same digit: for a small enough $\eta$ the loss is lower and the probability of the true class higher.`,
        ),
        tex: [r`W \leftarrow W - \eta\, \frac{\partial L}{\partial W}, \qquad b \leftarrow b - \eta\, \frac{\partial L}{\partial b}`],
      },
      {
        heading: 'How the chapters connect',
        text: para(
          r`No layer needs to know the others: each one only needs $\delta$ of its output and what it kept from the forward pass. That is why the derivations could be done one layer type at a time, and why a wrong formula in one layer shows up in the gradients of every layer before it, but not after.`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'conv-no-rotate': r`The conv layer is the first layer, so the unrotated kernel spoils only $\delta^0$, the image's gradient: it turns red. The conv's own $\partial L/\partial W^0$ and $\partial L/\partial b^0$ do not use the rotation, and every later layer is untouched: all green.`,
      'relu-no-mask': r`The bug sits in the last ReLU (after the 64-unit dense layer). $\delta^5$ turns red where $z^5 \le 0$, and the error flows on towards the input: $\partial L/\partial W^4$, $\partial L/\partial b^4$ and every $\delta$ and gradient before it turn red as well. The output layer's $\partial L/\partial W^6$, $\partial L/\partial b^6$, $\delta^6$ and $\delta^7$ come after the bug and stay green.`,
      'loss-no-mean': r`With one digit $N = 1$, so dropping the $1/N$ changes nothing and nothing turns red. Step into a batch of several digits to see every gradient grow by the factor $N$.`,
    },
    notes: {
      ...common,
      numbering: r`Layers are numbered by their outputs: $z^0$ is the image, $z^7$ the class scores; $W^{l-1}$ and $b^{l-1}$ produce $z^l$.`,
      params: r`Parameters: conv $3 \cdot 3 + 1 = 10$, first dense layer $169 \cdot 64 + 64 = 10880$, output layer $64 \cdot 10 + 10 = 650$.`,
      stepper: r`Step forward and back through the layers; the layer in focus opens in its chapter with this digit's numbers.`,
    },
  },
};

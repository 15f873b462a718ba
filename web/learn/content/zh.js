// content/zh.js: learn.html 的中文课文, 每章一项, 结构与 content/en.js 相同:
//
//   <chapter-id>: { title, summary, sections: [{ heading, text, tex }], bugs: { <bug>: why }, notes: { <key>: text } }
//
// text: 若干短段落, 以空行 ('\n\n') 分隔, 行内公式写作 $...$ (KaTeX); tex: 独立公式 (KaTeX display,
// \tag{n} 与系列文章的公式编号一致). 记号沿用推导系列: z^l 为第 l 层输出, δ^l = ∂L/∂z^l,
// W^{l-1}, b^{l-1} 连接第 l−1 层与第 l 层; 下标从 0 开始; 卷积核 W_{m,n,c,d} (核的第 m 行、第 n 列,
// 输入通道 c, 输出通道 d) 按 [d, c, m, n] = [OC, C, KH, KW] 存放 (与 PyTorch 和核心一致).
// 讲解文字是本项目自己写的; 系列 (numpy_neuron_network) 提供记号与章节顺序.

const r = String.raw;
const para = (...ps) => ps.join('\n\n');

// 每一章都带的说明 (页面可从任一章读取).
const common = {
  check: r`每个梯度值旁边都有一个校验: 损失函数在 float64 下的中心差分 $n$, 以及它与核心算出的解析值 $a$ 之间的相对误差 $|a-n| / \max(|a|,|n|)$。低于 $10^{-7}$ 为绿色 (很好), 低于 $10^{-4}$ 为浅绿 (可以), 再大为橙色 (可疑); 若不满足通过条件 $|a-n| \le 10^{-5} + 10^{-3}|n|$ 则为红色 (错误); 无法做数值校验的位置 (拐点) 为灰色。橙色本身不代表错: 它多半出现在梯度极小、被舍入抵消主导的地方, 此时绝对误差的条件仍然成立。`,
  numerical: r`数值梯度把某一个元素 $\theta$ 加减 $h$ ($h = 10^{-6}$), 在 float64 下重新做一遍前向传播和损失计算, 取 $n = \big(L(\theta+h) - L(\theta-h)\big) / 2h$。它完全不用反向传播的公式, 所以能用来检验这些公式。`,
  kink: r`拐点处不做校验: 如果 $\pm h$ 让某个 ReLU 类函数的输入改变了符号, 或者让最大池化窗口里的最大值换了位置, 那么两次求值之间的损失函数有一个折角。差商混合了折角两侧的斜率, 根本不是导数, 既不能证实也不能否定解析值。这样的元素标为"拐点", 不作判断。`,
  roundoff: r`float32 网络算出的解析梯度大约只有 7 位有效数字 (机器精度 $2^{-23} \approx 1.2 \times 10^{-7}$), 而数值梯度是在 float64 下算的。所以一个正确的 float32 梯度, 相对误差通常在 $10^{-7}$ 到 $10^{-6}$ 之间, 落在"可以"一档; float64 网络则能吻合到 $10^{-9}$ 甚至更好。舍入误差不是 bug: 真正的 bug 带来的相对误差接近 1, 而不是差在第七位。`,
  layout: r`下标从 0 开始。张量按样本、按通道分别画成网格; 卷积核按 $[d, c, m, n]$ (输出通道、输入通道、核的行、核的列) 存放, 公式里的 $W_{m,n,c,d}$ 就是网格中的 W[d][c][m][n]。宽度记作 $\hat W$, 以免与权重 $W$ 混淆。`,
  batch: r`对 batch 取平均的 $1/N$ 只在损失函数里出现: 损失函数给出的 $\delta$ 已经带上了它。之后每一层的参数梯度只需对 $N$ 个样本求和, 而 $\delta^{l-1}$ 仍是每个样本各一份。`,
  tiny: r`通过条件里有一个绝对容差 $10^{-5}$: 真实值很小的元素即使差了好几倍也能通过。出了 bug 时这样的元素显示为可疑而不是错误; 这是规则本来的设计, 不是 bug 藏起来了。`,
  sum: r`点击 (或用键盘选中) 结果中的任一元素: 参与相乘相加得到它的那些元素会在各自的网格里高亮, 下方写出代入数值后的求和式。来自填充或插零的零项以灰色显示, 与推导中一样。`,
};

export default {
  'fc-loss': {
    title: '全连接层与损失函数',
    summary: r`全连接层如何把 $z^{l-1}$ 变成 $z^l$; softmax 交叉熵和均方误差如何给出第一个 $\delta$ (连同 batch 的 $1/N$); 以及后面每一章都会用到的三个反向公式。`,
    sections: [
      {
        heading: '记号',
        text: para(
          r`第 $l$ 层的输出记为 $z^l$; 权重 $W^{l-1}$ 和偏置 $b^{l-1}$ 连接第 $l-1$ 层与第 $l$ 层。损失函数对某层输出的偏导记为 $\delta^l = \partial L / \partial z^l$。反向传播的每一步都是: 拿到 $\delta^l$, 交回 $\delta^{l-1}$, 顺便求出本层参数的梯度。`,
          r`系列文章把样本写成行向量, 做 $z W$ 的乘法; 这里与 PyTorch 和核心一致, 样本是列向量, $W^{l-1}$ 按 [输出, 输入] 存放。下面每个公式都是系列中对应公式的转置, 算出的数完全相同。`,
        ),
        tex: [],
      },
      {
        heading: '前向传播',
        text: para(
          r`每个输出都是全部输入的加权和再加上各自的偏置。一个 batch 有 $N$ 个样本时用 $n$ 标记样本, 各样本互不相干地经过这一层。`,
        ),
        tex: [
          r`z^l = W^{l-1} z^{l-1} + b^{l-1}`,
          r`z^l_{n,o} = \sum_{k} W^{l-1}_{o,k}\, z^{l-1}_{n,k} + b^{l-1}_o`,
        ],
      },
      {
        heading: 'softmax 交叉熵',
        text: para(
          r`最后一层的输出 $z$ (logits) 经 softmax 变成概率 $a$, 损失是真实类别 $y_n$ 的负对数概率在 batch 上的平均。`,
          r`把 $-\log a_{y}$ 经 softmax 求导, 商的求导法则展开的各项会因为概率之和为 1 而相互抵消, 最后只剩"概率减去 one-hot"。核心在取指数之前先减去每行的最大值, 概率不变, 而 $e^{z}$ 不会溢出。平均的 $1/N$ 同样留在 $\delta$ 里。`,
        ),
        tex: [
          r`a_{n,k} = \frac{e^{z_{n,k}}}{\sum_j e^{z_{n,j}}}, \qquad L = -\frac{1}{N} \sum_{n} \log a_{n,y_n}`,
          r`\delta_{n,k} = \frac{\partial L}{\partial z_{n,k}} = \frac{1}{N}\big(a_{n,k} - [k = y_n]\big)`,
        ],
      },
      {
        heading: '均方误差',
        text: para(
          r`设输出为 $y$、目标为 $t$, 每个样本 $D$ 个值。我们的均方误差 (即 PyTorch 的 MSELoss) 对全部 $N \cdot D$ 个平方差取平均, 前面没有 $\tfrac12$, 所以平方求导得到的 2 会留在梯度里。`,
          r`不少教材 (包括这个系列) 在损失前面加上 $\tfrac12$, 让 2 约掉, 梯度就写成 $y - t$ (损失取平均时再除以 $N D$)。两种写法都对, 前提是梯度与所报告的损失相配。错误在于混用: 报告的 $L$ 不带 $\tfrac12$, 反向传播的却是 $y - t$。这样的梯度恰好是所报告损失真实导数的一半; "mse-no-half" 开关演示的就是它。`,
        ),
        tex: [
          r`L = \frac{1}{N D} \sum_{n} \sum_{k} (y_{n,k} - t_{n,k})^2, \qquad \delta_{n,k} = \frac{2\,(y_{n,k} - t_{n,k})}{N D}`,
          r`L_{\frac12} = \frac{1}{2 N D} \sum_{n} \sum_{k} (y_{n,k} - t_{n,k})^2, \qquad \delta_{n,k} = \frac{y_{n,k} - t_{n,k}}{N D}`,
        ],
      },
      {
        heading: '全连接层的反向传播',
        text: para(
          r`权重 $W^{l-1}_{o,k}$ 只通过 $z^l_o$ 里的一项乘积 $W^{l-1}_{o,k} z^{l-1}_{k}$ 影响输出, 所以它的梯度是 $\delta^l_o z^{l-1}_k$, 每个样本一项, 在 batch 上求和。写成矩阵就是外积 $\delta^l (z^{l-1})^{\top}$。`,
          r`偏置以系数 1 加到 $z^l_o$ 上, 所以它的梯度就是 $\delta^l_o$, 同样在 batch 上求和。这里不再除以 $N$: $1/N$ 已经在 $\delta$ 里了。`,
          r`输入 $z^{l-1}_k$ 连到每一个输出 $o$, 所以它的梯度要把所有 $o$ 的 $\delta^l_o W^{l-1}_{o,k}$ 加起来, 也就是乘以权重的转置。误差正是靠这一步往回传一层, 每个样本各算各的。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}} = \sum_{n} \delta^l_{n} \,(z^{l-1}_{n})^{\top}, \qquad \frac{\partial L}{\partial W^{l-1}_{o,k}} = \sum_{n} \delta^l_{n,o}\, z^{l-1}_{n,k}`,
          r`\frac{\partial L}{\partial b^{l-1}} = \sum_{n} \delta^l_{n}, \qquad \frac{\partial L}{\partial b^{l-1}_o} = \sum_{n} \delta^l_{n,o}`,
          r`\delta^{l-1}_{n} = (W^{l-1})^{\top} \delta^l_{n}, \qquad \delta^{l-1}_{n,k} = \sum_{o} W^{l-1}_{o,k}\, \delta^l_{n,o}`,
        ],
      },
      {
        heading: '逐层串起来',
        text: para(
          r`把最后一个公式一层层用下去, 误差就一路传回输入: 只要损失函数给出最后一层的 $\delta$, 之前每一层的 $\delta$ 和参数梯度都能由上面的公式加上该层保存的输入算出来。后面几章要做的, 就是为非全连接的层找出同样的三样东西: 参数梯度、偏置梯度和 $\delta^{l-1}$。`,
        ),
        tex: [r`\delta^{l-1} = (W^{l-1})^{\top} \delta^l = (W^{l-1})^{\top} (W^{l})^{\top} \delta^{l+1} = \cdots`],
      },
    ],
    bugs: {
      'loss-no-mean': r`损失函数的梯度漏掉了 $1/N$ (损失值本身仍是平均)。损失给出的 $\delta$ 每个元素都大了 $N$ 倍; 而 $\partial L/\partial W$、$\partial L/\partial b$ 和 $\delta^{l-1}$ 都与 $\delta^l$ 成线性关系, 所以页面上所有梯度都大了 $N$ 倍, 全部变红, 相对误差为 $1 - 1/N$; 只有为 0 的元素, 或小到误差落在通过条件的绝对容差 $10^{-5}$ 之内的元素, 才逃得过。只有一个样本时 $N = 1$, 什么都不会变: 至少选两个样本才能看到。`,
      'mse-no-half': r`报告的损失不带 $\tfrac12$, 即 $L = \frac{1}{ND}\sum (y-t)^2$, 梯度却按带 $\tfrac12$ 的损失来算, 即 $(y-t)/(ND)$。于是每个梯度都恰好是所报告损失真实导数的一半: $\delta$、$\partial L/\partial W$、$\partial L/\partial b$ 和 $\delta^{l-1}$ 中所有非零元素全部变红, 相对误差为 0.5 (小到误差落在绝对容差 $10^{-5}$ 之内的元素除外)。这是均方误差的错误: 选择均方误差损失才能看到。`,
    },
    notes: {
      ...common,
      onehot: r`当 $k$ 是样本 $n$ 的真实类别时 $[k = y_n]$ 为 1, 否则为 0 (即 one-hot 目标)。`,
      stability: r`softmax 实际按 $e^{z_k - \max_j z_j} / \sum_j e^{z_j - \max_j z_j}$ 计算: 概率相同, 但不会溢出。`,
      samples: r`样本数只对一个 bug 有影响: $N = 1$ 时 $1/N$ 等于 1, "loss-no-mean" 不会改变任何数。`,
    },
  },

  'conv-single': {
    title: '卷积层: 单通道、无填充、步长 1',
    summary: r`最简单的卷积: 一个输入通道、一个输出通道, 卷积核每次移动一格。权重梯度是输入与 $\delta^l$ 的互相关; 输入梯度是零填充后的 $p\delta^l$ 与翻转 $180^\circ$ 的卷积核做的"全卷积"。`,
    sections: [
      {
        heading: '前向传播',
        text: para(
          r`$k_1 \times k_2$ 的卷积核 $W^{l-1}$ 在 $z^{l-1}$ 上滑动, 每到一处就对应元素相乘再相加, 最后加上偏置。深度学习框架把它叫作卷积, 严格说却是互相关: 卷积核没有翻转。`,
          r`无填充、步长为 1 时, 输出有 $H^l = H^{l-1} - k_1 + 1$ 行、$\hat W^l = \hat W^{l-1} - k_2 + 1$ 列。`,
        ),
        tex: [
          r`z^l_{i,j} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n}\, z^{l-1}_{i+m,\,j+n} + b^{l-1}, \qquad 0 \le i < H^l,\ 0 \le j < \hat W^l \tag{4}`,
        ],
      },
      {
        heading: '权重与偏置的梯度',
        text: para(
          r`权重 $W^{l-1}_{m,n}$ 在窗口的每个位置上都被用到: 在输出 $(i,j)$ 处它乘的是 $z^{l-1}_{i+m,j+n}$。所以它的梯度就是把所有输出位置的 $\delta^l_{i,j}\, z^{l-1}_{i+m,j+n}$ 加起来。`,
          r`换个角度看, 这仍是一次前向卷积: 把 $\delta^l$ 当作卷积核在 $z^{l-1}$ 上滑动, 得到 $k_1 \times k_2$ 个数, 大小正好与 $W$ 相同。偏置加在每个输出上, 它的梯度就是 $\delta^l$ 全部元素之和。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n}} = \sum_{i} \sum_{j} \delta^l_{i,j}\, z^{l-1}_{i+m,\,j+n} \tag{5}`,
          r`\frac{\partial L}{\partial b^{l-1}} = \sum_{i} \sum_{j} \delta^l_{i,j} \tag{6}`,
        ],
      },
      {
        heading: '一个输入影响哪些输出',
        text: para(
          r`输入 $z^{l-1}_{i',j'}$ 落在每一个覆盖它的窗口里。输出 $(i,j)$ 的窗口是用卷积核的 $(m,n) = (i'-i,\,j'-j)$ 位置覆盖它的, 因此它的梯度是这些窗口的 $\delta^l_{i,j} W^{l-1}_{i'-i,\,j'-j}$ 之和。靠近边界时覆盖它的窗口少一些: $i'-m$ 或 $j'-n$ 超出 $\delta^l$ 范围的项根本不存在。`,
        ),
        tex: [
          r`\delta^{l-1}_{i',j'} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \delta^l_{i'-m,\,j'-n}\, W^{l-1}_{m,n}, \qquad (i'-m,\,j'-n) \text{ 超出 } \delta^l \text{ 的项为 } 0`,
        ],
      },
      {
        heading: '给 δ 补零, 把卷积核翻转',
        text: para(
          r`两个技巧把它变回普通的滑动窗口求和。其一, 在 $\delta^l$ 四周补上 $k_1 - 1$ 行、$k_2 - 1$ 列零, 记为 $p\delta^l$, 大小为 $(H^{l-1} + k_1 - 1) \times (\hat W^{l-1} + k_2 - 1)$。边界上缺的那些项现在读到的是 0, 不再需要分情况讨论。`,
          r`其二, $m$ 往前走时 $\delta$ 的行号 $i' - m$ 往后走; 把卷积核旋转 $180^\circ$, 两者就同向了。让 $\mathrm{rot}_{180^\circ}(W^{l-1})$ 在 $p\delta^l$ 上滑动, 恰好得到 $H^{l-1} \times \hat W^{l-1}$ 个数: 这个"全卷积"就是 $\delta^{l-1}$。`,
        ),
        tex: [
          r`p\delta^l_{i,j} = \begin{cases} \delta^l_{i-k_1+1,\, j-k_2+1} & k_1-1 \le i \le H^l+k_1-2,\ \ k_2-1 \le j \le \hat W^l+k_2-2 \\ 0 & \text{其他} \end{cases} \tag{12}`,
          r`\mathrm{rot}_{180^\circ}(W)_{m,n} = W_{k_1-1-m,\; k_2-1-n}`,
          r`\delta^{l-1}_{i,j} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n}\; p\delta^l_{i+m,\,j+n} \tag{16}`,
        ],
      },
      {
        heading: '一个 batch',
        text: para(
          r`有 $N$ 个样本时, $\partial L/\partial W$ 和 $\partial L/\partial b$ 还要对样本求和, 而每个样本各有自己的 $\delta^{l-1}$。公式编号与系列中单通道那篇一致, 可以对照着读。`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'conv-no-rotate': r`求输入梯度时 $W$ 没有旋转 $180^\circ$ 就在 $p\delta^l$ 上滑动, 于是 $(i,j)$ 处把 $p\delta^l_{i+m,j+n}$ 与 $W_{m,n}$ 相乘, 而不是与 $W_{k_1-1-m,k_2-1-n}$。几乎每个元素的和都不一样了, 整个 $\delta^{l-1}$ 变红; 连角上的 $\delta^{l-1}_{0,0}$ 也算成了 $\delta^l_{0,0} W_{k_1-1,k_2-1}$, 而不是 $\delta^l_{0,0} W_{0,0}$。$\partial L/\partial W$ 和 $\partial L/\partial b$ 不涉及旋转, 保持绿色。旋转后不变的卷积核 (1×1, 或数值对称) 会把这个 bug 藏起来。`,
    },
    notes: {
      ...common,
      correlation: r`互相关直接拿卷积核去滑动, 数学上的卷积要先把核翻转。这里的前向传播是互相关, 翻转出现在反向传播里, 即 $\mathrm{rot}_{180^\circ}$。`,
      sizes: r`$\delta^l$ 与输出同样大, 为 $(H^{l-1}-k_1+1) \times (\hat W^{l-1}-k_2+1)$; 四周各补 $k-1$ 后再用宽 $k$ 的核滑动, 正好回到输入的大小。`,
    },
  },

  'conv-multichannel': {
    title: '卷积层: 多通道',
    summary: r`$C^{l-1}$ 个输入通道, $C^l$ 个输出通道: 每个输出通道都连着所有输入通道, 通道之间就像全连接。文章中的公式 (5)、(6)、(8) 在单通道结果上加上了对通道的求和。`,
    sections: [
      {
        heading: '前向传播',
        text: para(
          r`卷积核现在有四个下标: $W^{l-1}_{m,n,c,d}$ 在核的 $(m,n)$ 位置把输入通道 $c$ 连到输出通道 $d$; 每个输出通道有一个偏置 $b^{l-1}_d$。输出通道 $d$ 是各个输入通道上单通道互相关之和。`,
          r`网格里 $W$ 按 PyTorch 的方式存放, 即 $[C^l, C^{l-1}, k_1, k_2] = [d, c, m, n]$: 下面公式中的 $W_{m,n,c,d}$ 就是 W[d][c][m][n] 这一格。通道从 0 开始编号 (文章从 1 开始)。`,
        ),
        tex: [
          r`z^l_{d,i,j} = \sum_{c=0}^{C^{l-1}-1} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n,c,d}\, z^{l-1}_{c,\,i+m,\,j+n} + b^{l-1}_d \tag{4}`,
        ],
      },
      {
        heading: '权重与偏置的梯度',
        text: para(
          r`$W_{m,n,c,d}$ 只出现在输出通道 $d$ 中, 乘的是输入通道 $c$。所以它的梯度就是对 $(c, d)$ 这一对通道套用单通道公式: 用 $\delta^l_d$ 在 $z^{l-1}_c$ 上做互相关。每个 $k_1 \times k_2$ 的切片 $\partial L/\partial W_{:,:,c,d}$ 都是这样一次互相关。`,
          r`偏置 $b_d$ 加在输出通道 $d$ 的每个元素上, 它的梯度是 $\delta^l_d$ 所有位置之和。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{i} \sum_{j} \delta^l_{d,i,j}\; z^{l-1}_{c,\,i+m,\,j+n} \tag{5}`,
          r`\frac{\partial L}{\partial b^{l-1}_d} = \sum_{i} \sum_{j} \delta^l_{d,i,j} \tag{6}`,
        ],
      },
      {
        heading: '输入的梯度',
        text: para(
          r`输入通道 $c$ 连到每一个输出通道, 所以它的梯度要从每个 $d$ 收一份: $p\delta^l_d$ 与旋转后的切片 $\mathrm{rot}_{180^\circ}(W)_{:,:,c,d}$ 做单通道的全卷积, 再对 $d$ 求和。`,
          r`旋转只是把每个 $k_1 \times k_2$ 切片原地转半圈, 并不交换 $c$ 和 $d$。$p\delta^l$ 是在 $\delta^l$ 每个通道四周补上 $k_1-1$ 行、$k_2-1$ 列零得到的。`,
        ),
        tex: [
          r`\mathrm{rot}_{180^\circ}(W)_{m,n,c,d} = W_{k_1-1-m,\; k_2-1-n,\; c,\; d}`,
          r`\delta^{l-1}_{c,i,j} = \sum_{d=0}^{C^l-1} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n,c,d}\; p\delta^l_{d,\,i+m,\,j+n} \tag{8}`,
          r`p\delta^l_{d,i,j} = \begin{cases} \delta^l_{d,\,i-k_1+1,\,j-k_2+1} & k_1-1 \le i \le H^l+k_1-2,\ \ k_2-1 \le j \le \hat W^l+k_2-2 \\ 0 & \text{其他} \end{cases} \tag{12}`,
        ],
      },
      {
        heading: '一个 batch',
        text: para(
          r`有 $N$ 个样本时 (这里用 $s$ 标记样本, 把 $n$ 留给卷积核的列), 参数梯度还要对样本求和; $\delta^{l-1}$ 则对每个样本分别按 (8) 计算。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{s=0}^{N-1} \sum_{i} \sum_{j} \delta^l_{s,d,i,j}\; z^{l-1}_{s,c,\,i+m,\,j+n}, \qquad \frac{\partial L}{\partial b^{l-1}_d} = \sum_{s=0}^{N-1} \sum_{i} \sum_{j} \delta^l_{s,d,i,j}`,
        ],
      },
    ],
    bugs: {
      'conv-no-rotate': r`求输入梯度时用了 $W_{m,n,c,d}$, 而公式 (8) 需要的是 $W_{k_1-1-m,k_2-1-n,c,d}$: $p\delta^l$ 的每个窗口都与方向颠倒的卷积核相乘。对 $d$ 求和也补救不了, 所以每个输入通道里 (几乎) 所有 $\delta^{l-1}$ 元素都变红。公式 (5)、(6) 中没有旋转: $\partial L/\partial W$ 和 $\partial L/\partial b$ 保持绿色。1×1 的卷积核转不转都一样, 这个 bug 就看不出来。`,
    },
    notes: {
      ...common,
      dense: r`通道之间卷积层就是全连接的: 取 $k_1 = k_2 = 1$、$H = \hat W = 1$, 公式 (4)、(5)、(6)、(8) 恰好就是全连接层的前向传播、$\delta\, z^{\top}$、$\sum \delta$ 和 $W^{\top}\delta$。`,
      numbering: r`公式编号 (4)、(5)、(6)、(8)、(12) 与系列中多通道那篇文章一致, 可以逐条对照。`,
    },
  },

  'conv-stride': {
    title: '卷积层: 步长不为 1',
    summary: r`步长 $S > 1$ 时窗口每次跳 $S$ 格。在 $\delta^l$ 的相邻元素之间插入 $S-1$ 个零 (膨胀), 前两章步长为 1 的公式就可以原样使用。`,
    sections: [
      {
        heading: '前向传播',
        text: para(
          r`输出 $(i,j)$ 现在读的是从第 $iS$ 行、第 $jS$ 列开始的窗口。输出大小向下取整: 如果 $H^{l-1} - k_1$ 不是 $S$ 的整数倍, 输入最后几行不会被任何窗口读到。`,
        ),
        tex: [
          r`z^l_{d,i,j} = \sum_{c} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n,c,d}\; z^{l-1}_{c,\,iS+m,\,jS+n} + b^{l-1}_d`,
          r`H^l = \left\lfloor \frac{H^{l-1} - k_1}{S} \right\rfloor + 1, \qquad \hat W^l = \left\lfloor \frac{\hat W^{l-1} - k_2}{S} \right\rfloor + 1`,
        ],
      },
      {
        heading: '为什么插零就行',
        text: para(
          r`步长为 $S$ 的卷积, 等于先做步长为 1 的卷积, 再每隔 $S$ 行、$S$ 列取一个。被跳过的输出不影响损失, 它们的梯度是 0。把这些零放回 $\delta^l$ 的元素之间, 就得到步长为 1 的那次卷积的 $\delta$: 插零后的 $\tilde\delta^l$, 大小为 $\big((H^l-1)S+1\big) \times \big((\hat W^l-1)S+1\big)$。`,
        ),
        tex: [
          r`\tilde\delta^l_{d,\,iS,\,jS} = \delta^l_{d,i,j}, \qquad \tilde\delta^l_{d,i',j'} = 0 \ \ (S \nmid i' \text{ 或 } S \nmid j')`,
        ],
      },
      {
        heading: '权重与偏置的梯度',
        text: para(
          r`权重梯度是 $z^{l-1}$ 与插零后的 $\tilde\delta^l$ 做步长为 1 的互相关。插进去的零不贡献任何项, 所以结果与直接隔 $S$ 取输入相同。偏置梯度不变: 零加进 $\sum \delta$ 里什么也不改变。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{i} \sum_{j} \delta^l_{d,i,j}\; z^{l-1}_{c,\,iS+m,\,jS+n} = \sum_{i'} \sum_{j'} \tilde\delta^l_{d,i',j'}\; z^{l-1}_{c,\,i'+m,\,j'+n}`,
          r`\frac{\partial L}{\partial b^{l-1}_d} = \sum_{i} \sum_{j} \delta^l_{d,i,j}`,
        ],
      },
      {
        heading: '输入的梯度',
        text: para(
          r`现在 $p\delta^l$ 是在插零后的 $\tilde\delta^l$ 上方补 $k_1-1$ 行零、下方补 $k_1-1+r_1$ 行零, 其中 $r_1$ 是没有被任何窗口读到的输入行数 (列同理: 左边 $k_2-1$ 列, 右边 $k_2-1+r_2$ 列)。多出的这 $r$ 行让全卷积的结果恰好是 $H^{l-1} \times \hat W^{l-1}$; 没被读到的行梯度为 0, 理应如此。`,
          r`接下来多通道一章的公式 (8) 原样适用。`,
        ),
        tex: [
          r`r_1 = H^{l-1} - \big((H^l-1)S + k_1\big), \qquad r_2 = \hat W^{l-1} - \big((\hat W^l-1)S + k_2\big)`,
          r`\delta^{l-1}_{c,i,j} = \sum_{d} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n,c,d}\; p\delta^l_{d,\,i+m,\,j+n}`,
        ],
      },
    ],
    bugs: {
      'conv-no-dilate': r`$\delta^l$ 没有在元素之间插入 $S-1$ 个零就进了全卷积。相邻的 $\delta^l$ 元素隔 1 而不是隔 $S$, 与错误的权重相乘, 于是 $\delta^{l-1}$ 几乎处处变红; 只有每个通道左上角的元素有可能算对, 因为无论插不插零, 到达它的都只有 $\delta^l_{d,0,0}$ 乘 $W_{0,0,c,d}$。$\partial L/\partial W$ 和 $\partial L/\partial b$ 不受影响, 保持绿色。$S = 1$ 时无零可插, 什么都不会变红。`,
    },
    notes: {
      ...common,
      remainder: r`向下取整的例子: $H^{l-1} = 6$、$k_1 = 3$、$S = 2$ 时, 窗口从第 0 行和第 2 行开始, 止于第 4 行; 第 5 行 ($r_1 = 1$) 没有窗口读到, 它的梯度为 0。`,
      dilation: r`系列里把插零后的 $\delta$ 记作 "$\delta^{l_{padding}}$"; 这里记为 $\tilde\delta^l$, 再补上外圈的零就是 $p\delta^l$。`,
    },
  },

  'conv-padding': {
    title: '卷积层: 有填充',
    summary: r`填充 $P$ 在卷积之前给输入四周补零。反向传播先用前几章的公式算出填充后输入的梯度, 再从四边各裁掉 $P$ 行、$P$ 列。`,
    sections: [
      {
        heading: '在填充后的输入上做前向传播',
        text: para(
          r`记 $pz^{l-1}$ 为 $z^{l-1}$ 四周各补 $P$ 行、$P$ 列零后的张量, 大小为 $(H^{l-1}+2P) \times (\hat W^{l-1}+2P)$。卷积就是上一章步长为 $S$ 的卷积, 只是作用在 $pz^{l-1}$ 上。`,
        ),
        tex: [
          r`z^l_{d,i,j} = \sum_{c} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} W^{l-1}_{m,n,c,d}\; pz^{l-1}_{c,\,iS+m,\,jS+n} + b^{l-1}_d`,
          r`H^l = \left\lfloor \frac{H^{l-1} + 2P - k_1}{S} \right\rfloor + 1, \qquad \hat W^l = \left\lfloor \frac{\hat W^{l-1} + 2P - k_2}{S} \right\rfloor + 1`,
        ],
      },
      {
        heading: '权重与偏置的梯度',
        text: para(
          r`没有新东西: 用 (插零后的) $\delta^l$ 与填充后的输入做互相关。填充的零参与下标计算, 但对和没有贡献。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial W^{l-1}_{m,n,c,d}} = \sum_{i} \sum_{j} \delta^l_{d,i,j}\; pz^{l-1}_{c,\,iS+m,\,jS+n}, \qquad \frac{\partial L}{\partial b^{l-1}_d} = \sum_{i} \sum_{j} \delta^l_{d,i,j}`,
        ],
      },
      {
        heading: '输入的梯度, 再裁剪',
        text: para(
          r`$p\delta^l$ 与 $\mathrm{rot}_{180^\circ}(W)$ 做全卷积, 得到对填充后输入的梯度, 共 $(H^{l-1}+2P) \times (\hat W^{l-1}+2P)$ 个数。这里的 $p\delta^l$ 是插零后的 $\delta^l$ 上方补 $k_1-1$ 行、下方补 $k_1-1+r_1$ 行, 其中 $r_1 = H^{l-1}+2P - \big((H^l-1)S+k_1\big)$, 列同理。`,
          r`最外面 $P$ 行、$P$ 列属于填充的零。它们是常数, 不是这一层的输入, 它们的梯度没有归属, 直接丢掉: $\delta^{l-1}$ 就是中间那块, 即第 $P$ 到 $P+H^{l-1}-1$ 行、第 $P$ 到 $P+\hat W^{l-1}-1$ 列。`,
        ),
        tex: [
          r`\frac{\partial L}{\partial pz^{l-1}_{c,i,j}} = \sum_{d} \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \mathrm{rot}_{180^\circ}(W^{l-1})_{m,n,c,d}\; p\delta^l_{d,\,i+m,\,j+n}`,
          r`\delta^{l-1}_{c,i,j} = \frac{\partial L}{\partial pz^{l-1}_{c,\,i+P,\,j+P}}, \qquad 0 \le i < H^{l-1},\ 0 \le j < \hat W^{l-1}`,
        ],
      },
    ],
    bugs: {
      'conv-crop-off-by-one': r`裁剪从第 $P-1$ 行、第 $P-1$ 列开始, 而不是第 $P$ 行、第 $P$ 列。于是 $\delta^{l-1}$ 的每个元素显示的都是填充后梯度中它左上方邻居的值, 第一行和第一列还来自本该丢掉的填充外圈。所以 (几乎) 所有 $\delta^{l-1}$ 元素都变红。$\partial L/\partial W$、$\partial L/\partial b$ 和 $\delta^l$ 在裁剪之前就算好了, 保持绿色。这个 bug 需要 $P \ge 1$: 没有填充就没有裁剪。`,
    },
    notes: {
      ...common,
      ring: r`填充后梯度的外圈一般并不为 0: 被窗口读到的填充零确实影响了输出。丢掉它们, 是因为上游没有任何东西能改变一个常数。`,
      same: r`$S = 1$、$k$ 为奇数且 $P = (k-1)/2$ 时 ("same" 填充), 输出与输入一样大。`,
    },
  },

  pooling: {
    title: '池化层',
    summary: r`池化层没有参数, 它的反向传播只决定 $\delta^l$ 的每个元素去哪儿。最大池化把它交给窗口里的最大值, 平均池化按 $1/k^2$ 均匀分给整个窗口, 全局池化则对整个通道做同样的事。`,
    sections: [
      {
        heading: '最大池化',
        text: para(
          r`每个输出是一个 $k \times k$ 窗口中的最大元素; 窗口按步长 $S$ 移动 (默认 $S = k$, 窗口正好铺满输入)。只有最大的那个元素影响输出: 其他元素稍微变一点, 最大值不变。所以 $\delta^l_{c,i,j}$ 全部交给窗口 $(i,j)$ 的最大值位置, 窗口里其他元素得到 0。一个输入若在几个重叠窗口里都是最大值, 就把这些窗口的 $\delta$ 加起来。`,
          r`前向传播记下每个窗口最大值的位置 (显示为它在输入平面中的展平下标 $y \hat W + x$); 反向传播只需按这些路线把 $\delta$ 送回去。`,
        ),
        tex: [
          r`z^l_{c,i,j} = \max_{0 \le p,q < k} z^{l-1}_{c,\,iS+p,\,jS+q}`,
          r`\delta^{l-1}_{c,y,x} = \sum_{(i,j)\,:\,(y,x) = \operatorname*{arg\,max}(i,j)} \delta^l_{c,i,j}`,
        ],
      },
      {
        heading: '并列最大值',
        text: para(
          r`窗口里有两个元素并列最大时, max 在这一点不可导: 把其中任何一个调大, 输出都变大; 调小, 输出却不变。把 $\delta$ 以任意比例分给这些并列元素, 都是合法的次梯度。核心与 PyTorch 一样, 全部交给按行优先顺序 (先上后下、先左后右) 的第一个最大值。数值校验无法判断这种情况, 会标为拐点。`,
        ),
        tex: [],
      },
      {
        heading: '平均池化',
        text: para(
          r`每个输出是窗口的平均值, 所以窗口里每个元素都分到 $\delta^l$ 的 $1/k^2$。窗口不重叠时, 窗口 $(i,j)$ 的每个元素得到的就是 $\delta^l_{c,i,j}/k^2$; 没有窗口覆盖的元素得到 0。`,
        ),
        tex: [
          r`z^l_{c,i,j} = \frac{1}{k^2} \sum_{p=0}^{k-1} \sum_{q=0}^{k-1} z^{l-1}_{c,\,iS+p,\,jS+q}`,
          r`\delta^{l-1}_{c,y,x} = \sum_{(i,j)\,:\,\text{窗口 } (i,j) \ni (y,x)} \frac{\delta^l_{c,i,j}}{k^2}`,
        ],
      },
      {
        heading: '全局最大池化与全局平均池化',
        text: para(
          r`全局池化只用一个与通道一样大的窗口: 每个通道一个输出。全局最大池化把 $\delta^l_c$ 交给整个通道里 (第一个) 最大值; 全局平均池化把它按 $\delta^l_c/(H^{l-1}\hat W^{l-1})$ 分给每一个元素。`,
        ),
        tex: [
          r`z^l_c = \max_{y,x} z^{l-1}_{c,y,x}, \qquad \delta^{l-1}_{c,y,x} = \begin{cases} \delta^l_c & (y,x) = \operatorname*{arg\,max}_{y',x'} z^{l-1}_{c,y',x'} \\ 0 & \text{其他} \end{cases}`,
          r`z^l_c = \frac{1}{H^{l-1} \hat W^{l-1}} \sum_{y} \sum_{x} z^{l-1}_{c,y,x}, \qquad \delta^{l-1}_{c,y,x} = \frac{\delta^l_c}{H^{l-1} \hat W^{l-1}}`,
        ],
      },
    ],
    bugs: {
      'avgpool-no-scale': r`反向传播忘了除以 $k^2$: 被窗口覆盖的每个输入元素都拿到了应得份额的 $k^2$ 倍。这些 $\delta^{l-1}$ 元素全部变红, 相对误差为 $1 - 1/k^2$ (除非它的 $\delta$ 为 0)。没有窗口覆盖的元素无论如何都是 0, 保持绿色。$k = 1$ 时这个因子是 1, 什么都不变。`,
      'maxpool-wrong-index': r`每个 $\delta^l_{c,i,j}$ 被送到窗口的第一个 (左上角) 元素, 而不是最大值所在位置。最大值恰好在左上角的窗口不受影响。其余每个窗口都让 $\delta^{l-1}$ 中两个元素变红: 最大值位置本该拿到 $\delta$ 却得到 0, 左上角本该是 0 却拿到了 $\delta$。其他元素无论如何都是 0, 保持绿色。`,
    },
    notes: {
      ...common,
      argmax: r`最大值位置网格记录每个窗口的胜出者在输入通道中的展平下标 $y \hat W + x$ (并列时取第一个)。`,
      noParams: r`池化层没有权重也没有偏置: 它的反向传播只有 $\delta^{l-1}$。`,
      tie: r`并列最大值: 页面把 $\delta$ 交给按行优先顺序的第一个, 这是一个次梯度; 中心差分在这里遇到折角, 不显示结果。`,
    },
  },

  activations: {
    title: '激活函数',
    summary: r`激活函数逐元素作用, 所以它的反向传播是逐元素相乘: $\delta^{l-1} = \delta^l \odot f'(z^{l-1})$。只有 PReLU 有自己的参数, 即负半轴的斜率 $\alpha$。`,
    sections: [
      {
        heading: '一条规则',
        text: para(
          r`把激活函数也看作单独的一层: $z^l = f(z^{l-1})$, 逐元素计算。每个输出只依赖一个输入, 链式法则每个元素只有一项: 用 $\delta^l$ 乘以 $f$ 在该输入处的斜率。"$f'(z)$" 网格里就是这些斜率; 对 ReLU 来说它就是掩码, 输入为正处为 1, 其余为 0。`,
        ),
        tex: [r`\delta^{l-1} = \delta^l \odot f'(z^{l-1}), \qquad \delta^{l-1}_i = \delta^l_i\, f'(z^{l-1}_i)`],
      },
      {
        heading: 'ReLU、LeakyReLU、PReLU',
        text: para(
          r`ReLU 让正的输入通过, 其余置零。恰好 $z = 0$ 时, 核心与 PyTorch 一样取斜率 0。LeakyReLU 在负半轴保留一个小斜率 $s$ (默认 $s = 0.01$; 系列中用 0.1), 负的单元也能传回一点梯度。`,
          r`PReLU 把这个斜率当作参数来学: $\alpha$ 可以全层共用一个, 也可以每个通道一个 (初值 0.25)。$\alpha$ 乘在每个非正的输入上, 所以它的梯度是所有这些位置上 $\delta^l \cdot z^{l-1}$ 之和, 对整个 batch 以及共用它的所有位置求和。`,
        ),
        tex: [
          r`\mathrm{ReLU}(z) = \max(0, z), \qquad \mathrm{ReLU}'(z) = [z > 0]`,
          r`\mathrm{LeakyReLU}(z) = \begin{cases} z & z > 0 \\ s z & z \le 0 \end{cases}, \qquad \mathrm{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ s & z \le 0 \end{cases}`,
          r`\mathrm{PReLU}(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}, \qquad \mathrm{PReLU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}`,
          r`\frac{\partial L}{\partial \alpha} = \sum_{i} \delta^l_i\, z^{l-1}_i\, [z^{l-1}_i \le 0]`,
        ],
      },
      {
        heading: 'ELU 与 SELU',
        text: para(
          r`ELU 把负半轴弯成 $\alpha(e^z - 1)$, 平滑地趋近 $-\alpha$ (默认 $\alpha = 1$)。那里的斜率 $\alpha e^z$ 等于 $f(z) + \alpha$, 反向传播可以直接利用输出。`,
          r`SELU 在 ELU 外乘上 $\lambda$, 两个常数是固定的, 由 Klambauer 等人选定, 使激活值一层层传下去时保持零均值、单位方差。`,
        ),
        tex: [
          r`\mathrm{ELU}(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases}, \qquad \mathrm{ELU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha e^z = \mathrm{ELU}(z) + \alpha & z \le 0 \end{cases}`,
          r`\mathrm{SELU}(z) = \lambda \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases}, \qquad \mathrm{SELU}'(z) = \lambda \begin{cases} 1 & z > 0 \\ \alpha e^z & z \le 0 \end{cases}`,
          r`\lambda = 1.0507009873554805, \qquad \alpha = 1.6732632423543772`,
        ],
      },
      {
        heading: 'Sigmoid 与 tanh',
        text: para(
          r`两者处处光滑, 斜率用输出 $z^l$ 来写最方便: 反向传播不必再算一次指数。$|z|$ 很大时两者的斜率都趋于 0, 这也是它们叠多层后学得很慢的原因。`,
        ),
        tex: [
          r`\sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)`,
          r`\tanh'(z) = 1 - \tanh^2(z)`,
        ],
      },
      {
        heading: '拐点',
        text: para(
          r`ReLU、LeakyReLU、PReLU、ELU 和 SELU 都由两段在 $z = 0$ 处拼接而成。对 ReLU、LeakyReLU、PReLU 和 SELU, 两段在那里的斜率不同: 这是一个拐点, 导数不存在, 反向传播只能选一侧。如果输入离 0 不到 $h$, 中心差分会跨过折角, 得到两侧斜率的混合, 与哪一侧都对不上; 因此页面对这些元素不作判断。($\alpha = 1$ 的 ELU 两侧斜率相等, 但为稳妥起见同样标出。)`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'relu-no-mask': r`反向传播把 $\delta^l$ 原样传了回去, 忘了乘掩码 $[z^{l-1} > 0]$。输入为正的地方掩码本来就是 1: 这些元素保持绿色。输入为零或为负的地方真实梯度是 0, 页面上却是 $\delta^l$: 这些元素变红 (除非那里的 $\delta^l$ 恰好为 0)。这是 ReLU 的 bug: 选 ReLU 才能看到。`,
    },
    notes: {
      ...common,
      mask: r`掩码 $[z > 0]$ 在输入为正处为 1, 其余为 0; 乘上它就是 ReLU 反向传播的全部。`,
      prelu: r`$\partial L/\partial \alpha$ 对共用这个 $\alpha$ 的每个非正输入加一项 $\delta^l_i z^{l-1}_i$, 整个 batch 一起求和。`,
      selu: r`SELU 的常数为 $\lambda = 1.0507009873554805$、$\alpha = 1.6732632423543772$, 与 PyTorch 相同。`,
    },
  },

  optimizers: {
    title: '优化方法',
    summary: r`反向传播给出 $g = \partial L/\partial \theta$; 优化方法决定拿它走怎样的一步。带动量或 Nesterov 的 SGD、AdaGrad、RMSProp、Adadelta 和 Adam, 按核心的实现 (即 PyTorch 的规则), 在相同的 minibatch 上赛跑。`,
    sections: [
      {
        heading: '记号',
        text: para(
          r`对每个参数张量 $\theta$, 第 $t = 1, 2, \ldots$ 步的梯度记为 $g_t$; 所有运算都逐元素进行, 所有状态量 ($b, s, v, u, m$) 初值为 0。$\eta$ 是学习率。设置了衰减时, 核心用 $\eta_t = \eta / (1 + (t-1)\,\mathrm{decay})$, 第一步用的就是 $\eta$ 本身。`,
        ),
        tex: [],
      },
      {
        heading: 'SGD、动量、Nesterov',
        text: para(
          r`普通 SGD 沿梯度的反方向走一步。动量法维护一个过去梯度的累积量 $b$, 每步按 $\mu$ 衰减: 一直不变的方向越走越快, 来回变号的方向相互抵消。Nesterov 则往前看一步: 用当前梯度加上 $\mu$ 乘更新后的累积量来走。`,
          r`系列把动量写成 $v_t = \gamma v_{t-1} + \eta g_t$、$\theta \leftarrow \theta - v_t$; 学习率不变时这与下面的更新相同, $v_t = \eta b_t$。`,
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
          r`AdaGrad 给每个元素各自的步长: 累加梯度的平方, 再除以它的平方根。梯度大的元素走得慢, 很少有梯度的元素保持步子。由于 $s$ 只增不减, 步长会一直变小。核心把 $\epsilon = 10^{-10}$ 加在根号外面 (系列中放在根号里面)。`,
        ),
        tex: [r`s_t = s_{t-1} + g_t^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon}`],
      },
      {
        heading: 'RMSProp',
        text: para(
          r`RMSProp 把 AdaGrad 的累加换成系数为 $\alpha$ ($0.99$) 的指数移动平均, 旧的梯度会被逐渐遗忘, 步长也就不会衰减到零 ($\epsilon = 10^{-8}$)。`,
        ),
        tex: [r`v_t = \alpha\, v_{t-1} + (1-\alpha)\, g_t^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}`],
      },
      {
        heading: 'Adadelta',
        text: para(
          r`Adadelta 维护两个平均: 梯度平方的平均 $v$ 和更新量平方的平均 $u$。每步的更新量是梯度乘以两者平方根之比, 因而与 $\theta$ 同量纲, 也不需要调学习率 ($\eta = 1$, $\rho = 0.9$, $\epsilon = 10^{-6}$)。`,
        ),
        tex: [
          r`v_t = \rho\, v_{t-1} + (1-\rho)\, g_t^2, \qquad \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\; g_t`,
          r`u_t = \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2, \qquad \theta \leftarrow \theta - \eta\, \Delta_t`,
        ],
      },
      {
        heading: 'Adam',
        text: para(
          r`Adam 把动量 (梯度的平均 $m$) 与 RMSProp 的缩放 (梯度平方的平均 $v$) 结合起来, $\beta_1 = 0.9$、$\beta_2 = 0.999$、$\epsilon = 10^{-8}$、$\eta = 10^{-3}$。`,
          r`两个平均都从 0 开始, 所以前几步偏小: 梯度恒定时, 走了 $t$ 步后 $m_t = (1-\beta_1^t)\,g$, $v_t = (1-\beta_2^t)\,g^2$。除以这两个因子 (偏差修正) 就消除了初值 0 的拖累; 梯度恒定时, 从第一步起每步都恰好沿 $-g$ 方向走 $\eta$。`,
        ),
        tex: [
          r`m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2`,
          r`\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad \theta \leftarrow \theta - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}`,
        ],
      },
      {
        heading: '赛跑',
        text: para(
          r`参加赛跑的每个优化方法都从同样的初始权重出发, 按同样的顺序拿到同样的 minibatch, 所以曲线的差别只来自更新规则。在二维损失曲面上可以直接看到路径: 动量会冲过头再荡回来, AdaGrad 越走越慢, Adam 的头几步长度都是 $\eta$。`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'adam-no-bias-correction': r`没有偏差修正的 Adam 按 $\eta\, m_t / (\sqrt{v_t} + \epsilon)$ 更新。$v$ ($\beta_2 = 0.999$) 忘掉初值 0 的速度比 $m$ ($\beta_1 = 0.9$) 慢得多, 所以起初分母太小、步子太大: 梯度恒定时每步长度为 $\eta\,(1-\beta_1^t)/\sqrt{1-\beta_2^t}$, 第 1 步约 $3.2\eta$, 第 12 步前后最大约 $6.6\eta$, 第 100 步仍有 $3.2\eta$, 第 1000 步为 $1.26\eta$。它的曲线在开头会跳动或出现尖峰, 几千步之后才与 Adam 重合。梯度本身没有变, 所以没有哪个梯度校验变红; 红色的是这个 Adam 的曲线。`,
    },
    notes: {
      ...common,
      identical: r`所有优化方法用同一个随机种子抽取同样的 minibatch: 曲线之间的任何差别都只来自更新规则。`,
      defaults: r`默认值与 PyTorch 相同: SGD $\eta = 0.01$; AdaGrad $\eta = 0.01$, $\epsilon = 10^{-10}$; RMSProp $\eta = 0.01$, $\alpha = 0.99$, $\epsilon = 10^{-8}$; Adadelta $\eta = 1$, $\rho = 0.9$, $\epsilon = 10^{-6}$; Adam $\eta = 10^{-3}$, $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$。`,
      weightDecay: r`有权重衰减 $\lambda$ 时, SGD 和 Adam 先把 $g_t$ 换成 $g_t + \lambda\theta$。`,
    },
  },

  network: {
    title: '整个网络',
    summary: r`系列中的小 CNN, 作用在一张 MNIST 手写数字上, 一步一步走: 逐层前向传播、损失、逐层反向传播、参数更新。每一步都是前面某一章的内容; 点击某一层, 就会用这组数字打开它那一章。`,
    sections: [
      {
        heading: '网络结构',
        text: para(
          r`$z^0$ 是 $1 \times 28 \times 28$ 的数字图像。一个 $3 \times 3$ 卷积核的卷积层得到 $1 \times 26 \times 26$; ReLU; $2 \times 2$ 最大池化得到 $1 \times 13 \times 13$; 展平成长度 169 的向量; 全连接到 64 个单元; ReLU; 全连接到 10 个类别得分; softmax 交叉熵。共 $10 + 10880 + 650 = 11540$ 个参数。`,
        ),
        tex: [
          r`z^0 \xrightarrow{\ \text{卷积 } 3\times3\ } z^1 \xrightarrow{\ \text{ReLU}\ } z^2 \xrightarrow{\ \text{最大池化 } 2\ } z^3 \xrightarrow{\ \text{展平}\ } z^4 \xrightarrow{\ \text{全连接}\ } z^5 \xrightarrow{\ \text{ReLU}\ } z^6 \xrightarrow{\ \text{全连接}\ } z^7 \xrightarrow{\ \text{softmax 交叉熵}\ } L`,
        ],
      },
      {
        heading: '前向传播',
        text: para(
          r`每一层都留下反向传播要用的东西: 卷积层和全连接层留下输入, ReLU 留下输入的符号, 最大池化留下每个窗口最大值的位置。`,
        ),
        tex: [
          r`z^1_{i,j} = \sum_{m,n} W^0_{m,n}\, z^0_{i+m,j+n} + b^0, \qquad z^2 = \max(0, z^1), \qquad z^3_{i,j} = \max_{0 \le p,q < 2} z^2_{2i+p,\,2j+q}`,
          r`z^4 = \mathrm{flatten}(z^3), \qquad z^5 = W^4 z^4 + b^4, \qquad z^6 = \max(0, z^5), \qquad z^7 = W^6 z^6 + b^6`,
          r`L = -\log a_y, \qquad a_k = \frac{e^{z^7_k}}{\sum_j e^{z^7_j}}`,
        ],
      },
      {
        heading: '反向传播',
        text: para(
          r`损失函数给出 $\delta^7$ (只有一张图, $N = 1$)。此后每一层把 $\delta^l$ 变成 $\delta^{l-1}$, 并求出自己参数的梯度: 全连接层如第一章, ReLU 乘掩码, 展平层把 169 个数重新排回 $13 \times 13$, 最大池化把每个元素送回窗口的最大值位置, 卷积层用单通道的公式。`,
          r`$\delta^0$ 是对图像的梯度, 训练用不到; 这里列出它, 是因为校验同样可以验证它, 而且它说明了哪些像素对损失影响最大。`,
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
        heading: '参数更新',
        text: para(
          r`梯度都有了, 优化方法就更新每一个参数, 这里用最普通的梯度下降。在同一张图上再做一次前向传播: 只要 $\eta$ 足够小, 损失会变小, 真实类别的概率会变大。`,
        ),
        tex: [r`W \leftarrow W - \eta\, \frac{\partial L}{\partial W}, \qquad b \leftarrow b - \eta\, \frac{\partial L}{\partial b}`],
      },
      {
        heading: '各章如何连起来',
        text: para(
          r`没有哪一层需要知道别的层: 它只需要自己输出的 $\delta$ 和前向传播时留下的东西。正因如此, 推导可以一种层一种层地做; 也正因如此, 某一层的公式写错了, 错误会出现在它之前每一层的梯度里, 而不会出现在它之后。`,
        ),
        tex: [],
      },
    ],
    bugs: {
      'conv-no-rotate': r`卷积层是第一层, 没有旋转的卷积核只会弄错 $\delta^0$, 即对图像的梯度: 它变红。卷积层自己的 $\partial L/\partial W^0$、$\partial L/\partial b^0$ 不用旋转, 后面各层也不受影响: 全都是绿色。`,
      'relu-no-mask': r`bug 在最后一个 ReLU (64 单元全连接层之后)。$\delta^5$ 在 $z^5 \le 0$ 处变红, 错误继续往输入方向流: $\partial L/\partial W^4$、$\partial L/\partial b^4$ 以及它之前所有的 $\delta$ 和梯度也都变红。输出层的 $\partial L/\partial W^6$、$\partial L/\partial b^6$、$\delta^6$ 和 $\delta^7$ 在 bug 之后, 保持绿色。`,
      'loss-no-mean': r`只有一张图时 $N = 1$, 漏掉 $1/N$ 什么也不改变, 不会有任何元素变红。进入一个有多张图的 batch, 才能看到每个梯度都大了 $N$ 倍。`,
    },
    notes: {
      ...common,
      numbering: r`层按输出编号: $z^0$ 是图像, $z^7$ 是类别得分; $W^{l-1}$ 和 $b^{l-1}$ 产生 $z^l$。`,
      params: r`参数个数: 卷积层 $3 \cdot 3 + 1 = 10$, 第一个全连接层 $169 \cdot 64 + 64 = 10880$, 输出层 $64 \cdot 10 + 10 = 650$。`,
      stepper: r`在各层之间向前、向后单步走; 当前这一层会用这张图的数字在它那一章中打开。`,
    },
  },
};

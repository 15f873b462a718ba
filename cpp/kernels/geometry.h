// geometry.h: the sizes a conv or pool kernel runs over, shared by the layers (which fill
// them in at construction, layers/conv2d.h and layers/pool.h) and the kernels (which only
// read them). Dimension letters as everywhere: N C H W, OC KH KW, OH OW, S P.
//
//   conv   X [N,C,H,W]  W [OC,C,KH,KW]  ->  Y [N,OC,OH,OW]
//   pool   X [N,C,H,W]  window KH×KW    ->  Y [N,C,OH,OW]
//   both   OH = (H + 2·PH − KH) / SH + 1     OW = (W + 2·PW − KW) / SW + 1   (floor)
#pragma once

namespace bp {

struct ConvGeom {
  int N, C, H, W, OC, KH, KW, SH, SW, PH, PW, OH, OW;
};

struct PoolGeom {
  int N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW;
};

}  // namespace bp

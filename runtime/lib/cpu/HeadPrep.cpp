//===- HeadPrep.cpp - qk-norm and RoPE of one token's heads ---------------===//

#include "HeadPrep.h"

#include "RowStats.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace olmrt::cpu;

namespace {

/// Pairs of cos/sin computed per pass; bounds the stack tables for any
/// rotary_dim.
constexpr int64_t kPairChunk = 128;

void normHead(const AttentionParams &p, const float *x, float *y,
              const float *w, const float *b) {
  if (p.qkNorm == 1) {
    rmsNormalize(x, y, p.headDim, p.qkNormEps, w, 0.0f);
  } else if (p.qkNorm == 2) {
    float mean, rstd;
    meanAndRstd(x, p.headDim, p.qkNormEps, mean, rstd);
    normalizeAffine(x, y, p.headDim, mean, rstd, w, b);
  } else {
    std::memcpy(y, x, static_cast<size_t>(p.headDim) * sizeof(float));
  }
}

/// Rotates pairs [d0, d0 + n) of one head in place. Half layout pairs x[d]
/// with x[d + rotaryDim/2] (HF rotate_half); interleaved pairs x[2d] with
/// x[2d + 1]. Same products and sums as HF's q * cos + rotate_half(q) * sin.
void rotate(const AttentionParams &p, float *x, int64_t d0, int64_t n,
            const float *c, const float *s) {
  if (p.interleaved) {
    float *xp = x + 2 * d0;
    for (int64_t i = 0; i < n; ++i) {
      float a = xp[2 * i], b = xp[2 * i + 1];
      xp[2 * i] = a * c[i] - b * s[i];
      xp[2 * i + 1] = b * c[i] + a * s[i];
    }
    return;
  }
  float *lo = x + d0;
  float *hi = x + d0 + p.rotaryDim / 2;
  for (int64_t i = 0; i < n; ++i) {
    float a = lo[i], b = hi[i];
    lo[i] = a * c[i] - b * s[i];
    hi[i] = b * c[i] + a * s[i];
  }
}

} // namespace

void olmrt::cpu::prepareHeads(const AttentionParams &p, const float *src,
                              int64_t srcStride, float *dst, int64_t dstStride,
                              int64_t numHeads, int64_t pos, const float *normW,
                              const float *normB) {
  for (int64_t h = 0; h < numHeads; ++h)
    normHead(p, src + h * srcStride, dst + h * dstStride, normW, normB);
  int64_t pairs = p.rotaryDim / 2;
  // HF: freqs = inv_freq * position in float32, then cos/sin in float32.
  float fpos = static_cast<float>(pos);
  float c[kPairChunk], s[kPairChunk];
  for (int64_t d0 = 0; d0 < pairs; d0 += kPairChunk) {
    int64_t n = std::min(kPairChunk, pairs - d0);
    for (int64_t i = 0; i < n; ++i) {
      float angle = fpos * p.invFreq[d0 + i];
      c[i] = std::cos(angle);
      s[i] = std::sin(angle);
    }
    for (int64_t h = 0; h < numHeads; ++h)
      rotate(p, dst + h * dstStride, d0, n, c, s);
  }
}

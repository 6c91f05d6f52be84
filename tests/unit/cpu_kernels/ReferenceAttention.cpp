//===- ReferenceAttention.cpp - Attention from the math, in double --------===//

#include "ReferenceAttention.h"

#include <algorithm>

using namespace olmc::test;

namespace {

using Vec = std::vector<double>;

/// RMSNorm (kind 1) or LayerNorm (kind 2) of one head vector.
void normalize(Vec &x, int32_t kind, const std::vector<float> &w,
               const std::vector<float> &b, double eps) {
  const double n = static_cast<double>(x.size());
  double mean = 0;
  if (kind == 2) {
    for (double v : x)
      mean += v;
    mean /= n;
  }
  double ms = 0;
  for (double v : x)
    ms += (v - mean) * (v - mean);
  double r = 1.0 / std::sqrt(ms / n + eps);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] =
        (x[i] - mean) * r * (w.empty() ? 1.0 : w[i]) + (b.empty() ? 0.0 : b[i]);
}

/// Rotary embedding of one head vector at position pos.
void rotate(Vec &x, const AttnLayer &l, const std::vector<float> &invFreq,
            int64_t pos) {
  const int64_t half = l.rotaryDim / 2;
  for (int64_t i = 0; i < half; ++i) {
    // The angle is the float32 product (HF computes freqs in float32).
    double angle = static_cast<float>(pos) * invFreq[i];
    double c = std::cos(angle), s = std::sin(angle);
    int64_t a = l.interleaved ? 2 * i : i;
    int64_t b = l.interleaved ? 2 * i + 1 : i + half;
    double xa = x[a], xb = x[b];
    x[a] = xa * c - xb * s;
    x[b] = xb * c + xa * s;
  }
}

} // namespace

ReferenceResult
olmc::test::referenceAttention(const AttnLayer &l,
                               const std::vector<float> &qkv, int64_t B,
                               int64_t L, const std::vector<int64_t> &chunks) {
  AttnWeights wts(l);
  const int64_t H = l.heads, KVH = l.kvHeads, hd = l.headDim;
  const int64_t rs = l.rowStride();
  const double scale = l.effectiveScale();
  ReferenceResult res;
  res.out.assign(B * L * H * hd, 0.0);
  res.keys.assign(B * KVH * L * hd, 0.0);

  // End of the chunk holding each query.
  std::vector<int64_t> chunkEnd(L);
  for (size_t c = 0; c + 1 < chunks.size(); ++c)
    for (int64_t t = chunks[c]; t < chunks[c + 1]; ++t)
      chunkEnd[t] = chunks[c + 1];

  for (int64_t b = 0; b < B; ++b) {
    // Q[h][t], K[g][t], V[g][t]: one head vector each.
    std::vector<std::vector<Vec>> Q(H, std::vector<Vec>(L)),
        K(KVH, std::vector<Vec>(L)), V(KVH, std::vector<Vec>(L));
    auto head = [&](int64_t t, int64_t slot) {
      const float *p = &qkv[(b * L + t) * rs + slot * hd];
      return Vec(p, p + hd);
    };
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t h = 0; h < H; ++h) {
        Q[h][t] = head(t, h);
        if (l.qkNorm)
          normalize(Q[h][t], l.qkNorm, wts.qW, wts.qB, l.qkNormEps);
        rotate(Q[h][t], l, wts.invFreq, t);
      }
      for (int64_t g = 0; g < KVH; ++g) {
        K[g][t] = head(t, H + g);
        if (l.qkNorm)
          normalize(K[g][t], l.qkNorm, wts.kW, wts.kB, l.qkNormEps);
        rotate(K[g][t], l, wts.invFreq, t);
        V[g][t] = head(t, H + KVH + g);
        std::copy(K[g][t].begin(), K[g][t].end(),
                  &res.keys[((b * KVH + g) * L + t) * hd]);
      }
    }

    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / (H / KVH);
      for (int64_t t = 0; t < L; ++t) {
        // Scores against every key, then the mask, then softmax.
        Vec s(L, 0.0);
        std::vector<bool> visible(L);
        double mx = -INFINITY;
        for (int64_t j = 0; j < L; ++j) {
          for (int64_t d = 0; d < hd; ++d)
            s[j] += Q[h][t][d] * K[g][j][d];
          s[j] *= scale;
          if (l.softcap != 0)
            s[j] = l.softcap * std::tanh(s[j] / l.softcap);
          bool inRange = l.causal ? j <= t : j < chunkEnd[t];
          bool inWindow = l.window == 0 || t - j < l.window;
          visible[j] = inRange && inWindow;
          if (visible[j])
            mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < L; ++j) {
          s[j] = visible[j] ? std::exp(s[j] - mx) : 0.0;
          sum += s[j];
        }
        double *o = &res.out[((b * L + t) * H + h) * hd];
        for (int64_t j = 0; j < L; ++j)
          for (int64_t d = 0; d < hd; ++d)
            o[d] += s[j] / sum * V[g][j][d];
      }
    }
  }
  return res;
}

//===- AttentionHarness.h - Attention test configs and kernel runs -*- C++
//-*-===//
//
// A test-side description of one attention layer, random data for it, and
// a runner that feeds a sequence to olmk_attention in chunks the way the
// runtime does (prefill, then further chunks or single decode steps).
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_TESTS_CPUKERNELS_ATTENTIONHARNESS_H
#define OLMC_TESTS_CPUKERNELS_ATTENTIONHARNESS_H

#include "olmrt/CpuKernels.h"

#include "TestUtil.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace olmc::test {

struct AttnLayer {
  int64_t heads = 4, kvHeads = 4, headDim = 16, rotaryDim = 16;
  bool interleaved = false;
  int64_t window = 0;
  bool causal = true;
  int64_t maxSeq = 0; // 0: exactly the sequence length
  int32_t qkNorm = 0;
  float scale = 0; // 0: 1 / sqrt(headDim)
  float softcap = 0;
  float qkNormEps = 1e-6f;
  float ropeTheta = 10000.0f;
  bool normWeights = true, normBiases = true;

  int64_t rowStride() const { return (heads + 2 * kvHeads) * headDim; }
  float effectiveScale() const {
    return scale != 0 ? scale : 1.0f / std::sqrt(float(headDim));
  }
};

/// Weights of a layer made from its description with fixed seeds: the
/// RoPE inverse frequencies (HF's 1 / theta^(2i / rotary_dim), in float32)
/// and the qk-norm weights and biases, empty when absent.
struct AttnWeights {
  std::vector<float> invFreq, qW, kW, qB, kB;

  explicit AttnWeights(const AttnLayer &l) {
    for (int64_t i = 0; i < l.rotaryDim / 2; ++i)
      invFreq.push_back(
          1.0f / std::pow(l.ropeTheta, float(2 * i) / float(l.rotaryDim)));
    if (l.qkNorm && l.normWeights) {
      qW = randomVec(l.headDim, 901, 0.3f, 1.0f);
      kW = randomVec(l.headDim, 902, 0.3f, 1.0f);
    }
    if (l.qkNorm == 2 && l.normBiases) {
      qB = randomVec(l.headDim, 903, 0.2f);
      kB = randomVec(l.headDim, 904, 0.2f);
    }
  }
};

inline const float *ptrOrNull(const std::vector<float> &v) {
  return v.empty() ? nullptr : v.data();
}

/// Runs olmk_attention over a whole sequence qkv: [B, L, rowStride], one
/// call per chunk [chunks[i], chunks[i+1]) (chunks starts at 0 and ends at
/// L). Returns out: [B, L, heads * headDim]. If kCacheOut is given, it gets
/// the final k cache. Caches start as NaN so reading an unwritten slot
/// shows.
inline std::vector<float>
runAttention(const AttnLayer &l, const std::vector<float> &qkv, int64_t B,
             int64_t L, const std::vector<int64_t> &chunks,
             std::vector<float> *kCacheOut = nullptr) {
  AttnWeights wts(l);
  const int64_t hd = l.headDim, maxSeq = l.maxSeq ? l.maxSeq : L;
  int64_t icfg[OLMK_ATTN_NUM_INTS];
  icfg[OLMK_ATTN_HEADS] = l.heads;
  icfg[OLMK_ATTN_KV_HEADS] = l.kvHeads;
  icfg[OLMK_ATTN_HEAD_DIM] = hd;
  icfg[OLMK_ATTN_ROTARY_DIM] = l.rotaryDim;
  icfg[OLMK_ATTN_INTERLEAVED] = l.interleaved;
  icfg[OLMK_ATTN_WINDOW] = l.window;
  icfg[OLMK_ATTN_CAUSAL] = l.causal;
  icfg[OLMK_ATTN_MAX_SEQ] = maxSeq;
  icfg[OLMK_ATTN_QK_NORM] = l.qkNorm;
  float fcfg[OLMK_ATTN_NUM_FLOATS];
  fcfg[OLMK_ATTN_SCALE] = l.effectiveScale();
  fcfg[OLMK_ATTN_SOFTCAP] = l.softcap;
  fcfg[OLMK_ATTN_QK_NORM_EPS] = l.qkNormEps;

  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> kCache(B * l.kvHeads * maxSeq * hd, nan);
  std::vector<float> vCache(kCache.size(), nan);
  const int64_t rs = l.rowStride(), os = l.heads * hd;
  std::vector<float> out(B * L * os, nan);
  for (size_t c = 0; c + 1 < chunks.size(); ++c) {
    int64_t t0 = chunks[c], T = chunks[c + 1] - t0;
    std::vector<float> in(B * T * rs), chunkOut(B * T * os, nan);
    for (int64_t b = 0; b < B; ++b)
      std::copy_n(&qkv[(b * L + t0) * rs], T * rs, &in[b * T * rs]);
    olmk_attention(icfg, fcfg, ptrOrNull(wts.invFreq), in.data(), kCache.data(),
                   vCache.data(), chunkOut.data(), B, T, t0, ptrOrNull(wts.qW),
                   ptrOrNull(wts.kW), ptrOrNull(wts.qB), ptrOrNull(wts.kB));
    for (int64_t b = 0; b < B; ++b)
      std::copy_n(&chunkOut[b * T * os], T * os, &out[(b * L + t0) * os]);
  }
  if (kCacheOut)
    *kCacheOut = kCache;
  return out;
}

/// Chunk boundaries for one call per token (decode steps).
inline std::vector<int64_t> stepChunks(int64_t L) {
  std::vector<int64_t> c;
  for (int64_t t = 0; t <= L; ++t)
    c.push_back(t);
  return c;
}

} // namespace olmc::test

#endif // OLMC_TESTS_CPUKERNELS_ATTENTIONHARNESS_H

//===- Attention.cpp - olmk_attention: self-attention over a KV cache -----===//
//
// Two phases per call:
//  1. Per token: qk-norm and RoPE of q and k, k and v stored in the caches.
//     The prepared queries go into `out`, which has exactly their shape and
//     is otherwise only written at the end: scratch without allocating.
//  2. Per (sequence, kv head), tiles of query rows of that kv head's group
//     attend to the cache (AttentionTile.cpp); a tile copies its queries out
//     of `out` first, then writes its results back over them.
//
//===----------------------------------------------------------------------===//

#include "olmrt/CpuKernels.h"

#include "AttentionTile.h"
#include "HeadPrep.h"
#include "KernelStats.h"

#include <algorithm>
#include <cstring>

using namespace olmrt::cpu;

namespace {

AttentionParams decodeParams(const int64_t *icfg, const float *fcfg,
                             const float *invFreq, const float *qNormW,
                             const float *kNormW, const float *qNormB,
                             const float *kNormB) {
  AttentionParams p;
  p.heads = icfg[OLMK_ATTN_HEADS];
  p.kvHeads = icfg[OLMK_ATTN_KV_HEADS];
  p.headDim = icfg[OLMK_ATTN_HEAD_DIM];
  p.rotaryDim = icfg[OLMK_ATTN_ROTARY_DIM];
  p.interleaved = icfg[OLMK_ATTN_INTERLEAVED] != 0;
  p.window = icfg[OLMK_ATTN_WINDOW];
  p.causal = icfg[OLMK_ATTN_CAUSAL] != 0;
  p.maxSeq = icfg[OLMK_ATTN_MAX_SEQ];
  p.qkNorm = static_cast<int32_t>(icfg[OLMK_ATTN_QK_NORM]);
  p.scale = fcfg[OLMK_ATTN_SCALE];
  p.softcap = fcfg[OLMK_ATTN_SOFTCAP];
  p.qkNormEps = fcfg[OLMK_ATTN_QK_NORM_EPS];
  p.invFreq = invFreq;
  p.qNormW = qNormW;
  p.qNormB = qNormB;
  p.kNormW = kNormW;
  p.kNormB = kNormB;
  return p;
}

/// Phase 1 for token t of sequence b.
void prepareToken(const AttentionParams &p, const float *qkvRow, float *qOut,
                  float *kCache, float *vCache, int64_t b, int64_t pos) {
  const int64_t hd = p.headDim;
  const int64_t cacheHeadStride = p.maxSeq * hd;
  float *kDst = kCache + (b * p.kvHeads * p.maxSeq + pos) * hd;
  float *vDst = vCache + (b * p.kvHeads * p.maxSeq + pos) * hd;
  prepareHeads(p, qkvRow, hd, qOut, hd, p.heads, pos, p.qNormW, p.qNormB);
  prepareHeads(p, qkvRow + p.heads * hd, hd, kDst, cacheHeadStride, p.kvHeads,
               pos, p.kNormW, p.kNormB);
  const float *vSrc = qkvRow + (p.heads + p.kvHeads) * hd;
  for (int64_t h = 0; h < p.kvHeads; ++h)
    std::memcpy(vDst + h * cacheHeadStride, vSrc + h * hd,
                static_cast<size_t>(hd) * sizeof(float));
}

/// Phase 2 for kv head `kvh` of sequence b: all T * groupSize query rows,
/// in tiles. `outSeq` is out[b], holding the prepared queries on entry.
void attendGroup(const AttentionParams &p, float *outSeq, const float *kCache,
                 const float *vCache, int64_t T, int64_t pos0, int64_t kvh) {
  const int64_t hd = p.headDim, g = p.groupSize();
  const int64_t outRowStride = p.heads * hd;
  const int64_t totalRows = T * g;
  const int64_t tileRows = tileRowsFor(hd);
  float q[kTileFloats], o[kTileFloats];
  float scores[kMaxTileRows * kKeyBlock];
  float rowMax[kMaxTileRows], rowSum[kMaxTileRows];

  // Row r of the group is token r / g, query head kvh * g + r % g.
  auto slot = [&](int64_t r) {
    return outSeq + (r / g) * outRowStride + (kvh * g + r % g) * hd;
  };
  for (int64_t r0 = 0; r0 < totalRows; r0 += tileRows) {
    int64_t rows = std::min(tileRows, totalRows - r0);
    for (int64_t i = 0; i < rows; ++i)
      std::memcpy(q + i * hd, slot(r0 + i),
                  static_cast<size_t>(hd) * sizeof(float));
    QueryTile tile{q, o, rows, r0, pos0};
    attendTile(p, tile, kCache, vCache, pos0 + T, scores, rowMax, rowSum);
    for (int64_t i = 0; i < rows; ++i)
      std::memcpy(slot(r0 + i), o + i * hd,
                  static_cast<size_t>(hd) * sizeof(float));
  }
}

} // namespace

extern "C" void olmk_attention(const int64_t *icfg, const float *fcfg,
                               const float *inv_freq, const float *qkv,
                               float *k_cache, float *v_cache, float *out,
                               int64_t B, int64_t T, int64_t pos0,
                               const float *q_norm_w, const float *k_norm_w,
                               const float *q_norm_b, const float *k_norm_b) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::Attention);
  AttentionParams p = decodeParams(icfg, fcfg, inv_freq, q_norm_w, k_norm_w,
                                   q_norm_b, k_norm_b);
  const int64_t hd = p.headDim;
  const int64_t qkvStride = p.qkvRowStride();
  const int64_t outStride = p.heads * hd;

  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      prepareToken(p, qkv + (b * T + t) * qkvStride,
                   out + (b * T + t) * outStride, k_cache, v_cache, b,
                   pos0 + t);

  for (int64_t b = 0; b < B; ++b) {
    for (int64_t kvh = 0; kvh < p.kvHeads; ++kvh) {
      int64_t cacheOffset = (b * p.kvHeads + kvh) * p.maxSeq * hd;
      attendGroup(p, out + b * T * outStride, k_cache + cacheOffset,
                  v_cache + cacheOffset, T, pos0, kvh);
    }
  }
}

//===- AttentionParams.h - Decoded attention configuration ------*- C++ -*-===//
//
// The integer/float configuration arrays of olmk_attention, decoded once
// per call into named fields for the helpers in HeadPrep and AttentionTile.
//
//===----------------------------------------------------------------------===//
#ifndef OLMRT_CPU_ATTENTIONPARAMS_H
#define OLMRT_CPU_ATTENTIONPARAMS_H

#include <cstdint>

namespace olmrt::cpu {

struct AttentionParams {
  int64_t heads = 0;
  int64_t kvHeads = 0;
  int64_t headDim = 0;
  int64_t rotaryDim = 0; // 0: no RoPE
  bool interleaved = false;
  int64_t window = 0; // 0: no sliding window
  bool causal = true;
  int64_t maxSeq = 0;
  int32_t qkNorm = 0; // 0 none, 1 rmsnorm, 2 layernorm
  float scale = 1.0f;
  float softcap = 0.0f; // 0: off
  float qkNormEps = 0.0f;
  const float *invFreq = nullptr;
  const float *qNormW = nullptr, *qNormB = nullptr;
  const float *kNormW = nullptr, *kNormB = nullptr;

  /// Query heads per kv head.
  int64_t groupSize() const { return heads / kvHeads; }
  /// Floats in one token row of qkv.
  int64_t qkvRowStride() const { return (heads + 2 * kvHeads) * headDim; }
};

} // namespace olmrt::cpu

#endif // OLMRT_CPU_ATTENTIONPARAMS_H

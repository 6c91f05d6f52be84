//===- HeadPrep.h - qk-norm and RoPE of one token's heads -------*- C++ -*-===//
#ifndef OLMRT_CPU_HEADPREP_H
#define OLMRT_CPU_HEADPREP_H

#include "AttentionParams.h"

namespace olmrt::cpu {

/// Copies numHeads head vectors of one token from src (heads srcStride
/// floats apart) to dst (dstStride apart), applying the qk-norm with
/// normW/normB if the layer has one, then RoPE at position pos. The cos/sin
/// of each angle are computed once per token and shared by all its heads.
void prepareHeads(const AttentionParams &p, const float *src, int64_t srcStride,
                  float *dst, int64_t dstStride, int64_t numHeads, int64_t pos,
                  const float *normW, const float *normB);

} // namespace olmrt::cpu

#endif // OLMRT_CPU_HEADPREP_H

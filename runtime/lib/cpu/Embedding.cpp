//===- Embedding.cpp - Token and learned position embeddings --------------===//

#include "olmrt/CpuKernels.h"

#include "KernelStats.h"

#include <cstring>

extern "C" void olmk_embedding(const int32_t *ids, const float *table,
                               float *out, int64_t M, int64_t D, float scale) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::Embedding);
  for (int64_t m = 0; m < M; ++m) {
    const float *row = table + static_cast<int64_t>(ids[m]) * D;
    float *o = out + m * D;
    if (scale == 1.0f) {
      // Most models do not scale; a copy is exact and cheapest.
      std::memcpy(o, row, static_cast<size_t>(D) * sizeof(float));
      continue;
    }
    for (int64_t d = 0; d < D; ++d)
      o[d] = row[d] * scale;
  }
}

extern "C" void olmk_pos_embedding_add(float *x, const float *table, int64_t B,
                                       int64_t T, int64_t D, int64_t pos0,
                                       int64_t offset) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::PosEmbeddingAdd);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      const float *row = table + (pos0 + t + offset) * D;
      float *xr = x + (b * T + t) * D;
      for (int64_t d = 0; d < D; ++d)
        xr[d] += row[d];
    }
  }
}

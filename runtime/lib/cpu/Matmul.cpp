//===- Matmul.cpp - Linear layer through OpenBLAS -------------------------===//
//
// y (=|+=) x * w^T + bias with w in torch's [N, K] layout, which is exactly
// a row-major sgemm with B transposed. The bias is folded into y before the
// BLAS call (beta = 1), so there is no second pass over y afterwards.
//
//===----------------------------------------------------------------------===//

#include "olmrt/CpuKernels.h"

#include "KernelStats.h"

#include <cblas.h>

#include <cstring>

namespace {

/// Makes y hold what the BLAS call must add onto: the old y (accumulate),
/// plus the bias if any. Returns the beta to pass.
float prepareOutput(const float *bias, float *y, int64_t M, int64_t N,
                    bool accumulate) {
  if (!bias)
    return accumulate ? 1.0f : 0.0f;
  for (int64_t m = 0; m < M; ++m) {
    float *row = y + m * N;
    if (accumulate) {
      for (int64_t n = 0; n < N; ++n)
        row[n] += bias[n];
    } else {
      std::memcpy(row, bias, static_cast<size_t>(N) * sizeof(float));
    }
  }
  return 1.0f;
}

} // namespace

extern "C" void olmk_matmul(const float *x, const float *w, const float *bias,
                            float *y, int64_t M, int64_t N, int64_t K,
                            int32_t accumulate) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::Matmul);
  float beta = prepareOutput(bias, y, M, N, accumulate != 0);
  if (M == 1) {
    // Batch-1 decode: y = w * x is a matrix-vector product. OpenBLAS 0.3.21
    // does not route M == 1 sgemm to gemv itself, and its sgemm packs w
    // first; sgemv streams w once (measured faster, see the bench).
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(N),
                static_cast<blasint>(K), 1.0f, w, static_cast<blasint>(K), x, 1,
                beta, y, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), 1.0f, x,
              static_cast<blasint>(K), w, static_cast<blasint>(K), beta, y,
              static_cast<blasint>(N));
}

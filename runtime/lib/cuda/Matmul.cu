//===- Matmul.cu - olmg_matmul through cuBLASLt ---------------------------===//
//
// Row-major y[M, N] = x[M, K] w[N, K]^T is, column-major, y^T = w^T' x^T':
// A = w (K x N, ld K, transposed), B = x (K x M, ld K), C = D = y (N x M,
// ld N). Inputs in the compute dtype, float32 accumulation and scale
// (CUBLAS_COMPUTE_32F: for f32 models that is true float32, never TF32);
// D in the compute dtype or float32 (the logits). A bias goes into the
// BIAS epilogue when D has the compute dtype, the residual into C with
// beta = 1. Descriptors, layouts and the heuristic's algorithm are cached
// per shape and pointer alignment, so a captured step allocates nothing;
// the workspace is the context's. Shapes cuBLASLt has no algorithm for use
// a plain tiled kernel.
// A y whose rows are not 16-byte aligned (N = 50257 logits: 4-byte rows)
// gets only cuBLASLt's align-1 kernels, about 7x slower (3.3 ms of GPT-2's
// 6.2 ms prefill at 8x512 on an H200), and so does an N that is not a
// multiple of 16 bytes, whatever the pitch. Prefill-sized products (M >= 64,
// no accumulation, outside capture) are therefore computed into a scratch
// with the row pitch padded to 16 bytes, as two products (the columns up
// to the last multiple of 16 bytes, then the few left), in chunks of rows
// that keep the scratch under 256 MiB, and packed into y by a copy. The
// logits avoid the copy: the compiler pads their rows (ldy, LogitsLayout.h)
// and the two products write straight into them, in capture too.
// An activation goes into the epilogue where cuBLASLt has the same
// function (GELU: the tanh approximation; ReLU), else a kernel follows.
// Batch-1 products (decode) do not come here: Gemv.cu; nor do those of
// 2-8 rows with K a multiple of 32 (bf16/f16): GemvMma.cu.
//
//===----------------------------------------------------------------------===//

#include "Common.cuh"
#include "Gemv.h"

using namespace olmrt::cuda;

namespace {

cudaDataType_t cudaType(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return CUDA_R_32F;
  case DType::BF16:
    return CUDA_R_16BF;
  case DType::F16:
    return CUDA_R_16F;
  }
  return CUDA_R_32F;
}

int32_t alignmentOf(const void *p) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  int32_t align = 256;
  while (align > 1 && (a % uintptr_t(align)))
    align >>= 1;
  return align;
}

MatmulPlan makePlan(OlmgContext *g, const MatmulKey &key) {
  MatmulPlan p;
  cudaDataType_t dt = cudaType(g->dtype);
  cudaDataType_t yt = key.yF32 ? CUDA_R_32F : dt;
  checkLt(cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F),
          "cublasLtMatmulDescCreate");
  cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
  checkLt(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                         &ta, sizeof ta),
          "matmul TRANSA");
  checkLt(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB,
                                         &tb, sizeof tb),
          "matmul TRANSB");
  p.biasEpilogue = key.bias && !key.yF32;
  p.actEpilogue = key.act >= 0;
  if (p.biasEpilogue || p.actEpilogue) {
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    if (key.act == OLMK_ACT_GELU_TANH)
      epilogue =
          p.biasEpilogue ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
    else if (key.act == OLMK_ACT_RELU)
      epilogue =
          p.biasEpilogue ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
    checkLt(cublasLtMatmulDescSetAttribute(p.desc,
                                           CUBLASLT_MATMUL_DESC_EPILOGUE,
                                           &epilogue, sizeof epilogue),
            "matmul EPILOGUE");
  }
  if (p.biasEpilogue) {
    int32_t biasType = int32_t(dt);
    checkLt(cublasLtMatmulDescSetAttribute(p.desc,
                                           CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                           &biasType, sizeof biasType),
            "matmul BIAS_DATA_TYPE");
  }
  checkLt(cublasLtMatrixLayoutCreate(&p.a, dt, uint64_t(key.k), uint64_t(key.n),
                                     key.k),
          "layout A");
  checkLt(cublasLtMatrixLayoutCreate(&p.b, dt, uint64_t(key.k), uint64_t(key.m),
                                     key.k),
          "layout B");
  checkLt(cublasLtMatrixLayoutCreate(&p.c, yt, uint64_t(key.n), uint64_t(key.m),
                                     key.ldy),
          "layout C");

  cublasLtMatmulPreference_t pref = nullptr;
  checkLt(cublasLtMatmulPreferenceCreate(&pref), "preference");
  uint64_t ws = g->workspaceBytes;
  cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  uint32_t aAlign = uint32_t(key.alignW), bAlign = uint32_t(key.alignX),
           cAlign = uint32_t(key.alignY);
  cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &aAlign, sizeof aAlign);
  cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &bAlign, sizeof bAlign);
  cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &cAlign, sizeof cAlign);
  cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &cAlign, sizeof cAlign);
  if (p.biasEpilogue) {
    // The heuristic reads the bias pointer's alignment from the descriptor.
    void *fake = reinterpret_cast<void *>(uintptr_t(key.alignBias));
    cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                   &fake, sizeof fake);
  }
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      g->lt, p.desc, p.a, p.b, p.c, p.c, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (status == CUBLAS_STATUS_SUCCESS && found > 0) {
    p.algo = result.algo;
    p.haveAlgo = true;
  }
  return p;
}

/// y[m, n] (=|+=) sum_k x[m, k] w[n, k] (+ bias[n]): the fallback.
template <class T, class Y>
__global__ void matmulFallbackKernel(const T *x, const T *w, const T *bias,
                                     Y *y, int64_t M, int64_t N, int64_t K,
                                     int accumulate) {
  __shared__ float xs[16][17], ws[16][17];
  int64_t m = int64_t(blockIdx.y) * 16 + threadIdx.y;
  int64_t n = int64_t(blockIdx.x) * 16 + threadIdx.x;
  int64_t wRow = int64_t(blockIdx.x) * 16 + threadIdx.y;
  float acc = 0.0f;
  for (int64_t k0 = 0; k0 < K; k0 += 16) {
    int64_t k = k0 + threadIdx.x;
    xs[threadIdx.y][threadIdx.x] = (m < M && k < K) ? ld(x + m * K + k) : 0.0f;
    ws[threadIdx.y][threadIdx.x] =
        (wRow < N && k < K) ? ld(w + wRow * K + k) : 0.0f;
    __syncthreads();
#pragma unroll
    for (int i = 0; i < 16; ++i)
      acc += xs[threadIdx.y][i] * ws[threadIdx.x][i];
    __syncthreads();
  }
  if (m < M && n < N) {
    if (bias)
      acc += ld(bias + n);
    if (accumulate)
      acc += ld(y + m * N + n);
    st(y + m * N + n, acc);
  }
}

template <class T, class Y>
__global__ void biasAddKernel(const T *bias, Y *y, int64_t M, int64_t N,
                              int64_t ldy) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < M * N;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / N, c = i - r * N;
    st(y + r * ldy + c, ld(y + r * ldy + c) + ld(bias + c));
  }
}

template <class T>
void fallback(OlmgContext *g, const void *x, const void *w, const void *bias,
              void *y, int64_t M, int64_t N, int64_t K, int32_t accumulate,
              int32_t yF32) {
  dim3 block(16, 16), grid(unsigned((N + 15) / 16), unsigned((M + 15) / 16));
  if (yF32)
    matmulFallbackKernel<T, float><<<grid, block, 0, g->stream>>>(
        static_cast<const T *>(x), static_cast<const T *>(w),
        static_cast<const T *>(bias), static_cast<float *>(y), M, N, K,
        accumulate);
  else
    matmulFallbackKernel<T, T><<<grid, block, 0, g->stream>>>(
        static_cast<const T *>(x), static_cast<const T *>(w),
        static_cast<const T *>(bias), static_cast<T *>(y), M, N, K, accumulate);
}

template <class T>
void biasAdd(OlmgContext *g, const void *bias, void *y, int64_t M, int64_t N,
             int64_t ldy, int32_t yF32) {
  unsigned grid = gridFor(M * N, 256, g->smCount);
  if (yF32)
    biasAddKernel<T, float><<<grid, 256, 0, g->stream>>>(
        static_cast<const T *>(bias), static_cast<float *>(y), M, N, ldy);
  else
    biasAddKernel<T, T><<<grid, 256, 0, g->stream>>>(
        static_cast<const T *>(bias), static_cast<T *>(y), M, N, ldy);
}

/// y[r, :N] = src[r, :N] for rows `ld` elements apart in src.
template <class Y>
__global__ void packRowsKernel(const Y *src, int64_t ld, Y *y, int64_t M,
                               int64_t N) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < M * N;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / N, c = i - r * N;
    y[i] = src[r * ld + c];
  }
}

constexpr size_t kPitchedMax = size_t(256) << 20;

MatmulPlan *planFor(OlmgContext *g, const MatmulKey &key) {
  auto it = g->plans.find(key);
  if (it == g->plans.end()) {
    try {
      it = g->plans.emplace(key, makePlan(g, key)).first;
    } catch (const std::exception &e) {
      g->noteError(std::string("olmg_matmul: ") + e.what());
      return nullptr;
    }
  }
  return &it->second;
}

/// y[:, :N] = x w^T with y's rows `ld` elements apart, ld * size a
/// multiple of 16 bytes: the columns [0, n0) in one product and [n0, N) in
/// another, n0 a multiple of 16 bytes of y (D's contiguous dimension is N,
/// and only a length that divides into 16 bytes gets the vectorised (TMA)
/// epilogues). False, with nothing enqueued, when cuBLASLt has no
/// algorithm for the first product.
bool splitProduct(OlmgContext *g, const void *x, const void *w, void *y,
                  int64_t M, int64_t N, int64_t K, int64_t ld, int32_t y_f32) {
  size_t ySize = y_f32 ? 4 : dtypeBytes(g->dtype);
  int64_t per = int64_t(16 / ySize);
  int64_t n0 = N / per * per;
  if (n0 == 0 || K <= 0)
    return false;
  size_t wRow = size_t(K) * dtypeBytes(g->dtype);
  for (int part = 0; part < 2; ++part) {
    int64_t c0 = part ? n0 : 0, n = part ? N - n0 : n0;
    if (n == 0)
      continue;
    const void *wc = static_cast<const char *>(w) + size_t(c0) * wRow;
    void *yc = static_cast<char *>(y) + size_t(c0) * ySize;
    MatmulKey key{M,
                  n,
                  K,
                  0,
                  y_f32 != 0,
                  0,
                  -1,
                  alignmentOf(x),
                  alignmentOf(wc),
                  alignmentOf(yc),
                  256,
                  ld};
    MatmulPlan *p = planFor(g, key);
    if (!p || !p->haveAlgo) {
      if (part == 0)
        return false;
      g->noteError("olmg_matmul: no cuBLASLt algorithm for the last " +
                   std::to_string(n) + " columns of a split product");
      return true;
    }
    float alpha = 1.0f, beta = 0.0f;
    cublasStatus_t status = cublasLtMatmul(
        g->lt, p->desc, &alpha, wc, p->a, x, p->b, &beta, yc, p->c, yc, p->c,
        &p->algo, g->workspace, g->workspaceBytes, g->stream);
    if (status != CUBLAS_STATUS_SUCCESS)
      g->noteError(std::string("olmg_matmul: cublasLtMatmul: ") +
                   cublasLtGetStatusName(status));
  }
  return true;
}

/// The padded-pitch path of the file comment, for a dense y; false when it
/// does not apply (the caller then runs the product directly).
bool matmulPitched(OlmgContext *g, const void *x, const void *w, void *y,
                   int64_t M, int64_t N, int64_t K, int32_t y_f32) {
  size_t ySize = y_f32 ? 4 : dtypeBytes(g->dtype);
  if (M < 64 || K <= 0 || (size_t(N) * ySize) % 16 == 0 || g->capturing())
    return false;
  int64_t per = int64_t(16 / ySize);
  int64_t ld = (N + per - 1) / per * per;
  size_t rowBytes = size_t(ld) * ySize;
  int64_t rows = std::min<int64_t>(
      M, std::max<int64_t>(64, int64_t(kPitchedMax / rowBytes) / 64 * 64));
  size_t bytes = size_t(rows) * rowBytes;
  if (bytes > g->pitchedBytes) {
    cudaStreamSynchronize(g->stream);
    if (g->pitched)
      cudaFree(g->pitched);
    g->pitched = nullptr;
    g->pitchedBytes = 0;
    try {
      g->pitched = deviceAlloc(bytes, "padded-pitch matmul scratch");
    } catch (const std::exception &) {
      return false; // Not enough memory: the direct (slower) product.
    }
    g->pitchedBytes = bytes;
  }
  size_t xRow = size_t(K) * dtypeBytes(g->dtype);
  for (int64_t r0 = 0; r0 < M; r0 += rows) {
    int64_t m = std::min(rows, M - r0);
    const void *xc = static_cast<const char *>(x) + size_t(r0) * xRow;
    if (!splitProduct(g, xc, w, g->pitched, m, N, K, ld, y_f32)) {
      if (r0 == 0)
        return false; // Nothing done yet: the direct product instead.
      g->noteError("olmg_matmul: no cuBLASLt algorithm for part of a "
                   "padded-pitch product");
      return true;
    }
    unsigned grid = gridFor(m * N, 256, g->smCount);
    char *yc = static_cast<char *>(y) + size_t(r0) * size_t(N) * ySize;
    if (y_f32)
      packRowsKernel<float><<<grid, 256, 0, g->stream>>>(
          static_cast<const float *>(g->pitched), ld,
          reinterpret_cast<float *>(yc), m, N);
    else
      OLMG_DISPATCH(g->dtype, packRowsKernel<T><<<grid, 256, 0, g->stream>>>(
                                  static_cast<const T *>(g->pitched), ld,
                                  reinterpret_cast<T *>(yc), m, N));
  }
  return true;
}

/// The activations cuBLASLt computes in its epilogue exactly as olmc
/// defines them (tests/gpu/kernel_check compares both GELUs).
bool epilogueComputes(int32_t act) {
  return act == OLMK_ACT_GELU_TANH || act == OLMK_ACT_RELU;
}

} // namespace

extern "C" void olmg_matmul(OlmgContext *g, const void *x, const void *w,
                            const void *bias, void *y, int64_t M, int64_t N,
                            int64_t K, int32_t accumulate, int32_t y_f32,
                            int32_t act, int64_t ldy) {
  if (M <= 0 || N <= 0)
    return;
  ldy = std::max(ldy, N);
  if (act >= 0 && (accumulate || y_f32 || ldy != N)) {
    g->noteError("olmg_matmul: an activation needs a dense product in the "
                 "compute dtype without accumulation");
    return;
  }
  // Batch 1 (decode): the own GEMV, any activation in its epilogue.
  if (gemv(g, x, w, bias, y, M, N, K, accumulate, y_f32, act, ldy)) {
    g->noteLaunch("olmg_matmul (gemv)");
    return;
  }
  // 2-8 rows (batched decode): the tensor-core GEMV.
  if (gemvMma(g, x, w, bias, y, M, N, K, accumulate, y_f32, act, ldy)) {
    g->noteLaunch("olmg_matmul (mma gemv)");
    return;
  }
  size_t ySize = y_f32 ? 4 : dtypeBytes(g->dtype);
  // Products that are not one plain cuBLASLt call (file comment); bias
  // and activation follow as kernels.
  bool split = false;
  if (!accumulate) {
    if (ldy != N && (size_t(N) * ySize) % 16 != 0 &&
        (size_t(ldy) * ySize) % 16 == 0)
      split = splitProduct(g, x, w, y, M, N, K, ldy, y_f32);
    else if (ldy == N)
      split = matmulPitched(g, x, w, y, M, N, K, y_f32);
  }
  if (split) {
    if (bias)
      OLMG_DISPATCH(g->dtype, biasAdd<T>(g, bias, y, M, N, ldy, y_f32));
    if (act >= 0)
      olmg_activation(g, y, y, M * N, act);
    g->noteLaunch(ldy != N ? "olmg_matmul (split, padded rows)"
                           : "olmg_matmul (padded pitch)");
    return;
  }
  MatmulKey key{M,
                N,
                K,
                accumulate != 0,
                y_f32 != 0,
                bias != nullptr,
                epilogueComputes(act) ? act : -1,
                alignmentOf(x),
                alignmentOf(w),
                alignmentOf(y),
                bias ? alignmentOf(bias) : 256,
                ldy};
  MatmulPlan *plan = planFor(g, key);
  if (!plan)
    return;
  MatmulPlan &p = *plan;
  if (!p.haveAlgo || K <= 0) {
    if (ldy != N) {
      g->noteError("olmg_matmul: no cuBLASLt algorithm for a product into "
                   "padded rows");
      return;
    }
    OLMG_DISPATCH(g->dtype,
                  fallback<T>(g, x, w, bias, y, M, N, K, accumulate, y_f32));
    if (act >= 0)
      olmg_activation(g, y, y, M * N, act);
    g->noteLaunch("olmg_matmul (fallback)");
    return;
  }
  if (p.biasEpilogue)
    cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                   &bias, sizeof bias);
  float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  cublasStatus_t status =
      cublasLtMatmul(g->lt, p.desc, &alpha, w, p.a, x, p.b, &beta, y, p.c, y,
                     p.c, &p.algo, g->workspace, g->workspaceBytes, g->stream);
  if (status != CUBLAS_STATUS_SUCCESS)
    g->noteError(std::string("olmg_matmul: cublasLtMatmul: ") +
                 cublasLtGetStatusName(status));
  if (bias && !p.biasEpilogue)
    OLMG_DISPATCH(g->dtype, biasAdd<T>(g, bias, y, M, N, ldy, y_f32));
  if (act >= 0 && !p.actEpilogue)
    olmg_activation(g, y, y, M * N, act);
  g->noteLaunch("olmg_matmul");
}

namespace {

/// cuBLASLt cannot gate two columns in its epilogue: the [M, 2H] product
/// into `product` (scratch), then the gating kernel.
void gatedThroughScratch(OlmgContext *g, const void *x, const void *w,
                         const void *bias, void *out, int64_t M, int64_t H,
                         int64_t K, int32_t act, float *product) {
  olmg_matmul(g, x, w, bias, product, M, 2 * H, K, 0, 0, -1, 2 * H);
  olmg_gated_activation(g, product, out, M, H, act);
}

} // namespace

extern "C" void olmg_matmul_gated(OlmgContext *g, const void *x, const void *w,
                                  const void *bias, void *out, int64_t M,
                                  int64_t H, int64_t K, int32_t act) {
  if (M <= 0 || H <= 0)
    return;
  if (gemvGated(g, x, w, bias, out, M, H, K, act)) {
    g->noteLaunch("olmg_matmul_gated (gemv)");
    return;
  }
  if (gemvMmaGated(g, x, w, bias, out, M, H, K, act)) {
    g->noteLaunch("olmg_matmul_gated (mma gemv)");
    return;
  }
  // The product goes to the context's scratch (the split-KV partials, dead
  // between attention calls).
  size_t bytes = size_t(M) * size_t(2 * H) * dtypeBytes(g->dtype);
  float *product = g->scratchFor((bytes + 3) / 4);
  if (!product)
    return;
  gatedThroughScratch(g, x, w, bias, out, M, H, K, act, product);
}

namespace {

/// The product of a normed matmul whose rows the GEMV could not take: the
/// rows normalised into scratch (256-byte aligned for cuBLASLt) by
/// `normalise`, a gated product after them; then the product as an unnormed
/// call would.
template <class Normalise>
void normThroughScratch(OlmgContext *g, Normalise normalise, const void *w,
                        const void *bias, void *y, int64_t M, int64_t N,
                        int64_t K, int32_t accumulate, int32_t y_f32,
                        int32_t act, int64_t ldy, int32_t gated) {
  size_t normed =
      (size_t(M) * size_t(K) * dtypeBytes(g->dtype) + 255) / 256 * 64; // floats
  size_t product =
      gated ? (size_t(M) * size_t(2 * N) * dtypeBytes(g->dtype) + 3) / 4 : 0;
  float *scratch = g->scratchFor(normed + product);
  if (!scratch)
    return;
  normalise(scratch);
  if (gated && gemvMmaGated(g, scratch, w, bias, y, M, N, K, act))
    g->noteLaunch("olmg_matmul_gated (mma gemv)");
  else if (gated)
    gatedThroughScratch(g, scratch, w, bias, y, M, N, K, act, scratch + normed);
  else
    olmg_matmul(g, scratch, w, bias, y, M, N, K, accumulate, y_f32, act, ldy);
}

} // namespace

extern "C" void olmg_matmul_norm(OlmgContext *g, const void *x,
                                 const void *norm_w, float eps, float w_offset,
                                 const void *w, const void *bias, void *y,
                                 int64_t M, int64_t N, int64_t K,
                                 int32_t accumulate, int32_t y_f32, int32_t act,
                                 int64_t ldy, int32_t gated) {
  if (M <= 0 || N <= 0)
    return;
  if (gemvNorm(g, x, norm_w, eps, w_offset, w, bias, y, M, N, K, accumulate,
               y_f32, act, gated != 0)) {
    g->noteLaunch("olmg_matmul_norm (gemv)");
    return;
  }
  normThroughScratch(
      g,
      [&](float *xn) { olmg_rmsnorm(g, x, norm_w, xn, M, K, eps, w_offset); },
      w, bias, y, M, N, K, accumulate, y_f32, act, ldy, gated);
}

extern "C" void olmg_matmul_layernorm(OlmgContext *g, const void *x,
                                      const void *norm_w, const void *norm_b,
                                      float eps, const void *w,
                                      const void *bias, void *y, int64_t M,
                                      int64_t N, int64_t K, int32_t accumulate,
                                      int32_t y_f32, int32_t act, int64_t ldy,
                                      int32_t gated) {
  if (M <= 0 || N <= 0)
    return;
  if (gemvLayerNorm(g, x, norm_w, norm_b, eps, w, bias, y, M, N, K, accumulate,
                    y_f32, act, gated != 0)) {
    g->noteLaunch("olmg_matmul_layernorm (gemv)");
    return;
  }
  normThroughScratch(
      g,
      [&](float *xn) { olmg_layernorm(g, x, norm_w, norm_b, xn, M, K, eps); },
      w, bias, y, M, N, K, accumulate, y_f32, act, ldy, gated);
}

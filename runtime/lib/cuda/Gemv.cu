//===- Gemv.cu - Batch-1 products (decode): own kernel --------------------===//
//
// y[n] (=|+=) act(sum_k x[k] w[n, k] + bias[n]), the shape of every product
// of a batch-1 decode step. Such a product reads each weight once and does
// one FMA per weight, so it is bound by how fast w streams from HBM;
// cuBLASLt reached 0.9-3.4 TB/s on Llama-3.2-1B's shapes on an H200 (the
// small ones latency-bound, bench/NOTES.md), and it cannot start before
// its predecessor has drained.
//
// The kernel: a block of 256 threads is split into groups of 32..256
// threads (groupWidth()); each group owns kRows rows of w and walks them
// together, one 16-byte pack a row a step, so every thread has kRows
// independent loads in flight, and the next step's loads are issued before
// the current step's FMAs. x is read through L1. Partial sums: shuffles
// within a warp, shared memory across the group's warps; the epilogue adds
// bias and the accumulated y, applies the activation and rounds once, as
// olmk_matmul. Gated (a gated MLP's gate/up product): a group's rows are
// two gate rows and the two matching up rows, and it writes
// act(gate) * up, so the [2H] product is never stored.
//
// Normed (olm-fuse-norm-matmul): x is the un-normalised row, and
// y = rstd * sum_k x[k] (g[k] + offset) w[n, k] with rstd = 1 /
// sqrt(mean(x^2) + eps). Right after gridWait() every thread loads its
// share of the row for the block's sum of squares (which also brings the
// row into L1 for the main loop); the main loop multiplies x by the norm
// weight before the FMAs; the squares are reduced with the row sums in
// the epilogue, which scales by rstd. Nothing waits on a barrier before
// the first FMA. Measured against the separate RMSNorm kernel (bench/
// NOTES.md, versions 6b and 7): a first version that normalised x in a
// prologue (a block reduction, two barriers) was slower everywhere; this
// one is faster for Qwen2.5-0.5B's products and the latency-bound qkv
// product, slower for Llama's bandwidth-bound gate/up product (the extra
// multiply per x element and norm-weight loads). Summing the squares in
// group 0's main loop instead was slower still. The normalised row is not
// rounded to the dtype as the norm kernel stores it: the float products
// are the more exact of the two.
//
// LayerNorm (olmg_matmul_layernorm, GPT-2's and GPT-NeoX's norms): the
// mean is needed before the products (the alternative, summing g w and b w
// per row beside x g w and correcting in the epilogue, needed 90-96
// registers and ran slower; bench/NOTES.md version 8), so after gridWait()
// every warp reads the whole row and sums it itself, shifted by x[0] (a
// row whose mean is large against its spread keeps its variance's
// digits): mean and rstd by shuffles, no block barrier before the first
// FMA. The main loop then normalises exactly, (x - mean) rstd g + b.
//
// Programmatic dependent launch: w does not depend on the previous kernel,
// so each thread loads its first packs of w before gridWait(). In a decode
// step the next product's weights therefore stream in while the norm or
// attention kernel before it still runs.
//
// Batches of 2 and 4 rows ran slower here than in cuBLASLt on the H200
// (16384 x 2048: 22.8 and 33.2 us against 19.5; batch-4 Llama decode 2229
// against 2863 tok/s): their CUDA-core FMAs and x loads, not HBM, bound
// them. Batches of 2-8 run on the tensor cores instead (GemvMma.cu).
//
//===----------------------------------------------------------------------===//

#include "Gemv.h"

#include "Common.cuh"

#include <climits>

using namespace olmrt::cuda;

namespace {

constexpr int kThreads = 256;
constexpr int kRows = 4;

/// 16 bytes of w as a pack (ldWeightPack: evict-first).
template <class T> __device__ __forceinline__ Pack<T> ldWeights(const T *p) {
  Pack<T> r;
  *reinterpret_cast<uint4 *>(&r) = ldWeightPack(p);
  return r;
}

/// The norm a normed GEMV applies to x: weight, bias (LayerNorm, may be
/// null), eps and weight offset (RMSNorm).
template <class T> struct RowNorm {
  const T *w, *b;
  float eps, offset;
};

/// How a GEMV treats x: as it is; RMS-normalised with weight g, or with
/// g + offset (Gemma's 1 + w); layer-normalised with weight g, and bias b.
enum NormMode { kNoNorm, kNorm, kNormOffset, kLayer, kLayerBias };

constexpr bool isLayer(int mode) {
  return mode == kLayer || mode == kLayerBias;
}

/// Row statistics a normed block sums for its epilogue: an RMSNorm's x^2
/// (a LayerNorm's are each warp's own, before the loop).
constexpr int statistics(int mode) {
  return mode == kNorm || mode == kNormOffset ? 1 : 0;
}

/// Element e of x's pack after the norm: as it is, times g (+ offset), or
/// (x - mean) rstd g (+ b). An RMSNorm's rstd is applied in the epilogue.
template <int NORM, class T>
__device__ __forceinline__ float
normalised(float xv, const Pack<T> &gp, const Pack<T> &bp, int e, float offset,
           float mean, float lnRstd) {
  if constexpr (NORM == kNorm)
    return xv * ld(&gp.e[e]);
  else if constexpr (NORM == kNormOffset)
    return xv * (ld(&gp.e[e]) + offset);
  else if constexpr (NORM == kLayer)
    return (xv - mean) * lnRstd * ld(&gp.e[e]);
  else if constexpr (NORM == kLayerBias)
    return fmaf((xv - mean) * lnRstd, ld(&gp.e[e]), ld(&bp.e[e]));
  else
    return xv;
}

/// A LayerNorm's mean and rstd of the row x[0, K), by one warp with
/// shuffles only. The row is summed shifted by s = x[0], which keeps the
/// variance's digits for a row whose mean is large against its spread,
/// unless x[0] itself is far out (an outlier feature at index 0 loses
/// about K float32 ulps of the variance). Chan's pairwise merge of
/// per-lane moments, exact whatever the row, cost 0.7 us a product more
/// on an H200 (bench/NOTES.md, version 8).
template <class T>
__device__ __forceinline__ void rowMoments(const T *x, int64_t K, float eps,
                                           float &mean, float &rstd) {
  constexpr int P = Pack<T>::N;
  const int lane = threadIdx.x & 31;
  const float s = ld(x);
  float sum = 0.0f, sum2 = 0.0f;
#pragma unroll 2
  for (int64_t j = int64_t(lane) * P; j < K; j += 32 * P) {
    Pack<T> xp = ldPack(x + j);
#pragma unroll
    for (int e = 0; e < P; ++e) {
      float v = ld(&xp.e[e]) - s;
      sum += v;
      sum2 = fmaf(v, v, sum2);
    }
  }
  sum = warpSum(sum);
  sum2 = warpSum(sum2);
  float d = sum / float(K);
  mean = s + d;
  rstd = 1.0f / sqrtf(fmaxf(sum2 / float(K) - d * d, 0.0f) + eps);
}

/// The epilogue of output n: bias, gating (v the gate, up its partner) or
/// the accumulated y, the activation, one rounding.
template <bool GATED, class T, class Y>
__device__ __forceinline__ void storeOutput(Y *y, const T *bias, int64_t n,
                                            int64_t N, float v, float up,
                                            int accumulate, int act) {
  if (bias) {
    v += ld(bias + n);
    if (GATED)
      up += ld(bias + N + n);
  }
  if (GATED) {
    st(y + n, activate(v, act) * up);
  } else {
    if (accumulate)
      v += ld(y + n);
    st(y + n, activate(v, act));
  }
}

// The LayerNorm forms are held to 85 registers, three blocks an SM (bf16:
// 88 unbounded, two blocks); the others compile as they did before them.
template <class T, bool GATED, int NORM, class Y>
__global__ void __launch_bounds__(kThreads, isLayer(NORM) ? 3 : 0)
    gemvKernel(const T *__restrict__ x, const T *__restrict__ w,
               const T *__restrict__ bias, Y *y, int64_t N, int64_t K,
               int accumulate, int act, int groupThreads, RowNorm<T> norm) {
  constexpr int P = Pack<T>::N;
  constexpr int kStats = statistics(NORM);
  // Outputs a group computes: kRows, or kRows / 2 gate/up pairs.
  constexpr int kOut = GATED ? kRows / 2 : kRows;
  // Per warp: its sums of the kRows rows, then the row statistics.
  __shared__ float partial[kThreads / 32][kRows + kStats];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int groups = kThreads / groupThreads;
  const int group = tid / groupThreads;
  const int64_t col0 = (int64_t(blockIdx.x) * groups + group) * kOut;
  const T *rows[kRows];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    int64_t col = col0 + r % kOut;
    col = col < N ? col : N - 1; // Past N: computed, then discarded.
    rows[r] = w + (GATED && r >= kOut ? N + col : col) * K;
  }
  const int64_t step = int64_t(groupThreads) * P;
  int64_t k = int64_t(tid - group * groupThreads) * P;

  Pack<T> cur[kRows];
  if (k < K) {
#pragma unroll
    for (int r = 0; r < kRows; ++r)
      cur[r] = ldWeights(rows[r] + k);
  }
  gridWait();
  allowDependents();

  // This thread's share of the block's sum of x^2 (RMSNorm).
  float sq = 0.0f;
  if constexpr (kStats > 0) {
    for (int64_t j = int64_t(tid) * P; j < K; j += int64_t(kThreads) * P) {
      Pack<T> xp = ldPack(x + j);
#pragma unroll
      for (int e = 0; e < P; ++e)
        sq = fmaf(ld(&xp.e[e]), ld(&xp.e[e]), sq);
    }
  }
  // LayerNorm: every warp sums the whole row itself and knows mean and
  // rstd before its first FMA without a block barrier.
  float mean = 0.0f, lnRstd = 1.0f;
  if constexpr (isLayer(NORM))
    rowMoments(x, K, norm.eps, mean, lnRstd);

  float acc[kRows];
#pragma unroll
  for (int r = 0; r < kRows; ++r)
    acc[r] = 0.0f;
  while (k < K) {
    const int64_t next = k + step;
    Pack<T> nxt[kRows];
    if (next < K) {
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        nxt[r] = ldWeights(rows[r] + next);
    }
    Pack<T> xp = ldPack(x + k);
    Pack<T> gp, bp;
    if constexpr (NORM != kNoNorm)
      gp = ldPack(norm.w + k);
    if constexpr (NORM == kLayerBias)
      bp = ldPack(norm.b + k);
#pragma unroll
    for (int e = 0; e < P; ++e) {
      float xv =
          normalised<NORM>(ld(&xp.e[e]), gp, bp, e, norm.offset, mean, lnRstd);
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        acc[r] = fmaf(xv, ld(&cur[r].e[e]), acc[r]);
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r)
      cur[r] = nxt[r];
    k = next;
  }

#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    float v = warpSum(acc[r]);
    if (lane == 0)
      partial[warp][r] = v;
  }
  if constexpr (kStats > 0) {
    float v = warpSum(sq);
    if (lane == 0)
      partial[warp][kRows] = v;
  }
  __syncthreads();
  float rstd = 1.0f;
  if constexpr (kStats > 0) {
    float ss = 0.0f;
    for (int i = 0; i < kThreads / 32; ++i)
      ss += partial[i][kRows];
    rstd = 1.0f / sqrtf(ss / float(K) + norm.eps);
  }
  const int warpsPerGroup = groupThreads / 32;
  for (int o = tid; o < groups * kOut; o += kThreads) {
    int gi = o / kOut, r = o - gi * kOut;
    int64_t n = (int64_t(blockIdx.x) * groups + gi) * kOut + r;
    if (n >= N)
      continue;
    float v = 0.0f, up = 0.0f;
    for (int i = 0; i < warpsPerGroup; ++i) {
      v += partial[gi * warpsPerGroup + i][r];
      if (GATED)
        up += partial[gi * warpsPerGroup + i][r + kOut];
    }
    storeOutput<GATED>(y, bias, n, N, v * rstd, up * rstd, accumulate, act);
  }
}

/// Whether the GEMV takes this product (see Gemv.h).
bool applies(OlmgContext *g, const void *x, const void *w, int64_t M, int64_t N,
             int64_t K) {
  // N <= INT_MAX keeps the grid (at least 2 outputs a block) in range.
  if (!g->useGemv || M != 1 || N < 1 || N > INT_MAX || K < 1)
    return false;
  int64_t per = int64_t(16 / dtypeBytes(g->dtype));
  return K % per == 0 && aligned16({x, w});
}

/// Threads of gemvKernel<T, GATED, NORM, Y> that fit the GPU at once (its
/// registers bound it: three blocks of 256 an SM at 70-80 registers, not
/// the SM's 2048). One static per instantiation (the kernels' pointer
/// types do not tell GATED and NORM apart), initialised once, thread-safe.
template <class T, bool GATED, int NORM, class Y>
int64_t residentThreads(OlmgContext *g) {
  static const int perSm = [] {
    int n = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(
            &n, gemvKernel<T, GATED, NORM, Y>, kThreads, 0) != cudaSuccess ||
        n < 1) {
      (void)cudaGetLastError();
      n = 1;
    }
    return n;
  }();
  return int64_t(perSm) * kThreads * (g->smCount > 0 ? g->smCount : 132);
}

/// Group width for `groups` groups over rows of `packs` 16-byte packs,
/// chosen by the sweep in bench/NOTES.md (version 9; kernel_check "timing
/// gemv"): the widest group, up to a row of packs, with which every group
/// is resident at once (one wave: wider groups walk a row in fewer steps,
/// a second wave waits for the first); for products too large for one
/// wave even at 32 threads, 32 (more steps a thread keep loads in flight),
/// unless its last wave would run less than 3/4 full and 64's would not
/// (Llama's gate/up: 1.3 waves at 32 took 21.1 us, 2.6 at 64 18.8) and a
/// row has more than 32 packs (else 64 threads leave half idle).
int groupWidth(int64_t groups, int64_t packs, int64_t resident) {
  int width = 32;
  if (groups * width > resident) {
    auto lastWaveFull = [&](int w) {
      int64_t threads = groups * w, waves = (threads + resident - 1) / resident;
      return double(threads) / double(waves * resident);
    };
    bool wider = packs > 32 && lastWaveFull(32) < 0.75 &&
                 lastWaveFull(64) > lastWaveFull(32);
    return wider ? 64 : 32;
  }
  while (width < kThreads && width < packs && groups * (2 * width) <= resident)
    width <<= 1;
  return width;
}

/// Launches gemvKernel for N outputs: the group width (forced by
/// OlmgContext::gemvWidth, or groupWidth()) and the grid.
template <class T, bool GATED, int NORM, class Y>
void launchForm(OlmgContext *g, const T *x, RowNorm<T> norm, const T *w,
                const T *bias, Y *y, int64_t N, int64_t K, int32_t accumulate,
                int32_t act) {
  auto kernel = gemvKernel<T, GATED, NORM, Y>;
  constexpr int outsPerGroup = GATED ? kRows / 2 : kRows;
  const int64_t groups = (N + outsPerGroup - 1) / outsPerGroup;
  const int64_t packs = K / Pack<T>::N;
  const int forced = g->gemvWidth;
  const bool valid = forced == 32 || forced == 64 || forced == 128 ||
                     forced == kThreads; // Else the runtime's choice.
  const int width =
      valid ? forced
            : groupWidth(groups, packs, residentThreads<T, GATED, NORM, Y>(g));
  const int64_t perBlock = int64_t(kThreads / width) * outsPerGroup;
  const unsigned blocks = unsigned((N + perBlock - 1) / perBlock);
  launchDependent(g, kernel, dim3(blocks), dim3(kThreads), 0, x, w, bias, y, N,
                  K, accumulate, act, width, norm);
}

/// The launch of the GEMV for the dtype, norm and output asked for.
template <class T, int NORM>
void launchGemvAs(OlmgContext *g, const void *x, RowNorm<T> norm, const void *w,
                  const void *bias, void *y, int64_t N, int64_t K,
                  int32_t accumulate, int32_t yF32, int32_t act, bool gated) {
  auto xs = static_cast<const T *>(x);
  auto ws = static_cast<const T *>(w);
  auto bs = static_cast<const T *>(bias);
  if (gated)
    launchForm<T, true, NORM>(g, xs, norm, ws, bs, static_cast<T *>(y), N, K, 0,
                              act);
  else if (yF32)
    launchForm<T, false, NORM>(g, xs, norm, ws, bs, static_cast<float *>(y), N,
                               K, accumulate, act);
  else
    launchForm<T, false, NORM>(g, xs, norm, ws, bs, static_cast<T *>(y), N, K,
                               accumulate, act);
}

/// Which norm a launch applies.
enum class RowNormKind { kNone, kRms, kLayer };

/// One launch of the GEMV for any of its forms; false where applies() is.
bool launchGemv(OlmgContext *g, RowNormKind kind, const void *x,
                const void *normW, const void *normB, float eps, float offset,
                const void *w, const void *bias, void *y, int64_t M, int64_t N,
                int64_t K, int32_t accumulate, int32_t yF32, int32_t act,
                bool gated) {
  if (!applies(g, x, w, M, N, K) ||
      (kind != RowNormKind::kNone && !aligned16({normW, normB})))
    return false;
  OLMG_DISPATCH(g->dtype, {
    RowNorm<T> norm{static_cast<const T *>(normW),
                    static_cast<const T *>(normB), eps, offset};
    auto launch = [&](auto mode) {
      launchGemvAs<T, decltype(mode)::value>(g, x, norm, w, bias, y, N, K,
                                             accumulate, yF32, act, gated);
    };
    if (kind == RowNormKind::kNone)
      launch(std::integral_constant<int, kNoNorm>());
    else if (kind == RowNormKind::kLayer && normB)
      launch(std::integral_constant<int, kLayerBias>());
    else if (kind == RowNormKind::kLayer)
      launch(std::integral_constant<int, kLayer>());
    else if (offset == 0.0f)
      launch(std::integral_constant<int, kNorm>());
    else
      launch(std::integral_constant<int, kNormOffset>());
  });
  return true;
}

} // namespace

namespace olmrt::cuda {

bool gemv(OlmgContext *g, const void *x, const void *w, const void *bias,
          void *y, int64_t M, int64_t N, int64_t K, int32_t accumulate,
          int32_t yF32, int32_t act, int64_t ldy) {
  (void)ldy; // One row: its pitch does not matter.
  return launchGemv(g, RowNormKind::kNone, x, nullptr, nullptr, 0.0f, 0.0f, w,
                    bias, y, M, N, K, accumulate, yF32, act, /*gated=*/false);
}

bool gemvGated(OlmgContext *g, const void *x, const void *w, const void *bias,
               void *out, int64_t M, int64_t H, int64_t K, int32_t act) {
  return launchGemv(g, RowNormKind::kNone, x, nullptr, nullptr, 0.0f, 0.0f, w,
                    bias, out, M, H, K, 0, 0, act, /*gated=*/true);
}

bool gemvNorm(OlmgContext *g, const void *x, const void *normW, float eps,
              float offset, const void *w, const void *bias, void *y, int64_t M,
              int64_t N, int64_t K, int32_t accumulate, int32_t yF32,
              int32_t act, bool gated) {
  return launchGemv(g, RowNormKind::kRms, x, normW, nullptr, eps, offset, w,
                    bias, y, M, N, K, accumulate, yF32, act, gated);
}

bool gemvLayerNorm(OlmgContext *g, const void *x, const void *normW,
                   const void *normB, float eps, const void *w,
                   const void *bias, void *y, int64_t M, int64_t N, int64_t K,
                   int32_t accumulate, int32_t yF32, int32_t act, bool gated) {
  if (!normW) // Not a form the GEMV has: the norm kernel takes it.
    return false;
  return launchGemv(g, RowNormKind::kLayer, x, normW, normB, eps, 0.0f, w, bias,
                    y, M, N, K, accumulate, yF32, act, gated);
}

} // namespace olmrt::cuda

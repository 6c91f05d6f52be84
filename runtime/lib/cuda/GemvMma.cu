//===- GemvMma.cu - Products of 2-8 rows (batched decode) on tensor cores -===//
//
// y[m, n] (=|+=) act(sum_k x[m, k] w[n, k] + bias[n]) for M = 2..8 rows of
// x: a decode step of 2-8 sequences. Like batch 1 (Gemv.cu) such a product
// reads each weight once and is bound by how fast w streams from HBM, but
// 2-8 FMAs a weight on CUDA cores bound the GEMV (bench/NOTES.md version
// 5), and cuBLASLt's kernels for these shapes reached ~2.2 TB/s in a Llama
// step. Here one mma.sync.m16n8k16 does 16 rows of w times the (up to) 8
// rows of x, so the arithmetic is free and the kernel streams w like the
// GEMV.
//
// A block of 8 warps owns 16 rows of w (gated: 8 gate rows and their 8 up
// rows); its warps split K in 32-column chunks (warp i takes chunks i, i +
// 8, ...), sum their 16x8 tiles in shared memory, and the epilogue adds
// bias and the accumulated y, gates, applies the activation and rounds
// once, as olmk_matmul. Loads: each lane reads 16 contiguous bytes of its
// two rows and of x a chunk, and the mma's k order is permuted to match
// (a sum over k does not care): lane (g = lane / 4, c = lane % 4) holds
// columns 8c..8c+7 of the chunk; k-step s of the chunk takes columns
// 8c + 4s .. 8c + 4s + 3 of each lane as the fragment's k = 2c, 2c + 1,
// 2c + 8, 2c + 9 for rows g and g + 8 of w (A) and row g of x (B: the n
// of the mma is the batch row). Four chunks' loads are in flight a lane,
// and the first four are issued before griddepcontrol.wait (w does not
// depend on the previous kernel).
//
//===----------------------------------------------------------------------===//

#include "Gemv.h"

#include "Common.cuh"

using namespace olmrt::cuda;

namespace {

constexpr int kMmaWarps = 8;
constexpr int kMmaRows = 16; // rows of w a block
constexpr int kChunkK = 32;  // columns of a chunk
constexpr int kInFlight = 4; // chunks whose loads a lane has in flight
constexpr int kMaxBatch = 8; // the mma's n

/// D += A B for one m16n8k16 step; A, B in bf16 or f16, D in f32.
template <class T>
__device__ __forceinline__ void mma16816(float (&d)[4], uint32_t a0,
                                         uint32_t a1, uint32_t a2, uint32_t a3,
                                         uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same<T, __nv_bfloat16>::value)
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

template <class T, bool GATED, class Y>
__global__ void __launch_bounds__(kMmaWarps * 32)
    gemvMmaKernel(const T *__restrict__ x, const T *__restrict__ w,
                  const T *__restrict__ bias, Y *y, int64_t M, int64_t N,
                  int64_t K, int64_t ldy, int accumulate, int act) {
  // Per warp its 16x8 tile: [warp][row][batch].
  __shared__ float tile[kMmaWarps][kMmaRows][kMaxBatch];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, c = lane & 3;
  // The block's rows: 16 outputs, or 8 gated outputs (gate rows, then the
  // matching up rows); past N, row N - 1 again (computed, discarded).
  constexpr int kOut = GATED ? kMmaRows / 2 : kMmaRows;
  const int64_t out0 = int64_t(blockIdx.x) * kOut;
  auto rowOf = [&](int r) {
    int64_t o = out0 + (GATED ? r % kOut : r);
    o = o < N ? o : N - 1;
    return w + (GATED && r >= kOut ? N + o : o) * K;
  };
  const T *wLo = rowOf(g) + 8 * c, *wHi = rowOf(g + 8) + 8 * c;
  const bool xRow = g < M;
  const T *xr = x + (xRow ? g : 0) * K + 8 * c;

  const int64_t chunks = K / kChunkK;
  uint4 lo[kInFlight], hi[kInFlight];
  auto loadW = [&](int64_t first) {
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int64_t j = first + int64_t(u) * kMmaWarps;
      if (j < chunks) {
        lo[u] = ldWeightPack(wLo + j * kChunkK);
        hi[u] = ldWeightPack(wHi + j * kChunkK);
      }
    }
  };
  int64_t j0 = warp;
  loadW(j0);
  gridWait();
  allowDependents();

  float d[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (; j0 < chunks; j0 += int64_t(kInFlight) * kMmaWarps) {
    uint4 xv[kInFlight], curLo[kInFlight], curHi[kInFlight];
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int64_t j = j0 + int64_t(u) * kMmaWarps;
      xv[u] = make_uint4(0, 0, 0, 0);
      if (j < chunks && xRow)
        xv[u] = *reinterpret_cast<const uint4 *>(xr + j * kChunkK);
      curLo[u] = lo[u];
      curHi[u] = hi[u];
    }
    loadW(j0 + int64_t(kInFlight) * kMmaWarps); // the next chunks' w
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      if (j0 + int64_t(u) * kMmaWarps >= chunks)
        break;
      mma16816<T>(d, curLo[u].x, curHi[u].x, curLo[u].y, curHi[u].y, xv[u].x,
                  xv[u].y);
      mma16816<T>(d, curLo[u].z, curHi[u].z, curLo[u].w, curHi[u].w, xv[u].z,
                  xv[u].w);
    }
  }
  // d: rows g and g + 8 of the block, batch rows 2c and 2c + 1.
  tile[warp][g][2 * c] = d[0];
  tile[warp][g][2 * c + 1] = d[1];
  tile[warp][g + 8][2 * c] = d[2];
  tile[warp][g + 8][2 * c + 1] = d[3];
  __syncthreads();
  const int t = threadIdx.x;
  if (t >= kOut * kMaxBatch)
    return;
  const int r = t / kMaxBatch, m = t % kMaxBatch;
  const int64_t n = out0 + r;
  if (m >= M || n >= N)
    return;
  float v = 0.0f, up = 0.0f;
#pragma unroll
  for (int i = 0; i < kMmaWarps; ++i) {
    v += tile[i][r][m];
    if (GATED)
      up += tile[i][r + kOut][m];
  }
  if (bias) {
    v += ld(bias + n);
    if (GATED)
      up += ld(bias + N + n);
  }
  Y *out = y + m * ldy + n;
  if (GATED) {
    st(out, activate(v, act) * up);
  } else {
    if (accumulate)
      v += ld(out);
    st(out, activate(v, act));
  }
}

template <class T, bool GATED, class Y>
void launchMma(OlmgContext *g, const void *x, const void *w, const void *bias,
               void *y, int64_t M, int64_t N, int64_t K, int64_t ldy,
               int32_t accumulate, int32_t act) {
  constexpr int kOut = GATED ? kMmaRows / 2 : kMmaRows;
  const unsigned blocks = unsigned((N + kOut - 1) / kOut);
  launchDependent(g, gemvMmaKernel<T, GATED, Y>, dim3(blocks),
                  dim3(kMmaWarps * 32), 0, static_cast<const T *>(x),
                  static_cast<const T *>(w), static_cast<const T *>(bias),
                  static_cast<Y *>(y), M, N, K, ldy, int(accumulate), int(act));
}

bool mmaApplies(OlmgContext *g, const void *x, const void *w, int64_t M,
                int64_t N, int64_t K) {
  return g->useGemvMma && g->dtype != DType::F32 && M >= 2 && M <= kMaxBatch &&
         N >= 1 && N <= int64_t(1) << 30 && K >= kChunkK && K % kChunkK == 0 &&
         aligned16({x, w});
}

} // namespace

namespace olmrt::cuda {

bool gemvMma(OlmgContext *g, const void *x, const void *w, const void *bias,
             void *y, int64_t M, int64_t N, int64_t K, int32_t accumulate,
             int32_t yF32, int32_t act, int64_t ldy) {
  if (!mmaApplies(g, x, w, M, N, K))
    return false;
  OLMG_DISPATCH(g->dtype, {
    if constexpr (sizeof(T) == 2) {
      if (yF32)
        launchMma<T, false, float>(g, x, w, bias, y, M, N, K, ldy, accumulate,
                                   act);
      else
        launchMma<T, false, T>(g, x, w, bias, y, M, N, K, ldy, accumulate, act);
    }
  });
  return true;
}

bool gemvMmaGated(OlmgContext *g, const void *x, const void *w,
                  const void *bias, void *out, int64_t M, int64_t H, int64_t K,
                  int32_t act) {
  if (!mmaApplies(g, x, w, M, H, K))
    return false;
  OLMG_DISPATCH(g->dtype, {
    if constexpr (sizeof(T) == 2)
      launchMma<T, true, T>(g, x, w, bias, out, M, H, K, H, 0, act);
  });
  return true;
}

} // namespace olmrt::cuda

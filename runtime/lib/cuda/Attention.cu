//===- Attention.cu - olmg_attention: self-attention over the KV cache ----===//
//
// The same function as olmk_attention (runtime/lib/cpu/Attention.cpp and
// HeadPrep.cpp), in up to three launches:
//  1. prep, one block per token: qk-norm and RoPE of the query heads into
//     `out` (scratch of exactly their shape, as on the CPU), of the key
//     heads into the K cache; values copied into the V cache.
//  2. decode (T == 1): split-KV. The keys of each (sequence, head) are cut
//     into chunks of kChunk; one warp per chunk computes a partial online
//     softmax (max, sum, unnormalised output) into scratch, and
//  3. a combine kernel merges the chunks.
//     Where the split grid is small and there is no qk-norm, decode skips
//     step 1: the split kernel prepares its query and the new key and
//     appends K/V itself (splitChunkVec, runAttention).
//     Prefill (T > 1), bf16/f16 with head_dim 64 or 128: FlashPrefill.cu
//     (mma.sync, cp.async); where step 1 takes its 16-byte path (no
//     qk-norm, rotate-half RoPE) the flash kernel reads the queries from
//     qkv and turns them itself, and step 1 writes only the cache.
//     Other multiples of 16 up to 128: flashPrefillKernel, FlashAttention-
//     style on the tensor cores (WMMA bf16/f16 products, float32
//     accumulation and online softmax, P rounded to the dtype for P V as
//     FlashAttention does); causal, window, softcap and GQA are all handled
//     in its score stage. Otherwise (f32, other head sizes) one warp per
//     query row streams its keys with an online softmax (attnRowsKernel).
//     No step 3 for prefill.
// Positions come from g->pos (the call's pos0 is ignored), so a decode
// step captured in a graph is right at any position: the grids are sized
// for max_seq and chunks past the last key exit at once.
//
//===----------------------------------------------------------------------===//

#include "AttentionConfig.cuh"

#include "olmrt/CpuKernels.h"

#include <cfloat>
#include <mma.h>
#include <type_traits>

using namespace olmrt::cuda;

namespace {

constexpr int kMaxHeadDim = 512;
constexpr int kChunk = 32; // keys per split-KV warp
constexpr int kWarps = 4;

/// The elements of rotary pair i of a head: 2i and 2i + 1 (interleaved),
/// else i and i + rot / 2.
struct RotaryPair {
  int a, b;
};
__device__ __forceinline__ RotaryPair rotaryPair(const AttnCfg &c, int i) {
  return c.interleaved ? RotaryPair{2 * i, 2 * i + 1}
                       : RotaryPair{i, i + c.rot / 2};
}

/// Elements (a, b) of a rotary pair turned by the angle whose cosine and
/// sine are cs and sn (HF's rotate-half and interleaved RoPE alike).
__device__ __forceinline__ float2 rotated(float a, float b, float cs,
                                          float sn) {
  return make_float2(a * cs - b * sn, b * cs + a * sn);
}

/// One head vector through qk-norm (if any) and RoPE (if rope), by one
/// warp, staged in `buf` (hd floats of shared memory), stored to dst.
template <class T>
__device__ void prepareHead(const AttnCfg &c, const T *src, T *dst, float *buf,
                            const T *normW, const T *normB, bool norm,
                            bool rope, int64_t pos) {
  int lane = threadIdx.x & 31;
  int hd = c.hd;
  for (int d = lane; d < hd; d += 32)
    buf[d] = ld(src + d);
  __syncwarp();
  if (norm && c.qkNorm == 1) {
    float s = 0.0f;
    for (int d = lane; d < hd; d += 32)
      s += buf[d] * buf[d];
    float meanSq = warpSum(s) / float(hd);
    float r = 1.0f / sqrtf(meanSq + c.eps);
    for (int d = lane; d < hd; d += 32) {
      float v = buf[d] * r;
      buf[d] = normW ? v * ld(normW + d) : v;
    }
  } else if (norm && c.qkNorm == 2) {
    float s = 0.0f;
    for (int d = lane; d < hd; d += 32)
      s += buf[d];
    float mean = warpSum(s) / float(hd);
    float v = 0.0f;
    for (int d = lane; d < hd; d += 32) {
      float dv = buf[d] - mean;
      v += dv * dv;
    }
    float rstd = 1.0f / sqrtf(warpSum(v) / float(hd) + c.eps);
    for (int d = lane; d < hd; d += 32) {
      float o = (buf[d] - mean) * rstd;
      if (normW)
        o *= ld(normW + d);
      if (normB)
        o += ld(normB + d);
      buf[d] = o;
    }
  }
  __syncwarp();
  if (rope && c.rot > 0) {
    float fpos = float(pos);
    int pairs = c.rot / 2;
    for (int i = lane; i < pairs; i += 32) {
      float angle = fpos * c.invFreq[i];
      float cs = cosf(angle), sn = sinf(angle);
      const RotaryPair p = rotaryPair(c, i);
      const float2 v = rotated(buf[p.a], buf[p.b], cs, sn);
      buf[p.a] = v.x;
      buf[p.b] = v.y;
    }
  }
  __syncwarp();
  for (int d = lane; d < hd; d += 32)
    st(dst + d, buf[d]);
  __syncwarp();
}

template <class T>
__global__ void prepKernel(AttnCfg c, const T *qkv, T *kCache, T *vCache,
                           T *out, int64_t T_, const int64_t *pos0,
                           const T *qNormW, const T *kNormW, const T *qNormB,
                           const T *kNormB) {
  gridWait();
  allowDependents();
  extern __shared__ float smem[];
  int warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  float *buf = smem + warp * c.hd;
  int64_t r = blockIdx.x; // b * T + t
  int64_t b = r / T_, t = r % T_;
  int64_t pos = *pos0 + t;
  int hd = c.hd;
  const T *row = qkv + r * int64_t(c.heads + 2 * c.kvHeads) * hd;
  int total = c.heads + 2 * c.kvHeads;
  for (int hh = warp; hh < total; hh += warps) {
    const T *src = row + int64_t(hh) * hd;
    if (hh < c.heads) {
      T *dst = out + (r * c.heads + hh) * hd;
      prepareHead(c, src, dst, buf, qNormW, qNormB, c.qkNorm != 0, true, pos);
    } else if (hh < c.heads + c.kvHeads) {
      int kh = hh - c.heads;
      T *dst = kCache + ((b * c.kvHeads + kh) * c.maxSeq + pos) * hd;
      prepareHead(c, src, dst, buf, kNormW, kNormB, c.qkNorm != 0, true, pos);
    } else {
      int vh = hh - c.heads - c.kvHeads;
      T *dst = vCache + ((b * c.kvHeads + vh) * c.maxSeq + pos) * hd;
      for (int d = threadIdx.x & 31; d < hd; d += 32)
        dst[d] = src[d];
    }
  }
}

/// Reads a device value before griddepcontrol.wait: from L2 (bypassing
/// L1, which is not coherent). Only for values whose writer is known to
/// have completed: see earlyPosition() and splitChunkVec().
template <class V> __device__ __forceinline__ V ldEarly(const V *p) {
  return __ldcg(p);
}
__device__ __forceinline__ int64_t ldEarly(const int64_t *p) {
  return int64_t(__ldcg(reinterpret_cast<const long long *>(p)));
}

/// The position as the block reads it before its wait (thread 0's read,
/// broadcast, so that every thread works with the same value). A guess:
/// the kernel that set the position may still be running when the prep
/// kernel starts (kernel_check sets it right before olmg_attention), so
/// the prep kernels read it again after the wait and redo what depends on
/// it if it differs.
__device__ __forceinline__ int64_t earlyPosition(const int64_t *pos0) {
  __shared__ int64_t guess;
  if (threadIdx.x == 0)
    guess = ldEarly(pos0);
  __syncthreads();
  return guess;
}

/// cos and sin of rotary pair i at `pos`: from the shared table made for
/// the position read before the wait when that was right (`exact`), else
/// computed here, the same expression as ropeAngles(). No barrier, so the
/// loads of q/k/v after the wait need not wait for the position's.
__device__ __forceinline__ void ropeAngle(const AttnCfg &c, bool exact,
                                          const float *cosS, const float *sinS,
                                          int64_t pos, int i, float &cs,
                                          float &sn) {
  if (exact) {
    cs = cosS[i];
    sn = sinS[i];
  } else {
    float angle = float(pos) * c.invFreq[i];
    cs = cosf(angle);
    sn = sinf(angle);
  }
}

/// The token's cos/sin of each rotary pair, once into shared memory for
/// every head of the token (prepRopeKernel, prepRopeVecKernel).
__device__ __forceinline__ void ropeAngles(const AttnCfg &c, int64_t pos,
                                           float *cosS, float *sinS) {
  const float fpos = float(pos);
  for (int i = threadIdx.x; i < c.rot / 2; i += blockDim.x) {
    float angle = fpos * c.invFreq[i];
    cosS[i] = cosf(angle);
    sinS[i] = sinf(angle);
  }
  __syncthreads();
}

/// A prep kernel's position (token t of the call) and the wait. The angles
/// need only the position, so they are computed into cosS/sinS before
/// gridWait(), beside the product that writes qkv, from the position read
/// there. In a decode step that read is right (the kernels between the one
/// that set the position and prep wait before they let their dependents
/// start); after the wait the position is read again: `exact` says whether
/// the table is for it, else ropeAngle() computes per element.
struct PrepPosition {
  int64_t pos;
  bool exact;
};
__device__ __forceinline__ PrepPosition waitWithAngles(const AttnCfg &c,
                                                       const int64_t *pos0,
                                                       int64_t t, float *cosS,
                                                       float *sinS) {
  const int64_t guess = earlyPosition(pos0) + t;
  ropeAngles(c, guess, cosS, sinS);
  gridWait();
  allowDependents();
  const int64_t pos = *pos0 + t;
  return {pos, pos == guess};
}

/// Where head hh of token row r (sequence b, position pos) of the packed
/// q/k/v goes: the prepared queries in `out`, keys and values into their
/// caches.
template <class T>
__device__ __forceinline__ T *prepDestination(const AttnCfg &c, int hh,
                                              int64_t r, int64_t b, int64_t pos,
                                              T *out, T *kCache, T *vCache) {
  if (hh < c.heads)
    return out + (r * c.heads + hh) * c.hd;
  if (hh < c.heads + c.kvHeads)
    return kCache + ((b * c.kvHeads + (hh - c.heads)) * c.maxSeq + pos) * c.hd;
  return vCache +
         ((b * c.kvHeads + (hh - c.heads - c.kvHeads)) * c.maxSeq + pos) * c.hd;
}

/// The prep step without qk-norm (the common case), one block per token
/// and one thread per pair of elements: item i of a query or key head is
/// rotary pair i (elements i and i + rot/2, or 2i and 2i + 1 when
/// interleaved) for i < rot/2, else elements 2i and 2i + 1 copied; value
/// heads are copied. All heads' items run side by side, where prepKernel
/// walks the heads one after the other per warp. The token's cos/sin of
/// each pair are computed once into shared memory and used by every head
/// (the same cosf/sinf of the same angle, so the values are unchanged):
/// per item they were most of the kernel's time.
template <class T>
__global__ void prepRopeKernel(const __grid_constant__ AttnCfg c, const T *qkv,
                               T *kCache, T *vCache, T *out, int64_t T_,
                               const int64_t *pos0) {
  __shared__ float cosS[kMaxRopePairs], sinS[kMaxRopePairs];
  int64_t r = blockIdx.x; // b * T + t
  int64_t b = r / T_, t = r % T_;
  const int hd = c.hd, half = hd / 2, pairs = c.rot / 2;
  const int heads = c.heads + 2 * c.kvHeads;
  const T *row = qkv + r * int64_t(heads) * hd;
  const auto [pos, exact] = waitWithAngles(c, pos0, t, cosS, sinS);
  for (int it = threadIdx.x; it < heads * half; it += blockDim.x) {
    int hh = it / half, i = it - hh * half;
    const T *src = row + int64_t(hh) * hd;
    T *dst = prepDestination(c, hh, r, b, pos, out, kCache, vCache);
    if (hh < c.heads + c.kvHeads && i < pairs) {
      const RotaryPair p = rotaryPair(c, i);
      float a = ld(src + p.a), bv = ld(src + p.b); // Before the branch.
      float cs, sn;
      ropeAngle(c, exact, cosS, sinS, pos, i, cs, sn);
      const float2 v = rotated(a, bv, cs, sn);
      st(dst + p.a, v.x);
      st(dst + p.b, v.y);
    } else {
      dst[2 * i] = src[2 * i];
      dst[2 * i + 1] = src[2 * i + 1];
    }
  }
}

/// prepRopeKernel for rotate-half RoPE over whole 16-byte pieces (rot / 2
/// a multiple of the piece, 16-byte aligned buffers): each thread makes
/// one 16-byte piece of the output from its piece and its rotation
/// partner's (the piece rot / 2 elements away), instead of one pair by
/// 2-byte loads: Llama's 8 x 512 prep moved 50 MB at 1.7 TB/s that way.
/// Heads before firstHead are skipped: c.heads where the flash kernel
/// turns the queries itself, and then `angles` receives the first
/// sequence's cos/sin, a float2 per (token, pair), for it to use.
template <class T>
__global__ void prepRopeVecKernel(const __grid_constant__ AttnCfg c,
                                  const T *qkv, T *kCache, T *vCache, T *out,
                                  int64_t T_, const int64_t *pos0,
                                  int firstHead, float2 *angles) {
  constexpr int kVec = 16 / sizeof(T);
  __shared__ float cosS[kMaxRopePairs], sinS[kMaxRopePairs];
  int64_t r = blockIdx.x; // b * T + t
  int64_t b = r / T_, t = r % T_;
  const int hd = c.hd, pairs = c.rot / 2, pieces = hd / kVec;
  const int heads = c.heads + 2 * c.kvHeads;
  const T *row = qkv + r * int64_t(heads) * hd;
  const auto [pos, exact] = waitWithAngles(c, pos0, t, cosS, sinS);
  // The first sequence's tokens record their angles for the flash kernel,
  // which turns the queries (flashQueriesFromQkv).
  if (angles && b == 0)
    for (int i = threadIdx.x; i < pairs; i += blockDim.x) {
      float cs, sn;
      ropeAngle(c, exact, cosS, sinS, pos, i, cs, sn);
      angles[t * pairs + i] = make_float2(cs, sn);
    }
  for (int it = threadIdx.x; it < (heads - firstHead) * pieces;
       it += blockDim.x) {
    int hh = firstHead + it / pieces, e0 = (it % pieces) * kVec;
    const T *src = row + int64_t(hh) * hd;
    T *dst = prepDestination(c, hh, r, b, pos, out, kCache, vCache);
    uint4 own = *reinterpret_cast<const uint4 *>(src + e0);
    if (hh < c.heads + c.kvHeads && e0 < 2 * pairs) {
      // First half: x cos - partner sin; second half: x cos + partner sin.
      bool first = e0 < pairs;
      int i0 = first ? e0 : e0 - pairs;
      uint4 other =
          *reinterpret_cast<const uint4 *>(src + (first ? e0 + pairs : i0));
      const T *x = reinterpret_cast<const T *>(&own);
      const T *y = reinterpret_cast<const T *>(&other);
      uint4 res;
      T *z = reinterpret_cast<T *>(&res);
      float sign = first ? -1.0f : 1.0f;
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        float cs, sn;
        ropeAngle(c, exact, cosS, sinS, pos, i0 + k, cs, sn);
        st(z + k, ropeElement(ld(x + k), ld(y + k), cs, sn, sign));
      }
      own = res;
    }
    *reinterpret_cast<uint4 *>(dst + e0) = own;
  }
}

/// q . k for one key row: 16-byte loads when the row allows (head_dim a
/// multiple of 16 bytes; the cache is 256-byte aligned and rows are
/// head_dim elements apart), else element by element.
template <class T>
__device__ __forceinline__ float dotRow(const float *qs, const T *kr, int hd) {
  constexpr int kVec = 16 / sizeof(T);
  float dot = 0.0f;
  if (hd % kVec == 0 && (reinterpret_cast<uintptr_t>(kr) & 15) == 0) {
    for (int d = 0; d < hd; d += kVec) {
      uint4 u = *reinterpret_cast<const uint4 *>(kr + d);
      const T *e = reinterpret_cast<const T *>(&u);
#pragma unroll
      for (int i = 0; i < kVec; ++i)
        dot += qs[d + i] * ld(e + i);
    }
    return dot;
  }
  for (int d = 0; d < hd; ++d)
    dot += qs[d] * ld(kr + d);
  return dot;
}

/// Online softmax over keys [lo, hi) of one (sequence, kv head) for the
/// query in qs (shared, hd floats), by one warp; o[] holds dims
/// lane + 32 i. Leaves the running max m, the sum l and the unnormalised
/// output.
template <class T, int MAXI>
__device__ void attendRange(const AttnCfg &c, const float *qs, const T *K,
                            const T *V, int64_t lo, int64_t hi, float &m,
                            float &l, float (&o)[MAXI]) {
  int lane = threadIdx.x & 31;
  int hd = c.hd;
  for (int64_t j0 = lo; j0 < hi; j0 += 32) {
    int64_t j = j0 + lane;
    float s = -INFINITY;
    if (j < hi)
      s = capScore(c, c.scale * dotRow(qs, K + j * hd, hd));
    float mNew = fmaxf(m, warpMax(s));
    float p = j < hi ? expf(s - mNew) : 0.0f;
    float corr = expf(m - mNew); // 0 while m is still -inf
    l = l * corr + warpSum(p);
#pragma unroll
    for (int i = 0; i < MAXI; ++i)
      o[i] *= corr;
    m = mNew;
    int nk = int(min(int64_t(32), hi - j0));
    for (int jj = 0; jj < nk; ++jj) {
      float pj = __shfl_sync(0xffffffffu, p, jj);
      const T *vr = V + (j0 + jj) * hd;
#pragma unroll
      for (int i = 0; i < MAXI; ++i) {
        int d = lane + 32 * i;
        if (d < hd)
          o[i] += pj * ld(vr + d);
      }
    }
  }
}

/// Prefill: one warp per query row (b, t, h); rows of one token's heads
/// share a block, so a GQA group's keys are read close together.
template <class T, int MAXI>
__global__ void attnRowsKernel(AttnCfg c, const T *kCache, const T *vCache,
                               T *out, int64_t B, int64_t T_,
                               const int64_t *pos0) {
  gridWait();
  allowDependents();
  extern __shared__ float smem[];
  int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  int64_t row = int64_t(blockIdx.x) * (blockDim.x >> 5) + warp;
  if (row >= B * T_ * c.heads)
    return;
  int hd = c.hd;
  float *qs = smem + warp * hd;
  int64_t h = row % c.heads, bt = row / c.heads;
  int64_t b = bt / T_, t = bt % T_;
  int64_t kvh = h / (c.heads / c.kvHeads);
  int64_t p0 = *pos0;
  KeyRange r = visible(c, p0 + t, p0 + T_);
  T *q = out + row * hd;
  for (int d = lane; d < hd; d += 32)
    qs[d] = ld(q + d);
  __syncwarp();
  const T *K = kCache + (b * c.kvHeads + kvh) * c.maxSeq * hd;
  const T *V = vCache + (b * c.kvHeads + kvh) * c.maxSeq * hd;
  float m = -INFINITY, l = 0.0f, o[MAXI];
#pragma unroll
  for (int i = 0; i < MAXI; ++i)
    o[i] = 0.0f;
  attendRange<T, MAXI>(c, qs, K, V, r.lo, r.hi, m, l, o);
  // Every query sees at least its own key (causal) or some key, so l > 0.
#pragma unroll
  for (int i = 0; i < MAXI; ++i) {
    int d = lane + 32 * i;
    if (d < hd)
      st(q + d, o[i] / l);
  }
}

/// x rounded to T, as it is after a store to and a load from a T buffer.
template <class T> __device__ __forceinline__ float roundedTo(float x) {
  if constexpr (std::is_same<T, __nv_bfloat16>::value)
    return __bfloat162float(__float2bfloat16_rn(x));
  else if constexpr (std::is_same<T, __half>::value)
    return __half2float(__float2half_rn(x));
  else
    return x;
}

/// Decode with the prep step inside (FUSED): one warp's query and the new
/// key of its kv head, from the packed q/k/v row, in qs and ks (shared,
/// HD floats each), rotated exactly as prepRopeVecKernel/prepRopeKernel do
/// (same expression, rounded to T as their stores round), so that the
/// scores are those of the three-launch path; cosS/sinS hold the angles
/// of the position (ropeAngles).
template <class T, int HD>
__device__ __forceinline__ void
prepareQueryKey(const AttnCfg &c, const T *qRaw, const T *kRaw, bool withKey,
                const float *cosS, const float *sinS, float *qs, float *ks) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int d = lane; d < HD; d += 32) {
    qs[d] = ld(qRaw + d);
    if (withKey)
      ks[d] = ld(kRaw + d);
  }
  __syncwarp();
  for (int i = lane; i < c.rot / 2; i += 32) {
    const RotaryPair p = rotaryPair(c, i);
    const float cs = cosS[i], sn = sinS[i];
    const float2 q = rotated(qs[p.a], qs[p.b], cs, sn);
    qs[p.a] = roundedTo<T>(q.x);
    qs[p.b] = roundedTo<T>(q.y);
    if (withKey) {
      const float2 k = rotated(ks[p.a], ks[p.b], cs, sn);
      ks[p.a] = roundedTo<T>(k.x);
      ks[p.b] = roundedTo<T>(k.y);
    }
  }
  __syncwarp();
}

/// The vectorised split kernels' loads of a chunk [lo, hi) (bf16/f16, head
/// dim HD): lane j - lo holds key row j as HD/8 16-byte packs, and every
/// lane holds its HD/32 dims of each of the chunk's V rows (ChunkDims).
template <int HD>
using ChunkDims =
    typename std::conditional<HD / 32 == 2, uint32_t, uint2>::type;

/// Before gridWait(): the rows older than pos (earlier steps wrote them;
/// see splitChunkVec for why that is safe), through L2.
template <class T, int HD>
__device__ __forceinline__ void
loadChunkEarly(const T *K, const T *V, int64_t lo, int64_t hi, int64_t pos,
               int lane, uint4 (&kv)[HD / 8], ChunkDims<HD> (&vv)[kChunk]) {
  const int64_t j = lo + lane;
  if (j < hi && j != pos) {
    const uint4 *kr = reinterpret_cast<const uint4 *>(K + j * HD);
#pragma unroll
    for (int v = 0; v < HD / 8; ++v)
      kv[v] = ldEarly(kr + v);
  }
  const T *vBase = V + lo * HD + lane * (HD / 32);
#pragma unroll
  for (int u = 0; u < kChunk; ++u)
    if (lo + u < hi && lo + u != pos)
      vv[u] = ldEarly(reinterpret_cast<const ChunkDims<HD> *>(vBase + u * HD));
}

/// After gridWait(): key row j (the new one, which prep appended).
template <class T, int HD>
__device__ __forceinline__ void loadKeyRow(const T *K, int64_t j,
                                           uint4 (&kv)[HD / 8]) {
  const uint4 *kr = reinterpret_cast<const uint4 *>(K + j * HD);
#pragma unroll
  for (int v = 0; v < HD / 8; ++v)
    kv[v] = kr[v];
}

/// After gridWait(): the new value row vNew into the chunk's slot for pos,
/// where the chunk holds it.
template <class T, int HD>
__device__ __forceinline__ void takeNewValue(const T *vNew, int64_t lo,
                                             int64_t hi, int64_t pos, int lane,
                                             ChunkDims<HD> (&vv)[kChunk]) {
#pragma unroll
  for (int u = 0; u < kChunk; ++u)
    if (lo + u < hi && lo + u == pos)
      vv[u] = *reinterpret_cast<const ChunkDims<HD> *>(vNew + lane * (HD / 32));
}

/// Decode, step 2, for a bf16/f16 cache with head_dim HD (64 or 128): one
/// warp's chunk of at most kChunk keys. Every lane issues its key row's
/// HD/8 16-byte loads at once, and the chunk's V rows (each lane owns HD/32
/// adjacent dims: o[i] is dim lane * HD/32 + i) are all in flight beside
/// them, so the chunk costs one memory round trip, not a chain of them
/// (attendRange's one load at a time took ~21 us a GPT-2 layer on an H200
/// under ncu; V rows 8 keys at a time, version 5 to 8, four round trips).
///
/// The keys and values before the current position were appended by
/// earlier steps, so they are loaded before gridWait(), beside the
/// predecessor, and so is g->pos. The rule that makes a read before the
/// wait safe: between the writer and the reader there is a kernel that
/// calls griddepcontrol.wait before griddepcontrol.launch_dependents on
/// every path (or one launched without programmatic dependent launch);
/// this grid starts only once its predecessor has passed its wait, so
/// everything before that predecessor has completed. (Those writes are in
/// L2; the early loads bypass L1, ldEarly.)
///
/// Without FUSED the prep kernel runs right before this one and is that
/// kernel: it is launched after whatever set the position and appended
/// the older rows. The query and the new key and value, which prep
/// writes, are read after the wait.
///
/// With FUSED (no qk-norm; runAttention) there is no prep kernel: this
/// kernel reads the packed q/k/v row after the wait, rotates the query and
/// the new key itself (prepareQueryKey), scores the new key with a
/// warp-wide dot product, and the warp whose chunk holds the position
/// appends the key and value to the caches (one query head of each GQA
/// group). Older rows were appended by this kernel in earlier steps or by
/// a prefill's prep, and between those and this grid are the step's other
/// kernels (in a decode step, at least the q/k/v product, which waits
/// before it lets dependents start; after a decode call, the combine
/// kernel, which does too). The position's writer must not be this grid's
/// direct predecessor, which prep guaranteed: the position kernels let
/// dependents start before they store, and kernel_check sets the position
/// right before the call. The host keeps that rule
/// (OlmgContext::positionJustSet: right after a position kernel, the
/// call takes the path with prep).
template <class T, int HD, bool FUSED>
__device__ void splitChunkVec(const AttnCfg &c, T *kCache, T *vCache,
                              const T *qkv, const T *out, float *scratch,
                              int64_t splits, const int64_t *pos0, float *qs,
                              float *ks, float *cosS, float *sinS) {
  constexpr int kPacks = HD / 8, kDims = HD / 32;
  using Dims = ChunkDims<HD>;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t s = int64_t(blockIdx.y) * (blockDim.x >> 5) + warp;
  const int64_t row = blockIdx.x; // b * heads + h (T == 1)
  const int64_t h = row % c.heads, b = row / c.heads;
  const int group = c.heads / c.kvHeads;
  const int64_t kvh = h / group;
  T *K = kCache + (b * c.kvHeads + kvh) * c.maxSeq * HD;
  T *V = vCache + (b * c.kvHeads + kvh) * c.maxSeq * HD;
  const int64_t pos = ldEarly(pos0);
  if (FUSED && c.rot > 0) // The angles, block-wide, before the wait.
    ropeAngles(c, pos, cosS, sinS);
  const KeyRange r = visible(c, pos, pos + 1);
  const int64_t lo = max(r.lo, s * kChunk), hi = min(r.hi, (s + 1) * kChunk);
  const bool any = s < splits && lo < hi; // Else past the last key.
  const int64_t j = lo + lane;
  uint4 kv[kPacks];
  Dims vv[kChunk];
  if (any)
    loadChunkEarly<T, HD>(K, V, lo, hi, pos, lane, kv, vv);
  gridWait();
  allowDependents();
  if (!any)
    return;
  const bool newHere = lo <= pos && pos < hi; // This chunk holds the new key.
  const T *vNew;
  float dotNew = 0.0f;
  if (FUSED) {
    const T *src = qkv + b * int64_t(c.heads + 2 * c.kvHeads) * HD;
    const T *kRaw = src + (c.heads + kvh) * HD;
    vNew = src + (c.heads + c.kvHeads + kvh) * HD;
    prepareQueryKey<T, HD>(c, src + h * HD, kRaw, newHere, cosS, sinS, qs, ks);
    if (newHere) {
      float part = 0.0f;
#pragma unroll
      for (int d = lane; d < HD; d += 32)
        part += qs[d] * ks[d];
      dotNew = warpSum(part);
      if (h % group == 0) { // The append, once per kv head.
#pragma unroll
        for (int d = lane; d < HD; d += 32)
          st(K + pos * HD + d, ks[d]);
        *reinterpret_cast<Dims *>(V + pos * HD + lane * kDims) =
            *reinterpret_cast<const Dims *>(vNew + lane * kDims);
      }
    }
  } else {
    vNew = V + pos * HD;
    const T *q = out + row * HD;
    for (int d = lane; d < HD; d += 32)
      qs[d] = ld(q + d);
    if (j < hi && j == pos)
      loadKeyRow<T, HD>(K, j, kv);
    __syncwarp();
  }
  takeNewValue<T, HD>(vNew, lo, hi, pos, lane, vv);

  float sc = -INFINITY;
  if (j < hi) {
    float dot = dotNew;
    if (!FUSED || j != pos) {
      dot = 0.0f;
#pragma unroll
      for (int v = 0; v < kPacks; ++v) {
        const T *e = reinterpret_cast<const T *>(&kv[v]);
#pragma unroll
        for (int i = 0; i < 8; ++i)
          dot += qs[v * 8 + i] * ld(e + i);
      }
    }
    sc = capScore(c, c.scale * dot);
  }
  const float m = warpMax(sc);
  const float p = j < hi ? expf(sc - m) : 0.0f;
  const float l = warpSum(p);
  float o[kDims] = {};
#pragma unroll
  for (int u = 0; u < kChunk; ++u) {
    float pj = __shfl_sync(0xffffffffu, p, u);
    if (lo + u < hi) {
      const T *e = reinterpret_cast<const T *>(&vv[u]);
#pragma unroll
      for (int i = 0; i < kDims; ++i)
        o[i] += pj * ld(e + i);
    }
  }
  float *part = scratch + (row * splits + s) * (HD + 2);
#pragma unroll
  for (int i = 0; i < kDims; ++i)
    part[2 + lane * kDims + i] = o[i];
  if (lane == 0) {
    part[0] = m;
    part[1] = l;
  }
}

/// Decode, step 2, for GQA (G query heads a kv head, G > 1), bf16/f16,
/// head_dim HD (64 or 128): grid (B * kvHeads, ceil(splits / kWarps)), warp
/// w of block y takes chunk s = y * kWarps + w for all G query heads of
/// its kv head. The chunk's keys and values are loaded once, where the
/// per-head kernel (splitChunkVec) loads them once a query head, and the
/// grid has G times fewer blocks. Early loads, the FUSED prep and the
/// partials' layout (per query head, so the combine is unchanged) are as
/// in splitChunkVec; see its comment for why the early reads are safe.
/// Shared memory: (G + 1) * HD floats a warp (the queries, the new key).
template <class T, int HD, int G, bool FUSED>
__global__ void attnSplitGroupKernel(const __grid_constant__ AttnCfg c,
                                     T *kCache, T *vCache, const T *qkv,
                                     const T *out, float *scratch,
                                     int64_t splits, const int64_t *pos0) {
  constexpr int kPacks = HD / 8, kDims = HD / 32;
  using Dims = ChunkDims<HD>;
  extern __shared__ float smem[];
  __shared__ float cosS[FUSED ? kMaxRopePairs : 1],
      sinS[FUSED ? kMaxRopePairs : 1];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float *qs = smem + warp * (G + 1) * HD; // query head i at qs + i * HD
  float *ks = qs + G * HD;
  const int64_t s = int64_t(blockIdx.y) * (blockDim.x >> 5) + warp;
  const int64_t kvRow = blockIdx.x; // b * kvHeads + kvh
  const int64_t kvh = kvRow % c.kvHeads, b = kvRow / c.kvHeads;
  const int64_t h0 = kvh * G; // the first of its query heads
  T *K = kCache + kvRow * c.maxSeq * HD;
  T *V = vCache + kvRow * c.maxSeq * HD;
  const int64_t pos = ldEarly(pos0);
  if (FUSED && c.rot > 0) // The angles, block-wide, before the wait.
    ropeAngles(c, pos, cosS, sinS);
  const KeyRange r = visible(c, pos, pos + 1);
  const int64_t lo = max(r.lo, s * kChunk), hi = min(r.hi, (s + 1) * kChunk);
  const bool any = s < splits && lo < hi; // Else past the last key.
  const int64_t j = lo + lane;
  uint4 kv[kPacks];
  Dims vv[kChunk];
  if (any)
    loadChunkEarly<T, HD>(K, V, lo, hi, pos, lane, kv, vv);
  gridWait();
  allowDependents();
  if (!any)
    return;
  const bool newHere = lo <= pos && pos < hi; // This chunk holds the new key.
  const T *vNew;
  float dotNew[G];
  if (FUSED) {
    const T *src = qkv + b * int64_t(c.heads + 2 * c.kvHeads) * HD;
    vNew = src + (c.heads + c.kvHeads + kvh) * HD;
#pragma unroll
    for (int i = 0; i < G; ++i)
      for (int d = lane; d < HD; d += 32)
        qs[i * HD + d] = ld(src + (h0 + i) * HD + d);
    if (newHere)
      for (int d = lane; d < HD; d += 32)
        ks[d] = ld(src + (c.heads + kvh) * HD + d);
    __syncwarp();
    for (int i = lane; i < c.rot / 2; i += 32) {
      const RotaryPair p = rotaryPair(c, i);
      const float cs = cosS[i], sn = sinS[i];
#pragma unroll
      for (int q = 0; q <= G; ++q) { // G queries, then the new key
        if (q == G && !newHere)
          break;
        float *x = qs + q * HD; // q == G: ks
        const float2 v = rotated(x[p.a], x[p.b], cs, sn);
        x[p.a] = roundedTo<T>(v.x);
        x[p.b] = roundedTo<T>(v.y);
      }
    }
    __syncwarp();
    if (newHere) {
#pragma unroll
      for (int i = 0; i < G; ++i) {
        float part = 0.0f;
        for (int d = lane; d < HD; d += 32)
          part += qs[i * HD + d] * ks[d];
        dotNew[i] = warpSum(part);
      }
      // The append: this warp is the only one of the grid on this chunk
      // and kv head.
      for (int d = lane; d < HD; d += 32)
        st(K + pos * HD + d, ks[d]);
      *reinterpret_cast<Dims *>(V + pos * HD + lane * kDims) =
          *reinterpret_cast<const Dims *>(vNew + lane * kDims);
    }
  } else {
    vNew = V + pos * HD;
#pragma unroll
    for (int i = 0; i < G; ++i)
      for (int d = lane; d < HD; d += 32)
        qs[i * HD + d] = ld(out + (b * c.heads + h0 + i) * HD + d);
    if (j < hi && j == pos)
      loadKeyRow<T, HD>(K, j, kv);
    __syncwarp();
  }
  takeNewValue<T, HD>(vNew, lo, hi, pos, lane, vv);

  float sc[G];
#pragma unroll
  for (int i = 0; i < G; ++i)
    sc[i] = 0.0f;
  if (j < hi && !(FUSED && j == pos)) {
#pragma unroll
    for (int v = 0; v < kPacks; ++v) {
      const T *e = reinterpret_cast<const T *>(&kv[v]);
#pragma unroll
      for (int k = 0; k < 8; ++k) {
        const float kf = ld(e + k);
#pragma unroll
        for (int i = 0; i < G; ++i)
          sc[i] += qs[i * HD + v * 8 + k] * kf;
      }
    }
  }
  float p[G], l[G], m[G];
#pragma unroll
  for (int i = 0; i < G; ++i) {
    const float dot = FUSED && j == pos ? dotNew[i] : sc[i];
    const float score = j < hi ? capScore(c, c.scale * dot) : -INFINITY;
    m[i] = warpMax(score);
    p[i] = j < hi ? expf(score - m[i]) : 0.0f;
    l[i] = warpSum(p[i]);
  }
  float o[G][kDims] = {};
#pragma unroll
  for (int u = 0; u < kChunk; ++u) {
    if (lo + u < hi) { // Warp-uniform.
      const T *e = reinterpret_cast<const T *>(&vv[u]);
#pragma unroll
      for (int i = 0; i < G; ++i) {
        const float pj = __shfl_sync(0xffffffffu, p[i], u);
#pragma unroll
        for (int d = 0; d < kDims; ++d)
          o[i][d] += pj * ld(e + d);
      }
    }
  }
#pragma unroll
  for (int i = 0; i < G; ++i) {
    float *part = scratch + ((b * c.heads + h0 + i) * splits + s) * (HD + 2);
#pragma unroll
    for (int d = 0; d < kDims; ++d)
      part[2 + lane * kDims + d] = o[i][d];
    if (lane == 0) {
      part[0] = m[i];
      part[1] = l[i];
    }
  }
}

/// Decode, step 2: grid (B * heads, ceil(splits / kWarps)); warp w of
/// block y takes chunk s = y * kWarps + w of kChunk keys. Partial (m, l,
/// o[hd]) of chunk s of row r at scratch[(r * splits + s) * (hd + 2)].
/// FUSED (HD > 0 only): the prep step is inside, see splitChunkVec; qkv is
/// the packed row, else unused.
template <class T, int MAXI, int HD, bool FUSED>
__global__ void attnSplitKernel(const __grid_constant__ AttnCfg c, T *kCache,
                                T *vCache, const T *qkv, const T *out,
                                float *scratch, int64_t splits,
                                const int64_t *pos0) {
  extern __shared__ float smem[];
  int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if constexpr (HD > 0 && sizeof(T) == 2) {
    __shared__ float cosS[FUSED ? kMaxRopePairs : 1],
        sinS[FUSED ? kMaxRopePairs : 1];
    const int warps = blockDim.x >> 5;
    splitChunkVec<T, HD, FUSED>(c, kCache, vCache, qkv, out, scratch, splits,
                                pos0, smem + warp * HD,
                                smem + (warps + warp) * HD, cosS, sinS);
    return;
  }
  gridWait();
  allowDependents();
  int64_t s = int64_t(blockIdx.y) * (blockDim.x >> 5) + warp;
  int64_t row = blockIdx.x; // b * heads + h (T == 1)
  int64_t pos = *pos0;
  KeyRange r = visible(c, pos, pos + 1);
  int64_t lo = max(r.lo, s * kChunk), hi = min(r.hi, (s + 1) * kChunk);
  if (s >= splits || lo >= hi)
    return; // Past the last key (or before the window): nothing to do.
  int hd = c.hd;
  float *qs = smem + warp * hd;
  int64_t h = row % c.heads, b = row / c.heads;
  int64_t kvh = h / (c.heads / c.kvHeads);
  const T *q = out + row * hd;
  for (int d = lane; d < hd; d += 32)
    qs[d] = ld(q + d);
  __syncwarp();
  const T *K = kCache + (b * c.kvHeads + kvh) * c.maxSeq * hd;
  const T *V = vCache + (b * c.kvHeads + kvh) * c.maxSeq * hd;
  float *part = scratch + (row * splits + s) * (hd + 2);
  float m = -INFINITY, l = 0.0f;
  float o[MAXI];
#pragma unroll
  for (int i = 0; i < MAXI; ++i)
    o[i] = 0.0f;
  attendRange<T, MAXI>(c, qs, K, V, lo, hi, m, l, o);
#pragma unroll
  for (int i = 0; i < MAXI; ++i) {
    int d = lane + 32 * i;
    if (d < hd)
      part[2 + d] = o[i];
  }
  if (lane == 0) {
    part[0] = m;
    part[1] = l;
  }
}

/// Decode, step 3: one block per row merges the chunks that had keys.
/// Every warp finds the row's max and sum itself, one chunk a lane (no
/// block barrier), and each dim's sum over the chunks is read 8 chunks at
/// a time, so a few hundred positions cost two or three round trips, not
/// one a chunk.
template <class T>
__global__ void attnCombineKernel(AttnCfg c, T *out, const float *scratch,
                                  int64_t splits, const int64_t *pos0) {
  gridWait();
  allowDependents();
  const int lane = threadIdx.x & 31;
  const int64_t row = blockIdx.x;
  const int64_t pos = *pos0;
  const KeyRange r = visible(c, pos, pos + 1);
  const int64_t s0 = r.lo / kChunk, s1 = (r.hi - 1) / kChunk; // inclusive
  const int hd = c.hd;
  const float *base = scratch + row * splits * (hd + 2);
  float mi = -INFINITY;
  for (int64_t s = s0 + lane; s <= s1; s += 32)
    mi = fmaxf(mi, base[s * (hd + 2)]);
  const float m = warpMax(mi);
  float li = 0.0f;
  for (int64_t s = s0 + lane; s <= s1; s += 32) {
    const float *part = base + s * (hd + 2);
    li += part[1] * expf(part[0] - m);
  }
  const float l = warpSum(li);
  constexpr int kBatch = 8;
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    float acc = 0.0f;
    for (int64_t s = s0; s <= s1; s += kBatch) {
      // The batch's loads first (past s1: chunk s1 again, not added).
      float v[kBatch], ms[kBatch];
#pragma unroll
      for (int u = 0; u < kBatch; ++u) {
        const float *part = base + min(s + u, s1) * (hd + 2);
        ms[u] = part[0];
        v[u] = part[2 + d];
      }
#pragma unroll
      for (int u = 0; u < kBatch; ++u)
        if (s + u <= s1)
          acc += v[u] * expf(ms[u] - m);
    }
    st(out + row * hd + d, acc / l);
  }
}

// ------------------------------------------------------------ flash prefill

constexpr int kFlashRows = 64;       // query rows per block: 4 warps x 16
constexpr int kFlashKeys = 64;       // keys per tile
constexpr int kSLd = kFlashKeys + 4; // float scores, row stride
constexpr int kPLd = kFlashKeys + 8; // probabilities (dtype), row stride

__host__ __device__ constexpr size_t align32(size_t n) {
  return (n + 31) / 32 * 32;
}

/// Shared memory layout of flashPrefillKernel for head size hd (bytes).
struct FlashSmem {
  int ldh, ldo;
  size_t q, k, v, s, p, o, ml, total;
  __host__ __device__ explicit FlashSmem(int hd) {
    ldh = hd + 8; // dtype elements; keeps 32-byte fragment alignment
    ldo = hd + 4; // floats
    size_t tile = align32(size_t(kFlashRows) * ldh * 2);
    q = 0;
    k = q + tile;
    v = k + tile;
    s = v + tile;
    p = s + align32(size_t(kWarps) * 16 * kSLd * 4);
    o = p + align32(size_t(kWarps) * 16 * kPLd * 2);
    ml = o + align32(size_t(kWarps) * 16 * ldo * 4);
    total = ml + size_t(kWarps) * 16 * 2 * 4;
  }
};

template <class T>
__device__ void loadTile(T *dst, int ldh, const T *src, int64_t srcStride,
                         int rows, int hd, bool vec) {
  // rows valid rows of hd elements; the rest of the 64 are zeroed.
  int chunks = hd / 8; // 8 elements = 16 bytes
  for (int i = threadIdx.x; i < kFlashRows * chunks; i += blockDim.x) {
    int r = i / chunks, c = (i % chunks) * 8;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (r < rows) {
      const T *p = src + r * srcStride + c;
      if (vec) {
        v = *reinterpret_cast<const uint4 *>(p);
      } else {
        T tmp[8];
        for (int e = 0; e < 8; ++e)
          tmp[e] = p[e];
        memcpy(&v, tmp, 16);
      }
    }
    *reinterpret_cast<uint4 *>(dst + r * ldh + c) = v;
  }
}

/// grid (ceil(T / 64), B * heads), 128 threads. Queries come from `out`
/// (prepared by prepKernel) and the results go back over them.
template <class T>
__global__ void __launch_bounds__(128)
    flashPrefillKernel(AttnCfg c, const T *kCache, const T *vCache, T *out,
                       int64_t T_, const int64_t *pos0, bool vec) {
  using namespace nvcuda;
  extern __shared__ __align__(128) unsigned char flashSmem[];
  unsigned char *smem = flashSmem;
  const int hd = c.hd;
  FlashSmem L(hd);
  T *Qs = reinterpret_cast<T *>(smem + L.q);
  T *Ks = reinterpret_cast<T *>(smem + L.k);
  T *Vs = reinterpret_cast<T *>(smem + L.v);
  int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float *Sw = reinterpret_cast<float *>(smem + L.s) + warp * 16 * kSLd;
  T *Pw = reinterpret_cast<T *>(smem + L.p) + warp * 16 * kPLd;
  float *Ow = reinterpret_cast<float *>(smem + L.o) + warp * 16 * L.ldo;
  float *Mw = reinterpret_cast<float *>(smem + L.ml) + warp * 32;
  float *Lw = Mw + 16;

  int64_t h = blockIdx.y % c.heads, b = blockIdx.y / c.heads;
  int64_t kvh = h / (c.heads / c.kvHeads);
  int64_t t0 = int64_t(blockIdx.x) * kFlashRows;
  int64_t p0 = *pos0;
  int64_t keyEnd = p0 + T_;
  int qRows = int(min(int64_t(kFlashRows), T_ - t0));
  int64_t qStride = int64_t(c.heads) * hd;
  T *qBase = out + (b * T_ + t0) * qStride + h * hd;
  loadTile(Qs, L.ldh, qBase, qStride, qRows, hd, vec);
  for (int i = lane; i < 16 * L.ldo; i += 32)
    Ow[i] = 0.0f;
  if (lane < 16) {
    Mw[lane] = -INFINITY;
    Lw[lane] = 0.0f;
  }
  const T *K = kCache + (b * c.kvHeads + kvh) * c.maxSeq * hd;
  const T *V = vCache + (b * c.kvHeads + kvh) * c.maxSeq * hd;
  // Keys any row of this tile can see.
  int64_t last = p0 + t0 + qRows - 1;
  int64_t kLo = c.window > 0 ? max(int64_t(0), p0 + t0 - c.window + 1) : 0;
  int64_t kHi = c.causal ? last + 1 : keyEnd;

  for (int64_t kt = kLo / kFlashKeys * kFlashKeys; kt < kHi; kt += kFlashKeys) {
    __syncthreads(); // The previous tile's K and V are no longer read.
    int kRows = int(min(int64_t(kFlashKeys), keyEnd - kt));
    loadTile(Ks, L.ldh, K + kt * hd, hd, kRows, hd, vec);
    loadTile(Vs, L.ldh, V + kt * hd, hd, kRows, hd, vec);
    __syncthreads();

    // S = Q K^T for this warp's 16 rows.
    for (int n = 0; n < kFlashKeys / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.0f);
      for (int k = 0; k < hd / 16; ++k) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> bf;
        wmma::load_matrix_sync(a, Qs + warp * 16 * L.ldh + k * 16, L.ldh);
        wmma::load_matrix_sync(bf, Ks + n * 16 * L.ldh + k * 16, L.ldh);
        wmma::mma_sync(acc, a, bf, acc);
      }
      wmma::store_matrix_sync(Sw + n * 16, acc, kSLd, wmma::mem_row_major);
    }
    __syncwarp();

    // Online softmax: lanes 2r and 2r + 1 own row r, 32 keys each.
    {
      int r = lane >> 1, half = lane & 1;
      int64_t t = t0 + warp * 16 + r;
      bool valid = t < T_;
      KeyRange vis = visible(c, p0 + t, keyEnd);
      float *srow = Sw + r * kSLd + half * 32;
      T *prow = Pw + r * kPLd + half * 32;
      float rowMax = -INFINITY;
      for (int i = 0; i < 32; ++i) {
        int64_t j = kt + half * 32 + i;
        float v = capScore(c, c.scale * srow[i]);
        v = (valid && j >= vis.lo && j < vis.hi) ? v : -INFINITY;
        srow[i] = v;
        rowMax = fmaxf(rowMax, v);
      }
      rowMax = fmaxf(rowMax, __shfl_xor_sync(0xffffffffu, rowMax, 1));
      float mOld = Mw[r];
      float mNew = fmaxf(mOld, rowMax);
      float corr = 1.0f, sum = 0.0f;
      if (mNew != -INFINITY) {
        // P V uses P rounded to the dtype (as FlashAttention); the sum l
        // keeps the float values.
        for (int i = 0; i < 32; ++i) {
          float pv = expf(srow[i] - mNew);
          sum += pv;
          prow[i] = T(pv);
        }
        corr = expf(mOld - mNew);
      } else {
        for (int i = 0; i < 32; ++i)
          prow[i] = T(0.0f);
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      __syncwarp();
      if (half == 0) {
        Mw[r] = mNew;
        Lw[r] = Lw[r] * corr + sum;
      }
      if (corr != 1.0f)
        for (int d = half; d < hd; d += 2)
          Ow[r * L.ldo + d] *= corr;
    }
    __syncwarp();

    // O += P V.
    for (int n = 0; n < hd / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::load_matrix_sync(acc, Ow + n * 16, L.ldo, wmma::mem_row_major);
      for (int k = 0; k < kFlashKeys / 16; ++k) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> bf;
        wmma::load_matrix_sync(a, Pw + k * 16, kPLd);
        wmma::load_matrix_sync(bf, Vs + k * 16 * L.ldh + n * 16, L.ldh);
        wmma::mma_sync(acc, a, bf, acc);
      }
      wmma::store_matrix_sync(Ow + n * 16, acc, L.ldo, wmma::mem_row_major);
    }
    __syncwarp();
  }

  for (int r = 0; r < 16; ++r) {
    int64_t t = t0 + warp * 16 + r;
    if (t >= T_)
      break;
    float inv = 1.0f / Lw[r];
    T *q = out + (b * T_ + t) * qStride + h * hd;
    for (int d = lane; d < hd; d += 32)
      st(q + d, Ow[r * L.ldo + d] * inv);
  }
}

template <class T>
bool flashPrefill(OlmgContext *g, const AttnCfg &c, const T *kc, const T *vc,
                  T *out, int64_t B, int64_t T_, const T *qkv,
                  const float2 *angles) {
  if constexpr (std::is_same<T, float>::value) {
    return false;
  } else {
    if (launchFlashPrefillMma<T>(g, c, kc, vc, out, B, T_, qkv, angles))
      return true;
    if (qkv) { // runAttention asked flashQueriesFromQkv first
      g->noteError("olmg_attention: prefill's queries were left unprepared "
                   "for a flash kernel that did not launch");
      return true;
    }
    if (c.hd % 16 || c.hd > 128)
      return false;
    FlashSmem L(c.hd);
    static size_t configured = 0;
    if (L.total > configured) {
      if (cudaFuncSetAttribute(flashPrefillKernel<T>,
                               cudaFuncAttributeMaxDynamicSharedMemorySize,
                               int(L.total)) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
      }
      configured = L.total;
    }
    bool vec = aligned16({kc, vc, out});
    dim3 grid(unsigned((T_ + kFlashRows - 1) / kFlashRows),
              unsigned(B * c.heads));
    flashPrefillKernel<T><<<grid, kWarps * 32, L.total, g->stream>>>(
        c, kc, vc, out, T_, g->pos, vec);
    g->noteLaunch("olmg_attention (flash prefill)");
    return true;
  }
}

/// Does decode take attnSplitGroupKernel (GQA with a group size it is
/// built for, on the 16-bit vectorised path)? By default only where the
/// per-head grid would be large, more than 6 blocks a multiprocessor: a
/// rule fitted to what was measured (H200, 132 SMs, bench/NOTES.md
/// version 11). Grouped against per head, Llama-3.2-1B at max_seq 640:
/// batch 1 (160 per-head blocks) -3.5% tok/s (-8% with prep inside),
/// batch 2 (320) -1.6%, batch 4 (640) -0.7%, batch 8 (1280) +1.6%, batch
/// 32 (5120) +17%; Qwen2.5-0.5B batch 1 (70) -12%; the q/k/v product and
/// attention timed as a pair at 2000 positions (1024 blocks) -10% time.
/// OlmgContext::splitGrouped forces either way.
template <class T>
bool groupedSplit(const OlmgContext *g, const AttnCfg &c,
                  int64_t perHeadBlocks) {
  const int group = c.heads / c.kvHeads;
  const bool eligible = sizeof(T) == 2 && (c.hd == 64 || c.hd == 128) &&
                        c.heads % c.kvHeads == 0 &&
                        (group == 2 || group == 4 || group == 7 || group == 8);
  if (!eligible || g->splitGrouped == 0)
    return false;
  return g->splitGrouped == 1 || perHeadBlocks > 6 * int64_t(g->smCount);
}

/// Decode's split-KV grid for B sequences: a row per (sequence, query
/// head), or per (sequence, kv head) where the grouped kernel runs
/// (groupedSplit), a block per kWarps chunks of kChunk keys over max_seq.
/// The partials are per query head either way (splits a row of B * heads).
struct SplitGrid {
  int64_t splits; // chunks a row
  bool grouped;   // attnSplitGroupKernel's grid: a row per kv head
  dim3 grid;
  int64_t blocks() const { return int64_t(grid.x) * grid.y; }
};
/// Chunks of kChunk keys a row of the split grid: max_seq's, whatever the
/// position (see the file comment).
int64_t splitsFor(const AttnCfg &c) { return (c.maxSeq + kChunk - 1) / kChunk; }

template <class T>
SplitGrid splitGrid(const OlmgContext *g, const AttnCfg &c, int64_t B) {
  const int64_t splits = splitsFor(c);
  const int64_t blocksY = (splits + kWarps - 1) / kWarps;
  const bool grouped = groupedSplit<T>(g, c, B * c.heads * blocksY);
  return {
      splits, grouped,
      dim3(unsigned(B * (grouped ? c.kvHeads : c.heads)), unsigned(blocksY))};
}

/// Launches attnSplitGroupKernel on split's grid (split.grouped) for the
/// group sizes groupedSplit admits.
template <class T, int HD, bool FUSED>
void launchSplitGroup(OlmgContext *g, const AttnCfg &c, const SplitGrid &split,
                      T *kc, T *vc, const T *qkv, const T *out,
                      float *scratch) {
  auto launch = [&](auto kernel, int G) {
    size_t smem = size_t(kWarps) * (G + 1) * HD * sizeof(float);
    launchDependent(g, kernel, split.grid, kWarps * 32, smem, c, kc, vc, qkv,
                    out, scratch, split.splits, g->pos);
  };
  switch (c.heads / c.kvHeads) {
  case 2:
    return launch(attnSplitGroupKernel<T, HD, 2, FUSED>, 2);
  case 4:
    return launch(attnSplitGroupKernel<T, HD, 4, FUSED>, 4);
  case 7:
    return launch(attnSplitGroupKernel<T, HD, 7, FUSED>, 7);
  case 8:
    return launch(attnSplitGroupKernel<T, HD, 8, FUSED>, 8);
  }
}

/// Scratch floats of decode's split-KV partials for a step of up to
/// max_batch sequences: sized by every call, prefill included, so that the
/// decode graph, captured after a prefill, finds the scratch it needs
/// already allocated.
size_t partialFloats(const OlmgContext *g, const AttnCfg &c, int64_t B) {
  return size_t(std::max<int64_t>(B, g->maxBatch) * c.heads) * splitsFor(c) *
         (c.hd + 2);
}

template <class T, int MAXI>
void attendAll(OlmgContext *g, const AttnCfg &c, T *kc, T *vc, T *out,
               int64_t B, int64_t T_, const T *fusedQkv, const float2 *angles) {
  size_t smem = size_t(kWarps) * c.hd * sizeof(float);
  const SplitGrid split = splitGrid<T>(g, c, B);
  const int64_t splits = split.splits;
  float *scratch = g->scratchFor(partialFloats(g, c, B));
  if (T_ == 1) {
    int64_t rows = B * c.heads;
    if (!scratch)
      return;
    auto launchSplit = [&](auto kernel, size_t bytes) {
      launchDependent(g, kernel, split.grid, kWarps * 32, bytes, c, kc, vc,
                      fusedQkv, out, scratch, splits, g->pos);
    };
    // bf16/f16 at head_dim 64 or 128: the vectorised chunk, for all query
    // heads of a kv head (attnSplitGroupKernel) where split.grouped, else
    // one a row (splitChunkVec); with prep inside when fusedQkv is given
    // (runAttention).
    const bool vec = sizeof(T) == 2 && (c.hd == 64 || c.hd == 128);
    if constexpr (sizeof(T) == 2) {
      if (split.grouped && fusedQkv && c.hd == 64)
        launchSplitGroup<T, 64, true>(g, c, split, kc, vc, fusedQkv, out,
                                      scratch);
      else if (split.grouped && fusedQkv)
        launchSplitGroup<T, 128, true>(g, c, split, kc, vc, fusedQkv, out,
                                       scratch);
      else if (split.grouped && c.hd == 64)
        launchSplitGroup<T, 64, false>(g, c, split, kc, vc, fusedQkv, out,
                                       scratch);
      else if (split.grouped)
        launchSplitGroup<T, 128, false>(g, c, split, kc, vc, fusedQkv, out,
                                        scratch);
      else if (vec && fusedQkv && c.hd == 64)
        launchSplit(attnSplitKernel<T, MAXI, 64, true>, 2 * smem);
      else if (vec && fusedQkv)
        launchSplit(attnSplitKernel<T, MAXI, 128, true>, 2 * smem);
      else if (vec && c.hd == 64)
        launchSplit(attnSplitKernel<T, MAXI, 64, false>, smem);
      else if (vec)
        launchSplit(attnSplitKernel<T, MAXI, 128, false>, smem);
    }
    if (!vec)
      launchSplit(attnSplitKernel<T, MAXI, 0, false>, smem);
    g->noteLaunch(fusedQkv ? "olmg_attention (prep and split-KV)"
                           : "olmg_attention (split-KV)");
    launchDependent(g, attnCombineKernel<T>, unsigned(rows), 128, 0, c, out,
                    scratch, splits, g->pos);
    g->noteLaunch("olmg_attention (combine)");
    return;
  }
  if (flashPrefill<T>(g, c, kc, vc, out, B, T_, fusedQkv, angles))
    return;
  int64_t rows = B * T_ * c.heads;
  unsigned grid = unsigned((rows + kWarps - 1) / kWarps);
  launchDependent(g, attnRowsKernel<T, MAXI>, grid, kWarps * 32, smem, c, kc,
                  vc, out, B, T_, g->pos);
  g->noteLaunch("olmg_attention (rows)");
}

/// The general prep step (qk-norm, odd head sizes): prepKernel.
template <class T>
void launchPrep(OlmgContext *g, const AttnCfg &c, const void *qkv, T *kc, T *vc,
                T *o, int64_t B, int64_t T_, const void *qNormW,
                const void *kNormW, const void *qNormB, const void *kNormB) {
  // Few tokens (decode): up to 16 warps a token, so that its heads are
  // prepared side by side rather than 12 after each other.
  int heads = c.heads + 2 * c.kvHeads;
  int prepWarps =
      B * T_ >= g->smCount ? kWarps : std::max(kWarps, std::min(16, heads));
  size_t smem = size_t(prepWarps) * c.hd * sizeof(float);
  launchDependent(
      g, prepKernel<T>, unsigned(B * T_), prepWarps * 32, smem, c,
      static_cast<const T *>(qkv), kc, vc, o, T_, g->pos,
      static_cast<const T *>(qNormW), static_cast<const T *>(kNormW),
      static_cast<const T *>(qNormB), static_cast<const T *>(kNormB));
  g->noteLaunch("olmg_attention (prep)");
}

template <class T>
void runAttention(OlmgContext *g, const AttnCfg &c, const void *qkv,
                  void *kCache, void *vCache, void *out, int64_t B, int64_t T_,
                  const void *qNormW, const void *kNormW, const void *qNormB,
                  const void *kNormB) {
  T *kc = static_cast<T *>(kCache), *vc = static_cast<T *>(vCache);
  T *o = static_cast<T *>(out);
  int heads = c.heads + 2 * c.kvHeads;
  constexpr int kVec = 16 / sizeof(T);
  // Decode without qk-norm on the vectorised split path: no prep launch,
  // the split kernel prepares its query and the new key (splitChunkVec),
  // unless the position was set by the launch right before. By default
  // only where the split grid has at most one block a multiprocessor, a
  // rule fitted to what was measured (H200, bench/NOTES.md version 10):
  // GPT-2 (60 blocks) +6% tok/s, Qwen2.5-0.5B (70) +1 to +4%, Llama-3.2-1B
  // (160) -5%, its batch 8 -1% and batch 32 -2 to -6%. Why Llama loses is
  // not established (the split kernel alone is faster with prep inside).
  // Those counts are the per-head grid's; the rule takes the grid that
  // attendAll launches (splitGrid), which for the grouped GQA kernel has a
  // row per kv head (Llama-3.2-1B b1: 40 blocks, prep inside; not measured).
  const bool wanted =
      g->prepInSplit == 1 ||
      (g->prepInSplit < 0 && splitGrid<T>(g, c, B).blocks() <= g->smCount);
  const bool fused = T_ == 1 && wanted && !g->positionJustSet &&
                     c.qkNorm == 0 && sizeof(T) == 2 &&
                     (c.hd == 64 || c.hd == 128) && c.rot % 2 == 0 &&
                     aligned16({qkv, kc, vc, o});
  const bool vecPrep = c.qkNorm == 0 && !c.interleaved &&
                       c.rot % (2 * kVec) == 0 && c.hd % kVec == 0 &&
                       aligned16({qkv, kc, vc, o});
  // Prefill on the flash kernel: it reads the queries from qkv and turns
  // them itself, so prep writes only the cache (OlmgContext::
  // flashQueries).
  const bool queriesInFlash =
      !fused && vecPrep && g->flashQueries &&
      flashQueriesFromQkv<T>(c, static_cast<const T *>(qkv), kc, vc, o, B, T_);
  float2 *angles = nullptr;
  if (fused) {
    // No prep.
  } else if (vecPrep) {
    int first = queriesInFlash ? c.heads : 0;
    int items = (heads - first) * c.hd / kVec;
    int threads = std::min(512, (items + 31) / 32 * 32);
    // The queries' angles, a float2 per (token, pair), go to scratch after
    // the partials' share (which attendAll then finds allocated). Sized
    // for max_seq tokens, not this call's: a longer prompt later must not
    // grow the scratch, which would make the captured decode graphs be
    // captured again.
    if (queriesInFlash) {
      size_t partials = (partialFloats(g, c, B) + 1) / 2 * 2;
      float *scratch =
          g->scratchFor(partials + size_t(std::max<int64_t>(c.maxSeq, T_)) *
                                       size_t(c.rot / 2) * 2);
      if (!scratch)
        return;
      angles = reinterpret_cast<float2 *>(scratch + partials);
    }
    launchDependent(g, prepRopeVecKernel<T>, unsigned(B * T_), threads, 0, c,
                    static_cast<const T *>(qkv), kc, vc, o, T_, g->pos, first,
                    angles);
    g->noteLaunch(queriesInFlash ? "olmg_attention (prep keys and values)"
                                 : "olmg_attention (prep)");
  } else if (c.qkNorm == 0 && c.hd % 2 == 0) {
    int items = heads * c.hd / 2;
    int threads = std::min(256, (items + 31) / 32 * 32);
    launchDependent(g, prepRopeKernel<T>, unsigned(B * T_), threads, 0, c,
                    static_cast<const T *>(qkv), kc, vc, o, T_, g->pos);
    g->noteLaunch("olmg_attention (prep)");
  } else {
    launchPrep<T>(g, c, qkv, kc, vc, o, B, T_, qNormW, kNormW, qNormB, kNormB);
  }
  const T *fusedQkv =
      fused || queriesInFlash ? static_cast<const T *>(qkv) : nullptr;
  if (c.hd <= 64)
    attendAll<T, 2>(g, c, kc, vc, o, B, T_, fusedQkv, angles);
  else if (c.hd <= 128)
    attendAll<T, 4>(g, c, kc, vc, o, B, T_, fusedQkv, angles);
  else if (c.hd <= 256)
    attendAll<T, 8>(g, c, kc, vc, o, B, T_, fusedQkv, angles);
  else
    attendAll<T, 16>(g, c, kc, vc, o, B, T_, fusedQkv, angles);
}

} // namespace

extern "C" void olmg_attention(OlmgContext *g, const int64_t *icfg,
                               const float *fcfg, const float *inv_freq,
                               const void *qkv, void *k_cache, void *v_cache,
                               void *out, int64_t B, int64_t seq, int64_t pos0,
                               const void *q_norm_w, const void *k_norm_w,
                               const void *q_norm_b, const void *k_norm_b) {
  (void)pos0; // From g->pos, see the file comment.
  if (B * seq <= 0)
    return;
  AttnCfg c{};
  c.heads = int32_t(icfg[OLMK_ATTN_HEADS]);
  c.kvHeads = int32_t(icfg[OLMK_ATTN_KV_HEADS]);
  c.hd = int32_t(icfg[OLMK_ATTN_HEAD_DIM]);
  c.rot = int32_t(icfg[OLMK_ATTN_ROTARY_DIM]);
  c.interleaved = int32_t(icfg[OLMK_ATTN_INTERLEAVED] != 0);
  c.window = int32_t(icfg[OLMK_ATTN_WINDOW]);
  c.causal = int32_t(icfg[OLMK_ATTN_CAUSAL] != 0);
  c.maxSeq = icfg[OLMK_ATTN_MAX_SEQ];
  c.qkNorm = int32_t(icfg[OLMK_ATTN_QK_NORM]);
  c.scale = fcfg[OLMK_ATTN_SCALE];
  c.softcap = fcfg[OLMK_ATTN_SOFTCAP];
  c.eps = fcfg[OLMK_ATTN_QK_NORM_EPS];
  if (c.hd > kMaxHeadDim || c.rot / 2 > kMaxRopePairs || c.kvHeads <= 0 ||
      c.heads % c.kvHeads) {
    g->noteError("olmg_attention: unsupported head_dim " +
                 std::to_string(c.hd) + " / rotary_dim " +
                 std::to_string(c.rot) + " / heads " + std::to_string(c.heads) +
                 ":" + std::to_string(c.kvHeads));
    return;
  }
  for (int i = 0; i < c.rot / 2; ++i)
    c.invFreq[i] = inv_freq[i];
  OLMG_DISPATCH(g->dtype,
                runAttention<T>(g, c, qkv, k_cache, v_cache, out, B, seq,
                                q_norm_w, k_norm_w, q_norm_b, k_norm_b));
}

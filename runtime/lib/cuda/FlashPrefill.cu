//===- FlashPrefill.cu - Prefill attention on the tensor cores ------------===//
//
// FlashAttention-2's forward pass for bf16/f16 and head_dim 64 or 128.
// A block of 4 warps takes 64 query rows of one (sequence, head), 16 rows
// a warp, and walks the visible keys in tiles of 64:
//  - K and V tiles are double-buffered in shared memory by cp.async, so the
//    next tile loads while this one is used;
//  - fragments come from shared memory by ldmatrix (V transposed on the
//    way), products are mma.sync m16n8k16 with float32 accumulation;
//  - scores, the online softmax (max, sum) and the output stay in
//    registers: S's accumulator layout is P's operand layout, so P V needs
//    no trip through shared memory.
// Rows are padded by 8 elements (16 bytes), which puts the 8 rows an
// ldmatrix reads in 8 different bank quads. P is rounded to the dtype for
// P V and the sum keeps float values, as FlashAttention does. Query tiles
// run last first across the whole grid (the heads are the fast grid
// dimension): under a causal mask they are the longest, and starting them
// first shortens the tail. A warp whose rows see no key of a key tile
// skips its products (the diagonal tiles of a causal mask). What visible()
// says a query sees is what it sees: causal, window, softcap, GQA, a cache
// already holding pos0 keys.
//
//===----------------------------------------------------------------------===//

#include "AttentionConfig.cuh"

#include <type_traits>

namespace olmrt::cuda {
namespace {

constexpr int kKeys = 64; // keys per K/V tile
constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr float kLog2e = 1.4426950408889634f;

template <int HD> struct Tile {
  static constexpr int qRows = kWarps * 16; // query rows per block
  // Blocks an SM must hold: at head_dim 64, four (16 warps, 128 registers
  // a thread, no spills) hide more of each warp's dependent mma / softmax
  // chain than the three that 152 registers allowed (5% at 8 x 512 on an
  // H200); at 128, shared memory allows two.
  static constexpr int minBlocks = HD <= 64 ? 4 : 2;
  static constexpr int ld = HD + 8; // elements per shared row
  static constexpr int qElems = qRows * ld;
  static constexpr int kvElems = kKeys * ld; // one K or V tile
  // Q, K twice, V twice (2-byte elements).
  static constexpr size_t bytes = size_t(qElems + 4 * kvElems) * 2;
};

__device__ __forceinline__ uint32_t smemAddr(const void *p) {
  return uint32_t(__cvta_generic_to_shared(p));
}

/// 16 bytes global -> shared, asynchronously; zeros when !full.
__device__ __forceinline__ void cpAsync16(void *dst, const void *src,
                                          bool full) {
  asm volatile(
      "cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smemAddr(dst)),
      "l"(src), "r"(full ? 16 : 0));
}
__device__ __forceinline__ void cpAsyncCommit() {
  asm volatile("cp.async.commit_group;\n" ::);
}
/// Waits until at most one committed group is still in flight.
__device__ __forceinline__ void cpAsyncWaitAllButOne() {
  asm volatile("cp.async.wait_group 1;\n" ::);
}

__device__ __forceinline__ void ldmatrixX4(uint32_t (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smemAddr(p)));
}
__device__ __forceinline__ void ldmatrixX4Trans(uint32_t (&r)[4],
                                                const void *p) {
  asm volatile(
      "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
      : "r"(smemAddr(p)));
}

/// d += a (16x16, row) * b (16x8, col), float32 accumulation.
template <class T>
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4],
                                         uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same<T, __nv_bfloat16>::value)
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0),
                   "r"(b1));
  else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0),
                   "r"(b1));
}

/// 2^x by the special function unit alone: x <= 0 here, and results too
/// small for a normal float (weights below 2^-126) may become zero.
__device__ __forceinline__ float fastExp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

/// Two floats as two dtype elements in one register, lo in the low half
/// (the lower column index, as the fragments want).
template <class T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  uint32_t r;
  if constexpr (std::is_same<T, __nv_bfloat16>::value) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    memcpy(&r, &v, 4);
  } else {
    __half2 v = __floats2half2_rn(lo, hi);
    memcpy(&r, &v, 4);
  }
  return r;
}

/// Rows [0, rows) of a ROWS-row tile from global (rows `stride` elements
/// apart) into shared; the other rows become zeros.
template <int HD, int ROWS, class T>
__device__ __forceinline__ void loadTile(T *dst, const T *src, int64_t stride,
                                         int rows) {
  constexpr int chunks = HD / 8; // 16-byte pieces per row
  static_assert(ROWS * chunks % kThreads == 0, "whole passes of the block");
  // A fixed trip count, so the loop unrolls and the addresses are affine.
#pragma unroll
  for (int k = 0; k < ROWS * chunks / kThreads; ++k) {
    int i = int(threadIdx.x) + k * kThreads;
    int r = i / chunks, col = (i % chunks) * 8;
    bool full = r < rows;
    // A zero fill reads nothing, but the address must still be valid.
    const T *s = full ? src + r * stride + col : src;
    cpAsync16(dst + r * Tile<HD>::ld + col, s, full);
  }
}

/// RoPE of the query tile in shared memory (rows [0, rows); row r's angles
/// at angles[r * rot / 2]), as the prep kernel would have written it: the
/// angles it computed, the same float expression, one rounding to the
/// dtype. (Computing the angles here cost more than prep's query traffic
/// saved: a cosf and a sinf per head, where prep shares them by token.)
template <int HD, class T>
__device__ __forceinline__ void ropeQueryTile(const AttnCfg &c, T *Qs,
                                              const float2 *angles, int rows) {
  const int pairs = c.rot / 2;
  for (int it = threadIdx.x; it < rows * pairs; it += kThreads) {
    int r = it / pairs, i = it - r * pairs;
    int a = c.interleaved ? 2 * i : i,
        b = c.interleaved ? 2 * i + 1 : i + pairs;
    const float2 angle = angles[r * pairs + i];
    const float cs = angle.x, sn = angle.y;
    T *q = Qs + r * Tile<HD>::ld;
    float x = ld(q + a), y = ld(q + b);
    st(q + a, ropeElement(x, y, cs, sn, -1.0f));
    st(q + b, ropeElement(y, x, cs, sn, 1.0f));
  }
}

/// grid (B * heads, ceil(T / qRows)). Queries are read from `out`
/// (prepared there by the prep kernel), or where `qkv` is given from the
/// packed q/k/v rows, turned by RoPE here (the prep kernel then wrote only
/// the cache: at Llama-3.2-1B's 8 x 512 prefill, 16.8 MB of queries a
/// layer are no longer written and read back). The results are written to
/// `out`.
template <class T, int HD>
__global__ void __launch_bounds__(kThreads, Tile<HD>::minBlocks)
    flashMmaKernel(AttnCfg c, const T *kCache, const T *vCache, T *out,
                   int64_t T_, const int64_t *pos0, const T *qkv,
                   const float2 *angles) {
  using L = Tile<HD>;
  extern __shared__ __align__(128) unsigned char flashMmaSmem[];
  T *Qs = reinterpret_cast<T *>(flashMmaSmem);
  T *Ks = Qs + L::qElems;      // two buffers
  T *Vs = Ks + 2 * L::kvElems; // two buffers
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int grp = lane >> 2, quad = lane & 3; // fragment row, column pair

  int64_t qTile = int64_t(gridDim.y) - 1 - blockIdx.y;
  int64_t h = blockIdx.x % c.heads, b = blockIdx.x / c.heads;
  int64_t kvh = h / (c.heads / c.kvHeads);
  int64_t t0 = qTile * L::qRows;
  int64_t p0 = *pos0;
  int64_t keyEnd = p0 + T_;
  int qRows = int(min(int64_t(L::qRows), T_ - t0));
  int64_t qStride = int64_t(c.heads) * HD;
  T *qBase = out + (b * T_ + t0) * qStride + h * HD;
  // Where the queries are read: `out`, or the packed rows (heads, then the
  // kv heads' keys and values).
  const int64_t qInStride =
      qkv ? int64_t(c.heads + 2 * c.kvHeads) * HD : qStride;
  const T *qIn = qkv ? qkv + (b * T_ + t0) * qInStride + h * HD : qBase;
  const T *K = kCache + (b * c.kvHeads + kvh) * c.maxSeq * HD;
  const T *V = vCache + (b * c.kvHeads + kvh) * c.maxSeq * HD;

  // Keys any row of this block sees: [kLo, kHi).
  int64_t first = p0 + t0, last = first + qRows - 1;
  int64_t kLo = visible(c, first, keyEnd).lo;
  int64_t kHi = min(visible(c, last, keyEnd).hi, keyEnd);
  int64_t ktBegin = kLo / kKeys * kKeys;
  int tiles = int((kHi - ktBegin + kKeys - 1) / kKeys);
  // Keys this warp's rows see (rows past T see what the last real row sees:
  // their results are never written).
  const int64_t warpPos = first + warp * 16; // this warp's first row
  const KeyRange seen = {
      visible(c, min(warpPos, last), keyEnd).lo,
      min(visible(c, min(warpPos + 15, last), keyEnd).hi, keyEnd)};

  auto loadKV = [&](int i, int buf) {
    int64_t kt = ktBegin + int64_t(i) * kKeys;
    int rows = int(min(int64_t(kKeys), keyEnd - kt));
    loadTile<HD, kKeys>(Ks + buf * L::kvElems, K + kt * HD, HD, rows);
    loadTile<HD, kKeys>(Vs + buf * L::kvElems, V + kt * HD, HD, rows);
  };
  loadTile<HD, L::qRows>(Qs, qIn, qInStride, qRows);
  loadKV(0, 0);
  cpAsyncCommit();

  float o[HD / 8][4];
#pragma unroll
  for (int n = 0; n < HD / 8; ++n)
    o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
  uint32_t qf[HD / 16][4];
  // Scores times toLog2 are in log2 units; m is kept in score units.
  const bool capped = c.softcap != 0.0f;
  const float toLog2 = capped ? 1.0f : c.scale * kLog2e;

  for (int i = 0; i < tiles; ++i) {
    const int buf = i & 1;
    if (i + 1 < tiles)
      loadKV(i + 1, buf ^ 1);
    cpAsyncCommit(); // maybe empty: keeps "all but the newest" meaning tile i
    cpAsyncWaitAllButOne();
    __syncthreads();
    if (i == 0) {
      if (qkv) {
        ropeQueryTile<HD>(c, Qs, angles + t0 * (c.rot / 2), qRows);
        __syncthreads();
      }
#pragma unroll
      for (int k = 0; k < HD / 16; ++k) {
        int row = warp * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
        int col = k * 16 + (lane >> 4) * 8;
        ldmatrixX4(qf[k], Qs + row * L::ld + col);
      }
    }
    const T *Kt = Ks + buf * L::kvElems, *Vt = Vs + buf * L::kvElems;
    const int64_t kt = ktBegin + int64_t(i) * kKeys;
    // Warp-uniform: rows that see no key of this tile leave o, m, l as
    // they are, which is what all-masked scores would do.
    if (kt < seen.hi && kt + kKeys > seen.lo) {
      // S = Q K^T: s[j] is keys 8j..8j+7 of this warp's 16 rows; element
      // e is row grp + 8 (e >> 1), key 8j + 2 quad + (e & 1).
      float s[kKeys / 8][4];
#pragma unroll
      for (int j = 0; j < kKeys / 8; ++j)
        s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.0f;
#pragma unroll
      for (int k = 0; k < HD / 16; ++k) {
#pragma unroll
        for (int p = 0; p < kKeys / 16; ++p) {
          uint32_t kb[4];
          int key = p * 16 + (lane & 7) + (lane >> 4) * 8;
          int col = k * 16 + ((lane >> 3) & 1) * 8;
          ldmatrixX4(kb, Kt + key * L::ld + col);
          mma16816<T>(s[2 * p], qf[k], kb[0], kb[1]);
          mma16816<T>(s[2 * p + 1], qf[k], kb[2], kb[3]);
        }
      }

      // A softcap is applied here, in log2 units (one branch a tile, not
      // one a score); plain scores are scaled inside the exponent below.
      if (capped) {
        const float inv = c.scale / c.softcap, mul = c.softcap * kLog2e;
#pragma unroll
        for (int j = 0; j < kKeys / 8; ++j)
#pragma unroll
          for (int e = 0; e < 4; ++e)
            s[j][e] = mul * tanhf(s[j][e] * inv);
      }
      bool masked = c.window > 0 || kt + kKeys > keyEnd ||
                    (c.causal && kt + kKeys - 1 > warpPos);
      if (masked) {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          KeyRange vis = visible(c, warpPos + grp + 8 * r, keyEnd);
          // Relative to this lane's first key: 32-bit compares.
          int64_t k0 = kt + 2 * quad;
          int lo = int(max(int64_t(-1), min(int64_t(kKeys), vis.lo - k0)));
          int hi = int(
              max(int64_t(-1), min(int64_t(kKeys), min(vis.hi, keyEnd) - k0)));
#pragma unroll
          for (int j = 0; j < kKeys / 8; ++j)
#pragma unroll
            for (int e = 2 * r; e < 2 * r + 2; ++e) {
              int key = 8 * j + (e & 1);
              if (key < lo || key >= hi)
                s[j][e] = -INFINITY;
            }
        }
      }

      // Online softmax; the 4 lanes of a quad group share each row.
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = -INFINITY;
#pragma unroll
        for (int j = 0; j < kKeys / 8; ++j)
          mx = fmaxf(mx, fmaxf(s[j][2 * r], s[j][2 * r + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        float mNew = fmaxf(m[r], mx);
        // A row with no visible key yet keeps zeros (and no NaN).
        float base = mNew == -INFINITY ? 0.0f : mNew * toLog2;
        float corr = fastExp2(m[r] * toLog2 - base);
        m[r] = mNew;
        float sum = 0.0f;
#pragma unroll
        for (int j = 0; j < kKeys / 8; ++j)
#pragma unroll
          for (int e = 2 * r; e < 2 * r + 2; ++e) {
            s[j][e] = fastExp2(fmaf(s[j][e], toLog2, -base));
            sum += s[j][e];
          }
        l[r] = l[r] * corr + sum; // this lane's share; summed at the end
#pragma unroll
        for (int n = 0; n < HD / 8; ++n) {
          o[n][2 * r] *= corr;
          o[n][2 * r + 1] *= corr;
        }
      }

      // O += P V. P's fragment for keys 16kk..16kk+15 is s[2kk], s[2kk+1].
#pragma unroll
      for (int kk = 0; kk < kKeys / 16; ++kk) {
        uint32_t pa[4] = {pack2<T>(s[2 * kk][0], s[2 * kk][1]),
                          pack2<T>(s[2 * kk][2], s[2 * kk][3]),
                          pack2<T>(s[2 * kk + 1][0], s[2 * kk + 1][1]),
                          pack2<T>(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
        for (int q = 0; q < HD / 16; ++q) {
          uint32_t vb[4];
          int key = kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
          int col = q * 16 + (lane >> 4) * 8;
          ldmatrixX4Trans(vb, Vt + key * L::ld + col);
          mma16816<T>(o[2 * q], pa, vb[0], vb[1]);
          mma16816<T>(o[2 * q + 1], pa, vb[2], vb[3]);
        }
      }
    }
    __syncthreads(); // Iteration i + 1 prefetches tile i + 2 into `buf`.
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float sum = l[r];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    int row = warp * 16 + grp + 8 * r;
    if (row >= qRows)
      continue;
    // Every query sees at least one key (its own, when causal): sum > 0.
    float inv = 1.0f / sum;
    T *dst = qBase + int64_t(row) * qStride + 2 * quad;
#pragma unroll
    for (int n = 0; n < HD / 8; ++n) {
      uint32_t v = pack2<T>(o[n][2 * r] * inv, o[n][2 * r + 1] * inv);
      *reinterpret_cast<uint32_t *>(dst + 8 * n) = v;
    }
  }
}

/// Raises the kernel's shared-memory limit once; false if the device
/// refuses it.
template <class T, int HD> bool configured() {
  static const bool ok = [] {
    if (cudaFuncSetAttribute(flashMmaKernel<T, HD>,
                             cudaFuncAttributeMaxDynamicSharedMemorySize,
                             int(Tile<HD>::bytes)) == cudaSuccess)
      return true;
    (void)cudaGetLastError();
    return false;
  }();
  return ok;
}

template <class T, int HD>
void launch(OlmgContext *g, const AttnCfg &c, const T *kc, const T *vc, T *out,
            int64_t B, int64_t T_, const T *qkv, const float2 *angles) {
  constexpr int rows = Tile<HD>::qRows;
  dim3 grid(unsigned(B * c.heads), unsigned((T_ + rows - 1) / rows));
  flashMmaKernel<T, HD><<<grid, kThreads, Tile<HD>::bytes, g->stream>>>(
      c, kc, vc, out, T_, g->pos, qkv, angles);
  g->noteLaunch("olmg_attention (flash prefill)");
}

/// Whether the kernel takes this call (bf16/f16, head_dim 64 or 128,
/// 16-byte aligned buffers, a grid the launch allows).
template <class T>
bool applies(const AttnCfg &c, std::initializer_list<const void *> buffers,
             int64_t B, int64_t T_) {
  if constexpr (std::is_same<T, float>::value) {
    return false;
  } else {
    // Query tiles are the grid's y (at most 65535 of them).
    if (!aligned16(buffers) || T_ > 65535 * 64 || B * c.heads > INT32_MAX)
      return false;
    if (c.hd == 64)
      return configured<T, 64>();
    if (c.hd == 128)
      return configured<T, 128>();
    return false;
  }
}

} // namespace

template <class T>
bool flashQueriesFromQkv(const AttnCfg &c, const T *qkv, const T *kCache,
                         const T *vCache, const T *out, int64_t B, int64_t T_) {
  return T_ > 1 && c.qkNorm == 0 && c.rot % 2 == 0 &&
         applies<T>(c, {qkv, kCache, vCache, out}, B, T_);
}

template <class T>
bool launchFlashPrefillMma(OlmgContext *g, const AttnCfg &c, const T *kCache,
                           const T *vCache, T *out, int64_t B, int64_t T_,
                           const T *qkv, const float2 *angles) {
  if constexpr (std::is_same<T, float>::value) {
    return false;
  } else {
    if (qkv ? !angles ||
                  !flashQueriesFromQkv<T>(c, qkv, kCache, vCache, out, B, T_)
            : !applies<T>(c, {kCache, vCache, out}, B, T_))
      return false;
    if (c.hd == 64)
      launch<T, 64>(g, c, kCache, vCache, out, B, T_, qkv, angles);
    else
      launch<T, 128>(g, c, kCache, vCache, out, B, T_, qkv, angles);
    return true;
  }
}

#define OLMG_FLASH_INSTANCES(T)                                                \
  template bool launchFlashPrefillMma<T>(OlmgContext *, const AttnCfg &,       \
                                         const T *, const T *, T *, int64_t,   \
                                         int64_t, const T *, const float2 *);  \
  template bool flashQueriesFromQkv<T>(const AttnCfg &, const T *, const T *,  \
                                       const T *, const T *, int64_t,          \
                                       int64_t);
OLMG_FLASH_INSTANCES(float)
OLMG_FLASH_INSTANCES(__nv_bfloat16)
OLMG_FLASH_INSTANCES(__half)
#undef OLMG_FLASH_INSTANCES

} // namespace olmrt::cuda

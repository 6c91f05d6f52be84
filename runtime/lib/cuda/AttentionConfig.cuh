//===- AttentionConfig.cuh - What every olmg_attention kernel is given ----===//
//
// The attention configuration (passed by value to each kernel, so nothing
// is copied inside a captured step), the key range a query sees, and the
// score cap; shared by Attention.cu and FlashPrefill.cu.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_CUDA_ATTENTIONCONFIG_CUH
#define OLMRT_LIB_CUDA_ATTENTIONCONFIG_CUH

#include "Common.cuh"

namespace olmrt::cuda {

constexpr int kMaxRopePairs = 256; // rotary_dim / 2 at most (head_dim <= 512)

/// icfg/fcfg/inv_freq are host constants of the generated code.
struct AttnCfg {
  int32_t heads, kvHeads, hd, rot, interleaved, window, causal, qkNorm;
  int64_t maxSeq;
  float scale, softcap, eps;
  float invFreq[kMaxRopePairs];
};

struct KeyRange {
  int64_t lo, hi;
};

/// Keys [lo, hi) that the query at position `pos` sees (as the CPU's
/// visibleKeys); keyEnd = pos0 + T.
__device__ __forceinline__ KeyRange visible(const AttnCfg &c, int64_t pos,
                                            int64_t keyEnd) {
  KeyRange r;
  r.hi = c.causal ? pos + 1 : keyEnd;
  r.lo = c.window > 0 ? max(int64_t(0), pos - c.window + 1) : 0;
  return r;
}

__device__ __forceinline__ float capScore(const AttnCfg &c, float s) {
  return c.softcap != 0.0f ? c.softcap * tanhf(s / c.softcap) : s;
}

/// One element of a rotary pair turned by the angle (cs, sn): x is the
/// element, partner the other of its pair, sign -1 for the pair's first
/// element and +1 for its second. The prep kernels and the flash kernel's
/// queries use this one expression, so both round alike.
__device__ __forceinline__ float ropeElement(float x, float partner, float cs,
                                             float sn, float sign) {
  return x * cs + sign * (partner * sn);
}

/// FlashPrefill.cu: prefill attention on the tensor cores (mma.sync,
/// cp.async double buffering) for bf16/f16 with head_dim 64 or 128 and
/// 16-byte aligned buffers. Returns false (launching nothing) otherwise.
/// Queries come prepared in `out`, or where `qkv` is given, unprepared
/// from the packed q/k/v rows: the kernel applies RoPE to them itself
/// (flashQueriesFromQkv says where it can), with the cosine and sine of
/// token t's rotary pair i at angles[t * rot / 2 + i] (the prep kernel
/// writes them).
template <class T>
bool launchFlashPrefillMma(OlmgContext *g, const AttnCfg &c, const T *kCache,
                           const T *vCache, T *out, int64_t B, int64_t T_,
                           const T *qkv = nullptr,
                           const float2 *angles = nullptr);

/// Whether launchFlashPrefillMma can take a prefill's queries straight
/// from the packed rows (no qk-norm; the prep kernel then writes only the
/// cache).
template <class T>
bool flashQueriesFromQkv(const AttnCfg &c, const T *qkv, const T *kCache,
                         const T *vCache, const T *out, int64_t B, int64_t T_);

} // namespace olmrt::cuda

#endif // OLMRT_LIB_CUDA_ATTENTIONCONFIG_CUH

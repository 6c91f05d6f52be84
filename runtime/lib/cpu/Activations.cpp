//===- Activations.cpp - Elementwise activations and softcap --------------===//
//
// olmk_activation, olmk_gated_activation and olmk_softcap. Every activation
// is written as a branch-free function of one float so the loops over a row
// vectorise; see VecMath.h for the accuracy of exp/tanh/erfc.
//
//===----------------------------------------------------------------------===//

#include "olmrt/CpuKernels.h"

#include "KernelStats.h"
#include "VecMath.h"

using namespace olmrt::cpu;

namespace {

/// x * 0.5 * (1 + erf(x / sqrt(2))) = x * Phi(x), with Phi from the normal
/// tail Q(|x|) = 0.5 * erfc(|x| / sqrt 2): Phi = Q(-x) for x < 0, 1 - Q(x)
/// otherwise. The negative side keeps its relative accuracy instead of
/// cancelling in 1 + erf.
inline float geluErf(float x) {
  float q = vnormalTail(x < 0.0f ? -x : x);
  float phi = x < 0.0f ? q : 1.0f - q;
  return x * phi;
}

/// 0.5x(1 + tanh(u)) with u = sqrt(2/pi)(x + 0.044715x^3). Since
/// 1 + tanh(u) = 2 / (1 + e^{-2u}), this is x / (1 + e^{-2u}): the same
/// function without the cancellation of 1 + tanh(u) for negative x.
inline float geluTanh(float x) {
  float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return x / (1.0f + vexp(-2.0f * u));
}

inline float relu(float x) { return x > 0.0f ? x : 0.0f; }

inline float silu(float x) { return x / (1.0f + vexp(-x)); }

/// Applies F to n floats from src into dst (which may be src). A template
/// per activation keeps each loop free of the kind switch so it vectorises.
template <float (*F)(float)>
void mapActivation(const float *src, float *dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = F(src[i]);
}

template <float (*F)(float)>
void mapGated(const float *gu, float *out, int64_t M, int64_t H) {
  for (int64_t m = 0; m < M; ++m) {
    const float *gate = gu + m * 2 * H;
    const float *up = gate + H;
    float *o = out + m * H;
    for (int64_t j = 0; j < H; ++j)
      o[j] = F(gate[j]) * up[j];
  }
}

} // namespace

extern "C" void olmk_activation(float *x, int64_t n, int32_t kind) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::Activation);
  switch (kind) {
  case OLMK_ACT_GELU:
    return mapActivation<geluErf>(x, x, n);
  case OLMK_ACT_GELU_TANH:
    return mapActivation<geluTanh>(x, x, n);
  case OLMK_ACT_RELU:
    return mapActivation<relu>(x, x, n);
  case OLMK_ACT_SILU:
    return mapActivation<silu>(x, x, n);
  default:
    return; // The runtime validates kinds; unknown ones leave x unchanged.
  }
}

extern "C" void olmk_gated_activation(const float *gu, float *out, int64_t M,
                                      int64_t H, int32_t kind) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::GatedActivation);
  switch (kind) {
  case OLMK_ACT_GELU:
    return mapGated<geluErf>(gu, out, M, H);
  case OLMK_ACT_GELU_TANH:
    return mapGated<geluTanh>(gu, out, M, H);
  case OLMK_ACT_RELU:
    return mapGated<relu>(gu, out, M, H);
  case OLMK_ACT_SILU:
    return mapGated<silu>(gu, out, M, H);
  default:
    return;
  }
}

extern "C" void olmk_softcap(float *x, int64_t n, float cap) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::Softcap);
  // Divide (not multiply by 1/cap) to round exactly as torch's x / cap.
  for (int64_t i = 0; i < n; ++i)
    x[i] = cap * vtanh(x[i] / cap);
}

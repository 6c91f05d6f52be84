//===- VecMath.h - Branch-free float math for vectorised loops --*- C++ -*-===//
//
// exp, tanh and erfc in float32, written without calls or data-dependent
// branches so that GCC/Clang vectorise the loops that use them (libm's
// scalar expf/tanhf/erff are not vectorised without -ffast-math, and the
// activations run over M * 4D elements per layer). Each is accurate to a
// few ulp, well inside what float32 models tolerate; the unit tests check
// them against double precision.
//
//===----------------------------------------------------------------------===//
#ifndef OLMRT_CPU_VECMATH_H
#define OLMRT_CPU_VECMATH_H

#include <cstdint>
#include <cstring>

namespace olmrt::cpu {

/// 2^n for an integral float n in [-252, 256], as two in-range powers so
/// that results in the subnormal range and overflow to inf both come out
/// right.
inline float scaleByPow2(float p, float n) {
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni >> 1; // floor(n / 2)
  int32_t n2 = ni - n1;
  uint32_t b1 = static_cast<uint32_t>(n1 + 127) << 23;
  uint32_t b2 = static_cast<uint32_t>(n2 + 127) << 23;
  float f1, f2;
  std::memcpy(&f1, &b1, sizeof f1);
  std::memcpy(&f2, &b2, sizeof f2);
  return p * f1 * f2;
}

/// e^x. Range reduction x = n*ln2 + r with |r| <= ln2/2, then a degree-7
/// Taylor polynomial (truncation error < 6e-9 relative). -inf gives 0,
/// large x gives inf.
inline float vexp(float x) {
  // Past these bounds the result is 0 or inf anyway; clamping keeps n in
  // the range scaleByPow2 handles.
  x = x < -120.0f ? -120.0f : x;
  x = x > 90.0f ? 90.0f : x;
  // Round to nearest with the 1.5 * 2^23 trick (no -ffast-math here, so
  // the compiler keeps the two additions).
  const float Round = 12582912.0f;
  float n = (x * 1.44269504088896341f + Round) - Round;
  // ln2 split in two so that n * Ln2Hi is exact.
  const float Ln2Hi = 0.693359375f;
  const float Ln2Lo = -2.12194440054690583e-4f;
  float r = x - n * Ln2Hi;
  r = r - n * Ln2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  return scaleByPow2(p, n);
}

/// e^x for x <= 0, as softmax needs (scores minus their max): one power
/// of two instead of two, and a degree-6 polynomial fitted (weighted least
/// squares, relative error 2e-9 before rounding; ~1.5 ulp in float) in place
/// of the degree-7 Taylor. Results below e^-87 (~1.6e-38), which cannot
/// move a sum that contains e^0 = 1, are flushed to 0.
inline float vexpNonPositive(float x) {
  float xc = x < -87.0f ? -87.0f : x;
  const float Round = 12582912.0f;
  float n = (xc * 1.44269504088896341f + Round) - Round;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440054690583e-4f;
  float p = 0.0013836961006745696f;
  p = p * r + 0.008374816738069057f;
  p = p * r + 0.04166822507977486f;
  p = p * r + 0.16666419804096222f;
  p = p * r + 0.49999991059303284f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < -87.0f ? 0.0f : p * scale;
}

/// tanh(x). Near 0 an odd Taylor series (|x| < 0.25, truncation < 1e-8
/// relative) avoids the cancellation in 1 - e^{-2|x|}; elsewhere
/// (1 - e) / (1 + e) with e = e^{-2|x|} <= e^{-0.5}.
inline float vtanh(float x) {
  float ax = x < 0.0f ? -x : x;
  float e = vexp(-2.0f * ax);
  float big = (1.0f - e) / (1.0f + e);
  float x2 = x * x;
  float s = 62.0f / 2835.0f;
  s = s * x2 - 17.0f / 315.0f;
  s = s * x2 + 2.0f / 15.0f;
  s = s * x2 - 1.0f / 3.0f;
  float small = ax + ax * x2 * s;
  float t = ax < 0.25f ? small : big;
  return x < 0.0f ? -t : t;
}

/// hi + lo == x * x exactly (Veltkamp split; relies on -ffp-contract=off,
/// which the library is built with).
inline void exactSquare(float x, float &hi, float &lo) {
  float c = 4097.0f * x;
  float xh = c - (c - x);
  float xl = x - xh;
  hi = x * x;
  lo = ((xh * xh - hi) + 2.0f * xh * xl) + xl * xl;
}

/// 0.5 * erfc(x / sqrt 2) for x >= 0, i.e. the normal upper tail, with the
/// Chebyshev fit of erfc in Numerical Recipes (2nd ed., sec. 6.2:
/// fractional error < 1.2e-7 for all arguments). Relative accuracy in the
/// tail is what GELU needs for negative inputs, where 1 + erf would cancel.
/// The fit is erfc(z) = t * e^(poly(t) - z^2); z^2 = x^2 / 2 reaches ~50,
/// where one float rounding of the exponent alone would cost ~4e-6
/// relative, so x^2 is kept exact as hi + lo and the low parts enter as a
/// first-order factor.
inline float vnormalTail(float x) {
  float z = x * 0.70710678118654752f;
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  float sqHi, sqLo;
  exactSquare(x, sqHi, sqLo);
  float h = -0.5f * sqHi, l = -0.5f * sqLo; // -z^2 = h + l exactly
  // Two-sum: s + e == p + h exactly.
  float s = p + h;
  float bv = s - p;
  float e = (p - (s - bv)) + (h - bv);
  return 0.5f * t * vexp(s) * (1.0f + (e + l));
}

} // namespace olmrt::cpu

#endif // OLMRT_CPU_VECMATH_H

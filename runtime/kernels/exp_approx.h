// exp(x) for softmax and SiLU, written once for scalars and SIMD vectors, so that the scalar
// reference and every SIMD kernel compute it with the same operations in the same order and
// agree bit for bit on every CPU (libm's expf differs between libraries and is not a vector
// function). F is float or a GCC vector of floats (__m256, float32x4_t), U the unsigned integer
// type of the same size; the operators act lane by lane, so the lanes of a vector repeat the
// scalar computation exactly (the files build with -ffp-contract=off: no fused multiply-adds).
//
// exp(x) = 2^k * exp(r), k = nearest integer to x / ln 2, r = x - k ln 2 (ln 2 in two parts, the
// first exact in k * ln2_hi), exp(r) = 1 + r + r^2 P(r) on |r| <= ln2 / 2 with P of degree 4
// fitted to relative error 3e-9. Measured against double exp over every seventh float in
// [-86.9, 88.7]: at most 0.96 ulp. Below -86.9 it returns 0 (true results there are under 2^-125,
// so no denormal is ever produced: armv7 NEON would flush one), above 88.8 +inf (from 88.72 the
// float result overflows to +inf anyway); NaN stays NaN.
//
// Internal linkage on purpose: each kernel file compiles its own copy with its own ISA flags
// (see arm/quantized_arm.inl on why shared inline code must not be merged by the linker).
#pragma once

#include <cstdint>

namespace sprig::kernels {
namespace {

template <typename F, typename U>
inline F exp_approx(F x) {
  constexpr float kLog2e = 1.44269502162933349609375f;      // 0x1.715476p+0
  constexpr float kRound = 12582912.0f;                     // 1.5 * 2^23: adding it rounds to an integer
  constexpr float kLn2High = 0.693359375f;                  // 355 / 512: k * kLn2High is exact
  constexpr float kLn2Low = -2.12194440e-4f;                // ln 2 - kLn2High
  constexpr float kP0 = 0.4999999403953552f, kP1 = 0.16666515171527863f, kP2 = 0.04166845604777336f,
                  kP3 = 0.008369418792426586f, kP4 = 0.0013813142431899905f;
  constexpr float kLow = -86.9f, kHigh = 88.8f;

  const F t = x * kLog2e + kRound;  // k sits in t's low mantissa bits
  const F k = t - kRound;
  const F r = (x - k * kLn2High) - k * kLn2Low;
  F p = F{} + kP4;
  p = p * r + kP3;
  p = p * r + kP2;
  p = p * r + kP1;
  p = p * r + kP0;
  F y = (r * r) * p + r;
  y = y + 1.0f;
  // 2^(k-1) from t's bits: (t's bits << 23) is k << 23 (the bits above wrap away); times 2 * y,
  // so that k = 128 (x up to 88.72) still has a finite power of two.
  const U two_k = (__builtin_bit_cast(U, t) << 23) + (126u << 23);
  F result = (y + y) * __builtin_bit_cast(F, two_k);
  result = x > kHigh ? F{} + __builtin_inff() : result;
  result = x < kLow ? F{} : result;
  return result;
}

// The scalar form: the reference every kernel set repeats.
inline float exp_approx(float x) { return exp_approx<float, uint32_t>(x); }

// SwiGLU's element: silu(g) * u = g / (1 + exp(-g)) * u, the same way for scalars and vectors.
template <typename F, typename U>
inline F silu_times(F g, F u) {
  return g / (exp_approx<F, U>(-g) + 1.0f) * u;
}
inline float silu_times_scalar(float g, float u) { return silu_times<float, uint32_t>(g, u); }

}  // namespace
}  // namespace sprig::kernels

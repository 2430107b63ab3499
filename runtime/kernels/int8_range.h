// x / scale as int8 rounds a value in [-127, 127] for finite input. A NaN or infinite activation
// (from a model file with NaN weights) would be converted to int8 out of range, which C++ leaves
// undefined and cvtps turns into INT32_MIN, overflowing the block sums. Clamping first keeps every
// finite result bit-identical and sends NaN to -127 in the scalar and the SIMD code alike.
#pragma once

namespace sprig {

inline float int8_range(float v) { return v >= -127.0f ? (v <= 127.0f ? v : 127.0f) : -127.0f; }

}  // namespace sprig

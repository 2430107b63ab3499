// The portable f16/bf16 conversions against the compiler's own _Float16 arithmetic.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "sprig/half.h"

using namespace sprig;

TEST_CASE("every f16 value converts to f32 exactly and back to the same bits") {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    const uint16_t h = uint16_t(bits);
    _Float16 reference;
    std::memcpy(&reference, &h, 2);
    const float f = f16_to_f32(h);
    if (std::isnan(float(reference))) {
      CHECK(std::isnan(f));
      continue;
    }
    REQUIRE(f == float(reference));
    REQUIRE(f32_to_f16(f) == h);
  }
}

TEST_CASE("f32 to f16 rounds to nearest even like the compiler") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 2000000; ++i) {
    uint32_t bits = any_bits(rng);
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isnan(f)) continue;
    const _Float16 reference = _Float16(f);
    uint16_t expected;
    std::memcpy(&expected, &reference, 2);
    REQUIRE_MESSAGE(f32_to_f16(f) == expected, "input bits " << bits);
  }
  // Halfway cases between two halves go to the even one.
  CHECK(f32_to_f16(1.0f + 1.0f / 2048) == f32_to_f16(1.0f));
  CHECK(f32_to_f16(65520.0f) == 0x7c00);  // past the largest half: infinity
  CHECK(std::isnan(f16_to_f32(f32_to_f16(NAN))));
}

TEST_CASE("bf16 is the top half of an f32") {
  CHECK(bf16_to_f32(0x3f80) == 1.0f);
  CHECK(bf16_to_f32(0xc000) == -2.0f);
  CHECK(bf16_to_f32(0x0000) == 0.0f);
}

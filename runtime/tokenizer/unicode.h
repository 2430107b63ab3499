// The Unicode facts the tokenizers need, answered by utf8proc (a maintained library) instead of
// hand-written tables: code point decoding, the character classes split patterns use, and
// NFC/NFKC normalization into caller-owned buffers so encoding stays allocation-free.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "sprig/vocabulary.h"

namespace sprig::unicode {

// One code point of UTF-8 text. Bytes that do not form a valid character decode one at a time
// with value -1, so every byte of the input belongs to exactly one unit.
struct CodePoint {
  int32_t value;
  uint32_t length;
};
CodePoint decode(std::string_view text, size_t at);

// The classes of the regex patterns: \p{L}, \p{N}, \s (White_Space), everything else.
enum class CharClass : uint8_t { Letter, Number, Space, Other };
CharClass classify(int32_t code_point);
// Unicode punctuation (P*) plus the ASCII symbols Rust's is_ascii_punctuation adds ($+<=>^`|~),
// as Hugging Face's Punctuation pre-tokenizer defines it.
bool is_punctuation(int32_t code_point);
// \p{N}: Nd, Nl or No.
bool is_numeric(int32_t code_point);

// The code points `normalize` may need for text of `bytes` bytes under `form`.
size_t normalize_capacity(Normalizer form, size_t bytes);
// Bytes of `bytes` bytes of text in that form, at most: Unicode's stated limits for UTF-8 are
// threefold for NFC and elevenfold for NFKC (U+FDFA becomes 33 bytes).
size_t normalized_bytes_capacity(Normalizer form, size_t bytes);
// Writes `text` in normalization form `form` to `out`. Invalid bytes are copied through.
// `code_points` is scratch; with normalize_capacity reserved in it nothing is allocated.
void normalize(Normalizer form, std::string_view text, std::pmr::vector<int32_t>& code_points, std::pmr::string& out);

}  // namespace sprig::unicode

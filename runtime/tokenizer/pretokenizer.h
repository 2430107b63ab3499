// Splits text into the chunks byte-level BPE merges within, for each split pattern the source
// tokenizers use. Each pattern is scanned by hand, alternative by alternative, with the same
// leftmost-first choices a backtracking regex engine makes; there is no regex engine on the device.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "sprig/vocabulary.h"

namespace sprig {

// Appends the end offset of every chunk of `text` to `ends` (chunks are contiguous and cover
// the text). Allocation-free when `ends` has room for text.size() entries.
void pre_tokenize(PreTokenizer kind, std::string_view text, std::vector<uint32_t>& ends);
void pre_tokenize(PreTokenizer kind, std::string_view text, std::pmr::vector<uint32_t>& ends);

}  // namespace sprig

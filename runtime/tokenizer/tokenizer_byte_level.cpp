// Byte-level BPE: normalize, split with the model's pre-tokenizer, start every chunk as single
// bytes (each spelled by one vocabulary character) and merge by rank inside each chunk.
#include "byte_level.h"
#include "pretokenizer.h"
#include "sprig/tokenizer.h"
#include "unicode.h"

namespace sprig {

// Llama-3 (as tiktoken does) takes a chunk that is itself a piece as that piece, whatever the
// merges would make of it.
void Tokenizer::take_whole_piece(std::string_view text, size_t start, size_t end, Workspace& workspace) const {
  if (end - start < 2) return;
  auto& spelled = workspace.spelled;
  spelled.clear();
  for (size_t i = start; i < end; ++i) byte_level::append_char_of_byte(uint8_t(text[i]), spelled);
  const int32_t id = find(spelled);
  if (!mergeable(id)) return;
  auto& symbols = workspace.symbols;
  symbols[start] = {uint32_t(start), uint32_t(end - start), id, -1, -1};
  for (size_t i = start + 1; i < end; ++i) symbols[i] = {uint32_t(i), 0, -1, -1, -1};
}

void Tokenizer::encode_byte_level(std::string_view text, IdSink& ids, Workspace& workspace) const {
  auto& normalized = workspace.normalized;
  unicode::normalize(vocab_.normalizer, text, workspace.code_points, normalized);
  auto& ends = workspace.chunk_ends;
  ends.clear();
  pre_tokenize(vocab_.pre_tokenizer, normalized, ends);

  // Symbols are linked within a chunk only and merged chunk by chunk: no merge crosses a
  // chunk boundary.
  using Symbol = Workspace::Symbol;
  auto& symbols = workspace.symbols;
  symbols.clear();
  size_t start = 0;
  for (uint32_t end : ends) {
    for (size_t i = start; i < end; ++i) {
      const int32_t id = byte_tokens_[uint8_t(normalized[i])];
      symbols.push_back({uint32_t(i), 1, id >= 0 ? id : vocab_.unk_id, int32_t(i) - 1, int32_t(i) + 1});
    }
    if (end > start) {
      symbols[start].prev = -1;
      symbols[end - 1].next = -1;
      if (vocab_.ignore_merges) take_whole_piece(normalized, start, end, workspace);
      merge_symbols(normalized, workspace, start, end);
    }
    start = end;
  }
  for (const Symbol& s : symbols)
    if (s.length > 0 && s.id >= 0) ids.push_back(s.id);
}

}  // namespace sprig

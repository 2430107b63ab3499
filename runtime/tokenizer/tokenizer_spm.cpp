// SentencePiece BPE: spaces become "▁" and one goes in front of the text (the dummy prefix),
// text starts as single characters (bytes, as <0xNN> pieces, where a character has no piece),
// and pieces merge by score or, for vocabularies converted from tokenizer.json, by merge rank.
#include <algorithm>

#include "sprig/tokenizer.h"
#include "unicode.h"

namespace sprig {
namespace {

constexpr std::string_view kSpaceMark = "\xe2\x96\x81";  // U+2581


}  // namespace

void Tokenizer::encode_sentencepiece(std::string_view text, bool at_start, IdSink& ids,
                                     Workspace& workspace) const {
  auto& normalized = workspace.normalized;
  normalized.clear();
  if (vocab_.add_space_prefix && at_start) normalized += kSpaceMark;
  for (char c : text) {
    if (c == ' ')
      normalized += kSpaceMark;
    else
      normalized += c;
  }

  using Symbol = Workspace::Symbol;
  auto& symbols = workspace.symbols;
  symbols.clear();
  for (size_t i = 0; i < normalized.size();) {
    // An invalid byte stands alone and falls back to a byte token; judging a character by its
    // lead byte alone would swallow the "▁" after a truncated character (found by fuzzing).
    const size_t length = unicode::decode(normalized, i).length;
    const int32_t id = find(std::string_view(normalized).substr(i, length));
    if (mergeable(id)) {
      symbols.push_back({uint32_t(i), uint32_t(length), id, 0, 0});
    } else {
      for (size_t b = 0; b < length; ++b) {
        const int32_t byte_id = byte_tokens_[static_cast<unsigned char>(normalized[i + b])];
        symbols.push_back({uint32_t(i + b), 1, byte_id >= 0 ? byte_id : vocab_.unk_id, 0, 0});
      }
    }
    i += length;
  }
  // When no piece holds "▁" after another character, a piece can never span the place where a
  // word's "▁" follows other text: merge word by word, in small heaps.
  auto starts_word = [&](size_t i) {
    auto is_mark = [&](const Symbol& s) {
      return std::string_view(normalized).substr(s.start, kSpaceMark.size()) == kSpaceMark;
    };
    return spm_words_split_ && i > 0 && is_mark(symbols[i]) && !is_mark(symbols[i - 1]);
  };
  size_t first = 0;
  for (size_t i = 0; i < symbols.size(); ++i) {
    const bool boundary = i + 1 == symbols.size() || starts_word(i + 1);
    symbols[i].prev = i == first ? -1 : int32_t(i) - 1;
    symbols[i].next = boundary ? -1 : int32_t(i + 1);
    if (boundary) {
      merge_symbols(normalized, workspace, first, i + 1);
      first = i + 1;
    }
  }
  for (const Symbol& s : symbols)
    if (s.length > 0 && s.id >= 0) ids.push_back(s.id);
}

}  // namespace sprig

// The Tokenizer's shared parts: lookup tables built once from the vocabulary, the choice of
// algorithm, special tokens, and decoding. The algorithms live in tokenizer_spm.cpp,
// tokenizer_byte_level.cpp and tokenizer_merge.cpp.
#include "sprig/tokenizer.h"

#include <algorithm>

#include "byte_level.h"
#include "unicode.h"

namespace sprig {
namespace {

constexpr std::string_view kSpaceMark = "\xe2\x96\x81";  // U+2581, SentencePiece's visible space

// Parses "<0xNN>"; returns -1 for anything else.
int byte_piece_value(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int high = hex(piece[3]), low = hex(piece[4]);
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

// The bytes a byte-level piece spells; characters outside GPT-2's map are kept as UTF-8.
void append_byte_level_bytes(std::string_view piece, std::string& out) {
  for (size_t i = 0; i < piece.size();) {
    const unicode::CodePoint cp = unicode::decode(piece, i);
    const int32_t byte = byte_level::byte_of_char(cp.value);
    if (byte >= 0)
      out.push_back(char(byte));
    else
      out.append(piece.substr(i, cp.length));
    i += cp.length;
  }
}

uint64_t pair_key(int32_t left, int32_t right) { return uint64_t(uint32_t(left)) << 32 | uint32_t(right); }

uint64_t pair_hash(uint64_t key) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdull;
  key ^= key >> 33;
  return key;
}

}  // namespace

Tokenizer::Tokenizer(const Vocabulary& vocab) : vocab_(vocab) {
  std::fill(std::begin(byte_tokens_), std::end(byte_tokens_), -1);
  const bool byte_level = vocab.kind == TokenizerKind::ByteLevelBpe;
  decoded_at_.reserve(vocab.pieces.size() + 1);
  for (size_t id = 0; id < vocab.pieces.size(); ++id) {
    const std::string_view piece = vocab.pieces[id];
    const TokenType type = vocab.types[id];
    decoded_at_.push_back(uint32_t(decoded_.size()));
    if ((type == TokenType::Control || type == TokenType::UserDefined) && !piece.empty()) {
      special_tokens_.ids.push_back(int32_t(id));
      if (type == TokenType::UserDefined && piece.find_first_not_of(" \t\r\n") == std::string_view::npos)
        whitespace_tokens_.ids.push_back(int32_t(id));
    }
    if (type == TokenType::Control || type == TokenType::Unknown || type == TokenType::Unused) continue;
    if (type == TokenType::UserDefined) {
      decoded_.append(piece);
      continue;
    }
    if (byte_level) {
      const unicode::CodePoint cp = unicode::decode(piece, 0);
      const int32_t byte = piece.empty() || cp.length != piece.size() ? -1 : byte_level::byte_of_char(cp.value);
      if (byte >= 0 && byte_tokens_[byte] < 0) byte_tokens_[byte] = int32_t(id);
      append_byte_level_bytes(piece, decoded_);
      continue;
    }
    if (type == TokenType::Byte) {
      const int value = byte_piece_value(piece);
      if (value >= 0) {
        if (byte_tokens_[value] < 0) byte_tokens_[value] = int32_t(id);
        decoded_.push_back(char(value));
        continue;
      }
    }
    for (size_t i = 0; i < piece.size();) {
      if (piece.substr(i, kSpaceMark.size()) == kSpaceMark) {
        decoded_.push_back(' ');
        i += kSpaceMark.size();
      } else {
        decoded_.push_back(piece[i++]);
      }
    }
  }
  decoded_at_.push_back(uint32_t(decoded_.size()));
  spm_words_split_ = !byte_level;
  for (size_t id = 0; id < vocab.pieces.size() && spm_words_split_; ++id) {
    const std::string_view piece = vocab.pieces[id];
    for (size_t at = piece.find(kSpaceMark, 1); at != std::string_view::npos; at = piece.find(kSpaceMark, at + 1))
      if (piece.substr(at - kSpaceMark.size(), kSpaceMark.size()) != kSpaceMark && mergeable(int32_t(id)))
        spm_words_split_ = false;
  }
  // Longest first, so "<|im_start|>" wins over a token that is a prefix of it.
  for (TextTokens* tokens : {&special_tokens_, &whitespace_tokens_}) {
    std::stable_sort(tokens->ids.begin(), tokens->ids.end(), [&](int32_t a, int32_t b) {
      return vocab.pieces[size_t(a)].size() > vocab.pieces[size_t(b)].size();
    });
    for (int32_t id : tokens->ids) tokens->first_byte[uint8_t(vocab.pieces[size_t(id)][0])] = true;
  }
  build_piece_table();
  build_merge_table();
}

void Tokenizer::build_piece_table() {
  size_t capacity = 16;
  while (capacity < 2 * vocab_.pieces.size()) capacity *= 2;
  piece_table_.assign(capacity, -1);
  piece_mask_ = capacity - 1;
  for (size_t id = 0; id < vocab_.pieces.size(); ++id) {
    const std::string_view piece = vocab_.pieces[id];
    for (uint64_t slot = std::hash<std::string_view>()(piece) & piece_mask_;; slot = (slot + 1) & piece_mask_) {
      int32_t& s = piece_table_[slot];
      if (s >= 0 && vocab_.pieces[size_t(s)] == piece) break;  // the lowest id wins for duplicate pieces
      if (s < 0) {
        s = int32_t(id);
        break;
      }
    }
  }
}

void Tokenizer::build_merge_table() {
  if (vocab_.merges.empty()) return;
  size_t capacity = 16;
  while (capacity < 2 * vocab_.merges.size()) capacity *= 2;
  merge_table_.assign(capacity, MergeSlot{});
  merge_mask_ = capacity - 1;
  for (size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
    const TokenMerge& m = vocab_.merges[rank];
    const uint64_t key = pair_key(m.left, m.right);
    for (uint64_t slot = pair_hash(key) & merge_mask_;; slot = (slot + 1) & merge_mask_) {
      MergeSlot& s = merge_table_[slot];
      if (s.key == key) break;  // a repeated pair keeps its first (lowest) rank
      if (s.rank < 0) {
        s = {key, int32_t(rank), m.result};
        break;
      }
    }
  }
}

const Tokenizer::MergeSlot* Tokenizer::find_merge(int32_t left, int32_t right) const {
  if (merge_table_.empty() || left < 0 || right < 0) return nullptr;
  const uint64_t key = pair_key(left, right);
  for (uint64_t slot = pair_hash(key) & merge_mask_;; slot = (slot + 1) & merge_mask_) {
    const MergeSlot& s = merge_table_[slot];
    if (s.key == key) return &s;
    if (s.rank < 0) return nullptr;
  }
}

int32_t Tokenizer::find(std::string_view piece) const {
  if (piece_table_.empty()) return -1;
  for (uint64_t slot = std::hash<std::string_view>()(piece) & piece_mask_;; slot = (slot + 1) & piece_mask_) {
    const int32_t id = piece_table_[slot];
    if (id < 0) return -1;
    if (vocab_.pieces[size_t(id)] == piece) return id;
  }
}

namespace {

// Pieces of these kinds never come out of merging text.
bool mergeable_type(TokenType type) {
  return type != TokenType::Control && type != TokenType::UserDefined && type != TokenType::Unknown &&
         type != TokenType::Unused;
}

}  // namespace

bool Tokenizer::mergeable(int32_t id) const { return id >= 0 && mergeable_type(vocab_.types[size_t(id)]); }

int32_t Tokenizer::token_at(const TextTokens& tokens, std::string_view text, size_t at) const {
  if (!tokens.first_byte[uint8_t(text[at])]) return -1;
  for (int32_t id : tokens.ids)
    if (text.substr(at).starts_with(vocab_.pieces[size_t(id)])) return id;
  return -1;
}

namespace {

// SentencePiece splits a space's "▁" into three byte symbols when the vocabulary has no "▁" piece.
size_t symbols_per_space(const Vocabulary& vocab) {
  for (size_t id = 0; id < vocab.pieces.size(); ++id)
    if (vocab.pieces[id] == kSpaceMark && mergeable_type(vocab.types[id])) return 1;
  return 3;
}

}  // namespace

Tokenizer::Workspace::Capacities Tokenizer::Workspace::capacities(const Vocabulary* vocab, size_t text_bytes) {
  // SentencePiece's "▁" takes three bytes where a space took one, plus the prefix; byte-level BPE
  // normalizes. Without a vocabulary, room for every kind; SentencePiece needs no spelling, code
  // points or chunks.
  const bool byte_level = !vocab || vocab->kind == TokenizerKind::ByteLevelBpe;
  const Normalizer form = vocab ? vocab->normalizer : Normalizer::Nfkc;
  const size_t sentencepiece_bytes = 3 * text_bytes + 3;
  const size_t byte_level_bytes = unicode::normalized_bytes_capacity(form, text_bytes);
  const size_t normalized_bytes = !byte_level ? sentencepiece_bytes
                                  : vocab     ? byte_level_bytes
                                              : std::max(sentencepiece_bytes, byte_level_bytes);
  Capacities c;
  c.normalized = normalized_bytes;
  c.spelled = byte_level ? 2 * normalized_bytes : 0;
  c.code_points = byte_level ? unicode::normalize_capacity(form, text_bytes) : 0;
  c.chunk_ends = byte_level ? normalized_bytes + 1 : 0;
  // Byte-level BPE starts from one symbol per normalized byte. SentencePiece starts from one per
  // character or, for a character without a piece, one per byte: at most one per text byte,
  // except the spaces (and the prefix) whose "▁" may need three.
  c.symbols = byte_level ? normalized_bytes : symbols_per_space(*vocab) * (text_bytes + 1);
  // merge_symbols compacts the queue when it is full, and a compacted queue holds at most one
  // candidate per pair of neighbours: fewer than the symbols.
  c.queue = c.symbols;
  return c;
}

void Tokenizer::Workspace::reserve(size_t text_bytes) { reserve(capacities(nullptr, text_bytes)); }

void Tokenizer::Workspace::reserve(const Vocabulary& vocab, size_t text_bytes) {
  reserve(capacities(&vocab, text_bytes));
}

void Tokenizer::Workspace::reserve(const Capacities& c) {
  normalized.reserve(c.normalized);
  spelled.reserve(c.spelled);
  code_points.reserve(c.code_points);
  chunk_ends.reserve(c.chunk_ends);
  symbols.reserve(c.symbols);
  queue.reserve(c.queue);
}

size_t Tokenizer::Workspace::arena_bytes(const Vocabulary& vocab, size_t text_bytes) {
  const Capacities c = capacities(&vocab, text_bytes);
  // Each buffer rounded to 16 bytes, plus the terminating zero of the strings.
  auto bytes = [](size_t count, size_t size) { return (count * size + 16 + 15) / 16 * 16; };
  return bytes(c.normalized, 1) + bytes(c.spelled, 1) + bytes(c.code_points, sizeof(int32_t)) +
         bytes(c.chunk_ends, sizeof(uint32_t)) + bytes(c.symbols, sizeof(Symbol)) + bytes(c.queue, sizeof(Candidate));
}

void Tokenizer::encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids) const {
  Workspace workspace;
  encode(text, add_bos, ids, workspace);
}

void Tokenizer::encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids, Workspace& workspace) const {
  EncodeOptions options;
  options.add_bos = add_bos;
  encode(text, options, ids, workspace);
}

void Tokenizer::encode(std::string_view text, const EncodeOptions& options, std::vector<int32_t>& ids,
                       Workspace& workspace) const {
  IdSink sink;
  sink.vector = &ids;
  encode_into(text, options, sink, workspace);
}

Tokenizer::Encoded Tokenizer::encode(std::string_view text, const EncodeOptions& options, std::span<int32_t> ids,
                                     Workspace& workspace) const {
  IdSink sink;
  sink.fixed = ids;
  encode_into(text, options, sink, workspace);
  return {sink.count, !sink.overflow};
}

void Tokenizer::encode_into(std::string_view text, const EncodeOptions& options, IdSink& ids,
                            Workspace& workspace) const {
  if (options.add_bos && vocab_.bos_id >= 0) ids.push_back(vocab_.bos_id);
  const TextTokens& tokens = options.parse_special ? special_tokens_ : whitespace_tokens_;
  if (tokens.ids.empty()) {
    encode_text(text, true, ids, workspace);
    return;
  }
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const int32_t special = token_at(tokens, text, i);
    if (special < 0) {
      ++i;
      continue;
    }
    encode_text(text.substr(start, i - start), start == 0, ids, workspace);
    ids.push_back(special);
    i += vocab_.pieces[size_t(special)].size();
    start = i;
  }
  encode_text(text.substr(start), start == 0, ids, workspace);
}

void Tokenizer::encode_text(std::string_view text, bool at_start, IdSink& ids, Workspace& workspace) const {
  if (text.empty()) return;
  if (vocab_.kind == TokenizerKind::ByteLevelBpe)
    encode_byte_level(text, ids, workspace);
  else
    encode_sentencepiece(text, at_start, ids, workspace);
}

std::string_view Tokenizer::decode(int32_t previous, int32_t token) const {
  if (token < 0 || size_t(token) >= vocab_.pieces.size()) return {};
  std::string_view bytes(decoded_.data() + decoded_at_[size_t(token)],
                         decoded_at_[size_t(token) + 1] - decoded_at_[size_t(token)]);
  const bool at_start = previous < 0 || previous == vocab_.bos_id;
  if (vocab_.kind == TokenizerKind::SentencePieceBpe && at_start && vocab_.add_space_prefix && !bytes.empty() &&
      bytes[0] == ' ')
    bytes.remove_prefix(1);
  return bytes;
}

}  // namespace sprig

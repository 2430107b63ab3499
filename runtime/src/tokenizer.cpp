#include "sprig/tokenizer.h"

#include <cstdio>
#include <algorithm>

namespace sprig {
namespace {

constexpr std::string_view kSpaceMark = "\xe2\x96\x81";  // U+2581, SentencePiece's visible space

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) == 0xc0) return 2;
  if ((lead & 0xf0) == 0xe0) return 3;
  if ((lead & 0xf8) == 0xf0) return 4;
  return 1;  // a stray continuation or invalid byte stands alone and falls back to bytes
}

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

}  // namespace

Tokenizer::Tokenizer(const Vocabulary& vocab) : vocab_(vocab) {
  std::fill(std::begin(byte_tokens_), std::end(byte_tokens_), -1);
  ids_by_piece_.reserve(vocab.pieces.size());
  decoded_at_.reserve(vocab.pieces.size() + 1);
  for (size_t id = 0; id < vocab.pieces.size(); ++id) {
    const std::string_view piece = vocab.pieces[id];
    const TokenType type = vocab.types[id];
    ids_by_piece_.emplace(piece, int32_t(id));  // the lowest id wins for duplicate pieces
    decoded_at_.push_back(uint32_t(decoded_.size()));
    if (type == TokenType::Byte) {
      const int value = byte_piece_value(piece);
      if (value >= 0) {
        if (byte_tokens_[value] < 0) byte_tokens_[value] = int32_t(id);
        decoded_.push_back(char(value));
        continue;
      }
    }
    if (type == TokenType::Control || type == TokenType::Unknown || type == TokenType::Unused) continue;
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
}

int32_t Tokenizer::find(std::string_view piece) const {
  auto it = ids_by_piece_.find(piece);
  return it == ids_by_piece_.end() ? -1 : it->second;
}

void Tokenizer::Workspace::reserve(size_t text_bytes) {
  // "▁" takes three bytes where a space took one, plus the prefix; every byte may be a symbol,
  // and each merge queues at most two new candidates.
  const size_t normalized_bytes = 3 * text_bytes + 3;
  normalized.reserve(normalized_bytes);
  symbols.reserve(normalized_bytes);
  queue.reserve(3 * normalized_bytes);
}

void Tokenizer::encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids) const {
  Workspace workspace;
  encode(text, add_bos, ids, workspace);
}

void Tokenizer::encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids, Workspace& workspace) const {
  if (add_bos && vocab_.bos_id >= 0) ids.push_back(vocab_.bos_id);
  if (text.empty()) return;

  // SentencePiece normalisation: spaces become "▁", and one is put in front of the text.
  std::string& normalized = workspace.normalized;
  normalized.clear();
  if (vocab_.add_space_prefix) normalized += kSpaceMark;
  for (char c : text) {
    if (c == ' ')
      normalized += kSpaceMark;
    else
      normalized += c;
  }

  // Start from single characters (bytes where a character has no piece), then merge the
  // adjacent pair whose union has the highest score, leftmost first on ties, until none is left.
  using Symbol = Workspace::Symbol;
  using Candidate = Workspace::Candidate;
  std::vector<Symbol>& symbols = workspace.symbols;
  symbols.clear();
  for (size_t i = 0; i < normalized.size();) {
    const size_t length = std::min(utf8_length(static_cast<unsigned char>(normalized[i])), normalized.size() - i);
    const int32_t id = find(std::string_view(normalized).substr(i, length));
    if (id >= 0) {
      symbols.push_back({uint32_t(i), uint32_t(length), id, 0, 0});
    } else {
      for (size_t b = 0; b < length; ++b) {
        const int32_t byte_id = byte_tokens_[static_cast<unsigned char>(normalized[i + b])];
        symbols.push_back({uint32_t(i + b), 1, byte_id >= 0 ? byte_id : vocab_.unk_id, 0, 0});
      }
    }
    i += length;
  }
  for (size_t i = 0; i < symbols.size(); ++i) {
    symbols[i].prev = int32_t(i) - 1;
    symbols[i].next = i + 1 < symbols.size() ? int32_t(i + 1) : -1;
  }

  std::vector<Candidate>& queue = workspace.queue;
  queue.clear();
  auto less_urgent = [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  };
  auto consider = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = symbols[size_t(left)].next;
    if (right < 0) return;
    const Symbol& a = symbols[size_t(left)];
    const Symbol& b = symbols[size_t(right)];
    const int32_t id = find(std::string_view(normalized).substr(a.start, a.length + b.length));
    if (id < 0) return;
    queue.push_back({vocab_.scores[size_t(id)], left, right, a.length + b.length, id});
    std::push_heap(queue.begin(), queue.end(), less_urgent);
  };
  for (size_t i = 0; i < symbols.size(); ++i) consider(int32_t(i));

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), less_urgent);
    const Candidate top = queue.back();
    queue.pop_back();
    Symbol& left = symbols[size_t(top.left)];
    Symbol& right = symbols[size_t(top.right)];
    if (left.length == 0 || right.length == 0 || left.next != top.right ||
        left.length + right.length != top.length)
      continue;
    left.length += right.length;
    left.id = top.id;
    left.next = right.next;
    if (right.next >= 0) symbols[size_t(right.next)].prev = top.left;
    right.length = 0;
    consider(left.prev);
    consider(top.left);
  }
  for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next)
    if (symbols[size_t(i)].id >= 0) ids.push_back(symbols[size_t(i)].id);
}

std::string_view Tokenizer::decode(int32_t previous, int32_t token) const {
  if (token < 0 || size_t(token) >= vocab_.pieces.size()) return {};
  std::string_view bytes(decoded_.data() + decoded_at_[size_t(token)],
                         decoded_at_[size_t(token) + 1] - decoded_at_[size_t(token)]);
  const bool at_start = previous < 0 || previous == vocab_.bos_id;
  if (at_start && vocab_.add_space_prefix && !bytes.empty() && bytes[0] == ' ') bytes.remove_prefix(1);
  return bytes;
}

}  // namespace sprig

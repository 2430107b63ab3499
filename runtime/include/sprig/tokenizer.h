// Text to token ids and back, for the SentencePiece BPE vocabularies of the Llama family.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sprig/model.h"

namespace sprig {

class Tokenizer {
 public:
  // Working memory of encode. Reserved for a text size, encoding texts up to that size (into an
  // `ids` vector with room for them) allocates nothing.
  class Workspace {
   public:
    void reserve(size_t text_bytes);

   private:
    friend class Tokenizer;
    struct Symbol {
      uint32_t start, length;
      int32_t id;
      int32_t prev, next;
    };
    struct Candidate {
      float score;
      int32_t left, right;
      uint32_t length;  // of the merged text, to notice pairs made stale by earlier merges
      int32_t id;
    };
    std::string normalized;
    std::vector<Symbol> symbols;
    std::vector<Candidate> queue;  // a binary heap
  };

  explicit Tokenizer(const Vocabulary& vocab);

  // Appends the ids of `text` to `ids`; with add_bos the model's BOS comes first (when it has one).
  void encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids, Workspace& workspace) const;
  void encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids) const;

  // The bytes a token stands for when it follows `previous` (-1 at the start): "▁" becomes a
  // space, <0xNN> becomes that byte, control tokens are empty, and the space SentencePiece
  // put in front of the first word is dropped again. The view lives as long as the tokenizer.
  std::string_view decode(int32_t previous, int32_t token) const;

  int32_t bos_id() const { return vocab_.bos_id; }
  int32_t eos_id() const { return vocab_.eos_id; }
  size_t vocab_size() const { return vocab_.pieces.size(); }
  std::string_view piece(int32_t token) const { return vocab_.pieces[size_t(token)]; }

 private:
  int32_t find(std::string_view piece) const;

  const Vocabulary& vocab_;
  std::unordered_map<std::string_view, int32_t> ids_by_piece_;
  int32_t byte_tokens_[256];
  std::string decoded_;              // every token's bytes, back to back
  std::vector<uint32_t> decoded_at_;  // token i spans [decoded_at_[i], decoded_at_[i + 1])
};

}  // namespace sprig

// Text to token ids and back: SentencePiece BPE (Llama 2 family, TinyLlama, Phi-3, stories260K)
// and byte-level BPE (GPT-2, Qwen2, Llama-3, Falcon, SmolLM, MPT), built from a model file's
// vocabulary.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sprig/vocabulary.h"

namespace sprig {

struct EncodeOptions {
  bool add_bos = false;
  // Whether control and added tokens written in the text ("<|im_end|>", "</s>") become those
  // tokens. Off by default, so user text cannot forge a role turn; chat templates insert
  // control tokens by id instead. Added tokens made only of whitespace (GPT-NeoX's runs of
  // spaces) forge nothing and always match, as in the source tokenizers.
  bool parse_special = false;
};

class Tokenizer {
 public:
  // Working memory of encode. Reserved for a text size, encoding texts up to that size (into an
  // `ids` vector with room for them) allocates nothing. With a memory resource (a session's
  // arena region over std::pmr::null_memory_resource) every buffer comes from it.
  class Workspace {
   public:
    Workspace() = default;
    explicit Workspace(std::pmr::memory_resource* memory)
        : normalized(memory), spelled(memory), code_points(memory), chunk_ends(memory), symbols(memory),
          queue(memory) {}
    void reserve(size_t text_bytes);
    // Only what this vocabulary's kind of tokenizer uses.
    void reserve(const Vocabulary& vocab, size_t text_bytes);
    // The bytes reserve(vocab, text_bytes) takes (a session plans them).
    static size_t arena_bytes(const Vocabulary& vocab, size_t text_bytes);

   private:
    friend class Tokenizer;
    // Elements each buffer needs for texts up to `text_bytes`.
    struct Capacities {
      size_t normalized, spelled, code_points, chunk_ends, symbols, queue;
    };
    static Capacities capacities(const Vocabulary* vocab, size_t text_bytes);
    void reserve(const Capacities& c);
    struct Symbol {
      uint32_t start, length;
      int32_t id;
      int32_t prev, next;
    };
    struct Candidate {
      float score;  // SentencePiece score, or minus the merge rank
      int32_t left, right;
      uint32_t length;  // of the merged text, to notice pairs made stale by earlier merges
      int32_t id;
    };
    std::pmr::string normalized;
    std::pmr::string spelled;  // a chunk in byte-level spelling, for whole-piece lookups
    std::pmr::vector<int32_t> code_points;
    std::pmr::vector<uint32_t> chunk_ends;
    std::pmr::vector<Symbol> symbols;
    std::pmr::vector<Candidate> queue;  // a binary heap
  };

  // What encode into a fixed buffer produced: the ids written, and whether all of them fitted.
  struct Encoded {
    size_t count = 0;
    bool complete = true;
  };

  explicit Tokenizer(const Vocabulary& vocab);

  // Appends the ids of `text` to `ids`.
  void encode(std::string_view text, const EncodeOptions& options, std::vector<int32_t>& ids,
              Workspace& workspace) const;
  // With add_bos the model's BOS comes first (when it has one); special tokens are plain text.
  void encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids, Workspace& workspace) const;
  void encode(std::string_view text, bool add_bos, std::vector<int32_t>& ids) const;
  // Into a fixed buffer; ids past its end are counted in neither count nor buffer.
  Encoded encode(std::string_view text, const EncodeOptions& options, std::span<int32_t> ids,
                 Workspace& workspace) const;

  // The bytes a token stands for when it follows `previous` (-1 at the start): "▁" becomes a
  // space, <0xNN> and byte-level characters become their bytes, control tokens are empty, and
  // the space SentencePiece put in front of the first word is dropped again. The view lives as
  // long as the tokenizer.
  std::string_view decode(int32_t previous, int32_t token) const;

  int32_t bos_id() const { return vocab_.bos_id; }
  int32_t eos_id() const { return vocab_.eos_id; }
  // EOS or one of the model's other stop tokens (generation_config.json's eos list).
  bool ends_generation(int32_t token) const {
    return token == vocab_.eos_id || std::find(vocab_.stop_ids.begin(), vocab_.stop_ids.end(), token) != vocab_.stop_ids.end();
  }
  size_t vocab_size() const { return vocab_.pieces.size(); }
  std::string_view piece(int32_t token) const { return vocab_.pieces[size_t(token)]; }
  TokenType type(int32_t token) const { return vocab_.types[size_t(token)]; }
  // Whether a prompt starts with BOS (the source tokenizer's add_bos_token).
  bool vocab_adds_bos() const { return vocab_.add_bos; }
  // The id of a piece as the vocabulary spells it, or -1.
  int32_t find(std::string_view piece) const;

 private:
  // Pairs of adjacent tokens that merge, for ranked BPE: open addressing on (left, right).
  struct MergeSlot {
    uint64_t key = ~uint64_t(0);
    int32_t rank = -1, result = -1;
  };
  const MergeSlot* find_merge(int32_t left, int32_t right) const;
  void build_merge_table();

  // Where encode appends ids: a growing vector, or a fixed buffer that notes overflow.
  struct IdSink {
    std::vector<int32_t>* vector = nullptr;
    std::span<int32_t> fixed;
    size_t count = 0;
    bool overflow = false;
    void push_back(int32_t id) {
      if (vector) {
        vector->push_back(id);
      } else if (count < fixed.size()) {
        fixed[count++] = id;
      } else {
        overflow = true;
      }
    }
  };
  void encode_into(std::string_view text, const EncodeOptions& options, IdSink& ids, Workspace& workspace) const;
  void encode_text(std::string_view text, bool at_start, IdSink& ids, Workspace& workspace) const;
  void encode_sentencepiece(std::string_view text, bool at_start, IdSink& ids, Workspace& workspace) const;
  void encode_byte_level(std::string_view text, IdSink& ids, Workspace& workspace) const;
  void take_whole_piece(std::string_view text, size_t start, size_t end, Workspace& workspace) const;
  // Merges the workspace's symbols [first, last) by rank (merges) or by score (SentencePiece
  // without merges).
  void merge_symbols(std::string_view text, Workspace& workspace, size_t first, size_t last) const;
  // Tokens matched in the text before it is split, longest first.
  struct TextTokens {
    std::vector<int32_t> ids;
    bool first_byte[256] = {};
  };
  // The token of `tokens` whose text starts at `at`, or -1.
  int32_t token_at(const TextTokens& tokens, std::string_view text, size_t at) const;
  // Whether merges may produce the token: never control, added or unknown tokens.
  bool mergeable(int32_t id) const;

  const Vocabulary& vocab_;
  // Piece -> id by open addressing over ids (-1: empty), 4 bytes a slot: a 128K vocabulary costs
  // 1 MiB here, where a node-based map took 7, which counts on a phone.
  void build_piece_table();
  std::vector<int32_t> piece_table_;
  uint64_t piece_mask_ = 0;
  int32_t byte_tokens_[256];
  std::vector<MergeSlot> merge_table_;
  uint64_t merge_mask_ = 0;
  bool spm_words_split_ = false;  // no SentencePiece piece holds "▁" after another character
  TextTokens special_tokens_;     // every control and added token
  TextTokens whitespace_tokens_;  // the added tokens that are only whitespace
  std::string decoded_;              // every token's bytes, back to back
  std::vector<uint32_t> decoded_at_;  // token i spans [decoded_at_[i], decoded_at_[i + 1])
};

}  // namespace sprig

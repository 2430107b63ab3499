// A SentencePiece tokenizer.model (Llama 2, Mistral, TinyLlama folders), read through
// libsentencepiece: it parses and checks the protobuf, and gives the pieces, scores, types and
// special ids. Whether the model merges (BPE) and how it normalizes are read from the spec
// fields themselves, because the library does not expose them without the protobuf headers.
#include <sentencepiece_processor.h>

#include <filesystem>
#include <string_view>
#include <vector>

#include "checkpoint.h"

namespace sprig::convert {
namespace {

// The few ModelProto fields sprig needs, by their protobuf field numbers
// (sentencepiece_model.proto): trainer_spec = 2 { model_type = 3 }, normalizer_spec = 3
// { name = 1, add_dummy_prefix = 3, remove_extra_whitespaces = 4 }, pieces = 1 { type = 3 }.
struct SpecFields {
  int model_type = 1;  // UNIGRAM, the proto's default
  std::string normalizer = "nmt_nfkc";
  bool add_dummy_prefix = true, remove_extra_whitespaces = true;
  std::vector<size_t> user_defined;  // ids of pieces = 1 { type = 3 } that are USER_DEFINED (4)
};

// Walks one protobuf message; calls `field(number, wire_type, varint, bytes)` for each field.
// Returns false on malformed input (libsentencepiece has parsed it already, so this is a guard).
template <typename Field>
bool walk_message(std::string_view message, Field field) {
  size_t at = 0;
  auto varint = [&](uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && at < message.size(); shift += 7) {
      const uint8_t byte = uint8_t(message[at++]);
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  };
  while (at < message.size()) {
    uint64_t key = 0, value = 0;
    if (!varint(key)) return false;
    const int wire = int(key & 7);
    std::string_view bytes;
    if (wire == 0) {
      if (!varint(value)) return false;
    } else if (wire == 2) {
      if (!varint(value) || value > message.size() - at) return false;
      bytes = message.substr(at, size_t(value));
      at += size_t(value);
    } else if (wire == 5 || wire == 1) {
      const size_t width = wire == 5 ? 4 : 8;
      if (message.size() - at < width) return false;
      at += width;
    } else {
      return false;
    }
    field(uint32_t(key >> 3), wire, value, bytes);
  }
  return true;
}

SpecFields read_spec_fields(std::string_view proto, const std::string& path) {
  SpecFields spec;
  size_t piece = 0;
  bool ok = walk_message(proto, [&](uint32_t number, int wire, uint64_t, std::string_view bytes) {
    if (wire != 2) return;
    if (number == 1) {
      walk_message(bytes, [&](uint32_t n, int w, uint64_t v, std::string_view) {
        if (n == 3 && w == 0 && v == 4) spec.user_defined.push_back(piece);
      });
      ++piece;
    }
    if (number == 2)
      walk_message(bytes, [&](uint32_t n, int w, uint64_t v, std::string_view) {
        if (n == 3 && w == 0) spec.model_type = int(v);
      });
    if (number == 3)
      walk_message(bytes, [&](uint32_t n, int w, uint64_t v, std::string_view b) {
        if (n == 1 && w == 2) spec.normalizer = std::string(b);
        if (n == 3 && w == 0) spec.add_dummy_prefix = v != 0;
        if (n == 4 && w == 0) spec.remove_extra_whitespaces = v != 0;
      });
  });
  if (!ok) throw ConvertError(path + ": the SentencePiece model's protobuf is malformed");
  return spec;
}

const char* model_type_name(int type) {
  switch (type) {
    case 1: return "unigram";
    case 2: return "bpe";
    case 3: return "word";
    case 4: return "char";
  }
  return "unknown";
}

}  // namespace

TokenizerData read_sentencepiece_model(const std::string& path) {
  sentencepiece::SentencePieceProcessor processor;
  const auto status = processor.Load(path);
  if (!status.ok()) throw ConvertError(path + ": not a SentencePiece model: " + status.ToString());
  const SpecFields spec = read_spec_fields(processor.serialized_model_proto(), path);
  // The runtime merges by score (SentencePiece BPE); a unigram model picks pieces by a lattice.
  if (spec.model_type != 2)
    throw ConvertError(path + ": SentencePiece model type '" + model_type_name(spec.model_type) +
                       "' is not supported (bpe is)");
  // Llama-style models normalize nothing; NFKC rules and whitespace folding would change ids.
  if (spec.normalizer != "identity" || spec.remove_extra_whitespaces)
    throw ConvertError(path + ": SentencePiece normalizer '" + spec.normalizer + "'" +
                       (spec.remove_extra_whitespaces ? " with remove_extra_whitespaces" : "") +
                       " is not supported (identity without whitespace folding is)");
  TokenizerData tokenizer;
  tokenizer.kind = TokenizerKind::SentencePieceBpe;
  tokenizer.pre_tokenizer = PreTokenizer::Whole;
  tokenizer.source_format = "tokenizer.model";
  tokenizer.add_space_prefix = spec.add_dummy_prefix;
  const int size = processor.GetPieceSize();
  if (size <= 0 || size > (1 << 22)) throw ConvertError(path + ": vocabulary size " + std::to_string(size) + " is out of range");
  for (int id = 0; id < size; ++id) {
    tokenizer.pieces.push_back(processor.IdToPiece(id));
    tokenizer.scores.push_back(processor.GetScore(id));
    TokenType type = TokenType::Normal;
    if (processor.IsUnknown(id)) type = TokenType::Unknown;
    else if (processor.IsControl(id)) type = TokenType::Control;
    else if (processor.IsByte(id)) type = TokenType::Byte;
    else if (processor.IsUnused(id)) type = TokenType::Unused;
    tokenizer.types.push_back(type);
  }
  for (size_t id : spec.user_defined)
    if (id < tokenizer.types.size()) tokenizer.types[id] = TokenType::UserDefined;
  tokenizer.bos_id = processor.bos_id();
  tokenizer.eos_id = processor.eos_id();
  tokenizer.unk_id = processor.unk_id();
  tokenizer.pad_id = processor.pad_id();
  return tokenizer;
}

}  // namespace sprig::convert

// libFuzzer target over the tokenizers and the streaming detokenizer. The first input byte picks
// a tokenizer and options; the rest is text to encode, and also read as token ids to decode.
// Properties: no crash or sanitizer report, ids inside the vocabulary, byte-level and
// SentencePiece encodings decode back to the exact input (without normalization or special
// tokens), and the streamed output is always valid UTF-8.
// SPRIG_FUZZ_TOKENIZERS names a folder of vocab-only .sprig files (tests/fuzz_test.sh makes it).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sprig/model.h"
#include "sprig/tokenizer.h"
#include "sprig/utf8_stream.h"

using namespace sprig;

namespace {

struct Loaded {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  bool every_byte = true;  // some vocabularies (Falcon's) lack a few control bytes
};
std::vector<Loaded> tokenizers;

// Strict UTF-8, as Utf8Stream judges it: no overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t n = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      const unsigned char b = s[i + k];
      if ((b & 0xc0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}

void fail(const char* what) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("SPRIG_FUZZ_TOKENIZERS");
  if (!dir) fail("SPRIG_FUZZ_TOKENIZERS is not set");
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".sprig") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    auto model = Model::open(path);
    if (!model) fail(model.error().message().c_str());
    Loaded loaded{model.value(), std::make_unique<Tokenizer>(model.value()->vocab())};
    for (int b = 0; b < 256; ++b) {
      std::vector<int32_t> ids;
      const std::string byte(1, char(b));
      loaded.tokenizer->encode(byte, false, ids);
      std::string back;
      for (int32_t id : ids) back += loaded.tokenizer->decode(-1, id);
      if (back != byte) loaded.every_byte = false;
    }
    tokenizers.push_back(std::move(loaded));
  }
  if (tokenizers.empty()) fail("no tokenizers to fuzz");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Loaded& loaded = tokenizers[data[0] % tokenizers.size()];
  const Tokenizer& tokenizer = *loaded.tokenizer;
  const Vocabulary& vocab = loaded.model->vocab();
  EncodeOptions options;
  options.add_bos = data[0] & 0x40;
  options.parse_special = data[0] & 0x80;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<int32_t> ids;
  Tokenizer::Workspace workspace;
  workspace.reserve(text.size());
  tokenizer.encode(text, options, ids, workspace);
  for (int32_t id : ids)
    if (id < 0 || size_t(id) >= tokenizer.vocab_size()) fail("id outside the vocabulary");

  std::string plain, streamed;
  Utf8Stream stream;
  int32_t previous = -1;
  for (int32_t id : ids) {
    plain.append(tokenizer.decode(previous, id));
    stream.push(tokenizer.decode(previous, id), streamed);
    previous = id;
  }
  stream.finish(streamed);
  if (!valid_utf8(streamed)) fail("streamed text is not valid UTF-8");
  // SentencePiece spells spaces "▁" (U+2581), so a "▁" typed in the text decodes as a space.
  const bool spm_mark = vocab.kind == TokenizerKind::SentencePieceBpe && text.find("\xe2\x96\x81") != text.npos;
  const bool lossless =
      loaded.every_byte && vocab.normalizer == Normalizer::Identity && !options.parse_special && !spm_mark;
  if (lossless && !options.add_bos && plain != text) fail("decode(encode(x)) != x");
  if (lossless && valid_utf8(std::string(text)) && streamed != text) fail("streamed decode differs from the text");

  // The detokenizer on arbitrary ids, including ids outside the vocabulary.
  std::string out;
  Utf8Stream ids_stream;
  previous = -1;
  for (size_t i = 1; i + 3 <= size; i += 3) {
    const int32_t id = int32_t(data[i] | data[i + 1] << 8 | data[i + 2] << 16) - 1000;
    ids_stream.push(tokenizer.decode(previous, id), out);
    previous = id;
  }
  ids_stream.finish(out);
  if (!valid_utf8(out)) fail("decoded ids are not valid UTF-8");
  return 0;
}

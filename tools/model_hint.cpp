#include "model_hint.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace sprig::cli {
namespace {

namespace fs = std::filesystem;

std::string sprig_name(const fs::path& path) {
  fs::path name = path.filename();
  if (name.empty()) name = path.parent_path().filename();  // "folder/"
  return name.replace_extension(".sprig").string();
}

// llama2.c's header: seven int32 (dim, hidden_dim, layers, heads, kv_heads, vocab (negative:
// separate classifier), seq_len), all of sane sizes.
bool looks_like_llama2c(const unsigned char* h, size_t n) {
  if (n < 28) return false;
  int32_t v[7];
  std::memcpy(v, h, sizeof v);
  const int32_t vocab = v[5] < 0 ? -v[5] : v[5];
  return v[0] > 0 && v[0] <= 65536 && v[1] > 0 && v[1] <= 1 << 20 && v[2] > 0 && v[2] <= 1024 && v[3] > 0 &&
         v[3] <= 1024 && v[4] > 0 && v[4] <= v[3] && v[3] % v[4] == 0 && v[0] % v[3] == 0 && vocab > 0 &&
         vocab <= 1 << 22 && v[6] > 0 && v[6] <= 1 << 24;
}

}  // namespace

std::optional<std::string> foreign_model_hint(const std::string& path) {
  std::error_code error;
  const fs::path p(path);
  if (fs::is_directory(p, error)) {
    if (fs::exists(p / "config.json", error))
      return path + " is a Hugging Face model folder (config.json and safetensors weights); sprig runs .sprig files. "
                    "Convert it once with:\n  sprig-convert " + path + " -o " + sprig_name(p);
    return path + " is a folder, not a model file (sprig runs .sprig files made by sprig-convert)";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // the loader names the missing file
  unsigned char head[32] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const size_t n = size_t(in.gcount());
  // A .sprig file (a size-prefixed FlatBuffer: the identifier follows the size and the root offset)
  // is for the loader to judge.
  if (n >= 12 && std::memcmp(head + 8, "SPRG", 4) == 0) return std::nullopt;
  if (n >= 4 && std::memcmp(head, "GGUF", 4) == 0)
    return path + " is a GGUF file (llama.cpp's format); sprig runs .sprig files. Convert it once with:\n"
                  "  sprig-convert " + path + " -o " + sprig_name(p);
  if (p.extension() == ".safetensors")
    return path + " is a safetensors file of a Hugging Face checkpoint; convert its folder (with config.json and "
                  "tokenizer.json) once with:\n  sprig-convert " + p.parent_path().string() + " -o " +
           sprig_name(p.parent_path().empty() ? fs::path(".") : p.parent_path());
  if (looks_like_llama2c(head, n))
    return path + " looks like a llama2.c checkpoint (.bin); sprig runs .sprig files. Convert it once, with its "
                  "tokenizer (tokenizer.bin, or tok512.bin for stories260K), with:\n  sprig-convert " + path +
           " --tokenizer tokenizer.bin -o " + sprig_name(p);
  return std::nullopt;
}

}  // namespace sprig::cli

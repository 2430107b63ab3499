// When -m names something that is not a .sprig file but a checkpoint sprig-convert reads (a GGUF
// file, a llama2.c .bin, a Hugging Face folder or its safetensors), says what it is and the
// sprig-convert command that makes a .sprig of it.
#pragma once

#include <optional>
#include <string>

namespace sprig::cli {

// The explanation, or nothing when `path` does not look like such a checkpoint.
std::optional<std::string> foreign_model_hint(const std::string& path);

}  // namespace sprig::cli

// Opens the model file `sprig tokenize --tokenizer SOURCE` reads. A sprig file opens directly;
// any other source (tokenizer.json, a vocab.json + merges.txt folder, GGUF, llama2.c .bin) is
// converted by `sprig-convert --tokenizer-only` from beside this binary into a temporary
// vocab-only file, so the device binary itself carries no JSON parser.
#pragma once

#include <memory>
#include <string>

#include "sprig/model.h"

namespace sprig::cli {

Result<std::shared_ptr<const Model>> open_tokenizer_source(const std::string& source, const char* argv0);

}  // namespace sprig::cli

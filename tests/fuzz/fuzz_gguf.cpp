// libFuzzer target over GGUF files: the container, the metadata the converter reads (model and
// tokenizer) and the tensor data it loads.
#include "converter_checks.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_file("input.gguf", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_named_refusal<convert::ConvertError>([&] { fuzz::check_checkpoint(convert::read_gguf(path)); });
  fuzz::expect_named_refusal<convert::ConvertError>(
      [&] { fuzz::check_tokenizer(convert::read_gguf_tokenizer(path), path); });
  return 0;
}

// libFuzzer target over llama2.c files: the first byte picks a checkpoint (even) or a tokenizer
// .bin (odd); the rest is the file.
#include "converter_checks.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = fuzz::write_file("input.bin", {reinterpret_cast<const char*>(data + 1), size - 1});
  if (data[0] % 2 == 0)
    fuzz::expect_named_refusal<convert::ConvertError>([&] { fuzz::check_checkpoint(convert::read_llama2c(path)); });
  else
    fuzz::expect_named_refusal<convert::ConvertError>(
        [&] { fuzz::check_tokenizer(convert::read_llama2c_tokenizer(path, 0), path); });
  return 0;
}

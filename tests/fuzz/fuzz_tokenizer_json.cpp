// libFuzzer target over tokenizer.json (and the tokenizer_config.json the reader finds beside
// it, after the file separator line when the input has one).
#include "converter_checks.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [tokenizer, config] = fuzz::split_files({reinterpret_cast<const char*>(data), size});
  const std::string path = fuzz::write_file("tokenizer.json", tokenizer);
  if (config.empty()) fuzz::remove_file("tokenizer_config.json");
  else fuzz::write_file("tokenizer_config.json", config);
  fuzz::expect_named_refusal<convert::ConvertError>(
      [&] { fuzz::check_tokenizer(convert::read_tokenizer_json(path), path); });
  return 0;
}

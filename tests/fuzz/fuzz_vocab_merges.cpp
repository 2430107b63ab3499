// libFuzzer target over GPT-2 style tokenizer folders: vocab.json, then (after the file
// separator line) merges.txt.
#include "converter_checks.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [vocab, merges] = fuzz::split_files({reinterpret_cast<const char*>(data), size});
  fuzz::write_file("vocab.json", vocab);
  fuzz::write_file("merges.txt", merges);
  const std::string folder = fuzz::scratch_folder().string();
  fuzz::expect_named_refusal<convert::ConvertError>(
      [&] { fuzz::check_tokenizer(convert::read_vocab_merges(folder), folder); });
  return 0;
}

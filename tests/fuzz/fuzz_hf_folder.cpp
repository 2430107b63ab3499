// libFuzzer target over Hugging Face folders: config.json, then (after the file separator line)
// model.safetensors, read as sprig-convert reads a folder, tensors loaded.
#include "converter_checks.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [config, weights] = fuzz::split_files({reinterpret_cast<const char*>(data), size});
  fuzz::write_file("config.json", config);
  fuzz::write_file("model.safetensors", weights);
  const std::string folder = fuzz::scratch_folder().string();
  fuzz::expect_named_refusal<convert::ConvertError>([&] { fuzz::check_checkpoint(convert::read_hf_folder(folder)); });
  return 0;
}

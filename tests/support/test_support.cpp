#include "test_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "checkpoint.h"
#include "model_writer.h"

namespace sprig::test {

namespace fs = std::filesystem;

std::string shared_dir(const char* test_name) {
  const char* override_dir = std::getenv("SPRIG_SHARED");
  const std::string dir = override_dir ? override_dir : SPRIG_SHARED_DIR;
  if (fs::exists(fs::path(dir) / "models")) return dir;
  std::fprintf(stderr, "NOTICE: skipped '%s': shared test data not found at %s\n", test_name, dir.c_str());
  return "";
}

std::string python(const char* test_name) {
  const std::string python = SPRIG_PYTHON;
  if (!python.empty()) return python;
  std::fprintf(stderr, "NOTICE: skipped '%s': no Python 3 with NumPy was found at configure time\n", test_name);
  return "";
}

std::string tests_dir() { return SPRIG_TESTS_DIR; }

std::string work_dir(const std::string& name) {
  const fs::path dir = fs::path(SPRIG_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string convert(const std::string& input, const std::string& tokenizer, const std::string& output, DType dtype,
                    std::optional<DType> head) {
  convert::Checkpoint checkpoint = convert::read_checkpoint(input, tokenizer);
  checkpoint.tokenizer.chat = convert::recognise_chat_template(checkpoint.tokenizer, "", input);
  convert::WriteOptions options;
  options.dtype = dtype;
  options.head_dtype = head.value_or(convert::default_head_dtype(dtype));
  convert::write_model(checkpoint, output, options);
  return output;
}

std::shared_ptr<const Model> tokenizer_model(const std::string& source, const std::string& output) {
  convert::TokenizerData tokenizer = convert::read_tokenizer_source(source);
  tokenizer.chat = convert::recognise_chat_template(tokenizer, "", source);
  convert::write_tokenizer_model(tokenizer, source, output);
  auto model = Model::open(output);
  if (!model) throw std::runtime_error(model.error().message());
  return model.value();
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace sprig::test

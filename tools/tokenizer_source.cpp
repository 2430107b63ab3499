#include "tokenizer_source.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace sprig::cli {
namespace {

// A sprig file starts with a 4-byte size, the root offset, then the identifier "SPRG".
bool is_sprig_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char head[12] = {};
  const bool sprig = std::fread(head, 1, 12, f) == 12 && std::memcmp(head + 8, "SPRG", 4) == 0;
  std::fclose(f);
  return sprig;
}

std::filesystem::path own_folder(const char* argv0) {
  char buffer[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (length > 0) return std::filesystem::path(std::string(buffer, size_t(length))).parent_path();
  return std::filesystem::absolute(argv0).parent_path();
}

}  // namespace

Result<std::shared_ptr<const Model>> open_tokenizer_source(const std::string& source, const char* argv0) {
  if (std::filesystem::is_regular_file(source) && is_sprig_file(source)) return Model::open(source);
  const std::filesystem::path converter = own_folder(argv0) / "sprig-convert";
  if (!std::filesystem::exists(converter))
    return Error(source + " is not a sprig file, and reading it needs sprig-convert, which is not beside this binary; "
                 "convert it on a workstation with: sprig-convert --tokenizer-only " + source + " -o tokenizer.sprig");
  const char* tmp = std::getenv("TMPDIR");
  std::string temporary = std::string(tmp && *tmp ? tmp : "/tmp") + "/sprig-tokenizer-XXXXXX";
  const int fd = mkstemp(temporary.data());
  if (fd < 0) return Error("cannot create a temporary file in " + temporary);
  close(fd);
  const std::string converter_path = converter.string();
  const char* args[] = {converter_path.c_str(), "--tokenizer-only", source.c_str(), "-o", temporary.c_str(), nullptr};
  pid_t pid = 0;
  int status = -1;
  if (posix_spawn(&pid, converter_path.c_str(), nullptr, nullptr, const_cast<char* const*>(args), environ) == 0)
    waitpid(pid, &status, 0);
  Result<std::shared_ptr<const Model>> model = Error("sprig-convert could not read the tokenizer " + source);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) model = Model::open(temporary);
  std::remove(temporary.c_str());  // a mapping outlives its file's name
  return model;
}

}  // namespace sprig::cli

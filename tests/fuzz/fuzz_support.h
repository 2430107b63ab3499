// What the fuzz targets share: the input written to a file (the readers take paths, as the
// tools do), and the rule every converter reader must keep on any input: it either succeeds or
// throws ConvertError. Anything else escaping (std::bad_alloc, a JSON library exception,
// std::out_of_range) names no file and is a finding, reported by aborting.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

namespace sprig::fuzz {

// A folder of this process's own, so parallel fuzzing jobs do not share files.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    auto path = std::filesystem::temp_directory_path() / ("sprig-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return folder;
}

inline std::string write_file(const std::string& name, std::string_view bytes) {
  const std::filesystem::path path = scratch_folder() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  return path.string();
}

inline void remove_file(const std::string& name) {
  std::error_code ignored;
  std::filesystem::remove(scratch_folder() / name, ignored);
}

// Inputs made of several files are joined by this line (the seed scripts write it the same way).
constexpr std::string_view kFileSeparator = "\n@@sprig-fuzz-next-file@@\n";

inline std::pair<std::string_view, std::string_view> split_files(std::string_view input) {
  const size_t at = input.find(kFileSeparator);
  if (at == input.npos) return {input, {}};
  return {input.substr(0, at), input.substr(at + kFileSeparator.size())};
}

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what.c_str());
  std::abort();
}

// Runs `read`; ConvertError (a named refusal) is fine, any other exception is a finding.
template <typename Error, typename Read>
void expect_named_refusal(Read&& read) {
  try {
    read();
  } catch (const Error& e) {
    if (std::string_view(e.what()).size() > 4096) fail(std::string("error message over 4 KB: ") + std::string(e.what(), 200));
  } catch (const std::exception& e) {
    fail(std::string("unnamed exception escaped: ") + e.what());
  }
}

}  // namespace sprig::fuzz

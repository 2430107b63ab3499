#include "text_input.h"

#include <cstdio>
#include <filesystem>

namespace sprig::cli {

Result<std::string> read_text_input(const std::string& path) {
  const bool from_stdin = path == "-";
  const std::string name = from_stdin ? "stdin" : path;
  std::error_code error;
  if (!from_stdin && std::filesystem::is_directory(path, error)) return Error(path + ": is a folder, not a text file");
  std::FILE* file = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (!file) return Error(path + ": cannot open");
  std::string text;
  char buffer[65536];
  size_t n;
  bool too_big = false;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    if (text.size() + n > kMaxTextFileBytes) {
      too_big = true;
      break;
    }
    text.append(buffer, n);
  }
  const bool failed = std::ferror(file);
  if (!from_stdin) std::fclose(file);
  if (too_big) return Error(name + ": more than " + std::to_string(kMaxTextFileBytes >> 20) + " MiB of text");
  if (failed) return Error(name + ": cannot read");
  return text;
}

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) { n = 1; cp = c; }
    else if ((c >> 5) == 6) { n = 2; cp = c & 0x1F; }
    else if ((c >> 4) == 14) { n = 3; cp = c & 0x0F; }
    else if ((c >> 3) == 30) { n = 4; cp = c & 0x07; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

}  // namespace sprig::cli

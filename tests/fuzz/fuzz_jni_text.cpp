// libFuzzer target for the JNI layer's text conversion (platforms/android/jni/utf_convert.cpp),
// the one reader of outside bytes the JNI library adds: UTF-8 from the runtime going to Java, and
// UTF-16 from Java (any char sequence, unpaired surrogates included) going to the runtime.
// utf8proc's decoder is the independent judge of which UTF-8 input is well formed.
#include <utf8proc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "utf_convert.h"

using sprig::jni::utf16_to_utf8;
using sprig::jni::utf8_to_utf16;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool well_formed_utf16(const std::vector<char16_t>& units) {
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i] >= 0xD800 && units[i] <= 0xDBFF) {
      if (i + 1 >= units.size() || units[i + 1] < 0xDC00 || units[i + 1] > 0xDFFF) return false;
      ++i;
    } else if (units[i] >= 0xDC00 && units[i] <= 0xDFFF) {
      return false;
    }
  }
  return true;
}

bool valid_utf8(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size;) {
    utf8proc_int32_t c = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(data + i, utf8proc_ssize_t(size - i), &c);
    if (n <= 0) return false;
    i += size_t(n);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // As UTF-8 toward Java.
  std::vector<char16_t> units(size);
  units.resize(utf8_to_utf16(reinterpret_cast<const char*>(data), size, units.data()));
  require(units.size() <= size);
  require(well_formed_utf16(units));
  std::vector<char> back(3 * units.size());
  back.resize(utf16_to_utf8(units.data(), units.size(), back.data()));
  require(valid_utf8(reinterpret_cast<const uint8_t*>(back.data()), back.size()));
  // Well-formed input comes back byte for byte; any input is stable after one pass.
  if (valid_utf8(data, size)) require(back.size() == size && (size == 0 || std::memcmp(back.data(), data, size) == 0));
  std::vector<char16_t> again(back.size());
  again.resize(utf8_to_utf16(back.data(), back.size(), again.data()));
  require(again == units);

  // As UTF-16 from Java: any units at all.
  std::vector<char16_t> java(size / 2);
  if (!java.empty()) std::memcpy(java.data(), data, java.size() * 2);
  std::vector<char> utf8(3 * java.size());
  utf8.resize(utf16_to_utf8(java.data(), java.size(), utf8.data()));
  require(valid_utf8(reinterpret_cast<const uint8_t*>(utf8.data()), utf8.size()));
  std::vector<char16_t> round(utf8.size());
  round.resize(utf8_to_utf16(utf8.data(), utf8.size(), round.data()));
  if (well_formed_utf16(java)) require(round == java);
  require(round.size() == java.size());  // each unpaired surrogate became one U+FFFD
  return 0;
}

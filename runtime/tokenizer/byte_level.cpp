#include "byte_level.h"

namespace sprig::byte_level {
namespace {

// Printable Latin-1 bytes keep their own code point; the others (controls, space, soft hyphen)
// are numbered from U+0100 in byte order, which is how GPT-2 defined the map.
struct ByteMap {
  int32_t chars[256];
  ByteMap() {
    int32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      chars[b] = printable ? b : next++;
    }
  }
};
// A function's static: initialised on first use, whichever file's static initialisers run first.
const ByteMap& byte_map() {
  static const ByteMap map;
  return map;
}

}  // namespace

int32_t char_of_byte(uint8_t byte) { return byte_map().chars[byte]; }

void append_char_of_byte(uint8_t byte, std::pmr::string& out) {
  const int32_t c = byte_map().chars[byte];  // below U+0144: one or two UTF-8 bytes
  if (c < 0x80) {
    out.push_back(char(c));
  } else {
    out.push_back(char(0xc0 | (c >> 6)));
    out.push_back(char(0x80 | (c & 0x3f)));
  }
}

int32_t byte_of_char(int32_t code_point) {
  if (code_point < 0 || code_point > 0x143) return -1;
  if (code_point < 256) return byte_map().chars[code_point] == code_point ? code_point : -1;
  for (int b = 0; b < 256; ++b)
    if (byte_map().chars[b] == code_point) return b;
  return -1;
}

}  // namespace sprig::byte_level

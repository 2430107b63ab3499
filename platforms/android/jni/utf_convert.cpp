#include "utf_convert.h"

#include <cstdint>

namespace sprig::jni {

namespace {

constexpr char16_t kReplacement = 0xFFFD;

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the well-formed character at text[0..available) (Unicode table 3-7), or 0.
size_t character_length(const unsigned char* s, size_t available, uint32_t& code_point) {
  const unsigned char lead = s[0];
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (available < length || s[1] < low || s[1] > high) return 0;
  for (size_t i = 1; i < length; ++i) {
    if (!continuation(s[i])) return 0;
    code_point = (code_point << 6) | (s[i] & 0x3F);
  }
  return length;
}

}  // namespace

size_t utf8_to_utf16(const char* text, size_t length, char16_t* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(text);
  size_t written = 0;
  for (size_t i = 0; i < length;) {
    uint32_t code_point = 0;
    const size_t n = character_length(s + i, length - i, code_point);
    if (n == 0) {
      out[written++] = kReplacement;
      ++i;
      continue;
    }
    i += n;
    if (code_point < 0x10000) {
      out[written++] = char16_t(code_point);
    } else {
      code_point -= 0x10000;
      out[written++] = char16_t(0xD800 + (code_point >> 10));
      out[written++] = char16_t(0xDC00 + (code_point & 0x3FF));
    }
  }
  return written;
}

size_t utf16_to_utf8(const char16_t* text, size_t length, char* out) {
  auto* o = reinterpret_cast<unsigned char*>(out);
  size_t written = 0;
  for (size_t i = 0; i < length; ++i) {
    uint32_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = kReplacement;
    }
    if (c < 0x80) {
      o[written++] = uint8_t(c);
    } else if (c < 0x800) {
      o[written++] = uint8_t(0xC0 | (c >> 6));
      o[written++] = uint8_t(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      o[written++] = uint8_t(0xE0 | (c >> 12));
      o[written++] = uint8_t(0x80 | ((c >> 6) & 0x3F));
      o[written++] = uint8_t(0x80 | (c & 0x3F));
    } else {
      o[written++] = uint8_t(0xF0 | (c >> 18));
      o[written++] = uint8_t(0x80 | ((c >> 12) & 0x3F));
      o[written++] = uint8_t(0x80 | ((c >> 6) & 0x3F));
      o[written++] = uint8_t(0x80 | (c & 0x3F));
    }
  }
  return written;
}

}  // namespace sprig::jni

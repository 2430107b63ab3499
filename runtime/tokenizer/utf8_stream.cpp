#include "sprig/utf8_stream.h"

namespace sprig {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";

// Sequence length for a valid lead byte, 0 for bytes that cannot start a character
// (continuations, overlong leads C0/C1, and F5..FF beyond U+10FFFF).
uint8_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

// The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
bool valid_second(unsigned char lead, unsigned char byte) {
  switch (lead) {
    case 0xe0: return byte >= 0xa0 && byte <= 0xbf;
    case 0xed: return byte >= 0x80 && byte <= 0x9f;
    case 0xf0: return byte >= 0x90 && byte <= 0xbf;
    case 0xf4: return byte >= 0x80 && byte <= 0x8f;
    default: return byte >= 0x80 && byte <= 0xbf;
  }
}

}  // namespace

void Utf8Stream::Writer::append(const char* bytes, size_t n) {
  if (string) {
    string->append(bytes, n);
  } else {
    for (size_t i = 0; i < n; ++i) buffer[size + i] = bytes[i];
    size += n;
  }
}

void Utf8Stream::push(std::string_view bytes, std::string& out) {
  Writer writer{&out};
  for (char c : bytes) push_byte(static_cast<unsigned char>(c), writer);
}

size_t Utf8Stream::push(std::string_view bytes, char* out) {
  Writer writer{nullptr, out};
  for (char c : bytes) push_byte(static_cast<unsigned char>(c), writer);
  return writer.size;
}

void Utf8Stream::push_byte(unsigned char byte, Writer& out) {
  if (length_ > 0) {
    const bool fits = length_ == 1 ? valid_second(held_[0], byte) : (byte >= 0x80 && byte <= 0xbf);
    if (fits) {
      held_[length_++] = byte;
      if (length_ == expected_) {
        out.append(reinterpret_cast<const char*>(held_), length_);
        length_ = 0;
      }
      return;
    }
    // The held character was cut short: replace it, then read this byte afresh.
    out.append(kReplacement.data(), kReplacement.size());
    length_ = 0;
  }
  const uint8_t length = sequence_length(byte);
  if (length == 1) {
    const char c = char(byte);
    out.append(&c, 1);
  } else if (length == 0) {
    out.append(kReplacement.data(), kReplacement.size());
  } else {
    held_[0] = byte;
    length_ = 1;
    expected_ = length;
  }
}

void Utf8Stream::finish(std::string& out) {
  if (length_ > 0) out += kReplacement;
  length_ = 0;
}

size_t Utf8Stream::finish(char* out) {
  Writer writer{nullptr, out};
  if (length_ > 0) writer.append(kReplacement.data(), kReplacement.size());
  length_ = 0;
  return writer.size;
}

}  // namespace sprig

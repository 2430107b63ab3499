// Turns a stream of token bytes into text that is always whole UTF-8: bytes of a character
// split across tokens are held until it completes, and bytes that cannot form a character
// become U+FFFD, so a terminal never shows half a character.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sprig {

class Utf8Stream {
 public:
  // Appends the complete characters that `bytes` finishes to `out`.
  void push(std::string_view bytes, std::string& out);
  // Ends the stream: an unfinished character becomes U+FFFD.
  void finish(std::string& out);
  bool pending() const { return length_ > 0; }

  // The same into a fixed buffer of at least max_output(bytes.size()) bytes; returns the number
  // of bytes written. Nothing is allocated.
  size_t push(std::string_view bytes, char* out);
  size_t finish(char* out);
  // Each byte adds at most one U+FFFD (3 bytes); the up to 3 held bytes add one more.
  static constexpr size_t max_output(size_t bytes) { return 3 * (bytes + 1); }

 private:
  struct Writer {
    std::string* string = nullptr;
    char* buffer = nullptr;
    size_t size = 0;
    void append(const char* bytes, size_t n);
  };
  void push_byte(unsigned char byte, Writer& out);
  unsigned char held_[4] = {};
  uint8_t length_ = 0;    // bytes held
  uint8_t expected_ = 0;  // bytes the held character needs
};

}  // namespace sprig

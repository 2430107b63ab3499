// GPT-2's reversible map between bytes and printable code points: byte-level BPE vocabularies
// spell every byte as one visible character ("Ġ" is the space byte 0x20), so pieces are text.
#pragma once

#include <cstdint>
#include <string>
#include <memory_resource>

namespace sprig::byte_level {

// The code point that stands for `byte` in byte-level pieces.
int32_t char_of_byte(uint8_t byte);
// Appends the UTF-8 of char_of_byte(byte).
void append_char_of_byte(uint8_t byte, std::pmr::string& out);
// The byte a code point stands for, or -1 when it stands for none.
int32_t byte_of_char(int32_t code_point);

}  // namespace sprig::byte_level

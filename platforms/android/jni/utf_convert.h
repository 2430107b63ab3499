// UTF-8 <-> UTF-16 for text crossing JNI. JNI's own UTF functions speak "modified UTF-8" (a
// 4-byte character such as an emoji becomes two 3-byte surrogates, and Android's CheckJNI aborts
// on standard 4-byte sequences), so sprig's UTF-8 goes through these instead. Pure functions:
// the fuzz target tests/fuzz/fuzz_jni_text.cpp drives them with arbitrary bytes.
#pragma once

#include <cstddef>

namespace sprig::jni {

// UTF-16 units never outnumber the UTF-8 bytes they come from, so `out` needs `length` units.
// Malformed or truncated sequences (overlong forms, surrogates, > U+10FFFF) become U+FFFD, one per
// byte that cannot start a character. Returns the units written.
size_t utf8_to_utf16(const char* text, size_t length, char16_t* out);

// A UTF-16 unit needs at most 3 UTF-8 bytes (a surrogate pair 4 for two units), so `out` needs
// 3 * length bytes. An unpaired surrogate becomes U+FFFD. Returns the bytes written.
size_t utf16_to_utf8(const char16_t* text, size_t length, char* out);

}  // namespace sprig::jni

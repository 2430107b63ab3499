#include "unicode.h"

#include <utf8proc.h>

namespace sprig::unicode {

CodePoint decode(std::string_view text, size_t at) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data()) + at;
  const size_t available = text.size() - at;
  if (bytes[0] < 0x80) return {bytes[0], 1};
  utf8proc_int32_t value = -1;
  const utf8proc_ssize_t length =
      utf8proc_iterate(bytes, utf8proc_ssize_t(available < 4 ? available : 4), &value);
  if (length <= 0 || value < 0) return {-1, 1};
  return {value, uint32_t(length)};
}

namespace {

CharClass classify_slow(int32_t code_point) {
  switch (utf8proc_category(code_point)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
      return CharClass::Letter;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return CharClass::Number;
    // White_Space is Zs, Zl, Zp and the controls \t \n \v \f \r and NEL.
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
      return CharClass::Space;
    default:
      return (code_point >= 0x09 && code_point <= 0x0d) || code_point == 0x85 ? CharClass::Space : CharClass::Other;
  }
}

// ASCII answers from a table filled by the same rules once, since most text is ASCII.
struct AsciiClasses {
  CharClass classes[128];
  AsciiClasses() {
    for (int c = 0; c < 128; ++c) classes[c] = classify_slow(c);
  }
};
const AsciiClasses& ascii() {
  static const AsciiClasses classes;  // on first use, safe from static initialisation order
  return classes;
}

}  // namespace

CharClass classify(int32_t code_point) {
  if (code_point < 0) return CharClass::Other;
  if (code_point < 128) return ascii().classes[code_point];
  return classify_slow(code_point);
}

bool is_numeric(int32_t code_point) { return code_point >= 0 && classify(code_point) == CharClass::Number; }

bool is_punctuation(int32_t code_point) {
  if (code_point < 0) return false;
  if (code_point < 128) return code_point > 0x20 && code_point < 0x7f && classify(code_point) == CharClass::Other;
  switch (utf8proc_category(code_point)) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF: case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

size_t normalized_bytes_capacity(Normalizer form, size_t bytes) {
  if (form == Normalizer::Nfkc) return 11 * bytes;
  if (form == Normalizer::Nfc) return 3 * bytes;
  return bytes;
}

size_t normalize_capacity(Normalizer form, size_t bytes) {
  // Canonical decomposition yields at most 4 code points from 3 bytes; compatibility
  // decomposition at most 18 (U+FDFA) from 3 bytes.
  if (form == Normalizer::Nfkc) return 6 * bytes + 18;
  if (form == Normalizer::Nfc) return 2 * bytes + 4;
  return 0;
}

namespace {

// Normalizes valid UTF-8 (no invalid bytes inside) and appends it to `out`.
void normalize_valid(utf8proc_option_t options, std::string_view text, std::pmr::vector<int32_t>& code_points,
                     std::pmr::string& out) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t count = utf8proc_decompose(bytes, utf8proc_ssize_t(text.size()), code_points.data(),
                                              utf8proc_ssize_t(code_points.size()), options);
  if (count > utf8proc_ssize_t(code_points.size())) {
    code_points.resize(size_t(count));  // only when the caller reserved too little
    count = utf8proc_decompose(bytes, utf8proc_ssize_t(text.size()), code_points.data(), count, options);
  }
  if (count < 0) {  // cannot happen for valid UTF-8; keep the text rather than lose it
    out.append(text);
    return;
  }
  count = utf8proc_normalize_utf32(code_points.data(), count, options);
  for (utf8proc_ssize_t i = 0; i < count; ++i) {
    utf8proc_uint8_t encoded[4];
    const utf8proc_ssize_t length = utf8proc_encode_char(code_points[size_t(i)], encoded);
    out.append(reinterpret_cast<const char*>(encoded), size_t(length));
  }
}

}  // namespace

void normalize(Normalizer form, std::string_view text, std::pmr::vector<int32_t>& code_points, std::pmr::string& out) {
  out.clear();
  bool ascii = true;
  for (unsigned char c : text) ascii &= c < 0x80;
  if (form == Normalizer::Identity || ascii) {  // ASCII is already in every normalization form
    out.append(text);
    return;
  }
  if (code_points.capacity() < normalize_capacity(form, text.size()))
    code_points.reserve(normalize_capacity(form, text.size()));
  code_points.resize(code_points.capacity());
  const auto options = utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                         (form == Normalizer::Nfkc ? UTF8PROC_COMPAT : 0));
  // Valid runs are normalized; an invalid byte is copied and breaks the run.
  size_t run_start = 0;
  for (size_t i = 0; i < text.size();) {
    const CodePoint cp = decode(text, i);
    if (cp.value < 0) {
      normalize_valid(options, text.substr(run_start, i - run_start), code_points, out);
      out.push_back(text[i]);
      run_start = i + 1;
    }
    i += cp.length;
  }
  normalize_valid(options, text.substr(run_start), code_points, out);
}

}  // namespace sprig::unicode

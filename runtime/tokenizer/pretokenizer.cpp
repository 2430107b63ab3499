#include "pretokenizer.h"

#include "byte_level.h"
#include "unicode.h"

namespace sprig {
namespace {

using unicode::CharClass;

// A span of the text with its offset: patterns see the span's end as the end of the text,
// as they do when an earlier stage of a sequence has split the text.
struct Span {
  std::string_view text;
  size_t offset;
};

unicode::CodePoint at(std::string_view s, size_t i) { return unicode::decode(s, i); }
CharClass class_at(std::string_view s, size_t i) { return unicode::classify(at(s, i).value); }
bool is_newline(char c) { return c == '\r' || c == '\n'; }

// The end of the run of code points of class `c` that starts at i.
size_t run_of(std::string_view s, size_t i, CharClass c) {
  while (i < s.size()) {
    const auto cp = at(s, i);
    if (unicode::classify(cp.value) != c) break;
    i += cp.length;
  }
  return i;
}

// 's 't 're 've 'm 'll 'd at i: the length matched, or 0.
size_t contraction(std::string_view s, size_t i, bool ignore_case) {
  if (s[i] != '\'' || i + 1 >= s.size()) return 0;
  auto letter = [&](size_t k) {
    const char c = s[k];
    return ignore_case && c >= 'A' && c <= 'Z' ? char(c + 32) : c;
  };
  const char a = letter(i + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < s.size()) {
    const char b = letter(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

// \s+(?!\S)|\s+ at a whitespace character: the whole run when it ends the text, otherwise the
// run without its last character, which then prefixes the word that follows.
size_t whitespace_end(std::string_view s, size_t i) {
  size_t last = i, j = i;
  while (j < s.size()) {
    const auto cp = at(s, j);
    if (unicode::classify(cp.value) != CharClass::Space) break;
    last = j;
    j += cp.length;
  }
  if (j == s.size() || last == i) return j;
  return last;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t gpt2_match(std::string_view s, size_t i) {
  if (const size_t c = contraction(s, i, false)) return i + c;
  const size_t j = s[i] == ' ' ? i + 1 : i;
  if (j < s.size()) {
    const CharClass c = class_at(s, j);
    if (c != CharClass::Space) return run_of(s, j, c);
  }
  return whitespace_end(s, i);
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}|
//  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t llama3_match(std::string_view s, size_t i, int max_digits) {
  if (const size_t c = contraction(s, i, true)) return i + c;
  const auto first = at(s, i);
  const CharClass c = unicode::classify(first.value);
  if (c == CharClass::Letter) return run_of(s, i, c);
  const size_t next = i + first.length;
  if (c != CharClass::Number && !is_newline(s[i]) && next < s.size() && class_at(s, next) == CharClass::Letter)
    return run_of(s, next, CharClass::Letter);
  if (c == CharClass::Number) {
    size_t end = i;
    for (int n = 0; n < max_digits && end < s.size(); ++n) {
      const auto cp = at(s, end);
      if (unicode::classify(cp.value) != CharClass::Number) break;
      end += cp.length;
    }
    return end;
  }
  const size_t j = s[i] == ' ' ? i + 1 : i;
  if (j < s.size() && class_at(s, j) == CharClass::Other) {
    size_t end = run_of(s, j, CharClass::Other);
    while (end < s.size() && is_newline(s[end])) ++end;
    return end;
  }
  // \s*[\r\n]+ ends after the last line break of the whitespace run, when it has one.
  size_t end = i, after_newline = 0;
  while (end < s.size()) {
    const auto cp = at(s, end);
    if (unicode::classify(cp.value) != CharClass::Space) break;
    end += cp.length;
    if (is_newline(s[end - 1])) after_newline = end;
  }
  if (after_newline) return after_newline;
  return whitespace_end(s, i);
}

template <typename Emit>
void split_gpt2(Span span, Emit&& emit) {
  for (size_t i = 0; i < span.text.size();) {
    i = gpt2_match(span.text, i);
    emit(Span{span.text.substr(0, i), span.offset});
  }
}

// Splits at runs of code points for which `inside` holds; each run is one chunk (Contiguous) or
// each of its code points is (Isolated), as Hugging Face's split behaviours name it.
template <typename Inside, typename Emit>
void split_runs(Span span, Inside&& inside, bool contiguous, Emit&& emit) {
  const std::string_view s = span.text;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    const auto cp = at(s, i);
    if (!inside(cp.value)) {
      i += cp.length;
      continue;
    }
    if (i > start) emit(Span{s.substr(start, i - start), span.offset + start});
    size_t end = i + cp.length;
    if (contiguous)
      while (end < s.size() && inside(at(s, end).value)) end += at(s, end).length;
    emit(Span{s.substr(i, end - i), span.offset + i});
    start = i = end;
  }
  if (start < s.size()) emit(Span{s.substr(start), span.offset + start});
}

// Falcon's sequence: Punctuation (contiguous), ByteLevel's GPT-2 pattern, Digits (contiguous)
// and Split on [0-9][0-9][0-9] (isolated). The last two see the byte-level characters, so a
// byte is a digit when the character standing for it is numeric: 0-9, and also the bytes
// 0xB2 0xB3 0xB9 0xBC-0xBE, which GPT-2's map shows as ² ³ ¹ ¼ ½ ¾.
struct NumericBytes {
  bool numeric[256];
  NumericBytes() {
    for (int b = 0; b < 256; ++b) numeric[b] = unicode::is_numeric(byte_level::char_of_byte(uint8_t(b)));
  }
};
const NumericBytes& numeric_bytes() {
  static const NumericBytes table;  // on first use: it needs the tables of other files
  return table;
}

template <typename Emit>
void split_falcon(Span text, Emit&& emit) {
  auto digit_triples = [&](Span span) {
    const std::string_view s = span.text;
    auto ascii_digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    size_t start = 0;
    for (size_t i = 0; i < s.size();) {
      if (ascii_digit(i) && ascii_digit(i + 1) && ascii_digit(i + 2)) {
        if (i > start) emit(Span{s.substr(start, i - start), span.offset + start});
        emit(Span{s.substr(i, 3), span.offset + i});
        start = i = i + 3;
      } else {
        ++i;
      }
    }
    if (start < s.size()) emit(Span{s.substr(start), span.offset + start});
  };
  const NumericBytes& digits = numeric_bytes();
  auto digit_runs = [&](Span span) {
    const std::string_view s = span.text;
    size_t start = 0;
    while (start < s.size()) {
      const bool numeric = digits.numeric[uint8_t(s[start])];
      size_t end = start + 1;
      while (end < s.size() && digits.numeric[uint8_t(s[end])] == numeric) ++end;
      digit_triples(Span{s.substr(start, end - start), span.offset + start});
      start = end;
    }
  };
  auto gpt2_pieces = [&](Span span) {
    size_t start = 0;
    split_gpt2(span, [&](Span upto) {
      digit_runs(Span{span.text.substr(start, upto.text.size() - start), span.offset + start});
      start = upto.text.size();
    });
  };
  split_runs(text, unicode::is_punctuation, true, gpt2_pieces);
}

}  // namespace

namespace {

template <typename Ends>
void pre_tokenize_into(PreTokenizer kind, std::string_view text, Ends& ends) {
  auto emit = [&](Span chunk) { ends.push_back(uint32_t(chunk.offset + chunk.text.size())); };
  const Span all{text, 0};
  switch (kind) {
    case PreTokenizer::Whole:
      if (!text.empty()) ends.push_back(uint32_t(text.size()));
      return;
    case PreTokenizer::Gpt2:
      split_gpt2(all, emit);
      return;
    case PreTokenizer::Llama3:
    case PreTokenizer::Qwen2:
      for (size_t i = 0; i < text.size();) {
        i = llama3_match(text, i, kind == PreTokenizer::Llama3 ? 3 : 1);
        ends.push_back(uint32_t(i));
      }
      return;
    case PreTokenizer::Falcon:
      split_falcon(all, emit);
      return;
    case PreTokenizer::SmolLm:
      split_runs(all, unicode::is_numeric, false, [&](Span span) { split_gpt2(span, emit); });
      return;
  }
}

}  // namespace

void pre_tokenize(PreTokenizer kind, std::string_view text, std::vector<uint32_t>& ends) {
  pre_tokenize_into(kind, text, ends);
}
void pre_tokenize(PreTokenizer kind, std::string_view text, std::pmr::vector<uint32_t>& ends) {
  pre_tokenize_into(kind, text, ends);
}

}  // namespace sprig

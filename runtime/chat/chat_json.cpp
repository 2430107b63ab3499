// A recursive-descent reader for exactly one shape of JSON. Every read checks the position
// against the end first, so truncated or hostile input ends in an error, never past the buffer.
#include "sprig/chat_json.h"

#include <cstdint>

#include "sprig/utf8_stream.h"

namespace sprig {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  Error fail(const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line, column = 1;
      else ++column;
    }
    return Error("conversation JSON, line " + std::to_string(line) + " column " + std::to_string(column) + ": " + what);
  }

  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r'))
      ++at_;
  }
  bool at_end() const { return at_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[at_]; }
  bool consume(char c) {
    skip_space();
    if (peek() != c || at_end()) return false;
    ++at_;
    return true;
  }

  Status read_string(std::string& out) {
    skip_space();
    if (!consume('"')) return fail("expected a string");
    out.clear();
    while (true) {
      if (at_end()) return fail("the string is not closed");
      const unsigned char c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        ++at_;
        return {};
      }
      if (c < 0x20) return fail("a control character inside a string must be escaped");
      if (c == '\\') {
        if (Status s = read_escape(out); !s) return s;
        continue;
      }
      const size_t length = utf8_length(at_);
      if (length == 0) return fail("invalid UTF-8");
      out.append(text_.substr(at_, length));
      at_ += length;
    }
  }

  size_t position() const { return at_; }

 private:
  // The length of the valid UTF-8 character at `i`, or 0.
  size_t utf8_length(size_t i) const {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text_[k]); };
    const unsigned char c = byte(i);
    size_t n;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
    else return 0;
    if (i + n > text_.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (byte(i + k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    return n;
  }

  bool read_hex4(uint32_t& value) {
    if (at_ + 4 > text_.size()) return false;
    value = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char h = text_[at_ + k];
      const int digit = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (digit < 0) return false;
      value = value << 4 | uint32_t(digit);
    }
    at_ += 4;
    return true;
  }

  Status read_escape(std::string& out) {
    ++at_;  // the backslash
    if (at_end()) return fail("the escape is cut off");
    const char e = text_[at_++];
    switch (e) {
      case '"': out += '"'; return {};
      case '\\': out += '\\'; return {};
      case '/': out += '/'; return {};
      case 'b': out += '\b'; return {};
      case 'f': out += '\f'; return {};
      case 'n': out += '\n'; return {};
      case 'r': out += '\r'; return {};
      case 't': out += '\t'; return {};
      case 'u': break;
      default: return fail(std::string("unknown escape \\") + e);
    }
    uint32_t cp;
    if (!read_hex4(cp)) return fail("\\u needs four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("a low surrogate without a high one");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (at_ + 2 > text_.size() || text_[at_] != '\\' || text_[at_ + 1] != 'u') return fail("a high surrogate without a low one");
      at_ += 2;
      if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF) return fail("a high surrogate without a low one");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) return fail("\\u0000 is not allowed in a message");
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | cp >> 6), out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | cp >> 12), out += char(0x80 | (cp >> 6 & 0x3F)), out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | cp >> 18), out += char(0x80 | (cp >> 12 & 0x3F)), out += char(0x80 | (cp >> 6 & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
    return {};
  }

  std::string_view text_;
  size_t at_ = 0;
};

// A key or role as an error message quotes it: at most 64 bytes of it (whole UTF-8 characters),
// so a hostile file cannot make the message as large as itself.
std::string quoted(std::string_view text) {
  constexpr size_t kMaxQuoted = 64;
  size_t cut = text.size();
  if (cut > kMaxQuoted) {
    cut = kMaxQuoted;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out(1, '"');
  out.append(text.substr(0, cut));
  if (cut < text.size()) out += "...";
  out += '"';
  return out;
}

Status read_message(Reader& reader, StoredMessage& message) {
  if (!reader.consume('{')) return reader.fail("expected an object {\"role\": ..., \"content\": ...}");
  bool has_role = false, has_content = false, has_reasoning = false;
  std::string key, reasoning;
  if (!reader.consume('}')) {
    do {
      if (Status s = reader.read_string(key); !s) return s;
      if (!reader.consume(':')) return reader.fail("expected ':' after " + quoted(key));
      if (key != "role" && key != "content" && key != "reasoning_content")
        return reader.fail("unknown member " + quoted(key) + " (messages hold role, content and reasoning_content)");
      bool& seen = key == "role" ? has_role : key == "content" ? has_content : has_reasoning;
      if (seen) return reader.fail("\"" + key + "\" appears twice");
      seen = true;
      std::string& value = key == "role" ? message.role : key == "content" ? message.content : reasoning;
      if (Status s = reader.read_string(value); !s) return s;
    } while (reader.consume(','));
    if (!reader.consume('}')) return reader.fail("expected ',' or '}'");
  }
  if (!has_role) return reader.fail("a message has no \"role\"");
  if (!has_content) return reader.fail("a message has no \"content\"");
  if (message.role != "system" && message.role != "user" && message.role != "assistant")
    return reader.fail("role " + quoted(message.role) + " is not system, user or assistant");
  // A reply's reasoning (as `sprig chat --json` writes it) goes back into its text the way the
  // thinking templates write it, so the template keeps or drops it as it does (Qwen3, DeepSeek-R1).
  if (has_reasoning) {
    if (message.role != "assistant") return reader.fail("\"reasoning_content\" belongs to assistant messages");
    message.content = "<think>\n" + reasoning + "\n</think>\n\n" + message.content;
  }
  return {};
}

void append_escaped(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += "\\u00", out += hex[c >> 4], out += hex[c & 15];
    else out += ch;
  }
  out += '"';
}

}  // namespace

Result<std::vector<StoredMessage>> parse_chat_json(std::string_view text) {
  // A UTF-8 byte order mark is tolerated, as editors write one.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  Reader reader(text);
  std::vector<StoredMessage> messages;
  if (!reader.consume('[')) return reader.fail("expected '[' (a conversation is an array of messages)");
  if (!reader.consume(']')) {
    do {
      StoredMessage message;
      if (Status s = read_message(reader, message); !s) return s.error();
      messages.push_back(std::move(message));
    } while (reader.consume(','));
    if (!reader.consume(']')) return reader.fail("expected ',' or ']'");
  }
  reader.skip_space();
  if (!reader.at_end()) return reader.fail("unexpected text after the conversation");
  return messages;
}

std::string format_chat_json(std::span<const StoredMessage> messages) {
  std::string out = "[";
  for (size_t i = 0; i < messages.size(); ++i) {
    out += i ? ",\n  " : "\n  ";
    out += "{\"role\": ";
    append_escaped(out, messages[i].role);
    out += ", \"content\": ";
    append_escaped(out, messages[i].content);
    out += "}";
  }
  out += messages.empty() ? "]\n" : "\n]\n";
  return out;
}

std::vector<ChatMessage> chat_messages(std::span<const StoredMessage> messages) {
  std::vector<ChatMessage> views;
  views.reserve(messages.size());
  for (const StoredMessage& m : messages) views.push_back({m.role, m.content});
  return views;
}

void assign_typed_text(std::string& out, std::string_view text) {
  out.clear();
  Utf8Stream repair;
  repair.push(text, out);
  repair.finish(out);
  // The reader refuses NUL (C callers pass NUL-terminated strings); a typed one becomes U+FFFD.
  for (size_t at = out.find('\0'); at != std::string::npos; at = out.find('\0', at + 3)) out.replace(at, 1, "\xef\xbf\xbd");
}

}  // namespace sprig

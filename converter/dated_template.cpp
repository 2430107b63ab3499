// The parts of a chat template that write the date, read out of the Jinja text: Llama 3.1+'s
// system header ("Cutting Knowledge Date: ...\nToday Date: " + date_string + "\n\n") and
// Granite's default system prompt ("... Today's Date: " + strftime_now('%B %d, %Y') + ". ...").
// The date becomes "{date}" and its strftime format is kept, so the device writes its own date.
#include <string_view>

#include "checkpoint.h"

namespace sprig::convert {
namespace {

constexpr std::string_view kSpace = " \t\n\r";

// The Jinja string literal whose opening quote is at `at`, unescaped; `end` is just past it.
bool read_literal(std::string_view t, size_t at, std::string& out, size_t& end) {
  if (at >= t.size() || (t[at] != '"' && t[at] != '\'')) return false;
  const char quote = t[at];
  out.clear();
  for (size_t i = at + 1; i < t.size(); ++i) {
    if (t[i] == quote) return end = i + 1, true;
    if (t[i] != '\\' || i + 1 == t.size()) {
      out += t[i];
      continue;
    }
    const char next = t[++i];
    out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
  }
  return false;
}

// The literal that holds `needle` (its opening quote is the last quote before it).
bool literal_holding(std::string_view t, std::string_view needle, std::string& out, size_t& end) {
  const size_t at = t.find(needle);
  if (at == std::string_view::npos) return false;
  const size_t quote = t.find_last_of("'\"", at);
  return quote != std::string_view::npos && read_literal(t, quote, out, end) && end > at;
}

// Skips whitespace, then `word`; `at` moves past it.
bool expect(std::string_view t, size_t& at, std::string_view word) {
  at = t.find_first_not_of(kSpace, at);
  if (at == std::string_view::npos || t.substr(at, word.size()) != word) return false;
  at += word.size();
  return true;
}

bool literal_next(std::string_view t, size_t& at, std::string& out) {
  at = t.find_first_not_of(kSpace, at);
  return at != std::string_view::npos && read_literal(t, at, out, at);
}

// The format of the first strftime_now('...') call.
bool date_format_of(std::string_view t, std::string& format) {
  size_t at = t.find("strftime_now(");
  if (at == std::string_view::npos) return false;
  at += 13;
  return literal_next(t, at, format);
}

[[noreturn]] void missing(const std::string& source, const std::string& what) {
  throw ConvertError(source + ": the chat template writes the date, but " + what +
                     " was not found in it; --chat-template NAME renders a known form without the date");
}

}  // namespace

void read_dated_parts(const std::string& jinja, const std::string& source, ChatTemplateData& chat) {
  const std::string_view t = jinja;
  std::string piece;
  size_t at = 0;
  if (!date_format_of(t, chat.date_format)) missing(source, "the date's format (strftime_now(\"...\"))");
  if (chat.kind == ChatTemplateKind::Llama3) {
    // "Cutting Knowledge Date: December 2023\n" then "Today Date: " + date_string + "\n\n".
    if (!literal_holding(t, "Cutting Knowledge Date", piece, at)) missing(source, "the \"Cutting Knowledge Date\" text");
    chat.system_preamble = piece;
    if (!literal_holding(t, "Today Date", piece, at)) missing(source, "the \"Today Date\" text");
    chat.system_preamble += piece + "{date}";
    if (!expect(t, at, "+") || !expect(t, at, "date_string") || !expect(t, at, "+") || !literal_next(t, at, piece))
      missing(source, "the text after \"Today Date: \" + date_string");
    chat.system_preamble += piece;
    return;
  }
  // Granite: the default system prompt is a dated literal pair, then the branch a plain chat takes
  // (no tools, documents or thinking): the {%- else %} that appends to system_message.
  if (!literal_holding(t, "Knowledge Cutoff Date", piece, at)) missing(source, "the default system prompt");
  chat.default_system = piece + "{date}";
  size_t call = at;
  if (!expect(t, call, "+") || !expect(t, call, "strftime_now(") || !literal_next(t, call, piece) ||
      !expect(t, call, ")") || !expect(t, call, "+") || !literal_next(t, call, piece))
    missing(source, "the text after the default system prompt's date");
  chat.default_system += piece;
  static constexpr std::string_view kAppend = "set system_message = system_message +";
  bool appended = false;
  for (size_t branch = t.find("{%- else %}", call); branch != std::string_view::npos;
       branch = t.find("{%- else %}", branch + 1)) {
    size_t next = branch + 11;
    if (!expect(t, next, "{%-") || !expect(t, next, kAppend)) continue;
    if (!literal_next(t, next, piece)) break;
    chat.default_system += piece;
    appended = true;
    break;
  }
  if (!appended) missing(source, "the plain chat's default system text (the else branch appending to system_message)");
  chat.has_default_system = true;
}

}  // namespace sprig::convert

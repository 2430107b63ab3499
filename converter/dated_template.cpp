// The parts of a chat template that write the date, read out of the Jinja text: Llama 3.1+'s
// system header ("Cutting Knowledge Date: ...\nToday Date: " + date_string + "\n\n") and
// Granite's default system prompt ("... Today's Date: " + strftime_now('%B %d, %Y') + ". ...").
// The date becomes "{date}" and its strftime format is kept, so the device writes its own date.
#include <string_view>

#include "checkpoint.h"
#include "jinja_literal.h"

namespace sprig::convert {
namespace {

constexpr std::string_view kSpace = " \t\n\r";

// The literal that holds `needle` (its opening quote is the last quote before it).
bool literal_holding(std::string_view t, std::string_view needle, std::string& out, size_t& end) {
  const size_t at = t.find(needle);
  if (at == std::string_view::npos) return false;
  const size_t quote = t.find_last_of("'\"", at);
  return quote != std::string_view::npos && read_jinja_literal(t, quote, out, end) && end > at;
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
  return at != std::string_view::npos && read_jinja_literal(t, at, out, at);
}

// The format of the first strftime_now('...') call.
bool date_format_of(std::string_view t, std::string& format) {
  size_t at = t.find("strftime_now(");
  if (at == std::string_view::npos) return false;
  at += 13;
  return literal_next(t, at, format);
}

// The text the `{{- ... -}}` expressions in [from, to) write, statements between them skipped:
// literals joined by + or ~, with the names in `names` standing for placeholders.
bool expressions_text(std::string_view t, size_t from, size_t to, std::string& out) {
  out.clear();
  std::string piece;
  for (size_t at = t.find("{{", from); at < to; at = t.find("{{", at)) {
    at += 2;
    if (at < t.size() && t[at] == '-') ++at;
    for (bool first = true;; first = false) {
      if (!first && !expect(t, at, "+") && !expect(t, at, "~")) break;
      at = t.find_first_not_of(kSpace, at);
      if (at == std::string_view::npos) return false;
      if (t[at] == '"' || t[at] == '\'') {
        if (!read_jinja_literal(t, at, piece, at)) return false;
        out += piece;
      } else if (t.substr(at, 5) == "today") {
        out += "{date}", at += 5;
      } else if (t.substr(at, 14) == "reasoning_mode") {
        out += "{reasoning_mode}", at += 14;
      } else {
        return false;
      }
    }
    if (!expect(t, at, "-}}") && !expect(t, at, "}}")) return false;
  }
  return true;
}

// The literal written by the first {{- ... }} after `after`.
bool written_after(std::string_view t, std::string_view after, size_t from, std::string& out, size_t& end) {
  size_t at = t.find(after, from);
  if (at == std::string_view::npos) return false;
  at = t.find("{{", at);
  if (at == std::string_view::npos) return false;
  at += 2;
  if (at < t.size() && t[at] == '-') ++at;
  end = at;
  return literal_next(t, end, out);
}

// SmolLM3: a system turn always written, "## Metadata ... Today Date: {date}\nReasoning Mode:
// {reasoning_mode}\n\n## Custom Instructions\n\n", then the system text or a default for the
// reasoning mode, then "\n\n" and no end marker.
void read_metadata_header(std::string_view t, const std::string& source, ChatTemplateData& chat);

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
  if (chat.kind == ChatTemplateKind::ChatMl) return read_metadata_header(t, source, chat);
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

namespace {

void read_metadata_header(std::string_view t, const std::string& source, ChatTemplateData& chat) {
  std::string piece;
  size_t at = 0;
  const size_t header = t.find("## Metadata");
  const size_t branch = t.find("if custom_instructions", header == std::string_view::npos ? 0 : header);
  if (header == std::string_view::npos || branch == std::string_view::npos)
    missing(source, "the metadata header (\"## Metadata\" up to `if custom_instructions`)");
  const size_t start = t.rfind("{{", header);
  if (start == std::string_view::npos || !expressions_text(t, start, branch, chat.system_preamble))
    missing(source, "the metadata header's text (literals, `today` and `reasoning_mode`)");
  // custom_instructions + "\n\n": what follows the system text.
  size_t close = branch + std::string_view("if custom_instructions").size();
  if (!expect(t, close, "-%}") || !expect(t, close, "{{-") || !expect(t, close, "custom_instructions") ||
      !expect(t, close, "+") || !literal_next(t, close, chat.system_close))
    missing(source, "the text after the custom instructions");
  chat.has_system_close = true;
  if (!written_after(t, "elif reasoning_mode == \"/think\"", branch, chat.default_system, at))
    missing(source, "the default instructions for /think");
  if (!written_after(t, "else", at, chat.default_system_no_think, at))
    missing(source, "the default instructions for /no_think");
  for (std::string* text : {&chat.default_system, &chat.default_system_no_think}) {
    if (text->size() < chat.system_close.size() ||
        text->compare(text->size() - chat.system_close.size(), std::string::npos, chat.system_close) != 0)
      missing(source, "default instructions that end as custom ones do");
    text->resize(text->size() - chat.system_close.size());
  }
  chat.has_default_system = chat.has_default_system_no_think = true;
}

}  // namespace

}  // namespace sprig::convert

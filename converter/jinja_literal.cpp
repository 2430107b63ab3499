#include "jinja_literal.h"

namespace sprig::convert {
namespace {

// Appends the character escaped by the backslash at `i` (which `i` then points at).
void unescape_at(std::string_view t, size_t& i, std::string& out) {
  const char next = t[++i];
  out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
}

}  // namespace

std::string jinja_unescape(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) unescape_at(body, i, out);
    else out += body[i];
  }
  return out;
}

bool read_jinja_literal(std::string_view t, size_t at, std::string& out, size_t& end) {
  if (at >= t.size() || (t[at] != '"' && t[at] != '\'')) return false;
  const char quote = t[at];
  out.clear();
  for (size_t i = at + 1; i < t.size(); ++i) {
    if (t[i] == quote) return end = i + 1, true;
    if (t[i] == '\\' && i + 1 < t.size()) unescape_at(t, i, out);
    else out += t[i];
  }
  return false;
}

}  // namespace sprig::convert

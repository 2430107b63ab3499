// Jinja string literals as the converter reads them out of chat templates: the text between the
// quotes with the escapes the templates use (\n, \t, and a backslash before any other character)
// undone. One reader for every place that takes a template's text apart.
#pragma once

#include <string>
#include <string_view>

namespace sprig::convert {

// The body of a literal (what lies between its quotes), unescaped.
std::string jinja_unescape(std::string_view body);

// The literal whose opening quote (' or ") is at `at`, unescaped into `out`; `end` is just past
// its closing quote. False when `at` holds no quote or the literal is not closed.
bool read_jinja_literal(std::string_view text, size_t at, std::string& out, size_t& end);

}  // namespace sprig::convert

// The date some chat templates write into the system message (Llama 3.1+, SmolLM3, Granite): by
// default the device's local date, pinned with `--date YYYY-MM-DD` so a prompt is reproducible.
#pragma once

#include <string>
#include <string_view>

namespace sprig {

struct ChatDate {
  int year = 1970, month = 1, day = 1;  // month 1-12, day 1-31
};

// The device clock's local date.
ChatDate today();

// "YYYY-MM-DD", a real calendar day; false otherwise.
bool parse_chat_date(std::string_view text, ChatDate& date);

// `format` with %d, %m, %Y (zero-padded), %b, %B (English month names, as Python's strftime in the
// C locale writes them) and %% replaced; any other text is copied.
std::string format_chat_date(std::string_view format, const ChatDate& date);

}  // namespace sprig

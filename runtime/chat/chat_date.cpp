// Dates for chat templates, written without strftime so the device's locale cannot change the
// month names the model was trained on.
#include "sprig/chat_date.h"

#include <ctime>

namespace sprig {
namespace {

constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

void two_digits(int value, std::string& out) {
  out += char('0' + value / 10 % 10);
  out += char('0' + value % 10);
}

}  // namespace

ChatDate today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  if (localtime_r(&now, &local) == nullptr) return {};
  return {local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

bool parse_chat_date(std::string_view text, ChatDate& date) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int fields[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f)
    for (size_t i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  if (fields[0] < 1 || fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > days_in(fields[0], fields[1]))
    return false;
  date = {fields[0], fields[1], fields[2]};
  return true;
}

std::string format_chat_date(std::string_view format, const ChatDate& date) {
  std::string out;
  const std::string_view month = kMonths[(date.month >= 1 && date.month <= 12 ? date.month : 1) - 1];
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    switch (format[++i]) {
      case 'd': two_digits(date.day, out); break;
      case 'm': two_digits(date.month, out); break;
      case 'Y': out += std::to_string(date.year); break;
      case 'b': out += month.substr(0, 3); break;
      case 'B': out += month; break;
      case '%': out += '%'; break;
      default: out += '%', out += format[i]; break;
    }
  }
  return out;
}

}  // namespace sprig

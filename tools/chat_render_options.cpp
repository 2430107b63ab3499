#include "chat_render_options.h"

#include "sprig/chat_date.h"

namespace sprig::cli {

void apply_chat_render_options(const Arguments& args, ChatFormatter& formatter) {
  if (args.has("--date")) {
    ChatDate date;
    if (!parse_chat_date(args.text("--date"), date))
      throw UsageError("--date " + args.text("--date") + " is not a calendar day as YYYY-MM-DD");
    formatter.set_date(date);
  }
  if (args.has("--think")) {
    const std::string value = args.text("--think");
    if (value != "on" && value != "off") throw UsageError("--think takes on or off, not '" + value + "'");
    if (!formatter.has_think_switch())
      throw UsageError("--think: this model's chat template has no reasoning switch (enable_thinking)");
    formatter.set_thinking(value == "on");
  }
}

}  // namespace sprig::cli

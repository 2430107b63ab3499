// sprig chat: talk with a chat-tuned model. Interactive by default (one line per user message,
// the reply streamed to stdout); --conversation FILE answers a saved conversation once;
// --print-prompt shows exactly what the template renders. Status lines go to stderr.
#include <chrono>
#include <cstdio>
#include <unistd.h>
#include <cstdlib>
#include <thread>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "json_text.h"
#include "line_input.h"
#include "model_hint.h"
#include "sampling_arguments.h"
#include "sampling_defaults.h"
#include "chat_render_options.h"
#include "reasoning_display.h"
#include "session_arguments.h"
#include "sprig/chat.h"
#include "sprig/cpu_features.h"

namespace sprig::cli {

const char* kChatUsage =
    "usage: sprig chat -m model.sprig [--system TEXT] [-n TOKENS] [--conversation conv.json [--json]]\n"
    "                  [--print-prompt] [--session FILE] [options]\n"
    "Talks with a chat-tuned model: one line per message (a trailing \\ continues it on the next line), the\n"
    "reply streamed to stdout; Ctrl-C stops a reply, Ctrl-D (or a second Ctrl-C at an empty prompt) quits.\n"
    "  -m, --model FILE      the model (.sprig, with a chat template)\n"
    "  --system TEXT         the system prompt (interactive chats; a conversation file carries its own)\n"
    "  -n, --n-predict N     most tokens per reply (default 512)\n"
    "  --conversation FILE   a role/content JSON file ([{\"role\": \"user\", \"content\": \"...\"}, ...]) whose\n"
    "                        last message is the user's: prints the assistant's reply and stops\n"
    "  --json                with --conversation: print the whole conversation, reply included, as JSON\n"
    "  --print-prompt        print the prompt text the chat template renders (with the generation prompt), stop\n"
    "  --session FILE        resume the conversation and its KV cache from FILE when it exists; save them after\n"
    "                        every turn (so a long system prompt is computed once)\n"
    "  --date YYYY-MM-DD     the date dated templates write (Llama 3.1+, SmolLM3, Granite; default: today's)\n"
    "  --think on|off        the template's reasoning switch (Qwen3, SmolLM3 enable_thinking; default: the\n"
    "                        template's)\n"
    "  --reasoning show|hide show (dimmed on a terminal; the default) or hide a reply's <think> span; --json\n"
    "                        gives it as \"reasoning_content\"\n"
    "interactive commands: /help  /reset  /save FILE  /load FILE  /quit\n";

namespace {

Result<std::vector<StoredMessage>> read_conversation(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  auto messages = parse_chat_json(text.str());
  if (!messages) return Error(path + ": " + messages.error().message());
  return messages;
}

Status write_conversation(const std::string& path, std::span<const StoredMessage> messages) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << format_chat_json(messages);
  out.close();
  if (!out) return Error(path + ": cannot write");
  return {};
}

void report_turn(const ChatTurnStats& stats) {
  if (stats.dropped_messages)
    std::fprintf(stderr, "sprig: the context was full: dropped the %u oldest messages (the system prompt stays)\n",
                 stats.dropped_messages);
  auto rate = [](uint32_t n, double s) { return s > 0 ? n / s : 0.0; };
  std::fprintf(stderr, "[prefilled %u tokens, %.1f tokens/s | generated %u tokens, %.1f tokens/s%s]\n",
               stats.prefilled_tokens, rate(stats.prefilled_tokens, stats.prompt_seconds), stats.generated_tokens,
               rate(stats.generated_tokens, stats.generation_seconds),
               stats.stop == StopReason::TokenLimit    ? ", token limit"
               : stats.stop == StopReason::ContextFull ? ", context full"
               : stats.stop == StopReason::Cancelled   ? ", stopped"
                                                       : "");
}

// Streams through the reasoning printer until Ctrl-C, which stops the reply (the conversation keeps it).
// SPRIG_REPLY_DELAY_MS paces the tokens: tiny models reply faster than a test (or a person)
// can press Ctrl-C in the middle.
bool stream_until_interrupted(ReasoningPrinter& printer, std::string_view text) {
  static const long delay_ms = [] {
    const char* value = std::getenv("SPRIG_REPLY_DELAY_MS");
    return value ? std::strtol(value, nullptr, 10) : 0L;
  }();
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  if (interrupt_requested()) return false;
  printer.write(text);
  return true;
}

const char* kInteractiveHelp =
    "sprig: type a message and Enter to send it; end a line with \\ to go on on the next one.\n"
    "  Ctrl-C stops a reply (the conversation keeps what was said); Ctrl-C twice at an empty prompt, Ctrl-D or\n"
    "  /quit ends the chat. Up and Down recall earlier messages.\n"
    "  /reset        start over (the system prompt stays)\n"
    "  /save FILE    write the conversation as role/content JSON\n"
    "  /load FILE    read one (the next turn computes it)\n"
    "  /help         this text\n"
    "  /quit         end the chat\n";

bool only_whitespace(const std::string& s) {
  return s.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
}

// Reads one message: lines ending in a backslash continue on the next one. False at the end
// of the input or when the chat should end (Ctrl-C twice at an empty prompt).
bool read_message(LineInput& input, std::string& message) {
  message.clear();
  bool interrupted_at_empty_prompt = false;
  std::string line;
  while (true) {
    const LineEvent event = input.read(message.empty() ? "> " : "... ", line);
    if (event == LineEvent::End) {
      if (input.terminal()) std::fputc('\n', stdout);  // the shell's prompt starts on a new line
      return false;
    }
    if (event == LineEvent::Interrupted) {
      std::fputc('\n', stdout);
      if (message.empty() && interrupted_at_empty_prompt) return false;
      if (message.empty()) std::fprintf(stderr, "sprig: (Ctrl-C again or Ctrl-D to quit)\n");
      interrupted_at_empty_prompt = message.empty();
      message.clear();  // a message in progress is dropped
      continue;
    }
    interrupted_at_empty_prompt = false;
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      message += line + "\n";
      continue;
    }
    message += line;
    return true;
  }
}

// Interactive chat; the exit status is 1 when a turn failed and the input was not a terminal
// (a script must see the failure).
int interactive(Chat& chat, uint32_t max_tokens, const std::string& session_path, ReasoningPrinter& printer,
                bool opened) {
  LineInput input;
  bool failed = false;
  std::string line;
  while (read_message(input, line)) {
    if (only_whitespace(line)) continue;  // nothing to send
    input.remember(line);
    if (line == "/quit" || line == "/exit") break;
    if (line == "/help") {
      std::fputs(kInteractiveHelp, stderr);
      continue;
    }
    if (line == "/reset") {
      chat.reset();
      std::fprintf(stderr, "sprig: the conversation starts over (the system prompt stays)\n");
      continue;
    }
    if (line.rfind("/save ", 0) == 0) {
      const Status s = write_conversation(line.substr(6), chat.messages());
      if (s) std::fprintf(stderr, "sprig: saved %zu messages to %s\n", chat.messages().size(), line.substr(6).c_str());
      else report_error(s.message());
      continue;
    }
    if (line.rfind("/load ", 0) == 0) {
      auto messages = read_conversation(line.substr(6));
      if (!messages) {
        report_error(messages.error().message());
        continue;
      }
      const size_t n = messages->size();
      chat.set_messages(std::move(messages.value()));
      std::fprintf(stderr, "sprig: loaded %zu messages; the next turn computes them\n", n);
      continue;
    }
    if (line[0] == '/') {
      std::fprintf(stderr, "sprig: unknown command %s; /help lists them\n", line.c_str());
      continue;
    }
    interrupt_requested();  // a Ctrl-C from before this turn does not stop it
    printer.begin(opened);
    const bool terminal = input.terminal();
    auto stats = chat.turn(line, max_tokens, [&](int32_t, std::string_view text) {
      if (terminal) return stream_until_interrupted(printer, text);
      printer.write(text);
      return true;
    });
    printer.end();
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!stats) {
      report_error(stats.error().message());
      failed = true;
      continue;
    }
    if (stats->stop == StopReason::Cancelled) std::fprintf(stderr, "sprig: stopped (Ctrl-C); the reply so far stays\n");
    report_turn(stats.value());
    if (!session_path.empty())
      if (Status s = chat.save_state(session_path); !s) {
        report_error(s.message());
        failed = true;
      }
  }
  return failed && !input.terminal() ? 1 : 0;
}

}  // namespace

int chat_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert(kSamplingOptionNames.begin(), kSamplingOptionNames.end());
  names.insert({"-m", "-n", "--system", "--conversation", "--session", "--date", "--think", "--reasoning"});
  const Arguments args(argc, argv, names, {"--json", "--print-prompt"});
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  if (args.has("--json") && !args.has("--conversation")) throw UsageError("--json goes with --conversation");
  if (args.has("--system") && args.has("--conversation"))
    throw UsageError("--conversation carries its own system message; give --system only to interactive chats");
  const uint32_t max_tokens = uint32_t(args.integer("-n", 512, 1, 1 << 24));
  // The defaults a model file may carry (its generation config) will replace recommended() here.
  SamplerOptions sampling = sampling_options(args, SamplerOptions::recommended());

  if (auto hint = foreign_model_hint(args.text("-m"))) return report_error(*hint);
  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  if (const std::string taken = apply_model_sampling_defaults(args, *model.value(), sampling); !taken.empty())
    std::fprintf(stderr, "sprig: %s\n", taken.c_str());
  if (!model.value()->chat_template().present)
    return report_error(args.text("-m") + " has no chat template (a base model?); use sprig run, or convert with "
                        "--chat-template NAME");
  const Tokenizer tokenizer(model.value()->vocab());
  ChatFormatter formatter(*model.value(), tokenizer);
  apply_chat_render_options(args, formatter);

  std::vector<StoredMessage> messages;
  if (args.has("--conversation")) {
    auto loaded = read_conversation(args.text("--conversation"));
    if (!loaded) return report_error(loaded.error().message());
    messages = std::move(loaded.value());
  } else if (args.has("--system")) {
    messages.push_back({"system", args.text("--system")});
  }
  if (args.has("--print-prompt")) {
    std::string text;
    if (Status s = formatter.render_text(chat_messages(messages), true, text); !s) return report_error(s.message());
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }

  auto session = Session::create(model.value(), session_options(args));
  if (!session) return report_error(session.error().message());
  log_backend(*session.value());
  log_sampling(sampling);
  Sampler sampler(sampling, tokenizer.vocab_size());
  Chat chat(*session.value(), tokenizer, formatter, sampler);
  chat.set_messages(messages);
  std::fprintf(stderr, "sprig: %s | model %s, %s template, context %u tokens\n", cpu_features().describe().c_str(),
               args.text("-m").c_str(), chat_template_name(model.value()->chat_template().kind),
               session.value()->context_length());

  const std::string session_path = args.text("--session");
  if (!session_path.empty() && std::filesystem::exists(session_path)) {
    if (Status s = chat.resume(session_path); !s) return report_error(s.message());
    std::fprintf(stderr, "sprig: resumed %zu messages (%zu tokens) from %s\n", chat.messages().size(),
                 chat.cached_tokens().size(), session_path.c_str());
  } else if (!session_path.empty()) {
    if (Status s = chat.prime(); !s) return report_error(s.message());
    if (Status s = chat.save_state(session_path); !s) return report_error(s.message());
  }

  const std::string reasoning = args.has("--reasoning") ? args.text("--reasoning") : "show";
  if (reasoning != "show" && reasoning != "hide") throw UsageError("--reasoning takes show or hide, not '" + reasoning + "'");
  ReasoningPrinter printer(stdout, reasoning == "show", isatty(fileno(stdout)) != 0);
  const bool opened = prompt_opens_reasoning(formatter);
  if (!args.has("--conversation")) return interactive(chat, max_tokens, session_path, printer, opened);

  const bool json = args.has("--json");
  printer.begin(opened);
  auto stats = chat.turn("", max_tokens, json ? TokenSink([](int32_t, std::string_view) { return true; })
                                              : TokenSink([&](int32_t, std::string_view text) { return printer.write(text), true; }));
  printer.end();
  if (!stats) return report_error(stats.error().message());
  if (json) {
    const std::string text = conversation_json(chat.messages(), opened);
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::fputc('\n', stdout);
  }
  report_turn(stats.value());
  if (!session_path.empty())
    if (Status s = chat.save_state(session_path); !s) return report_error(s.message());
  return 0;
}

}  // namespace sprig::cli

#include "line_input.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

#if SPRIG_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace sprig::cli {
namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) { interrupted = 1; }

}  // namespace

bool interrupt_requested() {
  const bool was = interrupted != 0;
  interrupted = 0;
  return was;
}

LineInput::LineInput() : terminal_(isatty(fileno(stdin)) != 0), editing_(false) {
  if (!terminal_) return;
  // No SA_RESTART: a read in progress returns, so Ctrl-C at the prompt is seen at once.
  struct sigaction action = {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
#if SPRIG_HAVE_LIBEDIT
  editing_ = true;
  using_history();
#endif
}

LineInput::~LineInput() {
  if (terminal_) std::signal(SIGINT, SIG_DFL);
}

LineEvent LineInput::read(const char* prompt, std::string& line) {
  interrupted = 0;
#if SPRIG_HAVE_LIBEDIT
  if (editing_) {
    char* text = readline(prompt);
    if (!text) return interrupt_requested() ? LineEvent::Interrupted : LineEvent::End;
    line = text;
    std::free(text);
    return LineEvent::Line;
  }
#endif
  if (terminal_) {
    std::fputs(prompt, stderr);
    std::fflush(stderr);
  }
  if (!std::getline(std::cin, line)) {
    if (interrupt_requested()) {
      std::cin.clear();
      return LineEvent::Interrupted;
    }
    return LineEvent::End;
  }
  return LineEvent::Line;
}

void LineInput::remember(const std::string& line) {
#if SPRIG_HAVE_LIBEDIT
  if (editing_) add_history(line.c_str());
#else
  (void)line;
#endif
}

}  // namespace sprig::cli

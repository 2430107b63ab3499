// Lines typed into interactive chat: with line editing and history (libedit) on a terminal,
// plain reads otherwise; Ctrl-C is an event, not the end of the process.
#pragma once

#include <string>

namespace sprig::cli {

enum class LineEvent { Line, Interrupted, End };

class LineInput {
 public:
  // On a terminal, SIGINT from here on only sets a flag (see interrupt_requested).
  LineInput();
  ~LineInput();
  LineInput(const LineInput&) = delete;
  LineInput& operator=(const LineInput&) = delete;

  bool terminal() const { return terminal_; }
  // A line without its newline; Interrupted when Ctrl-C came while reading; End at Ctrl-D or
  // the end of the input.
  LineEvent read(const char* prompt, std::string& line);
  // Makes `line` reachable with the Up arrow.
  void remember(const std::string& line);

 private:
  bool terminal_;
  bool editing_;
};

// Whether Ctrl-C came since the last call (and forgets it).
bool interrupt_requested();

}  // namespace sprig::cli

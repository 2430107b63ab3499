// A small command-line parser shared by the sprig subcommands: options with values, flags,
// llama.cpp's long spellings as aliases, --opt=value, `--` to end the options, -h/--help, and a
// clear error for anything unknown or malformed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace sprig::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// -h or --help among the options: the command prints its usage to stdout and exits 0.
struct HelpRequested {};

// Other spellings of the names the commands ask for (llama.cpp's long forms among them): the
// first of each pair is the spelling, the second the name it stands for.
extern const std::map<std::string, std::string> kAliases;
// What the usage texts say about the aliases and the GPU options.
extern const char* kCommonUsage;

class Arguments {
 public:
  // `with_value` lists options that take a value, `flags` those that do not, each by the name
  // the command asks for; the other spellings of an option (kAliases) are accepted for it.
  // `aliases` maps other spellings to those names (kAliases unless a command has its own).
  Arguments(int argc, char** argv, const std::set<std::string>& with_value, const std::set<std::string>& flags,
            const std::map<std::string, std::string>& aliases = kAliases);

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string text(const std::string& name, const std::string& fallback = "") const;
  // Every value given to a repeatable option (-r a -r b), in order.
  std::vector<std::string> all(const std::string& name) const;
  int64_t integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  double number(const std::string& name, double fallback, double min, double max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  // "-c (--ctx-size)": the name and its other spellings, for messages.
  std::string spelled(const std::string& name) const;

  const std::map<std::string, std::string>* aliases_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace sprig::cli

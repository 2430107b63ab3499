#include "arguments.h"

#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <optional>

namespace sprig::cli {

const std::map<std::string, std::string> kAliases = {
    {"--model", "-m"},           {"--prompt", "-p"},         {"--n-predict", "-n"},
    {"--ctx-size", "-c"},        {"--batch-size", "-b"},     {"--threads", "-t"},
    {"-s", "--seed"},            {"--file", "-f"},           {"--reverse-prompt", "-r"},
    {"--display-prompt", "--echo"}, {"--repeat-last", "--repeat-last-n"},
};

const char* kCommonUsage =
    "  -h, --help      this text\n"
    "  --opt=value is the same as --opt value; -- ends the options (what follows is text).\n"
    "  GPU options (-ngl/--n-gpu-layers N, -fa/--flash-attn [on|off|auto]) are accepted and ignored: sprig runs on\n"
    "  the CPU.\n";

namespace {

// Options llama.cpp users pass out of habit that mean nothing on a CPU runtime: accepted with a
// notice. The value is whether the option takes a value (-fa takes one only when it looks like one).
const std::map<std::string, bool> kIgnoredGpuOptions = {
    {"-ngl", true}, {"--n-gpu-layers", true}, {"--gpu-layers", true}, {"-fa", false}, {"--flash-attn", false},
    {"-mg", true},  {"--main-gpu", true},     {"-sm", true},          {"--split-mode", true}};

bool is_on_off(const std::string& s) { return s == "on" || s == "off" || s == "auto"; }

}  // namespace

Arguments::Arguments(int argc, char** argv, const std::set<std::string>& with_value,
                     const std::set<std::string>& flags, const std::map<std::string, std::string>& aliases)
    : aliases_(&aliases) {
  bool options_ended = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") throw HelpRequested{};
    // --opt=value (long options only: a short option's value may contain '=').
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0)
      if (const size_t eq = arg.find('='); eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg.resize(eq);
      }
    const std::string spelled = arg;
    if (auto alias = aliases.find(arg); alias != aliases.end() && !with_value.count(arg) && !flags.count(arg))
      arg = alias->second;
    if (auto gpu = kIgnoredGpuOptions.find(arg); gpu != kIgnoredGpuOptions.end()) {
      if (!inline_value && i + 1 < argc && (gpu->second || is_on_off(argv[i + 1]))) ++i;
      std::fprintf(stderr, "sprig: %s ignored: sprig runs on the CPU (no GPU offload)\n", spelled.c_str());
      continue;
    }
    if (with_value.count(arg)) {
      if (inline_value) {
        values_[arg].push_back(*inline_value);
      } else {
        if (i + 1 >= argc) throw UsageError(spelled + " needs a value");
        values_[arg].push_back(argv[++i]);
      }
    } else if (flags.count(arg)) {
      if (inline_value) throw UsageError(spelled + " takes no value");
      values_[arg].push_back("");
    } else {
      throw UsageError("unknown option " + spelled);
    }
  }
}

std::string Arguments::spelled(const std::string& name) const {
  std::string out = name;
  for (const auto& [spelling, target] : *aliases_)
    if (target == name) out += (out == name ? " (" : ", ") + spelling;
  return out == name ? out : out + ")";
}

std::string Arguments::text(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Arguments::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t Arguments::integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(name)) return fallback;
  const std::string s = text(name);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
    throw UsageError(spelled(name) + " takes an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                     s + "'");
  return v;
}

double Arguments::number(const std::string& name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  const std::string s = text(name);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(v >= min && v <= max)) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", min, max);
    throw UsageError(spelled(name) + " takes a number from " + range + ", not '" + s + "'");
  }
  return v;
}

}  // namespace sprig::cli

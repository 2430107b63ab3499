#include "arguments.h"

#include <cstdlib>

namespace sprig::cli {

Arguments::Arguments(int argc, char** argv, const std::set<std::string>& with_value,
                     const std::set<std::string>& flags) {
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (with_value.count(arg)) {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      values_[arg] = argv[++i];
    } else if (flags.count(arg)) {
      values_[arg] = "";
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw UsageError("unknown option " + arg);
    } else {
      positional_.push_back(arg);
    }
  }
}

std::string Arguments::text(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int64_t Arguments::integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(name)) return fallback;
  const std::string& s = values_.at(name);
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < min || v > max)
    throw UsageError(name + " takes an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                     s + "'");
  return v;
}

double Arguments::number(const std::string& name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  const std::string& s = values_.at(name);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(v >= min && v <= max))
    throw UsageError(name + " takes a number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                     s + "'");
  return v;
}

}  // namespace sprig::cli

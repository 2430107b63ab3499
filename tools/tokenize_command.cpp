// sprig tokenize: shows how a model's tokenizer splits text: each token's id and piece, the
// count, or just the ids (--ids) or JSON (--json).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "arguments.h"
#include "commands.h"

namespace sprig::cli {

const char* kTokenizeUsage =
    "usage: sprig tokenize -m model.sprig (TEXT | -f FILE) [--ids | --json] [--no-bos]\n";

namespace {

// A JSON string literal: quotes, backslashes and control bytes escaped, UTF-8 kept as is.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

}  // namespace

int tokenize_command(int argc, char** argv) {
  const Arguments args(argc, argv, {"-m", "-f"}, {"--ids", "--json", "--no-bos"});
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  std::string text;
  if (args.has("-f")) {
    std::ifstream in(args.text("-f"), std::ios::binary);
    if (!in) return report_error(args.text("-f") + ": cannot open");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  } else if (args.positional().size() == 1) {
    text = args.positional()[0];
  } else {
    throw UsageError("give the text as one argument or with -f FILE");
  }
  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  const Tokenizer tokenizer(model.value()->vocab());
  std::vector<int32_t> ids;
  tokenizer.encode(text, model.value()->vocab().add_bos && !args.has("--no-bos"), ids);

  if (args.has("--ids")) {
    for (size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
    std::printf("\n");
  } else if (args.has("--json")) {
    std::printf("{\"count\": %zu, \"tokens\": [", ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
      std::printf("%s{\"id\": %d, \"piece\": %s}", i ? ", " : "", ids[i], json_string(tokenizer.piece(ids[i])).c_str());
    std::printf("]}\n");
  } else {
    for (int32_t id : ids) std::printf("%8d  %s\n", id, json_string(tokenizer.piece(id)).c_str());
    std::printf("%zu tokens\n", ids.size());
  }
  return 0;
}

}  // namespace sprig::cli

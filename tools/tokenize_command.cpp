// sprig tokenize: shows how a model's tokenizer splits text: each token's id and piece, the
// count, or just the ids (--ids) or JSON (--json). --tokenizer reads a tokenizer without weights.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "tokenizer_source.h"

namespace sprig::cli {

const char* kTokenizeUsage =
    "usage: sprig tokenize (-m model.sprig | --tokenizer SOURCE) (TEXT | -f FILE) [--ids | --json] [--no-bos]\n"
    "                      [--special]\n"
    "  --tokenizer: a sprig file, tokenizer.json, a folder with vocab.json + merges.txt, a GGUF file\n"
    "               (vocab-only included) or a llama2.c tokenizer .bin (converted by sprig-convert)\n"
    "  --special:   control and added tokens written in the text become those tokens\n";

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

int tokenize_command(int argc, char** argv, const char* argv0) {
  const Arguments args(argc, argv, {"-m", "-f", "--tokenizer"}, {"--ids", "--json", "--no-bos", "--special"});
  if (args.has("-m") == args.has("--tokenizer")) throw UsageError("give either -m MODEL or --tokenizer SOURCE");
  std::string text;
  if (args.has("-f")) {
    std::ifstream in(args.text("-f"), std::ios::binary);
    // A folder opens as a stream on Linux and reads as empty text; say what it is instead.
    if (std::filesystem::is_directory(args.text("-f"))) return report_error(args.text("-f") + ": is a folder, not a text file");
    if (!in) return report_error(args.text("-f") + ": cannot open");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  } else if (args.positional().size() == 1) {
    text = args.positional()[0];
  } else {
    throw UsageError("give the text as one argument or with -f FILE");
  }
  auto model = args.has("-m") ? Model::open(args.text("-m")) : open_tokenizer_source(args.text("--tokenizer"), argv0);
  if (!model) return report_error(model.error().message());
  const Tokenizer tokenizer(model.value()->vocab());
  std::vector<int32_t> ids;
  EncodeOptions options;
  options.add_bos = model.value()->vocab().add_bos && !args.has("--no-bos");
  options.parse_special = args.has("--special");
  Tokenizer::Workspace workspace;
  tokenizer.encode(text, options, ids, workspace);

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

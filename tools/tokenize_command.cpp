// sprig tokenize: shows how a model's tokenizer splits text: each token's id and piece, the
// count, or just the ids (--ids) or JSON (--json). --tokenizer reads a tokenizer without weights.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "json_text.h"
#include "text_input.h"
#include "tokenizer_source.h"

namespace sprig::cli {

const char* kTokenizeUsage =
    "usage: sprig tokenize (-m model.sprig | --tokenizer SOURCE) (TEXT | -f FILE) [--ids | --json] [--no-bos]\n"
    "                      [--special]\n"
    "Shows how a tokenizer splits a text: each token's id and its text (--json: also the raw vocabulary piece).\n"
    "  -m, --model FILE      the model (.sprig) whose tokenizer to use\n"
    "  --tokenizer SOURCE    a sprig file, tokenizer.json, a folder with vocab.json + merges.txt, a GGUF file\n"
    "                        (vocab-only included) or a llama2.c tokenizer .bin (converted by sprig-convert)\n"
    "  -f, --file FILE       read the text from FILE (-: stdin) instead of the TEXT argument\n"
    "  --ids                 only the ids, on one line\n"
    "  --json                one JSON object: the count and each token's id, text and raw piece\n"
    "  --no-bos              without the BOS the model puts first (default: as the model does)\n"
    "  --special             control and added tokens written in the text become those tokens\n";

namespace {

// A token's bytes as a reader sees them: whole UTF-8 characters as they are, each byte of a
// partial character (byte-level tokenizers split characters) as \xNN.
std::string readable(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n > 0 && i + n <= bytes.size() && is_utf8(bytes.substr(i, n))) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", c);
      out += escape;
      ++i;
    }
  }
  return out;
}

}  // namespace

int tokenize_command(int argc, char** argv, const char* argv0) {
  const Arguments args(argc, argv, {"-m", "-f", "--tokenizer"}, {"--ids", "--json", "--no-bos", "--special"});
  if (args.has("-m") == args.has("--tokenizer")) throw UsageError("give either -m MODEL or --tokenizer SOURCE");
  std::string text;
  if (args.has("-f")) {
    if (!args.positional().empty()) throw UsageError("give the text as an argument or with -f FILE, not both");
    auto read = read_text_input(args.text("-f"));
    if (!read) return report_error(read.error().message());
    text = std::move(read.value());
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
    // "text": the token's bytes (as the detokenizer gives them after the token before it) in
    // readable form; "piece": the vocabulary's raw entry (GPT-2's byte alphabet, SentencePiece's ▁).
    std::printf("{\"count\": %zu, \"tokens\": [", ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
      std::printf("%s{\"id\": %d, \"text\": %s, \"piece\": %s}", i ? ", " : "", ids[i],
                  json_string(readable(tokenizer.decode(i ? ids[i - 1] : -1, ids[i]))).c_str(),
                  json_string(tokenizer.piece(ids[i])).c_str());
    std::printf("]}\n");
  } else {
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string_view text = tokenizer.decode(i ? ids[i - 1] : -1, ids[i]);
      if (text.empty())  // a control token: it has a name, not text
        std::printf("%8d  %s (control)\n", ids[i], readable(tokenizer.piece(ids[i])).c_str());
      else
        std::printf("%8d  %s\n", ids[i], json_string(readable(text)).c_str());
    }
    std::printf("%zu tokens\n", ids.size());
  }
  return 0;
}

}  // namespace sprig::cli

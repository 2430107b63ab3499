// sprig-convert: reads a checkpoint (llama2.c, GGUF or a Hugging Face folder) and writes one
// sprig model file.
#include <cstdio>
#include <string>

#include <optional>

#include "arguments.h"
#include "calibrate.h"
#include "checkpoint.h"
#include "gguf_kept_types.h"
#include "model_writer.h"

namespace {

using namespace sprig;
using namespace sprig::convert;

const char* kUsage =
    "usage: sprig-convert (<checkpoint file or folder> | --synthetic NAME) -o model.sprig [--tokenizer SOURCE]\n"
    "                     [--dtype f32|f16 | --quant q8|q4|q4a [--group 32|64|128] [--method rtn|search]]\n"
    "                     [--head f32|f16|q8|q4|q4a] [--calibration TEXT]\n"
    "                     [--chat-template chatml|llama2|llama3|phi3|gemma|zephyr]\n"
    "       sprig-convert --tokenizer-only SOURCE -o tokenizer.sprig [--chat-template NAME]\n"
    "  checkpoint   a llama2.c .bin, a .gguf file, or a Hugging Face folder (config.json + safetensors)\n"
    "  --synthetic  random weights in the shape of smollm2-135m, qwen2.5-0.5b or llama-3.2-1b\n"
    "  --tokenizer  replaces the checkpoint's tokenizer (llama2.c checkpoints have none; a folder's own\n"
    "               tokenizer.json, vocab.json + merges.txt or tokenizer.model is read otherwise); with\n"
    "               --synthetic the vocabulary size is the tokenizer's\n"
    "  --chat-template  the chat template kind, when the source's Jinja template is absent or not recognised\n"
    "  --tokenizer-only  writes a vocab-only file (the tokenizer, no weights)\n"
    "  SOURCE       tokenizer.json, a folder with tokenizer.json or vocab.json + merges.txt, a GGUF file\n"
    "               (vocab-only files included) or a llama2.c tokenizer .bin\n"
    "  --dtype/--quant  default: f32, except that a GGUF file keeps its types (Q8_0 -> q8, Q4_0 -> q4,\n"
    "               Q4_1 and Q4_K -> q4a, Q6_K -> q8, F16/BF16 -> f16), said per type in the summary\n"
    "  --quant      weight-only quantization of the transformer blocks' matrices, in blocks of --group\n"
    "               columns; q4a stores a minimum per block. --method search (default) picks each block's\n"
    "               scale for the least error, rtn is plain absmax rounding\n"
    "  --head       dtype of the embedding and output head (default: q8 for 4-bit recipes, f16 for q8,\n"
    "               else as --dtype)\n"
    "  --calibration TEXT  run the model on TEXT first and weight each column's error by the mean square\n"
    "               of its activations (activation-aware); --calibration-tokens caps the tokens (4096)\n";

void report(const Checkpoint& c) {
  const Hyperparameters& h = c.hparams;
  std::fprintf(stderr,
               "read %s (%s): %s, dim %u, layers %u, heads %u (kv %u, head_dim %u), ffn %u, vocab %u, context %u, "
               "rope theta %g, eps %g, %s output head\n",
               c.source.c_str(), c.source_format.c_str(), architecture_name(c.family.architecture), h.dim, h.n_layers, h.n_heads, h.n_kv_heads, h.head_dim,
               h.ffn_dim, h.vocab_size, h.max_positions, h.rope_theta, h.norm_eps, h.tied_output ? "tied" : "separate");
  if (c.tokenizer.pieces.size() < h.vocab_size)
    std::fprintf(stderr,
                 "padded vocabulary: the tokenizer has %zu tokens, the embedding %u rows; the rows are kept and ids "
                 "%zu..%u are never sampled or shown\n",
                 c.tokenizer.pieces.size(), h.vocab_size, c.tokenizer.pieces.size(), h.vocab_size - 1);
  std::fprintf(stderr, "tokenizer: %s\n", c.tokenizer.source_format.c_str());
  const GenerationData& g = c.generation;
  if (!g.note.empty()) std::fprintf(stderr, "%s\n", g.note.c_str());
  if (g.temperature)
    std::fprintf(stderr, "sampling defaults: temperature %g, top_p %g, top_k %d\n", *g.temperature, g.top_p.value_or(1.0f),
                 g.top_k.value_or(0));
  if (!g.stop_ids.empty()) {
    std::string ids;
    for (int32_t id : g.stop_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    std::fprintf(stderr, "stop tokens from generation_config.json: %s\n", ids.c_str());
  }
  const ChatTemplateData& chat = c.tokenizer.chat;
  if (chat.present)
    std::fprintf(stderr, "chat template: %s%s, %zu stop tokens\n", chat_template_name(chat.kind),
                 chat.has_default_system ? " with a default system prompt" : "", chat.stop_ids.size());
}

std::optional<DType> parse_dtype(const std::string& name) {
  for (DType d : {DType::F32, DType::F16, DType::Q8, DType::Q4, DType::Q4A})
    if (name == dtype_name(d)) return d;
  return std::nullopt;
}

WriteOptions write_options(const cli::Arguments& args) {
  WriteOptions options;
  if (args.has("--dtype") && args.has("--quant")) throw cli::UsageError("give --dtype or --quant, not both");
  const std::string matrix = args.text("--quant", args.text("--dtype", "f32"));
  const auto dtype = parse_dtype(matrix);
  if (!dtype || (args.has("--quant") && !is_quantized(*dtype)) || (args.has("--dtype") && is_quantized(*dtype)))
    throw cli::UsageError("--dtype takes f32 or f16, --quant takes q8, q4 or q4a; not " + matrix);
  options.dtype = *dtype;
  options.head_dtype = default_head_dtype(options.dtype);
  if (args.has("--head")) {
    const auto head = parse_dtype(args.text("--head"));
    if (!head) throw cli::UsageError("--head takes f32, f16, q8, q4 or q4a");
    options.head_dtype = *head;
  }
  options.group = uint32_t(args.integer("--group", 32, 32, 128));
  if (!is_valid_group(options.group)) throw cli::UsageError("--group takes 32, 64 or 128");
  const std::string method = args.text("--method", "search");
  if (method != "rtn" && method != "search") throw cli::UsageError("--method takes rtn or search");
  options.method = method == "rtn" ? QuantMethod::Rtn : QuantMethod::Search;
  if (args.has("--calibration") && !is_quantized(options.dtype)) throw cli::UsageError("--calibration needs --quant");
  options.report = true;
  for (const char* name : {"--dtype", "--quant", "--group", "--method", "--head", "--calibration"})
    if (args.has(name)) options.options_text += std::string(options.options_text.empty() ? "" : " ") + name + " " + args.text(name);
  return options;
}

int write_tokenizer_only(const std::string& source, const std::string& output, const std::string& chat_template) {
  try {
    TokenizerData data = read_tokenizer_source(source);
    data.chat = recognise_chat_template(data, chat_template, source);
    const uint64_t bytes = write_tokenizer_model(data, source, output);
    std::fprintf(stderr, "wrote %s: vocab-only, %zu tokens, %zu merges (%s), %llu bytes\n", output.c_str(),
                 data.pieces.size(), data.merges.size(), data.source_format.c_str(), (unsigned long long)bytes);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sprig-convert: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Arguments args(argc - 1, argv + 1, {"-o", "--tokenizer", "--dtype", "--quant", "--group", "--method", "--head",
                               "--calibration", "--calibration-tokens", "--synthetic", "--chat-template"},
                              {"-h", "--help", "--tokenizer-only"});
    if (args.has("-h") || args.has("--help")) return std::fputs(kUsage, stdout), 0;
    if (args.has("--tokenizer-only")) {
      if (args.positional().size() != 1 || !args.has("-o")) throw cli::UsageError("give one tokenizer SOURCE and -o FILE");
      return write_tokenizer_only(args.positional()[0], args.text("-o"), args.text("--chat-template"));
    }
    if (args.positional().size() != (args.has("--synthetic") ? 0u : 1u) || !args.has("-o"))
      throw cli::UsageError("give one checkpoint (or --synthetic NAME) and -o FILE");
    WriteOptions options = write_options(args);
    const std::string output = args.text("-o");
    try {
      Checkpoint checkpoint;
      std::string tokenizer_source = args.has("--synthetic") ? "" : args.positional()[0];
      if (!args.has("--synthetic")) {
        checkpoint = read_checkpoint(args.positional()[0], args.text("--tokenizer"));
      } else if (args.has("--tokenizer")) {
        TokenizerData tokenizer = read_tokenizer_source(args.text("--tokenizer"));
        checkpoint = synthetic_checkpoint(args.text("--synthetic"), uint32_t(tokenizer.pieces.size()));
        checkpoint.tokenizer = std::move(tokenizer);
      } else {
        checkpoint = synthetic_checkpoint(args.text("--synthetic"));
      }
      if (args.has("--tokenizer")) tokenizer_source = args.text("--tokenizer");
      checkpoint.tokenizer.chat = recognise_chat_template(checkpoint.tokenizer, args.text("--chat-template"), tokenizer_source);
      add_generation_stops(checkpoint.tokenizer.chat, checkpoint.generation);
      if (!args.has("--dtype") && !args.has("--quant") && checkpoint.source_format == "gguf") {
        const QuantMethod method = options.method;
        const std::string kept = keep_gguf_types(checkpoint, !args.has("--head"), options);
        if (args.has("--method")) options.method = method;
        std::fprintf(stderr, "keeping the GGUF's types (--dtype or --quant choose others): %s\n", kept.c_str());
      }
      report(checkpoint);
      if (args.has("--calibration")) {
        options.importance = measure_activations(checkpoint, args.text("--calibration"), output + ".calibration",
                                                 uint32_t(args.integer("--calibration-tokens", 4096, 1, 1 << 20)));
      }
      const WriteSummary summary = write_model(checkpoint, output, options);
      if (!summary.warning.empty()) std::fprintf(stderr, "%s\n", summary.warning.c_str());
      std::fprintf(stderr, "wrote %s: %zu tensors, %.3f M parameters, %s, %llu bytes\n", output.c_str(),
                   checkpoint.tensors.size(), double(summary.parameters) / 1e6, summary.recipe.c_str(),
                   (unsigned long long)summary.file_bytes);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sprig-convert: error: %s\n", e.what());
      return 1;
    }
  } catch (const cli::HelpRequested&) {
    std::fputs(kUsage, stdout);
    return 0;
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "sprig-convert: %s\n%s", e.what(), kUsage);
    return 2;
  }
  return 0;
}

// sprig-convert: reads a checkpoint (llama2.c, GGUF or a Hugging Face folder) and writes one
// sprig model file.
#include <cstdio>
#include <string>

#include "checkpoint.h"
#include "model_writer.h"

namespace {

using namespace sprig;
using namespace sprig::convert;

const char* kUsage =
    "usage: sprig-convert <checkpoint file or folder> -o model.sprig [--tokenizer SOURCE] [--dtype f32|f16]\n"
    "       sprig-convert --tokenizer-only SOURCE -o tokenizer.sprig\n"
    "  checkpoint: a llama2.c .bin, a .gguf file, or a Hugging Face folder (config.json + safetensors)\n"
    "  --tokenizer: replaces the checkpoint's tokenizer (llama2.c checkpoints and folders have none)\n"
    "  --tokenizer-only: writes a vocab-only file (the tokenizer, no weights)\n"
    "  SOURCE: tokenizer.json, a folder with tokenizer.json or vocab.json + merges.txt, a GGUF file\n"
    "          (vocab-only files included) or a llama2.c tokenizer .bin\n";

void report(const Checkpoint& c) {
  const Hyperparameters& h = c.hparams;
  std::fprintf(stderr,
               "read %s (%s): llama, dim %u, layers %u, heads %u (kv %u, head_dim %u), ffn %u, vocab %u, context %u, "
               "rope theta %g, eps %g, %s output head\n",
               c.source.c_str(), c.source_format.c_str(), h.dim, h.n_layers, h.n_heads, h.n_kv_heads, h.head_dim,
               h.ffn_dim, h.vocab_size, h.max_positions, h.rope_theta, h.norm_eps, h.tied_output ? "tied" : "separate");
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, output, tokenizer, dtype_name = "f32";
  bool tokenizer_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sprig-convert: %s needs a value\n%s", arg.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "-o" || arg == "--output") {
      output = value();
    } else if (arg == "--tokenizer") {
      tokenizer = value();
    } else if (arg == "--tokenizer-only") {
      tokenizer_only = true;
    } else if (arg == "--dtype") {
      dtype_name = value();
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "sprig-convert: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    } else if (input.empty()) {
      input = arg;
    } else {
      std::fprintf(stderr, "sprig-convert: more than one input (%s, %s)\n%s", input.c_str(), arg.c_str(), kUsage);
      return 2;
    }
  }
  if (input.empty() || output.empty()) return std::fputs(kUsage, stderr), 2;
  WriteOptions options;
  if (dtype_name == "f32") {
    options.dtype = DType::F32;
  } else if (dtype_name == "f16") {
    options.dtype = DType::F16;
  } else {
    std::fprintf(stderr, "sprig-convert: --dtype must be f32 or f16, not %s\n", dtype_name.c_str());
    return 2;
  }
  options.options_text = "--dtype " + dtype_name;
  if (tokenizer_only) {
    try {
      const TokenizerData data = read_tokenizer_source(input);
      const uint64_t bytes = write_tokenizer_model(data, input, output);
      std::fprintf(stderr, "wrote %s: vocab-only, %zu tokens, %zu merges (%s), %llu bytes\n", output.c_str(),
                   data.pieces.size(), data.merges.size(), data.source_format.c_str(), (unsigned long long)bytes);
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sprig-convert: error: %s\n", e.what());
      return 1;
    }
  }
  try {
    const Checkpoint checkpoint = read_checkpoint(input, tokenizer);
    report(checkpoint);
    const WriteSummary summary = write_model(checkpoint, output, options);
    std::fprintf(stderr, "wrote %s: %llu tensors, %.3f M parameters, %s weights, %llu bytes\n", output.c_str(),
                 (unsigned long long)checkpoint.tensors.size(), double(summary.parameters) / 1e6, dtype_name.c_str(),
                 (unsigned long long)summary.file_bytes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sprig-convert: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

// A Hugging Face config.json read into what the model file stores: hyperparameters, what the
// family changes in the block, and the RoPE tables the converter computes offline. Every field
// that changes the math is read; a value sprig does not implement stops the conversion, naming
// the field and the value.
#pragma once

#include <string>
#include <vector>

#include "sprig/model.h"

namespace sprig::convert {

struct HfConfig {
  std::string model_type;  // as config.json names it: llama, qwen2, qwen3, gemma2, gemma3_text, phi3, gpt2
  Hyperparameters hparams;
  FamilyOptions family;
  // RoPE inverse frequencies (head_dim / 2 each) when they are not theta^(-2i/head_dim);
  // empty otherwise.
  std::vector<double> rope_freqs, rope_freqs_long, rope_freqs_swa;
  // Multiplies q and k rows: longrope's attention factor scales cos and sin, so both q and k.
  double qk_scale = 1.0;
  bool gemma_norms = false;  // norm weights are offsets from 1 (the model multiplies by 1 + w)
};

// `path` names config.json in error messages.
HfConfig read_hf_config(const std::string& path);

}  // namespace sprig::convert

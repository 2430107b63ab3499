// The runtime's limits, applied by each reader right after it has the hyperparameters and before
// anything is sized by them: a 1 MB file claiming 4294967295 layers or a 4294967294 head_dim is
// refused here, naming the file and the field as the source spells it, instead of allocating
// tables per layer or per frequency first. Values the runtime would refuse when loading (eps <= 0,
// rope_theta 0, NaN or negative, a context past its bound) are refused the same way, so nothing
// is written that cannot be opened.
#pragma once

#include <string>

#include "sprig/model.h"

namespace sprig::convert {

// How the source names each hyperparameter (e.g. "num_hidden_layers", "llama.block_count").
struct SourceFieldNames {
  std::string dim, n_layers, n_heads, n_kv_heads, head_dim, ffn_dim, vocab_size, max_positions, rope_theta, norm_eps;
};

// ConvertError "<source>: <field> = <value> ...: <the runtime's reason>". A vocab_size of 0
// (not known yet: GGUF files may take it from the embedding later) is not checked here.
void check_hyperparameters(const Hyperparameters& hparams, const std::string& source, const SourceFieldNames& names);

}  // namespace sprig::convert

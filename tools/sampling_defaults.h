// The model's own sampling defaults (generation_config.json, Model::generation_defaults()) for
// the sampling options a command line leaves out.
#pragma once

#include <string>

#include "arguments.h"
#include "sprig/model.h"
#include "sprig/sampler.h"

namespace sprig::cli {

// Sets temperature, top_p and top_k from the model where --temp, --top-p and --top-k are
// absent. Returns what it took, for the stderr line ("" when it took nothing).
std::string apply_model_sampling_defaults(const Arguments& args, const Model& model, SamplerOptions& sampling);

}  // namespace sprig::cli

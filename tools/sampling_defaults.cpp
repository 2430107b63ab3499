#include "sampling_defaults.h"

#include <cstdio>

namespace sprig::cli {

std::string apply_model_sampling_defaults(const Arguments& args, const Model& model, SamplerOptions& sampling) {
  const GenerationDefaults& d = model.generation_defaults();
  std::string taken;
  auto note = [&](const char* name, double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%s%s %g", taken.empty() ? "" : ", ", name, value);
    taken += text;
  };
  if (d.temperature && !args.has("--temp")) sampling.temperature = *d.temperature, note("temperature", *d.temperature);
  if (d.top_p && !args.has("--top-p")) sampling.top_p = *d.top_p, note("top_p", *d.top_p);
  if (d.top_k && !args.has("--top-k")) sampling.top_k = *d.top_k, note("top_k", *d.top_k);
  return taken.empty() ? taken : "sampling defaults of the model: " + taken;
}

}  // namespace sprig::cli

#include "generation_defaults.h"

#include <cmath>
#include <string>

namespace sprig {

Status read_generation_defaults(const schema::GenerationDefaults& table, uint32_t vocab_size,
                                GenerationDefaults& defaults) {
  auto bad = [](const std::string& what) { return Error("invalid model file: generation defaults: " + what); };
  if (const auto* ids = table.stop_ids()) {
    if (ids->size() > 64) return bad(std::to_string(ids->size()) + " stop tokens (at most 64)");
    for (int32_t id : *ids) {
      if (id < 0 || uint32_t(id) >= vocab_size) return bad("stop token " + std::to_string(id) + " is outside the vocabulary");
      defaults.stop_ids.push_back(id);
    }
  }
  if (table.temperature()) {
    const float t = *table.temperature();
    if (!std::isfinite(t) || t < 0.0f || t > 100.0f) return bad("temperature " + std::to_string(t) + " is outside [0, 100]");
    defaults.temperature = t;
  }
  if (table.top_p()) {
    const float p = *table.top_p();
    if (!std::isfinite(p) || p <= 0.0f || p > 1.0f) return bad("top_p " + std::to_string(p) + " is outside (0, 1]");
    defaults.top_p = p;
  }
  if (table.top_k()) {
    const int32_t k = *table.top_k();
    if (k < 0 || k > (1 << 24)) return bad("top_k " + std::to_string(k) + " is outside 0..16777216");
    defaults.top_k = uint32_t(k);
  }
  return {};
}

}  // namespace sprig

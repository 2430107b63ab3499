#include "gguf_kept_types.h"

#include <map>

namespace sprig::convert {

std::optional<DType> kept_type(const std::string& t) {
  if (t == "F32") return DType::F32;
  if (t == "F16" || t == "BF16") return DType::F16;
  if (t == "Q8_0" || t == "Q5_0" || t == "Q5_1" || t == "Q5_K" || t == "Q6_K") return DType::Q8;
  if (t == "Q4_0" || t == "Q2_K" || t == "Q3_K") return DType::Q4;
  if (t == "Q4_1" || t == "Q4_K") return DType::Q4A;
  return std::nullopt;
}

std::string keep_gguf_types(const Checkpoint& checkpoint, bool keep_head, WriteOptions& options) {
  std::map<std::string, std::pair<DType, size_t>> used;  // GGUF type: sprig type, matrices
  bool any_quantized = false;
  for (const SourceTensor& t : checkpoint.tensors) {
    if (t.shape.size() != 2) continue;
    const bool head = t.name == "token_embd" || t.name == "output" || t.name == "position_embd";
    if (head && !keep_head) continue;
    const auto dtype = kept_type(t.source_dtype);
    if (!dtype) throw ConvertError(checkpoint.source + ": tensor '" + t.name + "' has GGUF type " + t.source_dtype +
                                   ", which has no sprig type assigned; choose one with --dtype or --quant");
    options.tensor_dtypes[t.name] = *dtype;
    any_quantized |= is_quantized(*dtype);
    auto& entry = used.try_emplace(t.source_dtype, *dtype, 0).first->second;
    ++entry.second;
  }
  std::string summary;
  for (const auto& [gguf_type, entry] : used)
    summary += std::string(summary.empty() ? "" : ", ") + gguf_type + " -> " + dtype_name(entry.first) + " (" +
               std::to_string(entry.second) + (entry.second == 1 ? " tensor)" : " tensors)");
  options.recipe_override = "as the GGUF: " + summary + (keep_head ? "" : "; embedding/output " +
                            std::string(dtype_name(options.head_dtype))) +
                            (any_quantized ? "; g" + std::to_string(options.group) : "") + "; norms f32";
  return summary;
}

}  // namespace sprig::convert

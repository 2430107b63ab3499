#include "hparam_limits.h"

#include <sstream>
#include <utility>
#include <vector>

#include "checkpoint.h"

namespace sprig::convert {

void check_hyperparameters(const Hyperparameters& hparams, const std::string& source, const SourceFieldNames& names) {
  Hyperparameters checked = hparams;
  if (checked.vocab_size == 0) checked.vocab_size = 1;
  const Status status = sprig::check_hyperparameters(checked);
  if (status) return;
  std::string reason = status.message();
  const std::string prefix = "invalid model file: ";
  if (reason.rfind(prefix, 0) == 0) reason = reason.substr(prefix.size());
  auto text = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  // The runtime's reason starts with its name for the field; say which source field that is.
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"dim", names.dim + " = " + std::to_string(hparams.dim)},
      {"n_layers", names.n_layers + " = " + std::to_string(hparams.n_layers)},
      {"head counts", names.n_heads + " = " + std::to_string(hparams.n_heads) + ", " + names.n_kv_heads + " = " +
                          std::to_string(hparams.n_kv_heads)},
      {"n_heads * head_dim", names.n_heads + " = " + std::to_string(hparams.n_heads) + ", " + names.head_dim + " = " +
                                 std::to_string(hparams.head_dim)},
      {"n_heads", names.n_heads + " = " + std::to_string(hparams.n_heads) + ", " + names.n_kv_heads + " = " +
                      std::to_string(hparams.n_kv_heads)},
      {"head_dim", names.head_dim + " = " + std::to_string(hparams.head_dim)},
      {"ffn_dim", names.ffn_dim + " = " + std::to_string(hparams.ffn_dim)},
      {"vocab_size", names.vocab_size + " = " + std::to_string(hparams.vocab_size)},
      {"max_positions", names.max_positions + " = " + std::to_string(hparams.max_positions)},
      {"rope_theta", names.rope_theta + " = " + text(hparams.rope_theta)},
      {"norm_eps", names.norm_eps + " = " + text(hparams.norm_eps)},
  };
  for (const auto& [runtime_name, field] : fields)
    if (reason.rfind(runtime_name, 0) == 0)
      throw ConvertError(source + ": " + field + " is refused: " + reason + " (the runtime's limit)");
  throw ConvertError(source + ": " + reason);
}

}  // namespace sprig::convert

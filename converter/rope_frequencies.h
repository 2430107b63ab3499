// RoPE inverse frequencies of the scaled rope types, computed offline so the runtime only reads
// a table of head_dim / 2 floats. Formulas follow Hugging Face's modeling_rope_utils.
#pragma once

#include <cstdint>
#include <vector>

namespace sprig::convert {

// theta^(-2i/head_dim) for i < head_dim / 2.
std::vector<double> default_rope_frequencies(double theta, uint32_t head_dim);
// "linear": every frequency divided by factor.
std::vector<double> linear_rope_frequencies(double theta, uint32_t head_dim, double factor);
// "llama3": wavelengths above original/low_freq_factor are divided by factor, those below
// original/high_freq_factor kept, and the band between interpolated smoothly.
std::vector<double> llama3_rope_frequencies(double theta, uint32_t head_dim, double factor, double low_freq_factor,
                                            double high_freq_factor, double original_context);
// "longrope" / "su": frequency i divided by factors[i].
std::vector<double> longrope_frequencies(double theta, uint32_t head_dim, const std::vector<double>& factors);
// longrope's attention factor when the config gives none: sqrt(1 + ln(scale) / ln(original)).
double longrope_attention_factor(double max_positions, double original_context);

}  // namespace sprig::convert

#include "rope_frequencies.h"

#include <cmath>
#include <numbers>

namespace sprig::convert {

std::vector<double> default_rope_frequencies(double theta, uint32_t head_dim) {
  std::vector<double> frequencies;
  for (uint32_t i = 0; i < head_dim; i += 2) frequencies.push_back(std::pow(theta, -double(i) / double(head_dim)));
  return frequencies;
}

std::vector<double> linear_rope_frequencies(double theta, uint32_t head_dim, double factor) {
  std::vector<double> frequencies = default_rope_frequencies(theta, head_dim);
  for (double& f : frequencies) f /= factor;
  return frequencies;
}

std::vector<double> llama3_rope_frequencies(double theta, uint32_t head_dim, double factor, double low_freq_factor,
                                            double high_freq_factor, double original_context) {
  const double low_freq_wavelength = original_context / low_freq_factor;
  const double high_freq_wavelength = original_context / high_freq_factor;
  std::vector<double> frequencies = default_rope_frequencies(theta, head_dim);
  for (double& f : frequencies) {
    const double wavelength = 2 * std::numbers::pi / f;
    if (wavelength < high_freq_wavelength) continue;  // high frequencies stay
    if (wavelength > low_freq_wavelength) {
      f /= factor;  // low frequencies stretch fully
      continue;
    }
    const double smooth = (original_context / wavelength - low_freq_factor) / (high_freq_factor - low_freq_factor);
    f = (1 - smooth) * f / factor + smooth * f;
  }
  return frequencies;
}

std::vector<double> longrope_frequencies(double theta, uint32_t head_dim, const std::vector<double>& factors) {
  std::vector<double> frequencies = default_rope_frequencies(theta, head_dim);
  for (size_t i = 0; i < frequencies.size(); ++i) frequencies[i] /= factors[i];
  return frequencies;
}

double longrope_attention_factor(double max_positions, double original_context) {
  const double scale = max_positions / original_context;
  if (scale <= 1.0) return 1.0;
  return std::sqrt(1 + std::log(scale) / std::log(original_context));
}

}  // namespace sprig::convert

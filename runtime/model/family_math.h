// The pieces of the forward pass that differ between model families (LayerNorm, biases, per-head
// q/k norms, GeLU, soft-capping, RoPE from a frequency table), kept out of the session so its
// loop stays one readable sequence of steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sprig/model.h"

namespace sprig::family {

// y = RMSNorm(x) * w, or LayerNorm(x) * w + b (b may be absent). y may alias x.
void normalize(NormKind kind, const float* x, const TensorView& weight, const TensorView& bias, float* y, size_t n,
               float eps);

// RMSNorm of each of `heads` vectors of head_dim values, in place, with one shared weight.
void normalize_heads(float* v, const TensorView& weight, size_t heads, size_t head_dim, float eps);

// y += bias when the model has that bias; nothing otherwise.
void add_bias(float* y, const TensorView& bias, size_t n);

// Rotates interleaved pairs (v[2i], v[2i+1]) of each head by pos * inv_freq[i]: the one RoPE,
// which the forward pass rotates with (pos >= 0) and a context shift unrotates with (pos < 0).
void rope(float* v, size_t heads, size_t head_dim, int64_t pos, std::span<const float> inv_freq);

// Gated: gate[i] = act(gate[i]) * up[i]. Not gated (GeluTanh): gate[i] = gelu_tanh(gate[i]).
void activate(Activation activation, float* gate, const float* up, size_t n);

// x = cap * tanh(x / cap) when cap > 0.
void softcap(float* x, size_t n, float cap);

}  // namespace sprig::family

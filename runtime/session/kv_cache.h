// The KV cache: the one place that knows its three formats (f32, f16, int8).
//
//   keys, values      [n_layers x context x kv_dim], f32, f16 or int8 elements
//   key/value scales  [n_layers x context x n_kv_heads] f32, int8 only (one per position per kv head)
//
// Row `layer * context + position` is one position's keys (or values) of one layer. A KvCache is
// a view over the session's arena regions, cheap to make; the session makes one per step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/kernel_set.h"
#include "sprig/session.h"

namespace sprig {

size_t kv_element_bytes(KvCacheType type);

class KvCache {
 public:
  struct Regions {
    void *keys, *values;
    float *key_scales, *value_scales;  // int8 only
  };
  KvCache(KvCacheType type, const Hyperparameters& h, size_t context, const Regions& regions,
          const kernels::KernelSet& kernels)
      : type_(type), kv_dim_(h.kv_dim()), kv_heads_(h.n_kv_heads), head_dim_(h.head_dim), context_(context),
        r_(regions), kernels_(kernels) {}

  // Writes n positions' keys and values ([n x kv_dim] each) at first_position.. of `layer`.
  void store(size_t layer, size_t first_position, const float* keys, const float* values, size_t n) const;
  // One position's keys and values, kv_dim floats each, dequantized.
  void read(size_t layer, size_t position, float* keys, float* values) const;

  // Attention of query `q` (head_dim floats, of a head that reads kv head `kv_head`) over the
  // positions [first, first + count) of `layer`: scores = softmax(softcap(scale * q . k)), then
  // out = sum of scores x values. `scores` holds count floats.
  void attend(size_t layer, size_t first, size_t count, size_t kv_head, const float* q, float scale,
              float softcap, float* scores, float* out) const;

  // Moves the positions [from, end) of every layer down by `drop`, rotating each key row with
  // rotate(context, layer, key) on its way (RoPE by -drop); values move as they are. `staging`
  // holds kv_dim floats. Upwards, so a row is read before it is overwritten.
  using RotateKey = void (*)(const void* context, size_t layer, float* key);
  void shift_down(size_t n_layers, size_t from, size_t end, size_t drop, RotateKey rotate, const void* context,
                  float* staging) const;

 private:
  size_t row(size_t layer, size_t position) const { return layer * context_ + position; }
  void load_row(const void* cache, const float* scales, size_t row, float* out) const;
  void store_row(const float* in, void* cache, float* scales, size_t row) const;

  KvCacheType type_;
  size_t kv_dim_, kv_heads_, head_dim_, context_;
  Regions r_;
  const kernels::KernelSet& kernels_;
};

}  // namespace sprig

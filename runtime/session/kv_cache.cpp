#include "session/kv_cache.h"

#include <cstring>

#include "kernels/attention.h"
#include "model/family_math.h"

namespace sprig {
namespace k = kernels;

size_t kv_element_bytes(KvCacheType type) {
  switch (type) {
    case KvCacheType::F32: return 4;
    case KvCacheType::F16: return 2;
    case KvCacheType::Int8: return 1;
  }
  return 4;
}

void KvCache::store(size_t layer, size_t first_position, const float* keys, const float* values, size_t n) const {
  for (size_t r = 0; r < n; ++r) {
    const float* key = keys + r * kv_dim_;
    const float* value = values + r * kv_dim_;
    const size_t at = row(layer, first_position + r);
    switch (type_) {
      case KvCacheType::F32:
        std::memcpy(static_cast<float*>(r_.keys) + at * kv_dim_, key, kv_dim_ * sizeof(float));
        std::memcpy(static_cast<float*>(r_.values) + at * kv_dim_, value, kv_dim_ * sizeof(float));
        break;
      case KvCacheType::F16:
        kernels_.kv_store_f16(key, static_cast<uint16_t*>(r_.keys) + at * kv_dim_, kv_dim_);
        kernels_.kv_store_f16(value, static_cast<uint16_t*>(r_.values) + at * kv_dim_, kv_dim_);
        break;
      case KvCacheType::Int8:
        k::kv_store_int8_scalar(key, kv_heads_, head_dim_, static_cast<int8_t*>(r_.keys) + at * kv_dim_,
                                r_.key_scales + at * kv_heads_);
        k::kv_store_int8_scalar(value, kv_heads_, head_dim_, static_cast<int8_t*>(r_.values) + at * kv_dim_,
                                r_.value_scales + at * kv_heads_);
        break;
    }
  }
}

void KvCache::load_row(const void* cache, const float* scales, size_t at, float* out) const {
  switch (type_) {
    case KvCacheType::F32:
      std::memcpy(out, static_cast<const float*>(cache) + at * kv_dim_, kv_dim_ * sizeof(float));
      return;
    case KvCacheType::F16: return k::kv_load_f16_scalar(static_cast<const uint16_t*>(cache) + at * kv_dim_, out, kv_dim_);
    case KvCacheType::Int8:
      return k::kv_load_int8_scalar(static_cast<const int8_t*>(cache) + at * kv_dim_, scales + at * kv_heads_,
                                    kv_heads_, head_dim_, out);
  }
}

void KvCache::store_row(const float* in, void* cache, float* scales, size_t at) const {
  switch (type_) {
    case KvCacheType::F32: std::memcpy(static_cast<float*>(cache) + at * kv_dim_, in, kv_dim_ * sizeof(float)); return;
    case KvCacheType::F16: return kernels_.kv_store_f16(in, static_cast<uint16_t*>(cache) + at * kv_dim_, kv_dim_);
    case KvCacheType::Int8:
      return k::kv_store_int8_scalar(in, kv_heads_, head_dim_, static_cast<int8_t*>(cache) + at * kv_dim_,
                                     scales + at * kv_heads_);
  }
}

void KvCache::read(size_t layer, size_t position, float* keys, float* values) const {
  const size_t at = row(layer, position);
  load_row(r_.keys, r_.key_scales, at, keys);
  load_row(r_.values, r_.value_scales, at, values);
}

void KvCache::attend(size_t layer, size_t first, size_t count, size_t kv_head, const float* q, float scale,
                     float softcap, float* scores, float* out) const {
  const k::KernelSet& ks = kernels_;
  const size_t first_row = row(layer, first);
  const size_t offset = first_row * kv_dim_ + kv_head * head_dim_;
  const size_t scale_offset = first_row * kv_heads_ + kv_head;  // int8 only
  const std::byte* keys = static_cast<const std::byte*>(r_.keys) + offset * kv_element_bytes(type_);
  const std::byte* values = static_cast<const std::byte*>(r_.values) + offset * kv_element_bytes(type_);
  switch (type_) {
    case KvCacheType::F32:
      ks.attention_scores_f32(q, reinterpret_cast<const float*>(keys), kv_dim_, count, head_dim_, scale, scores);
      break;
    case KvCacheType::F16:
      ks.attention_scores_f16(q, reinterpret_cast<const uint16_t*>(keys), kv_dim_, count, head_dim_, scale, scores);
      break;
    case KvCacheType::Int8:
      ks.attention_scores_int8(q, reinterpret_cast<const int8_t*>(keys), kv_dim_, r_.key_scales + scale_offset,
                               kv_heads_, count, head_dim_, scale, scores);
      break;
  }
  family::softcap(scores, count, softcap);
  ks.softmax(scores, count);
  switch (type_) {
    case KvCacheType::F32:
      return ks.weighted_sum_f32(scores, reinterpret_cast<const float*>(values), kv_dim_, count, head_dim_, out);
    case KvCacheType::F16:
      return ks.weighted_sum_f16(scores, reinterpret_cast<const uint16_t*>(values), kv_dim_, count, head_dim_, out);
    case KvCacheType::Int8:
      return ks.weighted_sum_int8(scores, reinterpret_cast<const int8_t*>(values), kv_dim_,
                                  r_.value_scales + scale_offset, kv_heads_, count, head_dim_, out);
  }
}

void KvCache::shift_down(size_t n_layers, size_t from, size_t end, size_t drop, RotateKey rotate, const void* context,
                         float* staging) const {
  const size_t value_bytes = kv_dim_ * kv_element_bytes(type_);
  for (size_t l = 0; l < n_layers; ++l) {
    for (size_t t = from; t < end; ++t) {
      const size_t source = row(l, t), target = source - drop;
      load_row(r_.keys, r_.key_scales, source, staging);
      rotate(context, l, staging);
      store_row(staging, r_.keys, r_.key_scales, target);
      std::memcpy(static_cast<std::byte*>(r_.values) + target * value_bytes,
                  static_cast<const std::byte*>(r_.values) + source * value_bytes, value_bytes);
      if (type_ == KvCacheType::Int8)
        std::memcpy(r_.value_scales + target * kv_heads_, r_.value_scales + source * kv_heads_,
                    kv_heads_ * sizeof(float));
    }
  }
}

}  // namespace sprig

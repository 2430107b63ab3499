#include "session/arena.h"

#include <cstring>

#include "platform/alignment.h"

namespace sprig::arena {
namespace {

constexpr std::byte kPaint{0xa5};

enum class Category { State, KvCache, Activations, Scratch, Sampler, Text, Backend };

Category category_of(ArenaRegion r) {
  if (r == ArenaRegion::State) return Category::State;
  if (r <= ArenaRegion::ValueScales) return Category::KvCache;
  if (r <= ArenaRegion::Logits) return Category::Activations;
  if (r <= ArenaRegion::Scores) return Category::Scratch;
  if (r == ArenaRegion::SamplerCandidates || r == ArenaRegion::SamplerLogits) return Category::Sampler;
  if (r == ArenaRegion::Xnnpack) return Category::Backend;
  return Category::Text;
}

}  // namespace

void account(SessionMemoryPlan& plan) {
  plan.padding_bytes = kAlignment;  // room to align the arena's start
  for (size_t i = 0; i < kArenaRegions; ++i) {
    const size_t bytes = plan.region_bytes[i];
    plan.padding_bytes += align_up(bytes) - bytes;
    if (plan.options.track_memory) plan.guard_bytes += kGuardBytes;
    switch (category_of(ArenaRegion(i))) {
      case Category::State: plan.state_bytes += bytes; break;
      case Category::KvCache: plan.kv_cache_bytes += bytes; break;
      case Category::Activations: plan.activation_bytes += bytes; break;
      case Category::Scratch: plan.scratch_bytes += bytes; break;
      case Category::Sampler: plan.sampler_bytes += bytes; break;
      case Category::Text: plan.text_bytes += bytes; break;
      case Category::Backend: plan.backend_bytes += bytes; break;
    }
  }
}

Layout layout(const SessionMemoryPlan& plan) {
  Layout l;
  for (size_t i = 0; i < kArenaRegions; ++i) {
    l.offsets[i] = l.end;
    l.end += align_up(plan.region_bytes[i]) + (plan.options.track_memory ? kGuardBytes : 0);
  }
  return l;
}

void paint(std::byte* arena, const Layout& layout, size_t from) {
  std::memset(arena + from, int(kPaint), layout.end - from);
}

ArenaUsage measure(const std::byte* arena, const Layout& layout, const SessionMemoryPlan& plan) {
  ArenaUsage usage;
  for (size_t i = 0; i < kArenaRegions; ++i) {
    const std::byte* begin = arena + layout.offsets[i];
    size_t used = plan.region_bytes[i];
    if (i != size_t(ArenaRegion::State))
      while (used > 0 && begin[used - 1] == kPaint) --used;
    usage.used_bytes[i] = used;
    usage.high_water_bytes += used;
    const std::byte* guard = begin + align_up(plan.region_bytes[i]);
    for (size_t g = plan.region_bytes[i]; g < align_up(plan.region_bytes[i]); ++g)
      if (begin[g] != kPaint) usage.guards_intact = false;  // the alignment gap guards too
    for (size_t g = 0; g < kGuardBytes; ++g)
      if (guard[g] != kPaint) usage.guards_intact = false;
  }
  return usage;
}

}  // namespace sprig::arena

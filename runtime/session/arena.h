// The session's arena: one block cut into the regions of a SessionMemoryPlan, in ArenaRegion
// order, each 64-byte aligned. With track_memory the arena is painted at creation and every
// region is followed by a guard, so memory_usage() can say how far each region was really used
// and whether any was overrun.
#pragma once

#include <array>
#include <cstddef>

#include "sprig/session.h"

namespace sprig::arena {

constexpr size_t kGuardBytes = 64;

// Fills in a plan whose region_bytes are set: the alignment padding, the guards and the sum of
// each category (state, KV cache, activations, ...).
void account(SessionMemoryPlan& plan);

// Each region's offset from the arena's start; `end` is where the last region's guard ends.
struct Layout {
  std::array<size_t, kArenaRegions> offsets{};
  size_t end = 0;
};
Layout layout(const SessionMemoryPlan& plan);

// Paints the arena's bytes [from, layout.end) (from: after the Session object).
void paint(std::byte* arena, const Layout& layout, size_t from);

// Each region's used extent (up to its last byte that no longer holds the paint) and the guards.
ArenaUsage measure(const std::byte* arena, const Layout& layout, const SessionMemoryPlan& plan);

}  // namespace sprig::arena

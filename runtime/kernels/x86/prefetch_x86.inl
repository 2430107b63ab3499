// Software prefetch for the decode kernels, shared by the x86 sets; included first.
//
// Decode reads a matrix in tiles of consecutive rows (8 for the quantized kernels, 4 for the
// float ones), so a tile is one contiguous span and the next tiles follow it. While the bytes
// [offset, offset + bytes) of a tile are computed, the same share of the tile `distance` ahead is
// fetched, so the stream runs ahead in address order at the speed it is consumed. The hardware
// prefetcher alone, which sees eight row streams, left the kernels at 60-75% of the read
// bandwidth (bench/kernels.md).
//
// The distance is whole tiles of at least kPrefetchBytes, the best distance of the bandwidth
// probe: one tile of a 576-column matrix (SmolLM2) is 2-5 KB, too short to cover the memory's
// latency. Callers spread their prefetches over the tile (a few lines per block): issued in
// bursts they fill the line-fill buffers and stall the loads behind them (bench/kernels.md).
// Past the matrix's end the addresses are harmless: prefetches never fault.
namespace {

constexpr size_t kPrefetchBytes = 16384;

inline void prefetch_ahead(const void* tile, size_t tile_bytes, size_t offset, size_t bytes) {
  const size_t distance = (kPrefetchBytes + tile_bytes - 1) / tile_bytes * tile_bytes;
  const char* ahead = static_cast<const char*>(tile) + distance + offset;
  for (size_t line = 0; line < bytes; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
}

}  // namespace

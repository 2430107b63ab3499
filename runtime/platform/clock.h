// Wall time for the statistics the decode loops report (prompt and generation seconds).
#pragma once

#include <chrono>

namespace sprig {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace sprig

#pragma once

// Where an index outside [0, n) reads from under each border mode, as scipy.ndimage's
// filters extend a line.

#include <cstdint>

#include "medimg/preprocess/interpolation.hpp"

namespace medimg::detail {

/// The in-range index that position i of a line of n samples reads, or -1 for "the fill
/// value" (BorderMode::Constant outside the line).
inline std::int64_t border_index(std::int64_t i, std::int64_t n, BorderMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case BorderMode::Constant: return -1;
    case BorderMode::Edge: return i < 0 ? 0 : n - 1;
    case BorderMode::Wrap: return ((i % n) + n) % n;
    case BorderMode::Reflect: {  // d c b a | a b c d | d c b a
      const std::int64_t period = 2 * n;
      std::int64_t j = ((i % period) + period) % period;
      return j < n ? j : period - 1 - j;
    }
    case BorderMode::Mirror: {  // d c b | a b c d | c b a
      if (n == 1) return 0;
      const std::int64_t period = 2 * n - 2;
      std::int64_t j = ((i % period) + period) % period;
      return j < n ? j : period - j;
    }
  }
  return -1;
}

}  // namespace medimg::detail

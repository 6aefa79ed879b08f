#pragma once

// Quantiles of sorted values (src only, not installed).

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace medimg::detail::quantiles {

/// The q-quantile (q in [0, 1]) of ascending `sorted` values, linearly interpolated between
/// order statistics (numpy.quantile's default, method="linear"); NaN when empty.
inline double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double t = position - static_cast<double>(below);
  const double a = sorted[below], b = sorted[below + 1];
  if (t == 0) return a;  // exact order statistic: also right when a or b is infinite
  // numpy's _lerp: symmetric about t = 0.5, exact at both ends.
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t);
}

}  // namespace medimg::detail::quantiles

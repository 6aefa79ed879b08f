#include "medimg/augment/random.hpp"

#include <cmath>

#include "medimg/core/error.hpp"

namespace medimg {

double Random::uniform(double low, double high) {
  MEDIMG_CHECK(std::isfinite(low) && std::isfinite(high) && low <= high, ArgumentError,
               "uniform range must be finite with low <= high, got [", low, ", ", high, ")");
  // The top 53 bits give every double in [0, 1) with the same spacing.
  const double unit = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
  return low + (high - low) * unit;
}

double Random::normal(double mean, double std) {
  MEDIMG_CHECK(std >= 0.0, ArgumentError, "normal std must be >= 0, got ", std);
  // 1 - u lies in (0, 1], so the log is finite. No cached second value: the stream position
  // then depends only on the number of calls, which keeps transforms independent.
  const double u1 = 1.0 - uniform(0.0, 1.0);
  const double u2 = uniform(0.0, 1.0);
  return mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::int64_t Random::integer(std::int64_t low, std::int64_t high) {
  MEDIMG_CHECK(low <= high, ArgumentError, "integer range needs low <= high, got [", low, ", ",
               high, "]");
  const auto span = static_cast<std::uint64_t>(high - low) + 1;
  if (span == 0) return static_cast<std::int64_t>(engine_());  // the full 64-bit range
  // Rejection removes the modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  std::uint64_t draw;
  do draw = engine_();
  while (draw >= limit);
  return low + static_cast<std::int64_t>(draw % span);
}

}  // namespace medimg

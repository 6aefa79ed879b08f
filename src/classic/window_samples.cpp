#include "detail/window_samples.hpp"

#include <algorithm>

#include "detail/integral_kernel.hpp"

namespace medimg::detail {

WindowSamples::WindowSamples(std::int64_t height, std::int64_t width, bool tilted)
    : height_(height),
      width_(width),
      table_size_((height + 1) * (width + 1)),
      normalizer_(height, width, width + 1),
      with_tilted_(tilted) {}

void WindowSamples::add(const std::uint8_t* pixels, std::int64_t row_stride) {
  const auto t = static_cast<std::size_t>(table_size_);
  const std::size_t o = sum_.size();
  sum_.resize(o + t);
  squared_.resize(o + t);
  if (with_tilted_) tilted_.resize(o + t);
  integral_tables_u8(height_, width_, pixels, row_stride, sum_.data() + o, squared_.data() + o,
                     with_tilted_ ? tilted_.data() + o : nullptr, width_ + 1);
  factors_.push_back(normalizer_.factor(tables(size())));
}

void WindowSamples::filter(const std::vector<char>& keep) {
  const auto t = static_cast<std::size_t>(table_size_);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < factors_.size(); ++i) {
    if (!keep[i]) continue;
    if (kept != i) {
      std::copy(sum_.begin() + i * t, sum_.begin() + (i + 1) * t, sum_.begin() + kept * t);
      std::copy(squared_.begin() + i * t, squared_.begin() + (i + 1) * t,
                squared_.begin() + kept * t);
      if (with_tilted_) {
        std::copy(tilted_.begin() + i * t, tilted_.begin() + (i + 1) * t,
                  tilted_.begin() + kept * t);
      }
      factors_[kept] = factors_[i];
    }
    ++kept;
  }
  sum_.resize(kept * t);
  squared_.resize(kept * t);
  if (with_tilted_) tilted_.resize(kept * t);
  factors_.resize(kept);
}

}  // namespace medimg::detail

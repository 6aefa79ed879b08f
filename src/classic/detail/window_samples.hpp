#pragma once

// Window-sized training samples kept as their summed-area tables (what every feature value
// is read from), with the variance normalisation factor of each.

#include <cstdint>
#include <vector>

#include "haar_eval.hpp"

namespace medimg::detail {

class WindowSamples {
 public:
  WindowSamples(std::int64_t height, std::int64_t width, bool tilted);

  /// Adds the height x width window whose top-left pixel is `pixels` (rows `row_stride`
  /// bytes apart).
  void add(const std::uint8_t* pixels, std::int64_t row_stride);
  /// Keeps only the samples whose `keep` flag is set, in order.
  void filter(const std::vector<char>& keep);

  std::int64_t size() const noexcept { return static_cast<std::int64_t>(factors_.size()); }
  std::int64_t height() const noexcept { return height_; }
  std::int64_t width() const noexcept { return width_; }
  std::int64_t stride() const noexcept { return width_ + 1; }
  const WindowNormalizer& normalizer() const noexcept { return normalizer_; }

  WindowTables tables(std::int64_t i) const {
    const std::int64_t o = i * table_size_;
    return {sum_.data() + o, squared_.data() + o, tilted_.empty() ? nullptr : tilted_.data() + o};
  }
  /// The normalisation factor (0 for a flat window).
  float factor(std::int64_t i) const { return factors_[static_cast<std::size_t>(i)]; }

 private:
  std::int64_t height_, width_, table_size_;
  WindowNormalizer normalizer_;
  std::vector<std::uint32_t> sum_, squared_, tilted_;
  std::vector<float> factors_;
  bool with_tilted_;
};

}  // namespace medimg::detail

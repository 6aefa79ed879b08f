#pragma once

// The building blocks of scikit-image 0.19's equalize_adapthist that medimg reproduces step
// by step (src only, not installed). Each mirrors one numpy expression of
// skimage/exposure/_adapthist.py or of the helpers it calls; the comments quote them.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace medimg::detail::skimage {

/// NR_OF_GRAY: the grey levels CLAHE works with (14 bits).
constexpr std::int64_t kGreyLevels = 16384;

/// numpy's rint (round half to even) for |v| < 2^22 (float) or 2^51 (double), by adding and
/// removing 1.5 * 2^(mantissa bits): exact under the default rounding mode, and cheaper than
/// std::nearbyint without SSE4.1. (Without -ffast-math the compiler keeps both operations.)
template <typename F>
F round_half_even(F v) {
  constexpr F magic = std::is_same_v<F, float> ? F(12582912.0f) : F(6755399441055744.0);
  return (v + magic) - magic;
}

/// img_as_uint's float → uint16: np.rint(x * 65535) clipped to [0, 65535], in the float's
/// own precision; x is expected in [−1, 1].
template <typename F>
std::int32_t float_to_uint16(F x) {
  F scaled = round_half_even(x * F(65535));
  scaled = scaled < F(0) ? F(0) : scaled;  // selects and an int32 result: this vectorises
  scaled = scaled > F(65535) ? F(65535) : scaled;
  return static_cast<std::int32_t>(scaled);
}

/// img_as_uint's integer → uint16 (skimage/util/dtype.py _convert and _scale), for a channel
/// whose largest value is `max`:
///   uint8  x * 257                              (_scale(8 → 16): x * (2^16 − 1) // (2^8 − 1))
///   int8   max(0, x * 16513 // 32)              (_scale(7 → 16) via 21 bits)
///   int16  max(0, x * 32769 // 16384)           (_scale(15 → 16) via 30 bits)
///   int32  max(0, x) when max <= 65535 (a uint16 image in medimg's int32), else x // 2^15
///   int64  max(0, x) when max <= 65535, else x // 2^47
///   bool   x * 65535
template <typename T>
std::int64_t integer_to_uint16(T x, std::int64_t max) {
  const auto v = static_cast<std::int64_t>(x);
  if constexpr (std::is_same_v<T, bool>) {
    return v * 65535;
  } else if constexpr (std::is_same_v<T, std::uint8_t>) {
    return v * 257;
  } else if constexpr (std::is_same_v<T, std::int8_t>) {
    return v <= 0 ? 0 : v * 16513 / 32;
  } else if constexpr (std::is_same_v<T, std::int16_t>) {
    return v <= 0 ? 0 : v * 32769 / 16384;
  } else {
    if (v <= 0) return 0;
    if (max <= 65535) return v;
    return v >> (sizeof(T) == 4 ? 15 : 47);
  }
}

/// rescale_intensity(u, out_range=(0, 16383)) then np.round, then // bin_size, for the
/// uint16 value low + i of a channel whose uint16 range [low, high] spans span = high − low
/// > 0, in float64 as numpy: (u − low) is exact, and so is level / bin_size truncated, for
/// levels below 2^14.
inline std::uint16_t grey_level_bin(std::int64_t i, double span, std::int64_t bin_size) {
  const double level =
      round_half_even(static_cast<double>(i) / span * static_cast<double>(kGreyLevels - 1));
  return static_cast<std::uint16_t>(static_cast<std::int32_t>(level / static_cast<double>(bin_size)));
}

/// grey_level_bin of every uint16 value low + i of a channel whose uint16 range is [low, high],
/// for i in [0, high − low], into bins[i]. A constant channel is clipped instead
/// ("np.clip(image, omin, omax)").
///
/// Every step (divide, multiply, round, divide, truncate) is monotone, so the table is a
/// staircase of at most 16384 / bin_size + 1 steps: each step's end is found by bisection and
/// the step filled, ~30 evaluations per step instead of one per entry (up to 65536, as many
/// as a 256² image has voxels).
inline void grey_level_bins(std::int64_t low, std::int64_t high, std::int64_t bin_size,
                            std::uint16_t* bins) {
  if (low == high) {
    bins[0] = static_cast<std::uint16_t>(std::min<std::int64_t>(low, kGreyLevels - 1) / bin_size);
    return;
  }
  const double span = static_cast<double>(high) - static_cast<double>(low);
  const auto bin_of = [&](std::int64_t i) { return grey_level_bin(i, span, bin_size); };
  const std::int64_t count = high - low + 1;
  for (std::int64_t first = 0; first < count;) {
    const std::uint16_t bin = bin_of(first);
    std::int64_t inside = first, outside = count;  // bin_of(inside) == bin; outside: past it
    while (outside - inside > 1) {
      const std::int64_t middle = inside + (outside - inside) / 2;
      (bin_of(middle) == bin ? inside : outside) = middle;
    }
    std::fill(bins + first, bins + outside, bin);
    first = outside;
  }
}

/// The padded index → source index map of np.pad(mode="reflect") along one axis of `size`,
/// with numpy's own iteration: a pad wider than the axis is filled by repeated reflection of
/// the already padded array, which is not periodic; a size-1 axis repeats its value.
inline std::vector<std::int64_t> reflect_index_map(std::int64_t size, std::int64_t left,
                                                   std::int64_t right) {
  const std::int64_t total = size + left + right;
  std::vector<std::int64_t> v(static_cast<std::size_t>(total), 0);
  if (size == 1) return v;
  for (std::int64_t i = 0; i < size; ++i) v[left + i] = i;
  while (left > 0 || right > 0) {  // numpy's _set_reflect_both, method "even"
    const std::int64_t old_length = total - right - left - 1;
    if (left > 0) {
      const std::int64_t chunk = std::min(old_length, left);
      for (std::int64_t j = 0; j < chunk; ++j) v[left - 1 - j] = v[left + 1 + j];
      left -= chunk;
    }
    if (right > 0) {
      const std::int64_t chunk = std::min(old_length, right);
      const std::int64_t start = total - right;
      for (std::int64_t j = 0; j < chunk; ++j) v[start + j] = v[start - 2 - j];
      right -= chunk;
    }
  }
  return v;
}

/// skimage's clip_histogram(hist, clip_limit), statement for statement: clip, spread the
/// excess evenly, then hand out what is left one count at a time with its stride rule. The
/// first three passes are written as selects (no branch on each bin's count). Count: a type
/// that holds the histogram's total (int32 lets the passes take eight bins at a time).
template <typename Count>
void clip_histogram(std::vector<Count>& hist, Count clip_limit) {
  const auto bins = static_cast<Count>(hist.size());
  Count n_excess = 0;
  for (auto& h : hist) {  // excess_mask = hist > clip_limit
    const Count excess = h > clip_limit ? h - clip_limit : 0;
    n_excess += excess;
    h -= excess;
  }
  const Count bin_incr = n_excess / bins;
  const Count upper = clip_limit - bin_incr;
  for (auto& h : hist) {  // low_mask = hist < upper
    const Count add = h < upper ? bin_incr : 0;
    h += add;
    n_excess -= add;
  }
  for (auto& h : hist) {  // mid_mask, evaluated after the increments above
    const bool mid = h >= upper && h < clip_limit;
    n_excess += mid ? h - clip_limit : 0;
    h = mid ? clip_limit : h;
  }
  // "while n_excess > 0": `under` is np.count_nonzero(hist < clip_limit), kept up to date.
  Count under = 0;
  for (auto h : hist) under += h < clip_limit;
  while (n_excess > 0) {
    const Count previous = n_excess;
    for (Count index = 0; index < bins && under > 0; ++index) {
      const Count step = std::max<Count>(1, under / n_excess);
      for (Count j = index; j < bins; j += step) {
        if (hist[j] < clip_limit) {
          if (++hist[j] == clip_limit) --under;
          --n_excess;
        }
      }
      if (n_excess <= 0) break;
    }
    if (previous == n_excess || under == 0) break;
  }
}

/// skimage's map_histogram(hist, 0, 16383, n_pixels): the clipped histogram's cumulative
/// sum scaled to grey levels, truncated to integers (below 2^14: exact as floats). The sums
/// first, then the scaling, which then takes several bins at a time.
template <typename Count>
void map_histogram(std::vector<Count>& hist, std::int64_t n_pixels, float* out) {
  const double scale = static_cast<double>(kGreyLevels - 1) / static_cast<double>(n_pixels);
  Count sum = 0;
  for (auto& h : hist) h = sum += h;  // np.cumsum, in place
  for (std::size_t b = 0; b < hist.size(); ++b) {
    const double v =
        std::min(static_cast<double>(hist[b]) * scale, static_cast<double>(kGreyLevels - 1));
    out[b] = static_cast<float>(std::trunc(v));
  }
}

}  // namespace medimg::detail::skimage

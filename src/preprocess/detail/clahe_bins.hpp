#pragma once

// CLAHE's first step (src only, not installed): every voxel's bin, img_as_uint then the
// 14-bit level then level // bin_size as scikit-image computes them, from a float estimate
// where it is certain and from skimage's float64 arithmetic elsewhere.

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "avx2.hpp"
#include "channels.hpp"
#include "clahe_regions.hpp"
#include "skimage_clahe.hpp"

#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg::detail::clahe_parts {

// Where the bin of a channel's uint16 value u follows from arithmetic: for v = u − low in
// [0, span], skimage's bin is level // bin_size with level = rint(t), t = v / span * 16383,
// so it is floor(g) for g = (t + 0.5) / bin_size = v * scale + offset unless t + 0.5 lies on
// (or, given numpy's own float64 rounding of t, next to) a multiple of bin_size. float32
// bounds low < g < high (scale and offset shrunk and grown by more than the roundings of
// computing them) certify floor(g) = trunc(low) where trunc(high) is the same integer. The
// other values take sk::grey_level_bin.
struct BinEstimate {
  std::int64_t bin_size;
  double span;
  float scale_low = 0, offset_low = 0, scale_high = 0, offset_high = 0;

  BinEstimate(std::int64_t span_, std::int64_t bin_size_)
      : bin_size(bin_size_), span(static_cast<double>(span_)) {
    if (span_ <= 0) return;
    const double scale = static_cast<double>(sk::kGreyLevels - 1) /
                         (static_cast<double>(span) * static_cast<double>(bin_size));
    const double offset = 0.5 / static_cast<double>(bin_size);
    // Four float roundings (the scale, the offset, the product, the sum), each at most 2^-24
    // (6e-8) of what it rounds, against 3.6e-7 of g; 1e-6 covers numpy's float64 rounding
    // of t and makes low > 0 for v = 0 (offset >= 0.5 / 8193).
    constexpr double kRelative = 3.6e-7, kAbsolute = 1e-6;
    scale_low = static_cast<float>(scale * (1 - kRelative));
    scale_high = static_cast<float>(scale * (1 + kRelative));
    offset_low = static_cast<float>(offset - kAbsolute);
    offset_high = static_cast<float>(offset + kAbsolute);
  }

  bool active() const { return scale_low > 0; }
};

// bins[i] = table[bins[i]] for the uint16 values (minus low) in bins[0 .. n).
inline void look_up_bins(std::uint16_t* bins, std::int64_t n, const std::uint16_t* table) {
  for (std::int64_t i = 0; i < n; ++i) bins[i] = table[bins[i]];
}

#if MEDIMG_HAS_AVX2_CLONES
// sk::grey_level_bin of four values (uint16 minus low, held exactly as floats), in its
// float64 arithmetic (division, multiplication, round half to even). level // bin_size as
// trunc((level + 0.5) / bin_size), by a multiplication: that quotient lies at least
// 0.5 / bin_size from an integer, far beyond its rounding error.
MEDIMG_AVX2_CLONE inline __m128i exact_bins4(__m128 values, const BinEstimate& e) {
  const __m256d level = _mm256_round_pd(
      _mm256_mul_pd(_mm256_div_pd(_mm256_cvtps_pd(values), _mm256_set1_pd(e.span)),
                    _mm256_set1_pd(static_cast<double>(sk::kGreyLevels - 1))),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d per_bin = _mm256_set1_pd(1.0 / static_cast<double>(e.bin_size));
  return _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(level, _mm256_set1_pd(0.5)), per_bin));
}

// The estimated bins of eight values (uint16 minus low, as exact floats), packed; `sure`
// gets all ones in the lanes BinEstimate e certifies: those whose bounds lie in one bin.
MEDIMG_AVX2_CLONE inline __m128i estimated_bins8(__m256 v, const BinEstimate& e, __m256i* sure) {
  const __m256i bin = _mm256_cvttps_epi32(_mm256_add_ps(
      _mm256_mul_ps(v, _mm256_set1_ps(e.scale_low)), _mm256_set1_ps(e.offset_low)));
  const __m256i high = _mm256_cvttps_epi32(_mm256_add_ps(
      _mm256_mul_ps(v, _mm256_set1_ps(e.scale_high)), _mm256_set1_ps(e.offset_high)));
  *sure = _mm256_cmpeq_epi32(bin, high);
  return _mm_packus_epi32(_mm256_castsi256_si128(bin), _mm256_extracti128_si256(bin, 1));
}

// The bins of the group of eight at i, from the estimate or, where it is not certain, exactly.
template <typename Source>
MEDIMG_AVX2_CLONE inline void group_bins(const Source& source, std::uint16_t* bins, std::int64_t i,
                                         const BinEstimate& e) {
  const __m256 values = source.eight(i);
  __m256i sure;
  __m128i packed = estimated_bins8(values, e, &sure);
  if (_mm256_movemask_epi8(sure) != -1) {
    packed = _mm_packus_epi32(exact_bins4(_mm256_castps256_ps128(values), e),
                              exact_bins4(_mm256_extractf128_ps(values, 1), e));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(bins + i), packed);
}

// Eight values (uint16 minus low, as exact floats) at a time, or one, from stored uint16
// values...
struct StoredValues {
  const std::uint16_t* values;
  MEDIMG_AVX2_CLONE __m256 eight(std::int64_t i) const {
    return _mm256_cvtepi32_ps(
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(values + i))));
  }
  std::int32_t one(std::int64_t i) const { return values[i]; }
};

// ... or from floats in [−1, 1]: img_as_uint's clip(rint(x * 65535), 0, 65535) − low (x <= 1
// keeps rint(x * 65535) <= 65535 without the clip).
struct UnitFloatValues {
  const float* x;
  std::int32_t low;
  MEDIMG_AVX2_CLONE __m256 eight(std::int64_t i) const {
    // rint as numpy (half to even, the default rounding mode), then the clip at 0.
    const __m256 u = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(65535.0f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm256_sub_ps(_mm256_max_ps(u, _mm256_setzero_ps()),
                         _mm256_set1_ps(static_cast<float>(low)));
  }
  std::int32_t one(std::int64_t i) const { return sk::float_to_uint16(x[i]) - low; }
};

// ... or from doubles in [−1, 1], the same in float64 (img_as_uint's precision for them).
struct UnitDoubleValues {
  const double* x;
  std::int32_t low;
  MEDIMG_AVX2_CLONE __m128 four(const double* p) const {
    const __m256d u = _mm256_round_pd(_mm256_mul_pd(_mm256_loadu_pd(p), _mm256_set1_pd(65535.0)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_max_pd(u, _mm256_setzero_pd()),
                                         _mm256_set1_pd(static_cast<double>(low))));
  }
  MEDIMG_AVX2_CLONE __m256 eight(std::int64_t i) const {
    return _mm256_set_m128(four(x + i + 4), four(x + i));
  }
  std::int32_t one(std::int64_t i) const { return sk::float_to_uint16(x[i]) - low; }
};

// The bins of n values from `source` (not `bins` itself) into bins[0 .. n), eight at a time:
// the estimates, with only whether all lanes of 32 groups were certain tracked (one AND a
// group); the rare chunk with an uncertain lane (near a rounding tie) is done again group
// by group, exactly where needed. No data-dependent branch per group: mispredicted, it cost
// more than all the arithmetic.
template <typename Source>
MEDIMG_AVX2_CLONE void certified_bins_avx2(const Source& source_, std::uint16_t* bins,
                                           std::int64_t n, const BinEstimate& e_) {
  // Local copies: the stores into `bins` could alias the referenced ones, which would then
  // be loaded again for every group.
  const Source source = source_;
  const BinEstimate e = e_;
  constexpr std::int64_t kChunk = 8 * 32;
  std::int64_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    __m256i all_sure = _mm256_set1_epi32(-1);
    for (std::int64_t k = i; k < i + kChunk; k += 8) {
      __m256i sure;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bins + k),
                       estimated_bins8(source.eight(k), e, &sure));
      all_sure = _mm256_and_si256(all_sure, sure);
    }
    if (_mm256_movemask_epi8(all_sure) != -1) {
      for (std::int64_t k = i; k < i + kChunk; k += 8) group_bins(source, bins, k, e);
    }
  }
  for (; i + 8 <= n; i += 8) group_bins(source, bins, i, e);
  for (; i < n; ++i) bins[i] = sk::grey_level_bin(source.one(i), e.span, e.bin_size);
}

// bins of n values through to_uint16(x[i]) − low, in chunks converted into a buffer first,
// compiled for AVX2 (flatten inlines to_uint16).
template <typename T, typename ToUint16>
MEDIMG_AVX2_CLONE void converted_bins_avx2(const T* x, std::uint16_t* bins, std::int64_t n,
                                           ToUint16 to_uint16, std::int64_t low,
                                           const BinEstimate& e) {
  constexpr std::int64_t kChunk = 2048;
  std::uint16_t values[kChunk];
  for (std::int64_t first = 0; first < n; first += kChunk) {
    const std::int64_t count = std::min(kChunk, n - first);
    for (std::int64_t i = 0; i < count; ++i) {
      values[i] = static_cast<std::uint16_t>(to_uint16(x[first + i]) - low);
    }
    certified_bins_avx2(StoredValues{values}, bins + first, count, e);
  }
}
#endif

// Level bins of one channel: img_as_uint, rescale to 14 bits and round, then // bin_size.
// Returns false when the channel has non-finite voxels.
template <typename T>
bool level_bins(const T* x, std::int64_t n, std::int64_t bin_size, std::uint16_t* bins) {
  const auto r = detail::reduce_blocks(
      n, detail::ValueRange<T>{},
      [&](std::int64_t first, std::int64_t last) {
        return detail::value_range(x + first, last - first);
      },
      detail::ValueRange<T>::merge);
  if (!r.finite) return false;

  // img_as_uint, as a function of the value; one per case so the voxel loop has no branch.
  auto with_uint16 = [&](auto&& body) {
    if constexpr (std::is_floating_point_v<T>) {
      if (r.min >= T(-1) && r.max <= T(1)) {
        return body([](T v) { return sk::float_to_uint16(v); });
      }
      // Outside [-1, 1] skimage raises; medimg first applies rescale_intensity(x, out_range=
      // (0, 1)) in the float's precision (its divisor rounded to that precision, as numpy's
      // value-based casting does). A constant channel is clipped to [0, 1] instead.
      if (r.min == r.max) {
        return body([](T v) { return sk::float_to_uint16(std::min(std::max(v, T(0)), T(1))); });
      }
      const T low = r.min;
      const T range = static_cast<T>(static_cast<double>(r.max) - static_cast<double>(r.min));
      return body([=](T v) { return sk::float_to_uint16(static_cast<T>((v - low) / range)); });
    } else {
      const auto max = static_cast<std::int64_t>(r.max);
      return body([=](T v) { return sk::integer_to_uint16(v, max); });
    }
  };
  with_uint16([&](auto to_uint16) {
    // to_uint16 is non-decreasing, so the uint16 range is that of the extremes.
    const std::int64_t low = to_uint16(r.min), high = to_uint16(r.max);
    const BinEstimate estimate(high - low, bin_size);
#if MEDIMG_HAS_AVX2_CLONES
    if (estimate.active() && detail::cpu_has_avx2()) {
      if constexpr (std::is_floating_point_v<T>) {
        if (r.min >= T(-1) && r.max <= T(1)) {  // to_uint16 is sk::float_to_uint16
          using Values = std::conditional_t<std::is_same_v<T, float>, UnitFloatValues,
                                            UnitDoubleValues>;
          detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
            certified_bins_avx2(Values{x + first, static_cast<std::int32_t>(low)},
                                bins + first, last - first, estimate);
          });
          return;
        }
      }
      detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
        converted_bins_avx2(x + first, bins + first, last - first, to_uint16, low, estimate);
      });
      return;
    }
#endif
    std::vector<std::uint16_t> lut(static_cast<std::size_t>(high - low + 1));
    sk::grey_level_bins(low, high, bin_size, lut.data());
    // Two loops: the conversion vectorises, the table lookup (a gather) does not.
    detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) {
        bins[i] = static_cast<std::uint16_t>(to_uint16(x[i]) - low);
      }
      look_up_bins(bins + first, last - first, lut.data());
    });
  });
  return true;
}

}  // namespace medimg::detail::clahe_parts

#pragma once

// CLAHE's last step (src only, not installed): rescale_intensity(result.astype(float)), the
// levels' [low, low + span] -> [0, 1] as (level − low) / span in the output precision: both
// exact integers, so one rounding, as numpy's.

#include <cstdint>
#include <type_traits>

#include "avx2.hpp"

#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg::detail::clahe_parts {

/// By division; a constant result (span 0) is clipped to [0, 1].
template <typename O>
void rescale_levels_generic(const std::uint16_t* levels, O* y, std::int64_t n, std::int32_t low,
                            std::int32_t span) {
  const auto from = static_cast<O>(low), by = static_cast<O>(span);
  if (span == 0) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = levels[i] >= 1 ? O(1) : O(0);
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) y[i] = (static_cast<O>(levels[i]) - from) / by;
}

#if MEDIMG_HAS_AVX2_CLONES
// v / by for v, by exact integers with 0 <= v <= by < 2^14 and r = RN(1 / by): q = v r, then
// Markstein's correction q + (v − q by) r, which rounds as the division does for these
// operands (tests/cpp/preprocess/unit_rescale_test.cpp compares every pair, float and double).
MEDIMG_FMA_CLONE inline __m256 quotient(__m256 v, __m256 by, __m256 r) {
  const __m256 q = _mm256_mul_ps(v, r);
  return _mm256_fmadd_ps(_mm256_fnmadd_ps(q, by, v), r, q);
}

MEDIMG_FMA_CLONE inline __m256d quotient(__m256d v, __m256d by, __m256d r) {
  const __m256d q = _mm256_mul_pd(v, r);
  return _mm256_fmadd_pd(_mm256_fnmadd_pd(q, by, v), r, q);
}

/// rescale_levels_generic without a division (several times an FMA's slot), for span in
/// [1, 2^14) and levels in [low, low + span].
template <typename O>
MEDIMG_FMA_CLONE void rescale_levels_fma(const std::uint16_t* levels, O* y, std::int64_t n,
                                         std::int32_t low, std::int32_t span) {
  const auto by = static_cast<O>(span), r = O(1) / by;
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = _mm256_sub_epi32(
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(levels + i))),
        _mm256_set1_epi32(low));
    if constexpr (std::is_same_v<O, float>) {
      _mm256_storeu_ps(y + i, quotient(_mm256_cvtepi32_ps(v), _mm256_set1_ps(by),
                                       _mm256_set1_ps(r)));
    } else {
      const __m256d by4 = _mm256_set1_pd(by), r4 = _mm256_set1_pd(r);
      _mm256_storeu_pd(y + i, quotient(_mm256_cvtepi32_pd(_mm256_castsi256_si128(v)), by4, r4));
      _mm256_storeu_pd(y + i + 4,
                       quotient(_mm256_cvtepi32_pd(_mm256_extracti128_si256(v, 1)), by4, r4));
    }
  }
  rescale_levels_generic(levels + i, y + i, n - i, low, span);
}
#endif

}  // namespace medimg::detail::clahe_parts

#pragma once

// CLAHE's last step (src only, not installed): rescale_intensity(result.astype(float)), the
// levels' [low, low + span] -> [0, 1] as (level − low) / span in the output precision: both
// exact integers, so one rounding, as numpy's.

#include <cstdint>

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
/// The same without a division, for span in [1, 2^14) and levels in [low, low + span]: q =
/// v r with r = RN(1 / span), then Markstein's correction q + (v − q span) r with FMA, which
/// rounds as the division does for these operands (tests/cpp/preprocess/unit_rescale_test.cpp
/// compares every pair, float and double). Divisions take several times an FMA's slot.
MEDIMG_FMA_CLONE inline void rescale_levels_fma(const std::uint16_t* levels, float* y,
                                                std::int64_t n, std::int32_t low,
                                                std::int32_t span) {
  const __m256i from = _mm256_set1_epi32(low);
  const __m256 by = _mm256_set1_ps(static_cast<float>(span));
  const __m256 reciprocal = _mm256_set1_ps(1.0f / static_cast<float>(span));
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(levels + i))),
        from));
    const __m256 q = _mm256_mul_ps(v, reciprocal);
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_fnmadd_ps(q, by, v), reciprocal, q));
  }
  rescale_levels_generic(levels + i, y + i, n - i, low, span);
}

MEDIMG_FMA_CLONE inline void rescale_levels_fma(const std::uint16_t* levels, double* y,
                                                std::int64_t n, std::int32_t low,
                                                std::int32_t span) {
  const __m128i from = _mm_set1_epi32(low);
  const __m256d by = _mm256_set1_pd(static_cast<double>(span));
  const __m256d reciprocal = _mm256_set1_pd(1.0 / static_cast<double>(span));
  std::int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_cvtepi32_pd(_mm_sub_epi32(
        _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(levels + i))), from));
    const __m256d q = _mm256_mul_pd(v, reciprocal);
    _mm256_storeu_pd(y + i, _mm256_fmadd_pd(_mm256_fnmadd_pd(q, by, v), reciprocal, q));
  }
  rescale_levels_generic(levels + i, y + i, n - i, low, span);
}
#endif

}  // namespace medimg::detail::clahe_parts

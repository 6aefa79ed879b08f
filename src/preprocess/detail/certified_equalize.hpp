#pragma once

// float32 and float64 equalize_hist without table lookups (src only, not installed):
// numpy's own estimate certifies most voxels' bins and interpolation segments; the count
// pass leaves each voxel's segment for the interpolation pass.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "avx2.hpp"
#include "numpy_histogram.hpp"

#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg::detail::equalize {

// numpy's estimate g = (v − first) * norm (in the bin dtype T) is a non-decreasing function
// of v, so at a voxel whose g lies strictly between g(edges[b]) and g(edges[b + 1]) its bin
// is b and numpy's corrections change nothing. Those values differ from b and b + 1 by at
// most `margin` (measured over every edge), so a fractional part of g in (margin,
// 1 − margin) certifies the bin without reading an edge; in the same way a fractional part
// away from 1/2 by more than the centres' margin tells on which side of its bin's centre v
// lies, which picks the interpolation segment. The few voxels left uncertain (within a few
// ulps of an edge or centre, or exactly on one) take the exact rules. Same results, two
// table lookups per voxel fewer.
template <typename T>
struct Certified {
  T first, norm, top;         // numpy's estimate; top = nbins − 1
  T bin_low, bin_high;        // fraction in (bin_low, bin_high): the estimate is the bin
  T centre_low, centre_high;  // fraction < centre_low: below the centre; > centre_high: above
  // Whether a fraction of exactly 0 certifies the bin too: every value whose g is an integer
  // b lies in bin b. Quantised data (windowed integer HU) hits edges exactly, often.
  bool integer_g_certain;
};

// a + b rounded up and a − b rounded down to T, for a in {0, 1/2, 1} and 0 <= b < 0.01:
// bounds that let no fraction through that the exact bound would stop. (r − a and a − r are
// exact in double for such r.)
template <typename T>
T sum_at_least(double a, double b) {
  T r = static_cast<T>(a + b);
  while (static_cast<double>(r) - a < b) r = std::nextafter(r, std::numeric_limits<T>::infinity());
  return r;
}

template <typename T>
T difference_at_most(double a, double b) {
  T r = static_cast<T>(a - b);
  while (a - static_cast<double>(r) < b) r = std::nextafter(r, -std::numeric_limits<T>::infinity());
  return r;
}

// The margins of `t` and the centres `xs`; nullopt where they are too wide to be worth it.
template <typename T>
std::optional<Certified<T>> certify(const Table<T>& t, const std::vector<double>& xs) {
  const auto g = [&](T v) { return static_cast<double>((v - t.first) * t.norm); };
  double edge_margin = 0, centre_margin = 0;
  for (std::int64_t b = 0; b < t.nbins; ++b) {
    if (b > 0) edge_margin = std::max(edge_margin, std::abs(g(t.edges[b]) - b));
    centre_margin = std::max(centre_margin, std::abs(g(static_cast<T>(xs[b])) - (b + 0.5)));
  }
  if (!(edge_margin < 0.01 && centre_margin < 0.01)) return std::nullopt;
  // g is non-decreasing, so the values with g = b are those between the last value below
  // edge b with g < b and the first one with g > b; g(edges[b + 1]) > b already (margin).
  bool integer_g_certain = true;
  for (std::int64_t b = 1; b < t.nbins; ++b) {
    const T below_edge = std::nextafter(t.edges[b], -std::numeric_limits<T>::infinity());
    integer_g_certain = integer_g_certain && g(below_edge) < b;
  }
  return Certified<T>{t.first,
                      t.norm,
                      static_cast<T>(t.nbins - 1),
                      sum_at_least<T>(0, edge_margin),
                      difference_at_most<T>(1, edge_margin),
                      difference_at_most<T>(0.5, centre_margin),
                      sum_at_least<T>(0.5, centre_margin),
                      integer_g_certain};
}

#if MEDIMG_HAS_AVX2_CLONES
// Eight values of T in AVX2 registers (one __m256, or two __m256d) and the operations the
// certified kernels need; comparisons give eight 32-bit lanes, all ones where true, either
// way, and integers are eight int32 lanes.
template <typename T>
struct Vec8;

template <>
struct Vec8<float> {
  __m256 v;
  MEDIMG_AVX2_CLONE static Vec8 load(const float* p) { return {_mm256_loadu_ps(p)}; }
  MEDIMG_AVX2_CLONE static Vec8 all(float x) { return {_mm256_set1_ps(x)}; }
  MEDIMG_AVX2_CLONE static Vec8 of(__m256i i) { return {_mm256_cvtepi32_ps(i)}; }
  MEDIMG_AVX2_CLONE static Vec8 gather(const float* base, __m256i i) {
    return {_mm256_i32gather_ps(base, i, 4)};
  }
  MEDIMG_AVX2_CLONE void store(float* p) const { _mm256_storeu_ps(p, v); }
  MEDIMG_AVX2_CLONE __m256i truncated() const { return _mm256_cvttps_epi32(v); }
  MEDIMG_AVX2_CLONE Vec8 first() const {  // lane 0 in every lane
    return {_mm256_permutevar8x32_ps(v, _mm256_setzero_si256())};
  }
  MEDIMG_AVX2_CLONE Vec8 operator-(Vec8 b) const { return {_mm256_sub_ps(v, b.v)}; }
  MEDIMG_AVX2_CLONE Vec8 operator*(Vec8 b) const { return {_mm256_mul_ps(v, b.v)}; }
  MEDIMG_AVX2_CLONE Vec8 max(Vec8 b) const { return {_mm256_max_ps(v, b.v)}; }
  MEDIMG_AVX2_CLONE Vec8 min(Vec8 b) const { return {_mm256_min_ps(v, b.v)}; }
  template <int Predicate>
  MEDIMG_AVX2_CLONE __m256 compare(Vec8 b) const {
    return _mm256_cmp_ps(v, b.v, Predicate);
  }
};

template <>
struct Vec8<double> {
  __m256d low, high;  // lanes 0-3 and 4-7
  MEDIMG_AVX2_CLONE static Vec8 load(const double* p) {
    return {_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)};
  }
  MEDIMG_AVX2_CLONE static Vec8 all(double x) { return {_mm256_set1_pd(x), _mm256_set1_pd(x)}; }
  MEDIMG_AVX2_CLONE static Vec8 of(__m256i i) {
    return {_mm256_cvtepi32_pd(_mm256_castsi256_si128(i)),
            _mm256_cvtepi32_pd(_mm256_extracti128_si256(i, 1))};
  }
  MEDIMG_AVX2_CLONE static Vec8 gather(const double* base, __m256i i) {
    // The masked form with every lane on: GCC 12 warns about the unmasked one's undefined
    // source operand.
    const __m256d zero = _mm256_setzero_pd(), all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
    return {_mm256_mask_i32gather_pd(zero, base, _mm256_castsi256_si128(i), all, 8),
            _mm256_mask_i32gather_pd(zero, base, _mm256_extracti128_si256(i, 1), all, 8)};
  }
  MEDIMG_AVX2_CLONE void store(double* p) const {
    _mm256_storeu_pd(p, low);
    _mm256_storeu_pd(p + 4, high);
  }
  MEDIMG_AVX2_CLONE __m256i truncated() const {
    return _mm256_set_m128i(_mm256_cvttpd_epi32(high), _mm256_cvttpd_epi32(low));
  }
  MEDIMG_AVX2_CLONE Vec8 first() const {
    const __m256d lane0 = _mm256_permute4x64_pd(low, 0);
    return {lane0, lane0};
  }
  MEDIMG_AVX2_CLONE Vec8 operator-(Vec8 b) const {
    return {_mm256_sub_pd(low, b.low), _mm256_sub_pd(high, b.high)};
  }
  MEDIMG_AVX2_CLONE Vec8 operator*(Vec8 b) const {
    return {_mm256_mul_pd(low, b.low), _mm256_mul_pd(high, b.high)};
  }
  MEDIMG_AVX2_CLONE Vec8 max(Vec8 b) const {
    return {_mm256_max_pd(low, b.low), _mm256_max_pd(high, b.high)};
  }
  MEDIMG_AVX2_CLONE Vec8 min(Vec8 b) const {
    return {_mm256_min_pd(low, b.low), _mm256_min_pd(high, b.high)};
  }
  // The two halves' 64-bit masks as eight 32-bit lanes: the low 32 bits of each, in order.
  template <int Predicate>
  MEDIMG_AVX2_CLONE __m256 compare(Vec8 b) const {
    const __m256 pairs = _mm256_shuffle_ps(_mm256_castpd_ps(_mm256_cmp_pd(low, b.low, Predicate)),
                                           _mm256_castpd_ps(_mm256_cmp_pd(high, b.high, Predicate)),
                                           0x88);  // lanes 0 1 4 5 | 2 3 6 7
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(pairs), 0xD8));
  }
};

// numpy's estimate of 8 values: g, its bin estimate e (clamped to [0, nbins − 1]), g − e,
// and which lanes' bins the fraction certifies.
template <typename T>
struct Estimate8 {
  Vec8<T> g, fraction;
  __m256 at_first, at_last, bin_certain;
  __m256i bin;
};

template <typename T>
MEDIMG_AVX2_CLONE Estimate8<T> estimate8(Vec8<T> v, const Certified<T>& c) {
  using V = Vec8<T>;
  Estimate8<T> s;
  const V zero = V::all(0), top = V::all(c.top);
  s.g = (v - V::all(c.first)) * V::all(c.norm);
  s.bin = s.g.max(zero).min(top).truncated();
  const V e = V::of(s.bin);
  s.fraction = s.g - e;
  s.at_first = e.template compare<_CMP_EQ_OQ>(zero);
  s.at_last = e.template compare<_CMP_EQ_OQ>(top);
  __m256 low_ok = s.fraction.template compare<_CMP_GT_OQ>(V::all(c.bin_low));
  if (c.integer_g_certain) {
    low_ok = _mm256_or_ps(low_ok, s.fraction.template compare<_CMP_EQ_OQ>(zero));
  }
  const __m256 high_ok = s.fraction.template compare<_CMP_LT_OQ>(V::all(c.bin_high));
  s.bin_certain = _mm256_and_ps(_mm256_or_ps(s.at_first, low_ok), _mm256_or_ps(s.at_last, high_ok));
  return s;
}

// Table::bin_of of 8 values v from their estimated bins: numpy's two corrections against the
// edges (gathered). The edges increase strictly (Table::bins_are_exact), so at most one
// applies.
template <typename T>
MEDIMG_AVX2_CLONE __m256i exact_bins8(Vec8<T> v, __m256i bin, const Table<T>& t) {
  const Vec8<T> low = Vec8<T>::gather(t.edges, bin);
  const Vec8<T> high = Vec8<T>::gather(t.edges, _mm256_add_epi32(bin, _mm256_set1_epi32(1)));
  const __m256i above_first = _mm256_cmpgt_epi32(bin, _mm256_setzero_si256());
  const __m256i below_last =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<std::int32_t>(t.nbins - 1)), bin);
  // Lanes of −1 (true) added or subtracted.
  const __m256i down = _mm256_and_si256(
      above_first, _mm256_castps_si256(v.template compare<_CMP_LT_OQ>(low)));
  const __m256i up = _mm256_and_si256(
      below_last, _mm256_castps_si256(v.template compare<_CMP_GE_OQ>(high)));
  return _mm256_sub_epi32(_mm256_add_epi32(bin, down), up);
}

// Eight voxels' interpolation segments (see interpolate_segments_avx2) from their estimate:
// e where g − e ≥ 1/2, else e − 1 (e = int(g), clamped to the bins), clamped to the segments.
// g is non-decreasing in v, so a fraction g − e below 1/2 by more than the centres' margin
// puts v left of centre e and one above it by more puts v right of it. Near an edge the
// fraction is near 0 or 1, so the segment is certain there even where the bin is not; lanes
// (nearly) on a centre get `exact` instead.
template <typename T>
MEDIMG_AVX2_CLONE __m256i segments8(const Estimate8<T>& s, const Certified<T>& c, __m256i exact) {
  const __m256 left = s.fraction.template compare<_CMP_LT_OQ>(Vec8<T>::all(c.centre_low));
  const __m256 right = s.fraction.template compare<_CMP_GT_OQ>(Vec8<T>::all(c.centre_high));
  // The bin, or the one before left of the centre (left is −1 there).
  __m256i j = _mm256_add_epi32(s.bin, _mm256_castps_si256(left));
  const __m256i last_segment = _mm256_sub_epi32(exact, _mm256_set1_epi32(1));
  j = _mm256_min_epi32(_mm256_max_epi32(j, _mm256_setzero_si256()), last_segment);
  return _mm256_blendv_epi8(exact, j, _mm256_castps_si256(_mm256_or_ps(left, right)));
}

// Stores eight segment indices (each at most 2^16 − 1 for uint16, 255 for uint8).
inline MEDIMG_AVX2_CLONE void store8(std::uint32_t* out, __m256i j) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), j);
}
inline MEDIMG_AVX2_CLONE void store8(std::uint16_t* out, __m256i j) {
  const __m256i words = _mm256_packus_epi32(j, j);  // j0..j3 twice, j4..j7 twice
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm256_castsi256_si128(_mm256_permute4x64_epi64(words, 0x08)));
}
inline MEDIMG_AVX2_CLONE void store8(std::uint8_t* out, __m256i j) {
  const __m256i low_bytes = _mm256_shuffle_epi8(
      j, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
                          0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
  const __m256i packed = _mm256_permutevar8x32_epi32(low_bytes, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
}

// Counts numpy's bins of the selected values among x[0 .. n) into `copies` interleaved
// histograms h (see count_in_chunks) and leaves every voxel's interpolation segment in
// `segment` (nbins − 1, not a segment, where it must be found exactly). One pass of
// certified estimates, counted as they come (eight of one bin, a flat background, at once);
// the groups of eight with an uncertain lane are recomputed exactly after each chunk and
// their counts corrected, so that the loop's only data-dependent branches are the tests for
// flat groups.
template <typename T, typename Index>
MEDIMG_AVX2_CLONE void count_certified_avx2(const T* x, const bool* mask, std::int64_t n,
                                            const Certified<T>& c, const Table<T>& t,
                                            Index* segment, std::int64_t* h,
                                            std::int64_t copies) {
  constexpr int kChunk = 256;  // groups of eight
  std::int64_t uncertain_groups[kChunk];
  const std::int64_t stride = copies == 4 ? t.nbins : 0;  // of the interleaved histograms
  const auto counted = [mask](std::int64_t i) -> std::int64_t {
    return mask == nullptr || mask[i];
  };
  const auto exact = static_cast<Index>(t.nbins - 1);
  const __m256i exact8 = _mm256_set1_epi32(exact);
  std::int64_t i = 0;
  // The value of the last flat group (eight equal values), its certified bin and its
  // segments: a flat background's next group is counted without estimating it again.
  Vec8<T> flat_value = Vec8<T>::all(std::numeric_limits<T>::quiet_NaN());
  std::uint32_t flat_bin = 0;
  __m256i flat_segments = exact8;
  while (i + 8 <= n) {
    int uncertain = 0;
    for (int k = 0; k < kChunk && i + 8 <= n; ++k, i += 8) {
      const Vec8<T> v = Vec8<T>::load(x + i);
      const int same_as_flat = _mm256_movemask_ps(v.template compare<_CMP_EQ_OQ>(flat_value));
      if (mask == nullptr && same_as_flat == 0xFF) {
        h[flat_bin] += 8;
        store8(segment + i, flat_segments);
        continue;
      }
      const Estimate8<T> s = estimate8(v, c);
      const __m256i j = segments8(s, c, exact8);
      store8(segment + i, j);
      alignas(32) std::uint32_t b[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(b), s.bin);
      uncertain_groups[uncertain] = i;
      uncertain += _mm256_movemask_ps(s.bin_certain) != 0xFF;
      if (mask != nullptr) {
        for (int l = 0; l < 8; ++l) h[b[l]] += mask[i + l];
        continue;
      }
      if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(s.bin, _mm256_set1_epi32(b[0]))) == -1) {
        h[b[0]] += 8;
        const Vec8<T> first = v.first();
        if (_mm256_movemask_ps(v.template compare<_CMP_EQ_OQ>(first)) == 0xFF &&
            _mm256_movemask_ps(s.bin_certain) == 0xFF) {
          flat_value = first;
          flat_bin = b[0];
          flat_segments = j;
        }
        continue;
      }
      for (int l = 0; l < 8; l += 4) {
        ++h[b[l]];
        ++h[stride + b[l + 1]];
        ++h[2 * stride + b[l + 2]];
        ++h[3 * stride + b[l + 3]];
      }
    }
    for (int k = 0; k < uncertain; ++k) {
      const std::int64_t g = uncertain_groups[k];
      const Vec8<T> v = Vec8<T>::load(x + g);
      const __m256i bin = estimate8(v, c).bin;
      alignas(32) std::uint32_t estimate[8], exact_bin[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(estimate), bin);
      _mm256_store_si256(reinterpret_cast<__m256i*>(exact_bin), exact_bins8(v, bin, t));
      for (int l = 0; l < 8; ++l) {
        h[estimate[l]] -= counted(g + l);
        h[exact_bin[l]] += counted(g + l);
      }
    }
  }
  for (; i < n; ++i) {
    h[t.bin_of(x[i])] += counted(i);
    segment[i] = exact;
  }
}

// One interpolation segment in float64 (the centre and the CDF value are values of the
// image's type): one aligned 32-byte load.
struct alignas(32) Segment {
  double slope, x, cdf, unused;
};

// slope[j] * (v − xs[j]) + cdf[j] in float64 for 4 values: four loads and a transpose,
// cheaper here than three gathers.
template <typename Index>
MEDIMG_AVX2_CLONE __m256d segment4(__m256d v, const Index* j, const Segment* segments) {
  const auto* s = reinterpret_cast<const double*>(segments);
  const __m256d e0 = _mm256_load_pd(s + 4 * j[0]), e1 = _mm256_load_pd(s + 4 * j[1]);
  const __m256d e2 = _mm256_load_pd(s + 4 * j[2]), e3 = _mm256_load_pd(s + 4 * j[3]);
  const __m256d low = _mm256_unpacklo_pd(e0, e1);   // s0 s1 c0 c1
  const __m256d high = _mm256_unpacklo_pd(e2, e3);  // s2 s3 c2 c3
  const __m256d xs_low = _mm256_unpackhi_pd(e0, e1), xs_high = _mm256_unpackhi_pd(e2, e3);
  const __m256d slope = _mm256_permute2f128_pd(low, high, 0x20);
  const __m256d cdf = _mm256_permute2f128_pd(low, high, 0x31);
  const __m256d xs = _mm256_permute2f128_pd(xs_low, xs_high, 0x20);
  return _mm256_add_pd(_mm256_mul_pd(slope, _mm256_sub_pd(v, xs)), cdf);
}

// numpy.interp's ends: the first CDF value below the first centre, the last one from the
// last centre on.
template <typename T>
struct Ends {
  Vec8<T> below, above, first_centre, last_centre;
};

// The segments' arithmetic for eight values and numpy's ends, rounded to T.
template <typename Index>
MEDIMG_AVX2_CLONE Vec8<float> interpolate8(Vec8<float> v, const Index* j, const Segment* segments,
                                           const Ends<float>& e) {
  const __m128 low =
      _mm256_cvtpd_ps(segment4(_mm256_cvtps_pd(_mm256_castps256_ps128(v.v)), j, segments));
  const __m128 high =
      _mm256_cvtpd_ps(segment4(_mm256_cvtps_pd(_mm256_extractf128_ps(v.v, 1)), j + 4, segments));
  __m256 out = _mm256_insertf128_ps(_mm256_castps128_ps256(low), high, 1);
  out = _mm256_blendv_ps(out, e.below.v, v.compare<_CMP_LT_OQ>(e.first_centre));
  out = _mm256_blendv_ps(out, e.above.v, v.compare<_CMP_GE_OQ>(e.last_centre));
  return {out};
}

// numpy's ends for four float64 results of `value` (every lane of `e` is the same).
inline MEDIMG_AVX2_CLONE __m256d with_ends(__m256d out, __m256d value, const Ends<double>& e) {
  out = _mm256_blendv_pd(out, e.below.low, _mm256_cmp_pd(value, e.first_centre.low, _CMP_LT_OQ));
  return _mm256_blendv_pd(out, e.above.low, _mm256_cmp_pd(value, e.last_centre.low, _CMP_GE_OQ));
}

template <typename Index>
MEDIMG_AVX2_CLONE Vec8<double> interpolate8(Vec8<double> v, const Index* j,
                                            const Segment* segments, const Ends<double>& e) {
  return {with_ends(segment4(v.low, j, segments), v.low, e),
          with_ends(segment4(v.high, j + 4, segments), v.high, e)};
}

// Which of eight segment indices are `exact`, as the bits of an int.
inline MEDIMG_AVX2_CLONE int exact_lanes(const std::uint32_t* j, std::uint32_t exact) {
  const __m256i eq = _mm256_cmpeq_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(j)),
                                        _mm256_set1_epi32(static_cast<std::int32_t>(exact)));
  return _mm256_movemask_ps(_mm256_castsi256_ps(eq));
}
inline MEDIMG_AVX2_CLONE int exact_lanes(const std::uint16_t* j, std::uint16_t exact) {
  const __m128i eq = _mm_cmpeq_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(j)),
                                     _mm_set1_epi16(static_cast<std::int16_t>(exact)));
  return _mm_movemask_epi8(_mm_packs_epi16(eq, eq)) & 0xFF;
}
inline MEDIMG_AVX2_CLONE int exact_lanes(const std::uint8_t* j, std::uint8_t exact) {
  const __m128i eq = _mm_cmpeq_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(j)),
                                    _mm_set1_epi8(static_cast<char>(exact)));
  return _mm_movemask_epi8(eq) & 0xFF;
}

// interpolate_generic for n values whose segments count_certified_avx2 left: the segments'
// float64 arithmetic, then numpy's ends; the lanes marked nbins − 1 take Table::bin_of and
// interpolate_generic.
template <typename T, typename Index>
MEDIMG_AVX2_CLONE void interpolate_segments_avx2(const T* x, const Index* segment, T* y,
                                                 std::int64_t n, const Table<T>& t,
                                                 const Segment* segments, const Knots& k) {
  using V = Vec8<T>;
  const auto exact = [&](std::int64_t i) {
    const auto bin = static_cast<std::uint32_t>(t.bin_of(x[i]));
    interpolate_generic(x + i, y + i, 1, &bin, k.x.data(), k.cdf.data(), k.slope.data(), t.nbins);
  };
  const auto marked = static_cast<Index>(t.nbins - 1);
  const Ends<T> ends{V::all(static_cast<T>(k.cdf.front())), V::all(static_cast<T>(k.cdf.back())),
                     V::all(static_cast<T>(k.x.front())), V::all(static_cast<T>(k.x.back()))};
  // The value of the last flat group (eight equal values) and its result.
  V flat_value = V::all(std::numeric_limits<T>::quiet_NaN());
  V flat_out = V::all(0);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const V v = V::load(x + i);
    if (_mm256_movemask_ps(v.template compare<_CMP_EQ_OQ>(flat_value)) == 0xFF) {
      flat_out.store(y + i);
      continue;
    }
    interpolate8(v, segment + i, segments, ends).store(y + i);
    for (int lanes = exact_lanes(segment + i, marked); lanes != 0; lanes &= lanes - 1) {
      exact(i + __builtin_ctz(static_cast<unsigned>(lanes)));
    }
    const V first = v.first();
    if (_mm256_movemask_ps(v.template compare<_CMP_EQ_OQ>(first)) == 0xFF) {
      flat_value = first;
      flat_out = V::load(y + i);
    }
  }
  for (; i < n; ++i) exact(i);
}
#endif

}  // namespace medimg::detail::equalize

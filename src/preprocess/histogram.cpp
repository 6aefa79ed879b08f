#include "medimg/preprocess/histogram.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "medimg/core/parallel.hpp"

#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg {
namespace {

constexpr std::int64_t kMaxIntegerBins = std::int64_t{1} << 24;

// Min and max of the selected voxels; `finite` over all of them.
template <typename T>
struct Range {
  T min = std::numeric_limits<T>::max();
  T max = std::numeric_limits<T>::lowest();
  std::int64_t count = 0;
  bool finite = true;
};

template <typename T>
Range<T> selected_range(const T* x, std::int64_t n, const bool* mask) {
  return detail::reduce_blocks(
      n, Range<T>{},
      [&](std::int64_t first, std::int64_t last) {
        if (mask == nullptr) {
          const auto r = detail::value_range(x + first, last - first);
          return Range<T>{r.min, r.max, last - first, r.finite};
        }
        T low = std::numeric_limits<T>::max(), high = std::numeric_limits<T>::lowest();
        int bad = 0;
        std::int64_t count = 0;
        for (std::int64_t i = first; i < last; ++i) {
          const T v = x[i];
          bad |= !detail::is_finite(v);
          low = mask[i] && v < low ? v : low;
          high = mask[i] && v > high ? v : high;
          count += mask[i];
        }
        return Range<T>{low, high, count, bad == 0};
      },
      [](const Range<T>& a, const Range<T>& b) {
        return Range<T>{std::min(a.min, b.min), std::max(a.max, b.max), a.count + b.count,
                        a.finite && b.finite};
      });
}

// A histogram of [0, n) in parallel chunks: count(first, last, h, copies) adds the counts of
// voxels [first, last) into `copies` interleaved histograms h[0 .. copies * nbins), which
// are summed at the end. Four copies, where the table is small: runs of one value (a flat
// background) would otherwise make every increment wait for the previous one.
template <typename Count>
std::vector<std::int64_t> count_in_chunks(std::int64_t n, std::int64_t nbins, Count&& count) {
  const std::int64_t copies = nbins <= (std::int64_t{1} << 16) ? 4 : 1;
  const std::int64_t chunks = std::max<std::int64_t>(
      1, std::min<std::int64_t>(get_num_threads(), n / detail::kParallelGrain));
  std::vector<std::vector<std::int64_t>> partial(static_cast<std::size_t>(chunks));
  parallel_for(0, chunks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t c = first; c < last; ++c) {
      std::vector<std::int64_t> h(static_cast<std::size_t>(copies * nbins), 0);
      count(n * c / chunks, n * (c + 1) / chunks, h.data(), copies);
      auto& counts = partial[c];
      counts.assign(h.begin(), h.begin() + nbins);
      for (std::int64_t k = 1; k < copies; ++k) {
        for (std::int64_t b = 0; b < nbins; ++b) counts[b] += h[k * nbins + b];
      }
    }
  });
  std::vector<std::int64_t> total = std::move(partial[0]);
  for (std::size_t c = 1; c < partial.size(); ++c) {
    for (std::size_t b = 0; b < total.size(); ++b) total[b] += partial[c][b];
  }
  return total;
}

// Whether the 16 values of one byte at v are all equal.
template <typename T>
bool sixteen_equal(const T* v) {
  static_assert(sizeof(T) == 1);
#if defined(__SSE2__)
  const __m128i sixteen = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v));
  std::uint8_t first;
  std::memcpy(&first, v, 1);
  return _mm_movemask_epi8(_mm_cmpeq_epi8(sixteen, _mm_set1_epi8(static_cast<char>(first)))) ==
         0xFFFF;
#else
  return std::equal(v + 1, v + 16, v);
#endif
}

// Counts the selected integer values x, bin x − low (count_in_chunks): eight equal values in
// a row (a flat background; sixteen for 8-bit values) are counted at once.
template <typename T>
std::vector<std::int64_t> count_integers(const T* x, std::int64_t n, std::int64_t low,
                                         std::int64_t nbins, const bool* mask) {
  return count_in_chunks(
      n, nbins, [&](std::int64_t i, std::int64_t end, std::int64_t* h, std::int64_t copies) {
        const std::int64_t stride = copies == 4 ? nbins : 0;  // of the interleaved histograms
        const auto bin = [&](std::int64_t k) { return static_cast<std::int64_t>(x[k]) - low; };
        if constexpr (sizeof(T) == 1) {
          for (; mask == nullptr && i + 15 < end; i += 16) {
            if (sixteen_equal(x + i)) {
              h[bin(i)] += 16;
              continue;
            }
            for (std::int64_t k = i; k < i + 16; k += 4) {
              ++h[bin(k)];
              ++h[stride + bin(k + 1)];
              ++h[2 * stride + bin(k + 2)];
              ++h[3 * stride + bin(k + 3)];
            }
          }
        }
        for (; mask == nullptr && i + 7 < end; i += 8) {
          bool run = true;
          for (int k = 1; k < 8; ++k) run &= x[i + k] == x[i];
          if (run) {
            h[bin(i)] += 8;
            continue;
          }
          for (std::int64_t k = i; k < i + 8; k += 4) {
            ++h[bin(k)];
            ++h[stride + bin(k + 1)];
            ++h[2 * stride + bin(k + 2)];
            ++h[3 * stride + bin(k + 3)];
          }
        }
        // Voxels outside the mask may lie outside [low, low + nbins): never index with them.
        for (; i < end; ++i) {
          if (mask == nullptr || mask[i]) ++h[bin(i)];
        }
      });
}

// skimage's cumulative_distribution: cumsum / total, in float64.
std::vector<double> cdf_of(const std::vector<std::int64_t>& counts) {
  std::vector<double> cdf(counts.size());
  std::int64_t sum = 0;
  for (std::size_t b = 0; b < counts.size(); ++b) cdf[b] = static_cast<double>(sum += counts[b]);
  const double total = static_cast<double>(sum);
  for (double& c : cdf) c /= total;
  return cdf;
}

// y[i] = value_of(x[i]) for 8-bit x, through a table of all 256 values: one load per voxel
// and no clamp; 16 equal values in a row (a flat background) are filled at once.
template <typename T, typename O, typename ValueOf>
void map_bytes(const T* x, O* y, std::int64_t n, ValueOf&& value_of) {
  constexpr std::int64_t first = std::numeric_limits<T>::min();
  constexpr std::int64_t count = std::int64_t{std::numeric_limits<T>::max()} - first + 1;
  O table[count];
  for (std::int64_t v = 0; v < count; ++v) table[v] = value_of(v + first);
  detail::for_blocks(n, [&](std::int64_t begin, std::int64_t end) {
    const auto value = [&](std::int64_t i) { return table[static_cast<std::int64_t>(x[i]) - first]; };
    std::int64_t i = begin;
    for (; i + 15 < end; i += 16) {
      if (sixteen_equal(x + i)) {
        std::fill(y + i, y + i + 16, value(i));
        continue;
      }
      for (std::int64_t k = i; k < i + 16; ++k) y[k] = value(k);
    }
    for (; i < end; ++i) y[i] = value(i);
  });
}

// Integers: one bin per value in [min, max], as skimage's bincount path.
template <typename T, typename O>
void equalize_integers(const T* x, O* y, std::int64_t n, const bool* mask, const Range<T>& r) {
  const auto low = static_cast<std::int64_t>(r.min), high = static_cast<std::int64_t>(r.max);
  // Compared in float64 first: max - min + 1 may overflow int64.
  MEDIMG_CHECK(static_cast<double>(high) - static_cast<double>(low) < kMaxIntegerBins, Unsupported,
               "equalize_hist gives every integer its own bin (as skimage) and ",
               "supports at most ", kMaxIntegerBins, " of them, got the range [", low, ", ", high,
               "]; convert the image to float32 to bin it into nbins");
  const std::int64_t bins = high - low + 1;
  const auto cdf = cdf_of(count_integers(x, n, low, bins, mask));
  // table[-1] and table[bins]: the first and last CDF values, for voxels outside the masked
  // range.
  std::vector<O> lut(static_cast<std::size_t>(bins + 2));
  lut.front() = static_cast<O>(cdf.front());
  for (std::int64_t b = 0; b < bins; ++b) lut[b + 1] = static_cast<O>(cdf[b]);
  lut.back() = static_cast<O>(cdf.back());
  const O* table = lut.data() + 1;
  if constexpr (sizeof(T) == 1) {  // uint8, int8, bool: one entry per value of the type
    map_bytes(x, y, n, [&](std::int64_t v) { return table[std::clamp<std::int64_t>(v - low, -1, bins)]; });
    return;
  }
  const auto value = [&](std::int64_t i) {
    return table[std::clamp<std::int64_t>(static_cast<std::int64_t>(x[i]) - low, -1, bins)];
  };
  detail::for_blocks(n, [&](std::int64_t i, std::int64_t last) {
    for (; i + 7 < last; i += 8) {  // eight equal values (a flat background) looked up once
      bool run = true;
      for (int k = 1; k < 8; ++k) run &= x[i + k] == x[i];
      if (run) {
        std::fill(y + i, y + i + 8, value(i));
        continue;
      }
      for (std::int64_t k = i; k < i + 8; ++k) y[k] = value(k);
    }
    for (; i < last; ++i) y[i] = value(i);
  });
}

// numpy.histogram's binning of equal bins (numpy/lib/histograms.py), in the bin dtype T:
// f = (v − first) * norm rounded to T, truncated, then one correction step each way against
// the rounded edges. Reproduced as is, it also agrees where edges coincide (ranges too
// narrow for the float type), where the true bin and numpy's differ.
template <typename T>
struct Table {
  const T* edges;
  std::int64_t nbins;
  T first;  // numpy casts the float64 first edge to T for the subtraction
  T norm;   // nbins / (last − first), cast to T by the multiplication

  // numpy's int(f), its index nbins moved to nbins − 1: for values in [first, last] the same
  // as clamping f to [0, nbins − 1] first, which is also safe for values outside.
  std::int32_t estimate(T v) const {
    T f = static_cast<T>(v - first) * norm;
    f = f < T(0) ? T(0) : f;
    f = f > static_cast<T>(nbins - 1) ? static_cast<T>(nbins - 1) : f;
    return static_cast<std::int32_t>(f);
  }

  // The estimate and numpy's two corrections, as selects on float and int32 lanes so that a
  // loop over values vectorises (with gathers).
  std::int32_t bin_of(T v) const {
    std::int32_t b = estimate(v);
    b -= static_cast<std::int32_t>((b > 0) & (v < edges[b]));
    b += static_cast<std::int32_t>((b < nbins - 1) & (v >= edges[b + 1]));
    return b;
  }

  // Whether numpy's estimate lies within one bin of the true bin for every value, so that
  // bin_of gives the true bin ([edges[b], edges[b + 1]), the last one closed). The estimate
  // is monotone: checking the ends of each bin is enough.
  bool bins_are_exact() const {
    for (std::int64_t b = 0; b < nbins; ++b) {
      if (!(edges[b + 1] > edges[b])) return false;
      const T top = b + 1 < nbins ? std::nextafter(edges[b + 1], edges[b]) : edges[b + 1];
      if (estimate(edges[b]) < b - 1 || estimate(top) > b + 1) return false;
    }
    return true;
  }
};

template <typename T>
void bin_values_generic(const T* x, std::uint32_t* bins, std::int64_t n, const Table<T>& t) {
  const Table<T> table = t;  // a local copy: not reloaded after each store
  for (std::int64_t i = 0; i < n; ++i) bins[i] = static_cast<std::uint32_t>(table.bin_of(x[i]));
}

template <typename T>
MEDIMG_AVX2_CLONE void bin_values_avx2(const T* x, std::uint32_t* bins, std::int64_t n,
                                       const Table<T>& t) {
  bin_values_generic(x, bins, n, t);
}

template <typename T>
void bin_values(const T* x, std::uint32_t* bins, std::int64_t n, const Table<T>& t) {
  if (detail::cpu_has_avx2()) return bin_values_avx2(x, bins, n, t);
  bin_values_generic(x, bins, n, t);
}

// numpy.interp's table: centres, CDF values and the slopes between them, in float64.
struct Knots {
  std::vector<double> x, cdf, slope;
  explicit Knots(std::int64_t n)
      : x(static_cast<std::size_t>(n)), cdf(x.size()), slope(x.size(), 0.0) {}

  // numpy.interp(v, x, cdf) for a v in `bin`, statement for statement (compiled_base.c).
  double interp(double v, std::int64_t bin) const {
    const auto n = static_cast<std::int64_t>(x.size());
    if (v < x[0]) return cdf[0];
    if (v >= x[n - 1]) return cdf[n - 1];
    // The last j with x[j] <= v: the bin or the one before, or further where centres
    // coincide.
    auto j = std::min<std::int64_t>(bin, n - 2);
    while (j > 0 && x[j] > v) --j;
    while (j < n - 2 && x[j + 1] <= v) ++j;
    if (x[j] == v) return cdf[j];
    double out = slope[j] * (v - x[j]) + cdf[j];
    if (std::isnan(out)) {  // numpy's fallbacks for coinciding centres
      out = slope[j] * (v - x[j + 1]) + cdf[j + 1];
      if (std::isnan(out) && cdf[j] == cdf[j + 1]) out = cdf[j];
    }
    return out;
  }
};

// Knots::interp for n values when every centre lies inside its bin and the centres increase
// strictly: then the segment is bin − (x[bin] > v), the slope is finite and an exact hit
// gives slope * 0 + cdf = cdf by itself. Branch-free, so it vectorises (with gathers).
template <typename T, typename O>
void interpolate_generic(const T* values, O* y, std::int64_t n, const std::uint32_t* bins,
                         const double* xs, const double* cdf, const double* slope,
                         std::int64_t nbins) {
  const double x0 = xs[0], x_last = xs[nbins - 1];
  const double below = cdf[0], above = cdf[nbins - 1];
  const std::int64_t last_segment = nbins - 2;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<double>(values[i]);
    std::int64_t j = bins[i];
    j -= static_cast<std::int64_t>(xs[j] > v);
    j = j < 0 ? 0 : j;
    j = j > last_segment ? last_segment : j;
    double out = slope[j] * (v - xs[j]) + cdf[j];
    out = v < x0 ? below : out;
    out = v >= x_last ? above : out;
    y[i] = static_cast<O>(out);
  }
}

template <typename T, typename O>
MEDIMG_AVX2_CLONE void interpolate_avx2(const T* values, O* y, std::int64_t n,
                                        const std::uint32_t* bins, const double* xs,
                                        const double* cdf, const double* slope,
                                        std::int64_t nbins) {
  interpolate_generic(values, y, n, bins, xs, cdf, slope, nbins);
}

template <typename T, typename O>
void interpolate_values(const T* values, O* y, std::int64_t n, const std::uint32_t* bins,
                        const Knots& k) {
  const auto nbins = static_cast<std::int64_t>(k.x.size());
  if (detail::cpu_has_avx2()) {
    return interpolate_avx2(values, y, n, bins, k.x.data(), k.cdf.data(), k.slope.data(), nbins);
  }
  interpolate_generic(values, y, n, bins, k.x.data(), k.cdf.data(), k.slope.data(), nbins);
}

// ---- float32 without table lookups: certified bins ------------------------------------------
//
// numpy's estimate g = (v − first) * norm (float) is a non-decreasing function of v, so at a
// voxel whose g lies strictly between g(edges[b]) and g(edges[b + 1]) its bin is b and
// numpy's corrections change nothing. Those values differ from b and b + 1 by at most
// `margin` (measured over every edge), so a fractional part of g in (margin, 1 − margin)
// certifies the bin without reading an edge; in the same way a fractional part away from
// 1/2 by more than the centres' margin tells on which side of its bin's centre v lies, which
// picks the interpolation segment. The few voxels left uncertain (within a few float ulps of
// an edge or centre, or exactly on one) take the exact rules. Same results, two table
// lookups per voxel fewer.
struct Certified {
  float first, norm, top;         // numpy's estimate; top = nbins − 1
  float bin_low, bin_high;        // fraction in (bin_low, bin_high): the estimate is the bin
  float centre_low, centre_high;  // fraction < centre_low: below the centre; > centre_high: above
  // Whether a fraction of exactly 0 certifies the bin too: every value whose g is an integer
  // b lies in bin b. Quantised data (windowed integer HU) hits edges exactly, often.
  bool integer_g_certain;
};

float float_at_least(double v) {
  const auto f = static_cast<float>(v);
  return f < v ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

float float_at_most(double v) {
  const auto f = static_cast<float>(v);
  return f > v ? std::nextafter(f, -std::numeric_limits<float>::infinity()) : f;
}

// The margins of `t` and the centres `xs`; nullopt where they are too wide to be worth it.
std::optional<Certified> certify(const Table<float>& t, const std::vector<double>& xs) {
  const auto g = [&](float v) { return static_cast<double>((v - t.first) * t.norm); };
  double edge_margin = 0, centre_margin = 0;
  for (std::int64_t b = 0; b < t.nbins; ++b) {
    if (b > 0) edge_margin = std::max(edge_margin, std::abs(g(t.edges[b]) - b));
    centre_margin = std::max(centre_margin, std::abs(g(static_cast<float>(xs[b])) - (b + 0.5)));
  }
  if (!(edge_margin < 0.01 && centre_margin < 0.01)) return std::nullopt;
  // g is non-decreasing, so the values with g = b are those between the last value below
  // edge b with g < b and the first one with g > b; g(edges[b + 1]) > b already (margin).
  bool integer_g_certain = true;
  for (std::int64_t b = 1; b < t.nbins; ++b) {
    const float below_edge = std::nextafter(t.edges[b], -std::numeric_limits<float>::infinity());
    integer_g_certain = integer_g_certain && g(below_edge) < b;
  }
  return Certified{t.first,
                   t.norm,
                   static_cast<float>(t.nbins - 1),
                   float_at_least(edge_margin),
                   float_at_most(1 - edge_margin),
                   float_at_most(0.5 - centre_margin),
                   float_at_least(0.5 + centre_margin),
                   integer_g_certain};
}

#if MEDIMG_HAS_AVX2_CLONES
// numpy's estimate of 8 values: g, its bin estimate e (clamped to [0, nbins − 1]), g − e,
// and which lanes' bins the fraction certifies.
struct Estimate8 {
  __m256 g, fraction, at_first, at_last, bin_certain;
  __m256i bin;
};

MEDIMG_AVX2_CLONE Estimate8 estimate8(__m256 v, const Certified& c) {
  Estimate8 s;
  const __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(c.top);
  s.g = _mm256_mul_ps(_mm256_sub_ps(v, _mm256_set1_ps(c.first)), _mm256_set1_ps(c.norm));
  s.bin = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(s.g, zero), top));
  const __m256 e = _mm256_cvtepi32_ps(s.bin);
  s.fraction = _mm256_sub_ps(s.g, e);
  s.at_first = _mm256_cmp_ps(e, zero, _CMP_EQ_OQ);
  s.at_last = _mm256_cmp_ps(e, top, _CMP_EQ_OQ);
  __m256 low_ok = _mm256_cmp_ps(s.fraction, _mm256_set1_ps(c.bin_low), _CMP_GT_OQ);
  if (c.integer_g_certain) low_ok = _mm256_or_ps(low_ok, _mm256_cmp_ps(s.fraction, zero, _CMP_EQ_OQ));
  const __m256 high_ok = _mm256_cmp_ps(s.fraction, _mm256_set1_ps(c.bin_high), _CMP_LT_OQ);
  s.bin_certain = _mm256_and_ps(_mm256_or_ps(s.at_first, low_ok), _mm256_or_ps(s.at_last, high_ok));
  return s;
}

// Table::bin_of of 8 values: the estimate, then numpy's two corrections against the edges
// (gathered). The edges increase strictly (Table::bins_are_exact), so at most one applies.
MEDIMG_AVX2_CLONE __m256i exact_bins8(const float* x, const Certified& c, const Table<float>& t) {
  const __m256 v = _mm256_loadu_ps(x);
  const __m256i bin = estimate8(v, c).bin;
  const __m256 low = _mm256_i32gather_ps(t.edges, bin, 4);
  const __m256 high = _mm256_i32gather_ps(t.edges, _mm256_add_epi32(bin, _mm256_set1_epi32(1)), 4);
  const __m256i above_first = _mm256_cmpgt_epi32(bin, _mm256_setzero_si256());
  const __m256i below_last =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<std::int32_t>(t.nbins - 1)), bin);
  // Lanes of −1 (true) added or subtracted.
  const __m256i down =
      _mm256_and_si256(above_first, _mm256_castps_si256(_mm256_cmp_ps(v, low, _CMP_LT_OQ)));
  const __m256i up =
      _mm256_and_si256(below_last, _mm256_castps_si256(_mm256_cmp_ps(v, high, _CMP_GE_OQ)));
  return _mm256_sub_epi32(_mm256_add_epi32(bin, down), up);
}

// Eight voxels' interpolation segments (see interpolate_segments_avx2) from their estimate:
// e where g − e ≥ 1/2, else e − 1 (e = int(g), clamped to the bins), clamped to the segments.
// g is non-decreasing in v, so a fraction g − e below 1/2 by more than the centres' margin
// puts v left of centre e and one above it by more puts v right of it. Near an edge the
// fraction is near 0 or 1, so the segment is certain there even where the bin is not; lanes
// (nearly) on a centre get `exact` instead.
MEDIMG_AVX2_CLONE __m256i segments8(const Estimate8& s, const Certified& c, __m256i exact) {
  const __m256 left = _mm256_cmp_ps(s.fraction, _mm256_set1_ps(c.centre_low), _CMP_LT_OQ);
  const __m256 right = _mm256_cmp_ps(s.fraction, _mm256_set1_ps(c.centre_high), _CMP_GT_OQ);
  // The bin, or the one before left of the centre (left is −1 there).
  __m256i j = _mm256_add_epi32(s.bin, _mm256_castps_si256(left));
  const __m256i last_segment = _mm256_sub_epi32(exact, _mm256_set1_epi32(1));
  j = _mm256_min_epi32(_mm256_max_epi32(j, _mm256_setzero_si256()), last_segment);
  return _mm256_blendv_epi8(exact, j, _mm256_castps_si256(_mm256_or_ps(left, right)));
}

// Stores eight segment indices (each at most 2^16 − 1 for uint16, 255 for uint8).
MEDIMG_AVX2_CLONE void store8(std::uint32_t* out, __m256i j) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), j);
}
MEDIMG_AVX2_CLONE void store8(std::uint16_t* out, __m256i j) {
  const __m256i words = _mm256_packus_epi32(j, j);  // j0..j3 twice, j4..j7 twice
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm256_castsi256_si128(_mm256_permute4x64_epi64(words, 0x08)));
}
MEDIMG_AVX2_CLONE void store8(std::uint8_t* out, __m256i j) {
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
template <typename Index>
MEDIMG_AVX2_CLONE void count_certified_avx2(const float* x, const bool* mask, std::int64_t n,
                                            const Certified& c, const Table<float>& t,
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
  __m256 flat_value = _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN());
  std::uint32_t flat_bin = 0;
  __m256i flat_segments = exact8;
  while (i + 8 <= n) {
    int uncertain = 0;
    for (int k = 0; k < kChunk && i + 8 <= n; ++k, i += 8) {
      const __m256 v = _mm256_loadu_ps(x + i);
      const int same_as_flat = _mm256_movemask_ps(_mm256_cmp_ps(v, flat_value, _CMP_EQ_OQ));
      if (mask == nullptr && same_as_flat == 0xFF) {
        h[flat_bin] += 8;
        store8(segment + i, flat_segments);
        continue;
      }
      const Estimate8 s = estimate8(v, c);
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
        const __m256 first = _mm256_permutevar8x32_ps(v, _mm256_setzero_si256());
        if (_mm256_movemask_ps(_mm256_cmp_ps(v, first, _CMP_EQ_OQ)) == 0xFF &&
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
      alignas(32) std::uint32_t estimate[8], exact_bin[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(estimate),
                         estimate8(_mm256_loadu_ps(x + g), c).bin);
      _mm256_store_si256(reinterpret_cast<__m256i*>(exact_bin), exact_bins8(x + g, c, t));
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

// One interpolation segment in float64 (the centre and the CDF value are float values): one
// aligned 32-byte load.
struct alignas(32) Segment {
  double slope, x, cdf, unused;
};

// slope[j] * (v − xs[j]) + cdf[j] in float64 for 4 values, rounded to float: four loads and a
// transpose, cheaper here than three gathers.
template <typename Index>
MEDIMG_AVX2_CLONE __m128 segment4(__m128 v, const Index* j, const Segment* segments) {
  const auto* s = reinterpret_cast<const double*>(segments);
  const __m256d e0 = _mm256_load_pd(s + 4 * j[0]), e1 = _mm256_load_pd(s + 4 * j[1]);
  const __m256d e2 = _mm256_load_pd(s + 4 * j[2]), e3 = _mm256_load_pd(s + 4 * j[3]);
  const __m256d low = _mm256_unpacklo_pd(e0, e1);   // s0 s1 c0 c1
  const __m256d high = _mm256_unpacklo_pd(e2, e3);  // s2 s3 c2 c3
  const __m256d xs_low = _mm256_unpackhi_pd(e0, e1), xs_high = _mm256_unpackhi_pd(e2, e3);
  const __m256d slope = _mm256_permute2f128_pd(low, high, 0x20);
  const __m256d cdf = _mm256_permute2f128_pd(low, high, 0x31);
  const __m256d xs = _mm256_permute2f128_pd(xs_low, xs_high, 0x20);
  const __m256d d = _mm256_sub_pd(_mm256_cvtps_pd(v), xs);
  return _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(slope, d), cdf));
}

// Which of eight segment indices are `exact`, as the bits of an int.
MEDIMG_AVX2_CLONE int exact_lanes(const std::uint32_t* j, std::uint32_t exact) {
  const __m256i eq = _mm256_cmpeq_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(j)),
                                        _mm256_set1_epi32(static_cast<std::int32_t>(exact)));
  return _mm256_movemask_ps(_mm256_castsi256_ps(eq));
}
MEDIMG_AVX2_CLONE int exact_lanes(const std::uint16_t* j, std::uint16_t exact) {
  const __m128i eq = _mm_cmpeq_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(j)),
                                     _mm_set1_epi16(static_cast<std::int16_t>(exact)));
  return _mm_movemask_epi8(_mm_packs_epi16(eq, eq)) & 0xFF;
}
MEDIMG_AVX2_CLONE int exact_lanes(const std::uint8_t* j, std::uint8_t exact) {
  const __m128i eq = _mm_cmpeq_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(j)),
                                    _mm_set1_epi8(static_cast<char>(exact)));
  return _mm_movemask_epi8(eq) & 0xFF;
}

// interpolate_generic for n float values whose segments count_certified_avx2 left: the
// segments' float64 arithmetic, then numpy's ends; the lanes marked nbins − 1 take
// Table::bin_of and interpolate_generic.
template <typename Index>
MEDIMG_AVX2_CLONE void interpolate_segments_avx2(const float* x, const Index* segment, float* y,
                                                 std::int64_t n, const Table<float>& t,
                                                 const Segment* segments, const Knots& k) {
  const auto exact = [&](std::int64_t i) {
    const auto bin = static_cast<std::uint32_t>(t.bin_of(x[i]));
    interpolate_generic(x + i, y + i, 1, &bin, k.x.data(), k.cdf.data(), k.slope.data(), t.nbins);
  };
  const auto marked = static_cast<Index>(t.nbins - 1);
  const __m256 below = _mm256_set1_ps(static_cast<float>(k.cdf.front()));
  const __m256 above = _mm256_set1_ps(static_cast<float>(k.cdf.back()));
  const __m256 first_centre = _mm256_set1_ps(static_cast<float>(k.x.front()));
  const __m256 last_centre = _mm256_set1_ps(static_cast<float>(k.x.back()));
  // The value of the last flat group (eight equal values) and its result.
  __m256 flat_value = _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN());
  __m256 flat_out = _mm256_setzero_ps();
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, flat_value, _CMP_EQ_OQ)) == 0xFF) {
      _mm256_storeu_ps(y + i, flat_out);
      continue;
    }
    const __m128 low = segment4(_mm256_castps256_ps128(v), segment + i, segments);
    const __m128 high = segment4(_mm256_extractf128_ps(v, 1), segment + i + 4, segments);
    __m256 out = _mm256_insertf128_ps(_mm256_castps128_ps256(low), high, 1);
    out = _mm256_blendv_ps(out, below, _mm256_cmp_ps(v, first_centre, _CMP_LT_OQ));
    out = _mm256_blendv_ps(out, above, _mm256_cmp_ps(v, last_centre, _CMP_GE_OQ));
    _mm256_storeu_ps(y + i, out);
    for (int lanes = exact_lanes(segment + i, marked); lanes != 0; lanes &= lanes - 1) {
      exact(i + __builtin_ctz(static_cast<unsigned>(lanes)));
    }
    const __m256 first = _mm256_permutevar8x32_ps(v, _mm256_setzero_si256());
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, first, _CMP_EQ_OQ)) == 0xFF) {
      flat_value = first;
      flat_out = _mm256_loadu_ps(y + i);
    }
  }
  for (; i < n; ++i) exact(i);
}

// equalize_floats for float32 with certified estimates (see Certified): count, keeping each
// voxel's interpolation segment (Index: the narrowest type that holds nbins − 1), then
// interpolate.
template <typename Index, typename SetCdf>
void equalize_certified(const float* x, float* y, std::int64_t n, const bool* mask,
                        const Certified& c, const Table<float>& t, const Knots& knots,
                        SetCdf&& set_cdf) {
  const std::unique_ptr<Index[]> segment(new Index[static_cast<std::size_t>(n)]);
  set_cdf(cdf_of(count_in_chunks(
      n, t.nbins, [&](std::int64_t first, std::int64_t last, std::int64_t* h, std::int64_t copies) {
        count_certified_avx2(x + first, mask == nullptr ? nullptr : mask + first, last - first, c,
                             t, segment.get() + first, h, copies);
      })));
  std::vector<Segment> segments(static_cast<std::size_t>(t.nbins));
  for (std::int64_t b = 0; b < t.nbins; ++b) {
    segments[b] = {knots.slope[b], knots.x[b], knots.cdf[b], 0.0};
  }
  detail::for_blocks(n, [&](std::int64_t begin, std::int64_t end) {
    interpolate_segments_avx2(x + begin, segment.get() + begin, y + begin, end - begin, t,
                              segments.data(), knots);
  });
}
#endif

// Floats: numpy.histogram's equal bins, then numpy.interp at the bin centres. T is float or
// double, and so is the arithmetic of the edges and centres (numpy's bin dtype).
template <typename T, typename O>
void equalize_floats(const T* x, O* y, std::int64_t n, const bool* mask, const Range<T>& r,
                     std::int64_t nbins) {
  // numpy's outer edges: the range, widened by 0.5 each way in float64 when it is empty
  // (numpy's float32 scalar minus 0.5 is a float64); the width in T otherwise.
  double start = r.min, stop = r.max, range = static_cast<double>(static_cast<T>(r.max - r.min));
  if (r.min == r.max) {
    start -= 0.5;
    stop += 0.5;
    range = stop - start;
  }
  // np.linspace computes in float64 and rounds to the bin dtype T; the last edge is `stop`.
  std::vector<T> edges(static_cast<std::size_t>(nbins + 1));
  const double step = (stop - start) / nbins;
  for (std::int64_t b = 0; b < nbins; ++b) edges[b] = static_cast<T>(b * step + start);
  edges[nbins] = static_cast<T>(stop);

  const double norm = nbins / range;
  const Table<T> table{edges.data(), nbins, static_cast<T>(start), static_cast<T>(norm)};
  const bool exact_bins = table.bins_are_exact();
  // numpy.interp's table in float64: the bin centres and the CDF, both rounded to the image's
  // float type first (skimage casts the CDF; the centres are computed in that type).
  const T* e = edges.data();
  Knots knots(nbins);
  bool centred = true;  // every centre inside its bin, strictly increasing
  for (std::int64_t b = 0; b < nbins; ++b) {
    knots.x[b] = static_cast<double>(static_cast<T>((e[b] + e[b + 1]) / T(2)));
    centred = centred && knots.x[b] >= e[b] && knots.x[b] <= e[b + 1] &&
              (b == 0 || knots.x[b] > knots.x[b - 1]);
  }
  const auto set_cdf = [&](const std::vector<double>& cdf) {
    for (std::int64_t b = 0; b < nbins; ++b)
      knots.cdf[b] = static_cast<double>(static_cast<T>(cdf[b]));
    for (std::int64_t b = 0; b + 1 < nbins; ++b) {
      knots.slope[b] = (knots.cdf[b + 1] - knots.cdf[b]) / (knots.x[b + 1] - knots.x[b]);
    }
  };
#if MEDIMG_HAS_AVX2_CLONES
  if constexpr (std::is_same_v<T, float> && std::is_same_v<O, float>) {
    const auto certified =
        exact_bins && centred && detail::cpu_has_avx2() ? certify(table, knots.x) : std::nullopt;
    if (certified) {
      if (nbins <= 256) {
        equalize_certified<std::uint8_t>(x, y, n, mask, *certified, table, knots, set_cdf);
      } else if (nbins <= 65536) {
        equalize_certified<std::uint16_t>(x, y, n, mask, *certified, table, knots, set_cdf);
      } else {
        equalize_certified<std::uint32_t>(x, y, n, mask, *certified, table, knots, set_cdf);
      }
      return;
    }
  }
#endif
  // numpy.histogram's binning; each voxel's bin is kept for the interpolation, whose segment
  // is that bin or the one before, depending on the side of the bin's centre.
  const std::unique_ptr<std::uint32_t[]> bins(new std::uint32_t[static_cast<std::size_t>(n)]);
  detail::for_blocks(n, [&](std::int64_t begin, std::int64_t end) {
    bin_values(x + begin, bins.get() + begin, end - begin, table);
  });
  const std::uint32_t* bin = bins.get();
  set_cdf(cdf_of(count_integers(bin, n, 0, nbins, mask)));
  detail::for_blocks(n, [&](std::int64_t begin, std::int64_t end) {
    if (exact_bins && centred) {
      interpolate_values(x + begin, y + begin, end - begin, bin + begin, knots);
      return;
    }
    for (std::int64_t i = begin; i < end; ++i) {
      y[i] = static_cast<O>(knots.interp(static_cast<double>(x[i]), bin[i]));
    }
  });
}

}  // namespace

Image equalize_hist(const Image& image, int nbins, const at::Tensor& mask_tensor) {
  MEDIMG_CHECK(nbins >= 2 && nbins <= kMaxIntegerBins, ArgumentError,
               "equalize_hist: nbins must be in [2, ", kMaxIntegerBins, "], got ", nbins);
  const at::Tensor voxels = detail::contiguous_voxels(image, "equalize_hist");
  const detail::ChannelMask mask(mask_tensor, voxels, "equalize_hist's mask");
  at::Tensor out = at::empty(
      voxels.sizes(), at::TensorOptions().dtype(detail::intensity_dtype(voxels.scalar_type())));
  const std::int64_t n = detail::channel_numel(voxels);
  detail::dispatch_data(voxels, [&](const auto* x) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
    detail::dispatch_output(out, [&](auto* y) {
      for (std::int64_t c = 0; c < voxels.size(0); ++c) {
        const bool* m = mask.channel(c);
        const auto r = selected_range(x + c * n, n, m);
        MEDIMG_CHECK(r.finite, ArgumentError, "equalize_hist: channel ", c,
                     " has NaN or infinite voxels (skimage refuses them too)");
        MEDIMG_CHECK(r.count > 0, ArgumentError,
                     "equalize_hist: the mask selects no voxel in "
                     "channel ",
                     c);
        if constexpr (std::is_floating_point_v<T>) {
          equalize_floats(x + c * n, y + c * n, n, m, r, nbins);
        } else {
          equalize_integers(x + c * n, y + c * n, n, m, r);
        }
      }
    });
  });
  return image.with_tensor(out);
}

}  // namespace medimg

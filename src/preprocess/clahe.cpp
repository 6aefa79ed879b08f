// scikit-image's CLAHE (equalize_adapthist), reproduced step by step; see
// detail/skimage_clahe.hpp for the building blocks and docs/preprocess_intensity.md.
#include "medimg/preprocess/clahe.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <vector>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "detail/skimage_clahe.hpp"
#include "medimg/core/parallel.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg {
namespace {

namespace sk = detail::skimage;

constexpr std::int64_t kMaxKernel = std::int64_t{1} << 16;
constexpr std::int64_t kMaxMapEntries = std::int64_t{1} << 25;  // regions x nbins (floats)
constexpr std::int64_t kMaxPaddedVoxels = std::int64_t{1} << 33;

// The contextual regions along one axis. skimage pads the axis by k // 2 before and by
// (k − s % k) % k + ceil(k / 2) after (reflecting), so region t covers image indices
// [t k, (t + 1) k) (reflected past the end) and voxel r sits in block (r + k // 2) / k,
// between the mappings of regions block − 1 and block (clamped: "mode='edge'").
struct AxisRegions {
  std::int64_t size = 1, kernel = 1, pad_left = 0, regions = 1;
  std::vector<std::int64_t> source;        // padded index -> image index
  std::vector<std::int64_t> lower, upper;  // per image index: the two regions
  std::vector<double> weight;              // per image index: weight of `upper`, p / k

  AxisRegions(std::int64_t s, std::int64_t k)
      : size(s), kernel(k), pad_left(k / 2), regions((s + k - 1) / k) {
    source = sk::reflect_index_map(s, pad_left, (k - s % k) % k + (k + 1) / 2);
    for (std::int64_t r = 0; r < s; ++r) {
      const std::int64_t padded = r + pad_left, block = padded / k;
      lower.push_back(std::clamp<std::int64_t>(block - 1, 0, regions - 1));
      upper.push_back(std::clamp<std::int64_t>(block, 0, regions - 1));
      // np.arange(k) / k
      weight.push_back(static_cast<double>(padded % k) / static_cast<double>(k));
    }
  }

  // The image indices of region t, in order.
  const std::int64_t* region(std::int64_t t) const { return source.data() + pad_left + t * kernel; }
};

struct Regions {
  std::array<AxisRegions, 3> axes;  // (Z, Y, X); a 2D image has Z = 1, k = 1
  std::int64_t voxels_per_region() const {
    return axes[0].kernel * axes[1].kernel * axes[2].kernel;
  }
  std::int64_t count() const { return axes[0].regions * axes[1].regions * axes[2].regions; }
};

// The kernel size in array order, per skimage's defaults and broadcasting.
std::vector<std::int64_t> kernel_of(const std::vector<std::int64_t>& spatial,
                                    const std::vector<std::int64_t>& given) {
  const std::size_t d = spatial.size();
  MEDIMG_CHECK(given.empty() || given.size() == 1 || given.size() == d, ArgumentError,
               "clahe: kernel_size needs 1 or ", d, " values (array order), got ", given.size());
  std::vector<std::int64_t> k(d);
  for (std::size_t a = 0; a < d; ++a) {
    k[a] = given.empty() ? std::max<std::int64_t>(spatial[a] / 8, 1)
                         : given[given.size() == 1 ? 0 : a];
    MEDIMG_CHECK(k[a] >= 1 && k[a] <= kMaxKernel, ArgumentError,
                 "clahe: kernel_size values must be in [1, ", kMaxKernel, "], got ", k[a]);
  }
  return k;
}

// Whether v[0 .. 8) are all equal.
bool eight_equal(const std::uint16_t* v) {
#if defined(__SSE2__)
  const __m128i eight = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v));
  const __m128i first = _mm_set1_epi16(static_cast<short>(v[0]));
  return _mm_movemask_epi8(_mm_cmpeq_epi16(eight, first)) == 0xFFFF;
#else
  bool same = true;
  for (int j = 1; j < 8; ++j) same &= v[j] == v[0];
  return same;
#endif
}

// Where the bin of a channel's uint16 value u follows from arithmetic: for v = u − low in
// [0, span], skimage's level rint(v / span * 16383) lies within 1/2 of v / span * 16383, so
// its bin, level // bin_size, is floor(g) for g = v * 16383 / (span * bin_size) whenever
// g's fractional part is farther than 0.5 / bin_size from 0 and 1 (plus the float rounding
// of g); v = 0 is bin 0. The other values take sk::grey_level_bin.
struct BinEstimate {
  std::int64_t bin_size;
  double span;
  float scale = 0, fraction_low = 1, fraction_high = 0;  // the defaults certify nothing

  BinEstimate(std::int64_t span_, std::int64_t bin_size_)
      : bin_size(bin_size_), span(static_cast<double>(span_)) {
    if (span_ <= 0) return;
    const double exact = static_cast<double>(sk::kGreyLevels - 1) /
                         (static_cast<double>(span) * static_cast<double>(bin_size));
    // Two float roundings (of the scale and of the product), 2^-24 of g each, at most.
    const double margin = 0.5 / static_cast<double>(bin_size) + exact * span * 2.4e-7 + 1e-6;
    if (margin > 0.2) return;  // too few values certified to pay (few, wide bins)
    scale = static_cast<float>(exact);
    fraction_low = static_cast<float>(margin);
    fraction_high = static_cast<float>(1 - margin);
  }

  bool active() const { return scale > 0; }
};

// bins[i] = table[bins[i]] for the uint16 values (minus low) in bins[0 .. n).
void look_up_bins(std::uint16_t* bins, std::int64_t n, const std::uint16_t* table) {
  for (std::int64_t i = 0; i < n; ++i) bins[i] = table[bins[i]];
}

#if MEDIMG_HAS_AVX2_CLONES
// sk::grey_level_bin of four values, in its float64 arithmetic (division, multiplication,
// round half to even). level // bin_size as trunc((level + 0.5) / bin_size), by a
// multiplication: that quotient lies at least 0.5 / bin_size from an integer, far beyond
// its rounding error.
MEDIMG_AVX2_CLONE __m128i exact_bins4(__m128i values, const BinEstimate& e) {
  const __m256d level = _mm256_round_pd(
      _mm256_mul_pd(_mm256_div_pd(_mm256_cvtepi32_pd(values), _mm256_set1_pd(e.span)),
                    _mm256_set1_pd(static_cast<double>(sk::kGreyLevels - 1))),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d per_bin = _mm256_set1_pd(1.0 / static_cast<double>(e.bin_size));
  return _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(level, _mm256_set1_pd(0.5)), per_bin));
}

// The estimated bins of eight uint16 values (minus low), packed; `certain` tells whether
// BinEstimate e certifies all eight.
MEDIMG_AVX2_CLONE __m128i estimated_bins8(__m256i values, const BinEstimate& e, bool* certain) {
  const __m256 v = _mm256_cvtepi32_ps(values);
  const __m256 g = _mm256_mul_ps(v, _mm256_set1_ps(e.scale));
  const __m256i bin = _mm256_cvttps_epi32(g);
  const __m256 fraction = _mm256_sub_ps(g, _mm256_cvtepi32_ps(bin));
  const __m256 sure = _mm256_or_ps(
      _mm256_and_ps(_mm256_cmp_ps(fraction, _mm256_set1_ps(e.fraction_low), _CMP_GT_OQ),
                    _mm256_cmp_ps(fraction, _mm256_set1_ps(e.fraction_high), _CMP_LT_OQ)),
      _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_OQ));
  *certain = _mm256_movemask_ps(sure) == 0xFF;
  return _mm_packus_epi32(_mm256_castsi256_si128(bin), _mm256_extracti128_si256(bin, 1));
}

// Eight values (uint16 minus low) at a time, or one, from the uint16 values in `bins`...
struct StoredValues {
  const std::uint16_t* bins;
  MEDIMG_AVX2_CLONE __m256i eight(std::int64_t i) const {
    return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bins + i)));
  }
  std::int32_t one(std::int64_t i) const { return bins[i]; }
};

// ... or from floats in [−1, 1]: img_as_uint's clip(rint(x * 65535), 0, 65535) − low.
struct UnitFloatValues {
  const float* x;
  std::int32_t low;
  MEDIMG_AVX2_CLONE __m256i eight(std::int64_t i) const {
    // rint as numpy (half to even, the default rounding mode), then the clip.
    __m256 u = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(65535.0f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    u = _mm256_min_ps(_mm256_max_ps(u, _mm256_setzero_ps()), _mm256_set1_ps(65535.0f));
    return _mm256_sub_epi32(_mm256_cvtps_epi32(u), _mm256_set1_epi32(low));
  }
  std::int32_t one(std::int64_t i) const { return sk::float_to_uint16(x[i]) - low; }
};

// The bins of n values from `source` into bins[0 .. n), eight at a time: the certified
// estimates, and the groups of eight with an uncertain lane computed exactly after each
// chunk, so that the loop has no data-dependent branch (mispredicted, it cost more than all
// the arithmetic).
template <typename Source>
MEDIMG_AVX2_CLONE void certified_bins_avx2(const Source& source, std::uint16_t* bins,
                                           std::int64_t n, const BinEstimate& e) {
  constexpr int kChunk = 256;  // groups of eight
  __m128i held[kChunk];        // the values of the uncertain groups
  std::int64_t where[kChunk];
  std::int64_t i = 0;
  while (i + 8 <= n) {
    int uncertain = 0;
    for (int k = 0; k < kChunk && i + 8 <= n; ++k, i += 8) {
      const __m256i values = source.eight(i);
      bool certain;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bins + i), estimated_bins8(values, e, &certain));
      held[uncertain] =
          _mm_packus_epi32(_mm256_castsi256_si128(values), _mm256_extracti128_si256(values, 1));
      where[uncertain] = i;
      uncertain += !certain;
    }
    for (int k = 0; k < uncertain; ++k) {
      const __m256i values = _mm256_cvtepu16_epi32(held[k]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bins + where[k]),
                       _mm_packus_epi32(exact_bins4(_mm256_castsi256_si128(values), e),
                                        exact_bins4(_mm256_extracti128_si256(values, 1), e)));
    }
  }
  for (; i < n; ++i) bins[i] = sk::grey_level_bin(source.one(i), e.span, e.bin_size);
}

// bins[i] = to_uint16(x[i]) − low, compiled for AVX2 (flatten inlines to_uint16).
template <typename T, typename ToUint16>
MEDIMG_AVX2_CLONE void uint16_values_avx2(const T* x, std::uint16_t* bins, std::int64_t n,
                                          ToUint16 to_uint16, std::int64_t low) {
  for (std::int64_t i = 0; i < n; ++i) {
    bins[i] = static_cast<std::uint16_t>(to_uint16(x[i]) - low);
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
      if constexpr (std::is_same_v<T, float>) {
        if (r.min >= T(-1) && r.max <= T(1)) {  // to_uint16 is sk::float_to_uint16
          detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
            certified_bins_avx2(UnitFloatValues{x + first, static_cast<std::int32_t>(low)},
                                bins + first, last - first, estimate);
          });
          return;
        }
      }
      detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
        uint16_values_avx2(x + first, bins + first, last - first, to_uint16, low);
        certified_bins_avx2(StoredValues{bins + first}, bins + first, last - first, estimate);
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

// clip_histogram then map_histogram, compiled for AVX2 where the CPU has it (their passes
// over the bins vectorise there: 64-bit compares).
void clip_and_map_generic(std::vector<std::int64_t>& hist, std::int64_t clip_limit,
                          std::int64_t n_pixels, float* out) {
  sk::clip_histogram(hist, clip_limit);
  sk::map_histogram(hist, n_pixels, out);
}

MEDIMG_AVX2_CLONE void clip_and_map_avx2(std::vector<std::int64_t>& hist,
                                         std::int64_t clip_limit, std::int64_t n_pixels,
                                         float* out) {
  clip_and_map_generic(hist, clip_limit, n_pixels, out);
}

void clip_and_map(std::vector<std::int64_t>& hist, std::int64_t clip_limit,
                  std::int64_t n_pixels, float* out) {
  if (detail::cpu_has_avx2()) return clip_and_map_avx2(hist, clip_limit, n_pixels, out);
  clip_and_map_generic(hist, clip_limit, n_pixels, out);
}

// The grey-level mapping of every region: histogram, clip_histogram, map_histogram.
std::vector<float> region_mappings(const std::uint16_t* bins, const Regions& g, int nbins,
                                    std::int64_t clip_limit) {
  const auto& [az, ay, ax] = g.axes;
  const std::int64_t width = ax.size, height = ay.size;
  std::vector<float> maps(static_cast<std::size_t>(g.count() * nbins));
  // Regions in parallel once they hold enough voxels together (detail::kParallelGrain).
  const std::int64_t grain =
      std::max<std::int64_t>(1, detail::kParallelGrain / g.voxels_per_region());
  parallel_for(0, g.count(), grain, [&](std::int64_t first, std::int64_t last) {
    std::vector<std::int64_t> hist;
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t tz = t / (ay.regions * ax.regions);
      const std::int64_t ty = t / ax.regions % ay.regions, tx = t % ax.regions;
      // Four interleaved histograms: repeated levels (flat backgrounds) would otherwise make
      // every increment wait for the previous one.
      hist.assign(static_cast<std::size_t>(4 * nbins), 0);
      std::int64_t* copy[4] = {hist.data(), hist.data() + nbins, hist.data() + 2 * nbins,
                               hist.data() + 3 * nbins};
      const std::int64_t* zs = az.region(tz);
      const std::int64_t* ys = ay.region(ty);
      const std::int64_t* xs = ax.region(tx);
      // Regions that end inside the image read their rows directly; the last one may reach
      // into the reflected padding.
      const bool inside = (tx + 1) * ax.kernel <= width;
      for (std::int64_t dz = 0; dz < az.kernel; ++dz) {
        for (std::int64_t dy = 0; dy < ay.kernel; ++dy) {
          const std::uint16_t* row = bins + (zs[dz] * height + ys[dy]) * width;
          std::int64_t dx = 0;
          if (inside) {
            const std::uint16_t* run = row + tx * ax.kernel;
            for (; dx + 7 < ax.kernel; dx += 8) {
              const std::uint16_t first = run[dx];
              if (eight_equal(run + dx)) {
                copy[0][first] += 8;  // a flat background: eight at once
                continue;
              }
              for (int j = 0; j < 8; ++j) ++copy[j % 4][run[dx + j]];
            }
          }
          for (; dx < ax.kernel; ++dx) ++copy[0][row[xs[dx]]];
        }
      }
      for (int b = 0; b < nbins; ++b) copy[0][b] += copy[1][b] + copy[2][b] + copy[3][b];
      hist.resize(static_cast<std::size_t>(nbins));
      clip_and_map(hist, clip_limit, g.voxels_per_region(), maps.data() + t * nbins);
    }
  });
  return maps;
}

// A (z, y) corner of the interpolation: the mappings of region (tz, ty, 0) and its weight
// c_y * c_z.
struct Corner {
  const float* maps;
  float weight;
};

// One row of the interpolation with K (z, y) corners: for a voxel x in bin b, each corner's
// mappings of regions lower[x] and upper[x] are mixed along x, then the corners by their
// weights, in float32; the sum is truncated to a level ("result.astype(uint16)") and written
// to `out` (which may be `bins`). Fixed-size loops without branches: under AVX2, eight voxels
// per step with two gathers per corner. `range` collects the levels' min and max.
template <int K>
void interpolate_row_generic(const std::uint16_t* bins, std::uint16_t* out, std::int64_t width,
                             const Corner* corners, const std::int32_t* lower,
                             const std::int32_t* upper, const float* weight,
                             std::int32_t* range) {
  const float* maps[K];
  float cyz[K];
  for (int k = 0; k < K; ++k) {
    maps[k] = corners[k].maps;
    cyz[k] = corners[k].weight;
  }
  std::int32_t low = range[0], high = range[1];
  for (std::int64_t x = 0; x < width; ++x) {
    const std::int32_t b = bins[x];
    const float cx = weight[x];
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) {
      const float from = maps[k][lower[x] + b], to = maps[k][upper[x] + b];
      sum += cyz[k] * (from + cx * (to - from));
    }
    const auto level = static_cast<std::int32_t>(sum);  // truncates: sum >= 0
    low = level < low ? level : low;
    high = level > high ? level : high;
    out[x] = static_cast<std::uint16_t>(level);
  }
  range[0] = low;
  range[1] = high;
}

#if MEDIMG_HAS_AVX2_CLONES
// interpolate_row_generic eight voxels at a time, with the same operations in the same order
// (GCC does not vectorise the generic loop by itself: it cannot rule out aliasing).
template <int K>
MEDIMG_AVX2_CLONE void interpolate_row_avx2(const std::uint16_t* bins, std::uint16_t* out,
                                            std::int64_t width, const Corner* corners,
                                            const std::int32_t* lower, const std::int32_t* upper,
                                            const float* weight, std::int32_t* range) {
  const float* maps[K];
  __m256 cyz[K];
  for (int k = 0; k < K; ++k) {
    maps[k] = corners[k].maps;
    cyz[k] = _mm256_set1_ps(corners[k].weight);
  }
  __m256i low = _mm256_set1_epi32(range[0]), high = _mm256_set1_epi32(range[1]);
  std::int64_t x = 0;
  for (; x + 8 <= width; x += 8) {
    const __m256i b =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bins + x)));
    const __m256i from_at =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(lower + x)), b);
    const __m256i to_at =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(upper + x)), b);
    const __m256 cx = _mm256_loadu_ps(weight + x);
    // Eight voxels of one bin between the same two regions (a flat background): two loads
    // per corner instead of two gathers.
    const bool run = _mm256_movemask_epi8(_mm256_cmpeq_epi32(
                         from_at, _mm256_permutevar8x32_epi32(from_at, _mm256_setzero_si256()))) ==
                         -1 &&
                     _mm256_movemask_epi8(_mm256_cmpeq_epi32(
                         to_at, _mm256_permutevar8x32_epi32(to_at, _mm256_setzero_si256()))) == -1;
    __m256 sum = _mm256_setzero_ps();
    for (int k = 0; k < K; ++k) {
      const __m256 from = run ? _mm256_set1_ps(maps[k][_mm256_cvtsi256_si32(from_at)])
                              : _mm256_i32gather_ps(maps[k], from_at, 4);
      const __m256 to = run ? _mm256_set1_ps(maps[k][_mm256_cvtsi256_si32(to_at)])
                            : _mm256_i32gather_ps(maps[k], to_at, 4);
      const __m256 mixed = _mm256_add_ps(from, _mm256_mul_ps(cx, _mm256_sub_ps(to, from)));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(cyz[k], mixed));
    }
    const __m256i level = _mm256_cvttps_epi32(sum);
    low = _mm256_min_epi32(low, level);
    high = _mm256_max_epi32(high, level);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x),
                     _mm_packus_epi32(_mm256_castsi256_si128(level),
                                      _mm256_extracti128_si256(level, 1)));
  }
  alignas(32) std::int32_t lows[8], highs[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lows), low);
  _mm256_store_si256(reinterpret_cast<__m256i*>(highs), high);
  range[0] = *std::min_element(lows, lows + 8);
  range[1] = *std::max_element(highs, highs + 8);
  interpolate_row_generic<K>(bins + x, out + x, width - x, corners, lower + x, upper + x,
                             weight + x, range);
}
#endif

template <int K>
void interpolate_row(const std::uint16_t* bins, std::uint16_t* out, std::int64_t width,
                     const Corner* corners,
                     const std::int32_t* lower, const std::int32_t* upper, const float* weight,
                     std::int32_t* range) {
#if MEDIMG_HAS_AVX2_CLONES
  if (detail::cpu_has_avx2()) {
    return interpolate_row_avx2<K>(bins, out, width, corners, lower, upper, weight, range);
  }
#endif
  interpolate_row_generic<K>(bins, out, width, corners, lower, upper, weight, range);
}

// out[i] = sum over the K corners of weight * maps[i], for i in [0, n), in one pass.
template <int K>
void fold_corners_generic(const Corner* corners, std::int64_t n, float* out) {
  const float* maps[K];
  float weight[K];
  for (int k = 0; k < K; ++k) {
    maps[k] = corners[k].maps;
    weight[k] = corners[k].weight;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    float sum = weight[0] * maps[0][i];
    for (int k = 1; k < K; ++k) sum += weight[k] * maps[k][i];
    out[i] = sum;
  }
}

template <int K>
MEDIMG_AVX2_CLONE void fold_corners_avx2(const Corner* corners, std::int64_t n, float* out) {
  fold_corners_generic<K>(corners, n, out);
}

template <int K>
void fold_corners(const Corner* corners, std::int64_t n, float* out) {
  if (detail::cpu_has_avx2()) return fold_corners_avx2<K>(corners, n, out);
  fold_corners_generic<K>(corners, n, out);
}

// ---- 2D: one table entry per voxel -------------------------------------------------------
//
// A voxel of a 2D image lies in block (P_y // k_y, P_x // k_x) of the padded grid and mixes
// the mappings m00, m01, m10, m11 of that block's four regions (lower/upper along y, then
// x). Per block and bin the mix is (a + c_x b) + c_y (c + c_x d) with a = m00,
// b = m01 − m00, c = m10 − m00, d = m11 − m10 − m01 + m00, all exact (integers below 2^16),
// so that each voxel reads one 16-byte entry rather than four mappings (or two after a
// per-row fold): the blocks' tables cost (regions + 1)^2 * nbins entries once per channel.

struct alignas(16) Bilinear {
  float a, b, c, d;
};

std::vector<Bilinear> bilinear_blocks(const std::vector<float>& maps, const Regions& g,
                                      int nbins) {
  const AxisRegions& ay = g.axes[1];
  const AxisRegions& ax = g.axes[2];
  const std::int64_t columns = ax.regions + 1;
  std::vector<Bilinear> blocks(static_cast<std::size_t>((ay.regions + 1) * columns * nbins));
  const auto region = [](std::int64_t block, const AxisRegions& a) {
    return std::clamp<std::int64_t>(block, 0, a.regions - 1);
  };
  for (std::int64_t by = 0; by <= ay.regions; ++by) {
    for (std::int64_t bx = 0; bx < columns; ++bx) {
      const auto map = [&](std::int64_t ty, std::int64_t tx) {
        return maps.data() + (region(ty, ay) * ax.regions + region(tx, ax)) * nbins;
      };
      const float* m00 = map(by - 1, bx - 1);
      const float* m01 = map(by - 1, bx);
      const float* m10 = map(by, bx - 1);
      const float* m11 = map(by, bx);
      Bilinear* entry = blocks.data() + (by * columns + bx) * nbins;
      for (int b = 0; b < nbins; ++b) {
        entry[b] = {m00[b], m01[b] - m00[b], m10[b] - m00[b], m11[b] - m10[b] - m01[b] + m00[b]};
      }
    }
  }
  return blocks;
}

// One row: the voxel in column x reads entry column[x] + bin of the row's blocks.
void bilinear_row_generic(const std::uint16_t* bins, std::uint16_t* out, std::int64_t width,
                          const Bilinear* blocks, const std::int32_t* column, const float* cx,
                          float cy, std::int32_t* range) {
  std::int32_t low = range[0], high = range[1];
  for (std::int64_t x = 0; x < width; ++x) {
    const Bilinear& e = blocks[column[x] + bins[x]];
    const float value = (e.a + cx[x] * e.b) + cy * (e.c + cx[x] * e.d);
    const auto level = static_cast<std::int32_t>(value);  // truncates: value >= 0
    low = level < low ? level : low;
    high = level > high ? level : high;
    out[x] = static_cast<std::uint16_t>(level);
  }
  range[0] = low;
  range[1] = high;
}

#if MEDIMG_HAS_AVX2_CLONES
// Entries i and j of a table of Bilinear, one per 128-bit lane.
MEDIMG_AVX2_CLONE inline __m256 entry_pair(const float* table, std::int32_t i, std::int32_t j) {
  return _mm256_insertf128_ps(
      _mm256_castps128_ps256(_mm_load_ps(table + 4 * static_cast<std::int64_t>(i))),
      _mm_load_ps(table + 4 * static_cast<std::int64_t>(j)), 1);
}

// bilinear_row_generic eight voxels at a time: eight 16-byte loads transposed into a, b, c
// and d, or one broadcast where the eight read one entry (a flat background).
MEDIMG_AVX2_CLONE void bilinear_row_avx2(const std::uint16_t* bins, std::uint16_t* out,
                                         std::int64_t width,
                                         const Bilinear* blocks, const std::int32_t* column,
                                         const float* cx, float cy, std::int32_t* range) {
  const float* table = &blocks[0].a;
  const __m256 row_weight = _mm256_set1_ps(cy);
  __m256i low = _mm256_set1_epi32(range[0]), high = _mm256_set1_epi32(range[1]);
  std::int64_t x = 0;
  for (; x + 8 <= width; x += 8) {
    const __m256i at = _mm256_add_epi32(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(column + x)),
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bins + x))));
    alignas(32) std::int32_t entry[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(entry), at);
    __m256 a, b, c, d;
    if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(at, _mm256_set1_epi32(entry[0]))) == -1) {
      const float* e = table + 4 * static_cast<std::int64_t>(entry[0]);
      a = _mm256_broadcast_ss(e);
      b = _mm256_broadcast_ss(e + 1);
      c = _mm256_broadcast_ss(e + 2);
      d = _mm256_broadcast_ss(e + 3);
    } else {
      const __m256 t0 = entry_pair(table, entry[0], entry[4]);
      const __m256 t1 = entry_pair(table, entry[1], entry[5]);
      const __m256 t2 = entry_pair(table, entry[2], entry[6]);
      const __m256 t3 = entry_pair(table, entry[3], entry[7]);
      const __m256 ab01 = _mm256_unpacklo_ps(t0, t1), cd01 = _mm256_unpackhi_ps(t0, t1);
      const __m256 ab23 = _mm256_unpacklo_ps(t2, t3), cd23 = _mm256_unpackhi_ps(t2, t3);
      a = _mm256_shuffle_ps(ab01, ab23, 0x44);
      b = _mm256_shuffle_ps(ab01, ab23, 0xEE);
      c = _mm256_shuffle_ps(cd01, cd23, 0x44);
      d = _mm256_shuffle_ps(cd01, cd23, 0xEE);
    }
    const __m256 w = _mm256_loadu_ps(cx + x);
    const __m256 value = _mm256_add_ps(
        _mm256_add_ps(a, _mm256_mul_ps(w, b)),
        _mm256_mul_ps(row_weight, _mm256_add_ps(c, _mm256_mul_ps(w, d))));
    const __m256i level = _mm256_cvttps_epi32(value);
    low = _mm256_min_epi32(low, level);
    high = _mm256_max_epi32(high, level);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x),
                     _mm_packus_epi32(_mm256_castsi256_si128(level),
                                      _mm256_extracti128_si256(level, 1)));
  }
  alignas(32) std::int32_t lows[8], highs[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lows), low);
  _mm256_store_si256(reinterpret_cast<__m256i*>(highs), high);
  range[0] = *std::min_element(lows, lows + 8);
  range[1] = *std::max_element(highs, highs + 8);
  bilinear_row_generic(bins + x, out + x, width - x, blocks, column + x, cx + x, cy, range);
}
#endif

// The 2D interpolation through bilinear_blocks.
std::array<std::int32_t, 2> interpolate_blocks(std::uint16_t* levels,
                                               const std::vector<float>& maps, const Regions& g,
                                               int nbins) {
  const AxisRegions& ay = g.axes[1];
  const AxisRegions& ax = g.axes[2];
  const std::vector<Bilinear> blocks = bilinear_blocks(maps, g, nbins);
  const std::int64_t width = ax.size, columns = ax.regions + 1;
  std::vector<std::int32_t> column(static_cast<std::size_t>(width));
  std::vector<float> cx(column.size());
  for (std::int64_t x = 0; x < width; ++x) {
    column[x] = static_cast<std::int32_t>((x + ax.pad_left) / ax.kernel * nbins);
    cx[x] = static_cast<float>(ax.weight[x]);
  }
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kParallelGrain / width);
  std::mutex merging;
  std::array<std::int32_t, 2> range{std::numeric_limits<std::int32_t>::max(), 0};
  parallel_for(0, ay.size, grain, [&](std::int64_t first, std::int64_t last) {
    std::int32_t part[2] = {std::numeric_limits<std::int32_t>::max(), 0};
    for (std::int64_t y = first; y < last; ++y) {
      const Bilinear* row_blocks =
          blocks.data() + (y + ay.pad_left) / ay.kernel * columns * nbins;
      const auto cy = static_cast<float>(ay.weight[y]);
#if MEDIMG_HAS_AVX2_CLONES
      if (detail::cpu_has_avx2()) {
        bilinear_row_avx2(levels + y * width, levels + y * width, width, row_blocks, column.data(),
                          cx.data(), cy, part);
        continue;
      }
#endif
      bilinear_row_generic(levels + y * width, levels + y * width, width, row_blocks, column.data(),
                           cx.data(), cy, part);
    }
    const std::lock_guard<std::mutex> lock(merging);
    range = {std::min(range[0], part[0]), std::max(range[1], part[1])};
  });
  return range;
}

// Multilinear interpolation between the mappings of the 2^d neighbouring regions, in
// float32, truncated to levels that replace the bins in `levels`; returns their range (taken
// row by row while they are in cache, rather than in another pass). skimage sums the 2^d
// terms float32(map * ((c_x * c_y) * c_z)) in numpy.ndindex order instead: the two
// roundings differ by a few float ulps, which moves a truncation across an integer (one grey
// level, 1/16383 before the final rescale) in up to a few voxels per 100 (tests/python/
// test_preprocess_histogram.py bounds it). Corners whose c_y or c_z is 0 are skipped.
std::array<std::int32_t, 2> interpolate(std::uint16_t* levels, const std::vector<float>& maps,
                                        const Regions& g, int nbins) {
  const auto& [az, ay, ax] = g.axes;
  const std::int64_t rows = az.size * ay.size, width = ax.size;
  // 2D images whose blocks' tables are small against them (a 512² slice with the default
  // kernel: 81 x 256 entries for 262,144 voxels).
  const std::int64_t block_entries = (ay.regions + 1) * (ax.regions + 1) * nbins;
  if (az.size == 1 && block_entries <= rows * width / 2) {
    return interpolate_blocks(levels, maps, g, nbins);
  }
  // Per column: the offsets of its two regions' mappings, and the weight of the upper one.
  std::vector<std::int32_t> lower(static_cast<std::size_t>(width)), upper(lower.size());
  std::vector<float> weight(lower.size());
  for (std::int64_t x = 0; x < width; ++x) {
    lower[x] = static_cast<std::int32_t>(ax.lower[x] * nbins);
    upper[x] = static_cast<std::int32_t>(ax.upper[x] * nbins);
    weight[x] = static_cast<float>(ax.weight[x]);
  }
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kParallelGrain / width);
  // Rows between several (z, y) regions mix their mappings first, once per row, where the
  // tables are small against the row: then each voxel reads one table twice, not each
  // corner's (gathers are what the loop waits for).
  const std::int64_t row_table = ax.regions * nbins;
  const bool fold = row_table <= 4 * width;
  std::mutex merging;
  std::array<std::int32_t, 2> range{std::numeric_limits<std::int32_t>::max(), 0};
  parallel_for(0, rows, grain, [&](std::int64_t first, std::int64_t last) {
    std::int32_t part[2] = {std::numeric_limits<std::int32_t>::max(), 0};
    std::vector<float> folded(static_cast<std::size_t>(fold ? row_table : 0));
    for (std::int64_t row = first; row < last; ++row) {
      const std::int64_t z = row / ay.size, y = row % ay.size;
      Corner corners[4];
      int count = 0;
      for (int ez = 0; ez < 2; ++ez) {
        const double cz = ez ? az.weight[z] : 1 - az.weight[z];
        const std::int64_t tz = ez ? az.upper[z] : az.lower[z];
        for (int ey = 0; ey < 2; ++ey) {
          const double cy = ey ? ay.weight[y] : 1 - ay.weight[y];
          const std::int64_t ty = ey ? ay.upper[y] : ay.lower[y];
          if (cz == 0 || cy == 0) continue;
          corners[count++] = {maps.data() + (tz * ay.regions + ty) * ax.regions * nbins,
                              static_cast<float>(cy * cz)};
        }
      }
      if (fold && count > 1) {
        const auto fold_with = count == 2 ? fold_corners<2> : count == 3 ? fold_corners<3>
                                                                          : fold_corners<4>;
        fold_with(corners, row_table, folded.data());
        corners[0] = {folded.data(), 1.0f};
        count = 1;
      }
      const auto args = std::make_tuple(static_cast<const std::uint16_t*>(levels + row * width),
                                        levels + row * width, width,
                                        static_cast<const Corner*>(corners), lower.data(),
                                        upper.data(), static_cast<const float*>(weight.data()),
                                        static_cast<std::int32_t*>(part));
      switch (count) {
        case 1:
          std::apply(interpolate_row<1>, args);
          break;
        case 2:
          std::apply(interpolate_row<2>, args);
          break;
        case 3:
          std::apply(interpolate_row<3>, args);
          break;
        default:
          std::apply(interpolate_row<4>, args);
          break;
      }
    }
    const std::lock_guard<std::mutex> lock(merging);
    range = {std::min(range[0], part[0]), std::max(range[1], part[1])};
  });
  return range;
}

// rescale_intensity(result.astype(float)): the levels' [min, max] -> [0, 1] in the output
// precision ((r − min) / (max − min), both exact integers, so one rounding as numpy's), a
// constant result clipped to [0, 1].
template <typename O>
void rescale_to_unit_generic(const std::uint16_t* levels, O* y, std::int64_t n, O low, O span) {
  if (span == O(0)) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = levels[i] >= 1 ? O(1) : O(0);
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) y[i] = (static_cast<O>(levels[i]) - low) / span;
}

template <typename O>
MEDIMG_AVX2_CLONE void rescale_to_unit_avx2(const std::uint16_t* levels, O* y, std::int64_t n,
                                            O low, O span) {
  rescale_to_unit_generic(levels, y, n, low, span);
}

template <typename O>
void rescale_to_unit(const std::uint16_t* levels, O* y, std::int64_t n,
                     const std::array<std::int32_t, 2>& range) {
  const auto low = static_cast<O>(range[0]), span = static_cast<O>(range[1] - range[0]);
  detail::for_blocks(n, [=](std::int64_t first, std::int64_t last) {
    if (detail::cpu_has_avx2()) {
      return rescale_to_unit_avx2(levels + first, y + first, last - first, low, span);
    }
    rescale_to_unit_generic(levels + first, y + first, last - first, low, span);
  });
}

}  // namespace

Image clahe(const Image& image, const ClaheOptions& o) {
  const at::Tensor voxels = detail::contiguous_voxels(image, "clahe");
  MEDIMG_CHECK(std::isfinite(o.clip_limit()) && o.clip_limit() >= 0 && o.clip_limit() <= 1,
               ArgumentError, "clahe: clip_limit is a fraction in [0, 1] (0: no clipping), got ",
               o.clip_limit());
  MEDIMG_CHECK(o.nbins() >= 2 && o.nbins() <= (1 << 20), ArgumentError,
               "clahe: nbins must be in [2, ", 1 << 20, "], got ", o.nbins());
  const std::vector<std::int64_t> spatial = image.spatial_shape();
  const std::vector<std::int64_t> k = kernel_of(spatial, o.kernel_size());
  const bool is_3d = spatial.size() == 3;
  const Regions g{{AxisRegions(is_3d ? spatial[0] : 1, is_3d ? k[0] : 1),
                   AxisRegions(spatial[is_3d], k[is_3d]),
                   AxisRegions(spatial[is_3d + 1], k[is_3d + 1])}};
  MEDIMG_CHECK(g.count() * o.nbins() <= kMaxMapEntries, ArgumentError, "clahe: ", g.count(),
               " contextual regions x ", o.nbins(), " bins is too many (at most ", kMaxMapEntries,
               "); use a larger kernel_size or fewer bins");
  const std::int64_t npix = g.voxels_per_region();
  MEDIMG_CHECK(g.count() * npix <= kMaxPaddedVoxels, ArgumentError,
               "clahe: the kernel_size is far larger than the image");
  const std::int64_t clip =
      o.clip_limit() > 0 ? static_cast<std::int64_t>(std::max(o.clip_limit() * npix, 1.0)) : npix;
  const std::int64_t bin_size = 1 + sk::kGreyLevels / o.nbins();

  at::Tensor out = at::empty(
      voxels.sizes(), at::TensorOptions().dtype(detail::intensity_dtype(voxels.scalar_type())));
  const std::int64_t n = detail::channel_numel(voxels);
  // Not value-initialised: every entry is written first.
  std::unique_ptr<std::uint16_t[]> levels(new std::uint16_t[static_cast<std::size_t>(n)]);
  detail::dispatch_data(voxels, [&](const auto* x) {
    detail::dispatch_output(out, [&](auto* y) {
      for (std::int64_t c = 0; c < voxels.size(0); ++c) {
        MEDIMG_CHECK(level_bins(x + c * n, n, bin_size, levels.get()), ArgumentError,
                     "clahe: channel ", c, " has NaN or infinite voxels");
        const auto maps = region_mappings(levels.get(), g, o.nbins(), clip);
        const auto range = interpolate(levels.get(), maps, g, o.nbins());
        rescale_to_unit(levels.get(), y + c * n, n, range);
      }
    });
  });
  return image.with_tensor(out);
}

}  // namespace medimg

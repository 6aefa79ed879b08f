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
#include "detail/certified_equalize.hpp"
#include "detail/channels.hpp"
#include "detail/numpy_histogram.hpp"
#include "medimg/core/parallel.hpp"

#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg {
namespace {

using namespace detail::equalize;  // NOLINT: this file is their one user

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

#if MEDIMG_HAS_AVX2_CLONES
// equalize_floats with certified estimates (see Certified): count, keeping each voxel's
// interpolation segment (Index: the narrowest type that holds nbins − 1), then interpolate.
template <typename Index, typename T, typename SetCdf>
void equalize_certified(const T* x, T* y, std::int64_t n, const bool* mask,
                        const Certified<T>& c, const Table<T>& t, const Knots& knots,
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
  if constexpr (std::is_same_v<T, O>) {  // float32 and float64 images
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

#include "medimg/preprocess/histogram.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "medimg/core/parallel.hpp"

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

// Counts bin_of(i) over the selected voxels, in one histogram per thread chunk.
template <typename BinOf>
std::vector<std::int64_t> count_bins(std::int64_t n, std::int64_t nbins, const bool* mask,
                                     BinOf&& bin_of) {
  const std::int64_t chunks = std::max<std::int64_t>(
      1, std::min<std::int64_t>(get_num_threads(), n / detail::kParallelGrain));
  std::vector<std::vector<std::int64_t>> partial(static_cast<std::size_t>(chunks));
  parallel_for(0, chunks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t c = first; c < last; ++c) {
      // Four interleaved histograms: runs of one value (a flat background) would otherwise
      // make every increment wait for the previous one. One for wide integer ranges, whose
      // tables are large.
      const bool interleave = nbins <= (std::int64_t{1} << 16);
      std::vector<std::int64_t> four(static_cast<std::size_t>((interleave ? 4 : 1) * nbins), 0);
      const std::int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
      std::int64_t i = begin;
      if (mask == nullptr && interleave) {
        for (; i + 3 < end; i += 4) {
          ++four[bin_of(i)];
          ++four[nbins + bin_of(i + 1)];
          ++four[2 * nbins + bin_of(i + 2)];
          ++four[3 * nbins + bin_of(i + 3)];
        }
      }
      for (; i < end; ++i) {
        if (mask == nullptr || mask[i]) ++four[bin_of(i)];
      }
      auto& counts = partial[c];
      counts.assign(four.begin(), four.begin() + nbins);
      for (std::int64_t b = 0; interleave && b < nbins; ++b) {
        counts[b] += four[nbins + b] + four[2 * nbins + b] + four[3 * nbins + b];
      }
    }
  });
  std::vector<std::int64_t> total = std::move(partial[0]);
  for (std::size_t c = 1; c < partial.size(); ++c) {
    for (std::size_t b = 0; b < total.size(); ++b) total[b] += partial[c][b];
  }
  return total;
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
  const auto cdf = cdf_of(count_bins(
      n, bins, mask, [&](std::int64_t i) { return static_cast<std::int64_t>(x[i]) - low; }));
  std::vector<O> lut(cdf.begin(), cdf.end());
  const O below = lut.front(), above = lut.back();
  detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) {
      const std::int64_t b = static_cast<std::int64_t>(x[i]) - low;
      y[i] = b < 0 ? below : (b >= bins ? above : lut[b]);
    }
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

  // numpy.histogram's binning; each voxel's bin is kept for the interpolation, whose segment
  // is that bin or the one before, depending on the side of the bin's centre.
  const double norm = nbins / range;
  const Table<T> table{edges.data(), nbins, static_cast<T>(start), static_cast<T>(norm)};
  const std::unique_ptr<std::uint32_t[]> bins(new std::uint32_t[static_cast<std::size_t>(n)]);
  detail::for_blocks(n, [&](std::int64_t begin, std::int64_t end) {
    bin_values(x + begin, bins.get() + begin, end - begin, table);
  });
  const bool exact_bins = table.bins_are_exact();
  const std::uint32_t* bin = bins.get();
  const std::vector<double> cdf = cdf_of(count_bins(
      n, nbins, mask, [=](std::int64_t i) { return static_cast<std::int64_t>(bin[i]); }));
  // numpy.interp's table in float64: the bin centres and the CDF, both rounded to the image's
  // float type first (skimage casts the CDF; the centres are computed in that type).
  const T* e = edges.data();
  Knots knots(nbins);
  for (std::int64_t b = 0; b < nbins; ++b) {
    knots.x[b] = static_cast<double>(static_cast<T>((e[b] + e[b + 1]) / T(2)));
    knots.cdf[b] = static_cast<double>(static_cast<T>(cdf[b]));
  }
  bool centred = true;  // every centre inside its bin, strictly increasing
  for (std::int64_t b = 0; b < nbins; ++b) {
    centred = centred && knots.x[b] >= e[b] && knots.x[b] <= e[b + 1] &&
              (b == 0 || knots.x[b] > knots.x[b - 1]);
    if (b + 1 < nbins) {
      knots.slope[b] = (knots.cdf[b + 1] - knots.cdf[b]) / (knots.x[b + 1] - knots.x[b]);
    }
  }
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

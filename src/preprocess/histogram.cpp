#include "medimg/preprocess/histogram.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

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
        Range<T> r;
        for (std::int64_t i = first; i < last; ++i) {
          if (!detail::is_finite(x[i])) {
            r.finite = false;
          } else if (mask == nullptr || mask[i]) {
            r.min = std::min(r.min, x[i]);
            r.max = std::max(r.max, x[i]);
            ++r.count;
          }
        }
        return r;
      },
      [](const Range<T>& a, const Range<T>& b) {
        return Range<T>{std::min(a.min, b.min), std::max(a.max, b.max), a.count + b.count,
                        a.finite && b.finite};
      });
}

// Counts bin_of(i) over the selected voxels, in one histogram per thread chunk.
template <typename BinOf>
std::vector<std::int64_t> count_bins(std::int64_t n, std::int64_t bins, const bool* mask,
                                     BinOf&& bin_of) {
  const std::int64_t chunks = std::max<std::int64_t>(
      1, std::min<std::int64_t>(get_num_threads(), n / (1 << 15)));
  std::vector<std::vector<std::int64_t>> partial(static_cast<std::size_t>(chunks));
  parallel_for(0, chunks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t c = first; c < last; ++c) {
      auto& counts = partial[c];
      counts.assign(static_cast<std::size_t>(bins), 0);
      const std::int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
      for (std::int64_t i = begin; i < end; ++i) {
        if (mask == nullptr || mask[i]) ++counts[bin_of(i)];
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
  MEDIMG_CHECK(static_cast<double>(high) - static_cast<double>(low) < kMaxIntegerBins,
               Unsupported, "equalize_hist gives every integer its own bin (as skimage) and ",
               "supports at most ", kMaxIntegerBins, " of them, got the range [", low, ", ", high,
               "]; convert the image to float32 to bin it into nbins");
  const std::int64_t bins = high - low + 1;
  const auto cdf = cdf_of(count_bins(n, bins, mask, [&](std::int64_t i) {
    return static_cast<std::int64_t>(x[i]) - low;
  }));
  std::vector<O> lut(cdf.begin(), cdf.end());
  const O below = lut.front(), above = lut.back();
  detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) {
      const std::int64_t b = static_cast<std::int64_t>(x[i]) - low;
      y[i] = b < 0 ? below : (b >= bins ? above : lut[b]);
    }
  });
}

// An index guess in [0, top]; any value (even NaN or inf, from a range too narrow for the
// float type) is safe, since the caller corrects it by comparisons.
std::int64_t index_estimate(double e, std::int64_t top) {
  if (!(e >= 0)) return 0;
  return e >= static_cast<double>(top) ? top : static_cast<std::int64_t>(e);
}

// Floats: numpy.histogram's equal bins, then numpy.interp at the bin centres. T is float or
// double, and so is the arithmetic of the edges and centres (numpy's bin dtype).
template <typename T, typename O>
void equalize_floats(const T* x, O* y, std::int64_t n, const bool* mask, const Range<T>& r,
                     std::int64_t nbins) {
  T first = r.min, last = r.max;
  if (first == last) {  // numpy widens an empty range, in the array's dtype
    first = first - T(0.5);
    last = last + T(0.5);
  }
  // np.linspace computes in float64 and rounds to the bin dtype; the last edge is `last`.
  std::vector<T> edges(static_cast<std::size_t>(nbins + 1));
  const double start = first, step = (static_cast<double>(last) - start) / nbins;
  for (std::int64_t b = 0; b < nbins; ++b) edges[b] = static_cast<T>(b * step + start);
  edges[nbins] = last;

  // The bin of v: half-open [edges[b], edges[b + 1]), the last one closed, decided by the
  // rounded edges themselves (numpy's correction step) after a float64 estimate.
  const double scale = nbins / (static_cast<double>(last) - start);
  auto bin_of = [&](std::int64_t i) {
    const T v = x[i];
    auto b = index_estimate((static_cast<double>(v) - start) * scale, nbins - 1);
    while (b > 0 && v < edges[b]) --b;
    while (b < nbins - 1 && v >= edges[b + 1]) ++b;
    return b;
  };
  std::vector<double> cdf = cdf_of(count_bins(n, nbins, mask, bin_of));
  // skimage rounds the CDF to the image's float type; numpy.interp then works in float64.
  std::vector<double> xp(static_cast<std::size_t>(nbins)), slope(static_cast<std::size_t>(nbins));
  for (std::int64_t b = 0; b < nbins; ++b) {
    cdf[b] = static_cast<double>(static_cast<T>(cdf[b]));
    xp[b] = static_cast<double>(static_cast<T>((edges[b] + edges[b + 1]) / T(2)));
  }
  for (std::int64_t b = 0; b + 1 < nbins; ++b) {
    slope[b] = (cdf[b + 1] - cdf[b]) / (xp[b + 1] - xp[b]);
  }
  const double x0 = xp.front(), x_last = xp.back(), per_bin = (nbins - 1) / (x_last - x0);
  detail::for_blocks(n, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const auto v = static_cast<double>(x[i]);
      double out;
      if (v < x0) {
        out = cdf.front();
      } else if (v >= x_last) {
        out = cdf.back();
      } else {
        // numpy.interp: the last j with xp[j] <= v, estimated then corrected.
        auto j = index_estimate((v - x0) * per_bin, nbins - 2);
        while (j > 0 && xp[j] > v) --j;
        while (j < nbins - 2 && xp[j + 1] <= v) ++j;
        if (xp[j] == v) {
          out = cdf[j];
        } else {
          out = slope[j] * (v - xp[j]) + cdf[j];
          if (std::isnan(out)) {  // numpy's fallbacks for coinciding centres
            out = slope[j] * (v - xp[j + 1]) + cdf[j + 1];
            if (std::isnan(out) && cdf[j] == cdf[j + 1]) out = cdf[j];
          }
        }
      }
      y[i] = static_cast<O>(out);
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
        MEDIMG_CHECK(r.count > 0, ArgumentError, "equalize_hist: the mask selects no voxel in "
                     "channel ", c);
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

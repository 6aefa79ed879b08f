// scikit-image's CLAHE (equalize_adapthist), reproduced step by step; see
// detail/skimage_clahe.hpp for the building blocks and docs/preprocess_intensity.md.
#include "medimg/preprocess/clahe.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <vector>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "detail/skimage_clahe.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

namespace sk = detail::skimage;

constexpr std::int64_t kMaxKernel = std::int64_t{1} << 16;
constexpr std::int64_t kMaxMapEntries = std::int64_t{1} << 25;  // regions x nbins (doubles)
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
    std::vector<std::uint16_t> lut(static_cast<std::size_t>(high - low + 1));
    sk::grey_level_bins(low, high, bin_size, lut.data());
    // Two loops: the conversion vectorises, the table lookup (a gather) does not.
    detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) {
        bins[i] = static_cast<std::uint16_t>(to_uint16(x[i]) - low);
      }
      for (std::int64_t i = first; i < last; ++i) bins[i] = lut[bins[i]];
    });
  });
  return true;
}

// The grey-level mapping of every region: histogram, clip_histogram, map_histogram.
std::vector<double> region_mappings(const std::uint16_t* bins, const Regions& g, int nbins,
                                    std::int64_t clip_limit) {
  const auto& [az, ay, ax] = g.axes;
  const std::int64_t width = ax.size, height = ay.size;
  std::vector<double> maps(static_cast<std::size_t>(g.count() * nbins));
  // Regions in parallel once they hold enough voxels together (detail::kParallelGrain).
  const std::int64_t grain =
      std::max<std::int64_t>(1, detail::kParallelGrain / g.voxels_per_region());
  parallel_for(0, g.count(), grain, [&](std::int64_t first, std::int64_t last) {
    std::vector<std::int64_t> hist;
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t tz = t / (ay.regions * ax.regions);
      const std::int64_t ty = t / ax.regions % ay.regions, tx = t % ax.regions;
      // Two interleaved histograms: runs of equal levels (flat backgrounds) would otherwise
      // make every increment wait for the previous one.
      hist.assign(static_cast<std::size_t>(2 * nbins), 0);
      std::int64_t* even = hist.data();
      std::int64_t* odd = hist.data() + nbins;
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
            for (; dx + 1 < ax.kernel; dx += 2) {
              ++even[run[dx]];
              ++odd[run[dx + 1]];
            }
          }
          for (; dx < ax.kernel; ++dx) ++even[row[xs[dx]]];
        }
      }
      for (int b = 0; b < nbins; ++b) even[b] += odd[b];
      hist.resize(static_cast<std::size_t>(nbins));
      sk::clip_histogram(hist, clip_limit);
      sk::map_histogram(hist, g.voxels_per_region(), maps.data() + t * nbins);
    }
  });
  return maps;
}

// A (z, y) corner of the interpolation: the mappings of region (tz, ty, 0) and its factors.
struct Corner {
  const double* maps;
  double cy, cz;
};

// One row of the interpolation with K corners, in place over the row's levels. Fixed-size
// loops without branches, so that it vectorises (with gathers under AVX2). A zero c_x adds
// float(m * 0.0) = +0.0f, which changes nothing: no test for it.
template <int K>
void interpolate_row_generic(std::uint16_t* line, std::int64_t width, const Corner* corners,
                             const std::int64_t* lower, const std::int64_t* upper,
                             const double* weight, std::int64_t nbins) {
  Corner c[K];
  for (int k = 0; k < K; ++k) c[k] = corners[k];
  for (std::int64_t x = 0; x < width; ++x) {
    const std::int64_t level = line[x];
    const double cx0 = 1 - weight[x], cx1 = weight[x];
    const std::int64_t t0 = lower[x] * nbins + level, t1 = upper[x] * nbins + level;
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) {
      sum += static_cast<float>(c[k].maps[t0] * ((cx0 * c[k].cy) * c[k].cz));
      sum += static_cast<float>(c[k].maps[t1] * ((cx1 * c[k].cy) * c[k].cz));
    }
    line[x] = static_cast<std::uint16_t>(static_cast<std::int32_t>(sum));  // truncates
  }
}

template <int K>
MEDIMG_AVX2_CLONE void interpolate_row_avx2(std::uint16_t* line, std::int64_t width,
                                            const Corner* corners, const std::int64_t* lower,
                                            const std::int64_t* upper, const double* weight,
                                            std::int64_t nbins) {
  interpolate_row_generic<K>(line, width, corners, lower, upper, weight, nbins);
}

template <int K>
void interpolate_row(std::uint16_t* line, std::int64_t width, const Corner* corners,
                     const std::int64_t* lower, const std::int64_t* upper, const double* weight,
                     std::int64_t nbins) {
  if (detail::cpu_has_avx2()) {
    return interpolate_row_avx2<K>(line, width, corners, lower, upper, weight, nbins);
  }
  interpolate_row_generic<K>(line, width, corners, lower, upper, weight, nbins);
}

// Multilinear interpolation between the mappings of the 2^3 neighbouring regions, summed in
// float32 in numpy.ndindex order with coefficients (c_x * c_y) * c_z, then truncated to
// uint16 ("result.astype(dtype)"), in place over `levels`. Corners whose c_y or c_z is 0 are
// skipped: their terms are +0.0f, and adding those changes nothing. Returns the range of the
// result (taken row by row while it is in cache, rather than in another pass).
std::array<std::int64_t, 2> interpolate(std::uint16_t* levels, const std::vector<double>& maps,
                                        const Regions& g, int nbins) {
  const auto& [az, ay, ax] = g.axes;
  const std::int64_t rows = az.size * ay.size, width = ax.size;
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kParallelGrain / width);
  std::mutex merging;
  std::array<std::int64_t, 2> range{std::numeric_limits<std::uint16_t>::max(), 0};
  parallel_for(0, rows, grain, [&](std::int64_t first, std::int64_t last) {
    std::uint16_t low = std::numeric_limits<std::uint16_t>::max(), high = 0;
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
          corners[count++] = {maps.data() + (tz * ay.regions + ty) * ax.regions * nbins, cy, cz};
        }
      }
      std::uint16_t* line = levels + row * width;
      const auto args = std::make_tuple(line, width, corners, ax.lower.data(), ax.upper.data(),
                                        ax.weight.data(), std::int64_t{nbins});
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
      for (std::int64_t x = 0; x < width; ++x) {
        low = std::min(low, line[x]);
        high = std::max(high, line[x]);
      }
    }
    const std::lock_guard<std::mutex> lock(merging);
    range = {std::min<std::int64_t>(range[0], low), std::max<std::int64_t>(range[1], high)};
  });
  return range;
}

// rescale_intensity(result.astype(float)): [min, max] -> [0, 1] in the output precision, a
// constant result clipped to [0, 1].
template <typename O>
void rescale_to_unit(const std::uint16_t* levels, O* y, std::int64_t n,
                     const std::array<std::int64_t, 2>& range) {
  const auto [low, high] = range;
  std::vector<O> lut(static_cast<std::size_t>(high - low + 1));
  for (std::int64_t v = low; v <= high; ++v) {
    lut[v - low] =
        low == high
            ? O(v >= 1 ? 1 : 0)
            : static_cast<O>(static_cast<double>(v - low) / static_cast<double>(high - low));
  }
  const O* table = lut.data();
  detail::for_blocks(n, [=](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) y[i] = table[levels[i] - low];
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
  std::vector<std::uint16_t> levels(static_cast<std::size_t>(n));
  detail::dispatch_data(voxels, [&](const auto* x) {
    detail::dispatch_output(out, [&](auto* y) {
      for (std::int64_t c = 0; c < voxels.size(0); ++c) {
        MEDIMG_CHECK(level_bins(x + c * n, n, bin_size, levels.data()), ArgumentError,
                     "clahe: channel ", c, " has NaN or infinite voxels");
        const auto maps = region_mappings(levels.data(), g, o.nbins(), clip);
        const auto range = interpolate(levels.data(), maps, g, o.nbins());
        rescale_to_unit(levels.data(), y + c * n, n, range);
      }
    });
  });
  return image.with_tensor(out);
}

}  // namespace medimg

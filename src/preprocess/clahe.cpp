// scikit-image's CLAHE (equalize_adapthist), step by step: bins (detail/clahe_bins.hpp),
// region histograms and mappings (here), interpolation (clahe_interpolation.cpp), rescale
// (here). detail/skimage_clahe.hpp quotes skimage's expressions; docs/preprocess_intensity.md.
#include "medimg/preprocess/clahe.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "detail/clahe_bins.hpp"
#include "detail/clahe_interpolation.hpp"
#include "detail/clahe_regions.hpp"
#include "detail/skimage_clahe.hpp"
#include "detail/unit_rescale.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

namespace sk = detail::skimage;
using detail::clahe_parts::AxisRegions;
using detail::clahe_parts::interpolate;
using detail::clahe_parts::level_bins;
using detail::clahe_parts::Regions;
using detail::clahe_parts::rescale_levels_generic;
#if MEDIMG_HAS_AVX2_CLONES
using detail::clahe_parts::rescale_levels_fma;
#endif

constexpr std::int64_t kMaxKernel = std::int64_t{1} << 16;
constexpr std::int64_t kMaxMapEntries = std::int64_t{1} << 25;  // regions x nbins (floats)
constexpr std::int64_t kMaxPaddedVoxels = std::int64_t{1} << 33;

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

// clip_histogram then map_histogram, compiled for AVX2 where the CPU has it (their passes
// over the bins vectorise there).
template <typename Count>
void clip_and_map_generic(std::vector<Count>& hist, Count clip_limit, std::int64_t n_pixels,
                          float* out) {
  sk::clip_histogram(hist, clip_limit);
  sk::map_histogram(hist, n_pixels, out);
}

template <typename Count>
MEDIMG_AVX2_CLONE void clip_and_map_avx2(std::vector<Count>& hist, Count clip_limit,
                                         std::int64_t n_pixels, float* out) {
  clip_and_map_generic(hist, clip_limit, n_pixels, out);
}

template <typename Count>
void clip_and_map(std::vector<Count>& hist, Count clip_limit, std::int64_t n_pixels,
                  float* out) {
  if (detail::cpu_has_avx2()) return clip_and_map_avx2(hist, clip_limit, n_pixels, out);
  clip_and_map_generic(hist, clip_limit, n_pixels, out);
}

// Counts the bins of run[0 .. n / 8 * 8) into four histograms, eight at a time; returns the
// number counted. Not inlined: in its own function the loop keeps its values in registers.
template <typename Count>
[[gnu::noinline]] std::int64_t count_eights(const std::uint16_t* run, std::int64_t n,
                                            Count* const* copies) {
  Count* const copy[4] = {copies[0], copies[1], copies[2], copies[3]};
  std::int64_t dx = 0;
  for (; dx + 7 < n; dx += 8) {
    // Two 64-bit loads and shifts rather than eight 16-bit loads: the histogram increments
    // already keep the load and store ports busy.
    std::uint64_t low, high;
    std::memcpy(&low, run + dx, 8);
    std::memcpy(&high, run + dx + 4, 8);
    if (low == high && low == (low & 0xFFFF) * 0x0001000100010001ull) {
      copy[0][low & 0xFFFF] += 8;  // a flat background: eight at once
      continue;
    }
    for (int j = 0; j < 4; ++j) {
      ++copy[j][(low >> (16 * j)) & 0xFFFF];
      ++copy[j][(high >> (16 * j)) & 0xFFFF];
    }
  }
  return dx;
}

// copy[0][b] += copy[1][b] + copy[2][b] + copy[3][b] for every bin (the four do not overlap;
// through restrict pointers the loop vectorises).
template <typename Count>
void sum_copies(Count* const* copy, int nbins) {
  Count* __restrict total = copy[0];
  const Count* __restrict one = copy[1];
  const Count* __restrict two = copy[2];
  const Count* __restrict three = copy[3];
  for (int b = 0; b < nbins; ++b) total[b] += one[b] + two[b] + three[b];
}

// The grey-level mapping of every region: histogram, clip_histogram, map_histogram, with
// counts of type Count (which holds a region's voxel count).
template <typename Count>
std::vector<float> region_mappings(const std::uint16_t* bins, const Regions& g, int nbins,
                                   Count clip_limit) {
  const auto& [az, ay, ax] = g.axes;
  const std::int64_t width = ax.size, height = ay.size;
  std::vector<float> maps(static_cast<std::size_t>(g.count() * nbins));
  // Regions in parallel once they hold enough voxels together (detail::kParallelGrain).
  const std::int64_t grain =
      std::max<std::int64_t>(1, detail::kParallelGrain / g.voxels_per_region());
  parallel_for(0, g.count(), grain, [&](std::int64_t first, std::int64_t last) {
    std::vector<Count> hist;
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t tz = t / (ay.regions * ax.regions);
      const std::int64_t ty = t / ax.regions % ay.regions, tx = t % ax.regions;
      // Four interleaved histograms: repeated levels (flat backgrounds) would otherwise make
      // every increment wait for the previous one.
      hist.assign(static_cast<std::size_t>(4 * nbins), 0);
      Count* copy[4] = {hist.data(), hist.data() + nbins, hist.data() + 2 * nbins,
                        hist.data() + 3 * nbins};
      const std::int64_t* zs = az.region(tz);
      const std::int64_t* ys = ay.region(ty);
      const std::int64_t* xs = ax.region(tx);
      // Locals: the increments could otherwise alias the regions' fields.
      const std::int64_t kx = ax.kernel, ky = ay.kernel, kz = az.kernel;
      // Regions that end inside the image read their rows directly; the last one may reach
      // into the reflected padding.
      const bool inside = (tx + 1) * kx <= width;
      for (std::int64_t dz = 0; dz < kz; ++dz) {
        for (std::int64_t dy = 0; dy < ky; ++dy) {
          const std::uint16_t* row = bins + (zs[dz] * height + ys[dy]) * width;
          std::int64_t dx = 0;
          if (inside) dx = count_eights(row + tx * kx, kx, copy);
          for (; dx < kx; ++dx) ++copy[0][row[xs[dx]]];
        }
      }
      sum_copies(copy, nbins);
      hist.resize(static_cast<std::size_t>(nbins));
      clip_and_map(hist, clip_limit, g.voxels_per_region(), maps.data() + t * nbins);
    }
  });
  return maps;
}

// rescale_levels (detail/unit_rescale.hpp) over the channel, in parallel blocks: without a
// division where the CPU has FMA (every AVX2 CPU but a few early VIA ones).
template <typename O>
void rescale_to_unit(const std::uint16_t* levels, O* y, std::int64_t n,
                     const std::array<std::int32_t, 2>& range) {
  const std::int32_t low = range[0], span = range[1] - range[0];
  detail::for_blocks(n, [=](std::int64_t first, std::int64_t last) {
#if MEDIMG_HAS_AVX2_CLONES
    if (span > 0 && detail::cpu_has_fma()) {
      return rescale_levels_fma(levels + first, y + first, last - first, low, span);
    }
#endif
    rescale_levels_generic(levels + first, y + first, last - first, low, span);
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
        // int32 counts where a region's voxels fit them (eight bins to an AVX2 register).
        const auto maps =
            npix <= std::numeric_limits<std::int32_t>::max()
                ? region_mappings(levels.get(), g, o.nbins(), static_cast<std::int32_t>(clip))
                : region_mappings(levels.get(), g, o.nbins(), clip);
        const auto range = interpolate(levels.get(), maps, g, o.nbins());
        rescale_to_unit(levels.get(), y + c * n, n, range);
      }
    });
  });
  return image.with_tensor(out);
}

}  // namespace medimg

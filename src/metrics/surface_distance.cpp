#include "medimg/metrics/surface_distance.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "detail/foreground_box.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/metrics/detail/mask_checks.hpp"
#include "medimg/metrics/detail/squared_edt.hpp"

namespace medimg {
namespace {

using Index3 = std::array<std::int64_t, 3>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A box [lo, hi) of voxels.
struct Box {
  Index3 lo{}, hi{};
  std::int64_t size(int axis) const { return hi[axis] - lo[axis]; }
  std::int64_t numel() const { return size(0) * size(1) * size(2); }
  bool empty() const { return numel() <= 0; }
};

// The bounding box of the voxels set in either mask, grown by one voxel (so that it holds
// the background face-neighbours of every surface voxel) and clipped to the image.
Box union_bounding_box(const ImageView<const std::uint8_t, 3>& a,
                       const ImageView<const std::uint8_t, 3>& b) {
  const detail::VoxelBox found = detail::foreground_box(a, b);
  if (found.empty()) return Box{};  // both masks empty
  Box box;
  for (int k = 0; k < 3; ++k) {
    box.lo[k] = std::max<std::int64_t>(0, found.lo[k] - 1);
    box.hi[k] = std::min(a.size(k), found.hi[k] + 1);
  }
  return box;
}

// 1 for the surface voxels of `mask` inside `box` (C order of the box), else 0. Axes of a
// 2D mask seen as one slice (dims == 2) have no neighbours along axis 0.
std::vector<std::uint8_t> surface_in_box(const ImageView<const std::uint8_t, 3>& mask, int dims,
                                         const Box& box) {
  std::vector<std::uint8_t> surface(static_cast<std::size_t>(box.numel()), 0);
  const int first_axis = dims == 3 ? 0 : 1;
  const std::int64_t rows = box.size(0) * box.size(1);
  parallel_for(0, rows, 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t z = box.lo[0] + r / box.size(1), y = box.lo[1] + r % box.size(1);
      for (std::int64_t x = box.lo[2]; x < box.hi[2]; ++x) {
        if (!mask(z, y, x)) continue;
        const Index3 at{z, y, x};
        bool border = false;
        for (int k = first_axis; k < 3 && !border; ++k) {
          for (int step : {-1, 1}) {
            Index3 n = at;
            n[k] += step;
            if (n[k] < 0 || n[k] >= mask.size(k) || !mask[n]) {
              border = true;
              break;
            }
          }
        }
        surface[static_cast<std::size_t>(r * box.size(2) + (x - box.lo[2]))] = border;
      }
    }
  });
  return surface;
}

// Offsets along axis 0 from every voxel of `box` to the nearest voxel set in `to` in its
// column (same y, x), as voxel counts; `kNone` for columns without one. Two sweeps per
// column, run slice by slice so that each row is read contiguously.
template <typename Offset>
std::vector<Offset> axis0_offsets(const std::vector<std::uint8_t>& to, const Box& box) {
  constexpr Offset kNone = std::numeric_limits<Offset>::max();
  const std::int64_t depth = box.size(0), rows = box.size(1), width = box.size(2);
  std::vector<Offset> offsets(to.size());
  parallel_for(0, rows, 1, [&](std::int64_t first, std::int64_t last) {
    std::vector<std::int64_t> nearest(static_cast<std::size_t>(width));
    for (std::int64_t y = first; y < last; ++y) {
      const auto at = [&](std::int64_t z, std::int64_t x) {
        return static_cast<std::size_t>((z * rows + y) * width + x);
      };
      std::fill(nearest.begin(), nearest.end(), -1);  // the last feature above, if any
      for (std::int64_t z = 0; z < depth; ++z) {
        for (std::int64_t x = 0; x < width; ++x) {
          if (to[at(z, x)]) nearest[x] = z;
          offsets[at(z, x)] = nearest[x] < 0 ? kNone : static_cast<Offset>(z - nearest[x]);
        }
      }
      std::fill(nearest.begin(), nearest.end(), -1);  // the next feature below, if any
      for (std::int64_t z = depth - 1; z >= 0; --z) {
        for (std::int64_t x = 0; x < width; ++x) {
          if (to[at(z, x)]) nearest[x] = z;
          if (nearest[x] >= 0) {
            Offset& o = offsets[at(z, x)];
            o = std::min(o, static_cast<Offset>(nearest[x] - z));
          }
        }
      }
    }
  });
  return offsets;
}

// Distances (mm) from every voxel set in `from` to the nearest voxel set in `to`, C order.
// The exact squared distance transform is separable: after its pass along axis 0, whose
// result is (offset * spacing0)^2 and is kept as integer offsets, the passes along axes 1
// and 2 stay within one slice. So the float64 field is only ever one slice per thread, and
// every value is computed by the same operations, in the same order, as over the whole box.
template <typename Offset>
std::vector<double> directed_distances(const std::vector<std::uint8_t>& from,
                                       const std::vector<std::uint8_t>& to, const Box& box,
                                       const std::array<double, 3>& spacing) {
  constexpr Offset kNone = std::numeric_limits<Offset>::max();
  const std::vector<Offset> offsets = axis0_offsets<Offset>(to, box);
  const std::int64_t depth = box.size(0), plane = box.size(1) * box.size(2);
  // Where each slice's distances start in the output.
  std::vector<std::size_t> start(static_cast<std::size_t>(depth) + 1, 0);
  for (std::int64_t z = 0; z < depth; ++z) {
    const auto first = from.begin() + z * plane;
    start[z + 1] = start[z] + static_cast<std::size_t>(std::count(first, first + plane, 1));
  }
  std::vector<double> distances(start.back());
  parallel_for(0, depth, 1, [&](std::int64_t first, std::int64_t last) {
    std::vector<double> slice(static_cast<std::size_t>(plane));
    for (std::int64_t z = first; z < last; ++z) {
      const std::size_t base = static_cast<std::size_t>(z * plane);
      if (start[z + 1] == start[z]) continue;  // nothing to measure from in this slice
      for (std::int64_t i = 0; i < plane; ++i) {
        const Offset o = offsets[base + i];
        const double d = static_cast<double>(o) * spacing[0];
        slice[i] = o == kNone ? detail::kInfinity : d * d;
      }
      // A single slice: squared_edt_ skips axis 0 and runs the passes along axes 1 and 2.
      detail::squared_edt_(ImageView<double, 3>(slice.data(), {1, box.size(1), box.size(2)}),
                           spacing);
      std::size_t out = start[z];
      for (std::int64_t i = 0; i < plane; ++i) {
        if (from[base + i]) distances[out++] = std::sqrt(slice[i]);
      }
    }
  });
  return distances;
}

// The narrowest offset type that holds every offset along axis 0 and the kNone mark.
std::vector<double> directed_distances(const std::vector<std::uint8_t>& from,
                                       const std::vector<std::uint8_t>& to, const Box& box,
                                       const std::array<double, 3>& spacing) {
  if (box.size(0) < std::numeric_limits<std::uint16_t>::max()) {
    return directed_distances<std::uint16_t>(from, to, box, spacing);
  }
  MEDIMG_CHECK(box.size(0) < std::numeric_limits<std::uint32_t>::max(), Unsupported,
               "masks with ", box.size(0), " slices along axis 0 are too deep");
  return directed_distances<std::uint32_t>(from, to, box, spacing);
}

// numpy.percentile's default (linear) rule; `values` is reordered.
double percentile_of(std::vector<double>& values, double q) {
  const double position = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(below),
                   values.end());
  const double low = values[below];
  if (below + 1 >= values.size()) return low;
  const double high = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(below) + 1,
                                        values.end());
  return low + (high - low) * (position - static_cast<double>(below));
}

double mean_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// NaN when both sets are empty (both masks empty), +inf when exactly one is; else nullopt.
std::optional<double> empty_case(const SurfaceDistances& d) {
  if (d.pred_to_ref.empty() && d.ref_to_pred.empty()) return kNaN;
  if (d.pred_to_ref.empty() || d.ref_to_pred.empty()) return detail::kInfinity;
  return std::nullopt;
}

}  // namespace

SurfaceDistances surface_distances(const at::Tensor& pred, const at::Tensor& ref,
                                   const std::vector<double>& spacing) {
  detail::check_same_shape(pred, ref, "pred", "ref");
  const auto p = detail::binary_mask_grid(pred, spacing, "pred");
  const auto r = detail::binary_mask_grid(ref, spacing, "ref");
  const auto as_volume = [](const detail::MaskGrid& g) {
    return view<const std::uint8_t, 3>(g.dims == 3 ? g.mask : g.mask.unsqueeze(0));
  };
  const auto pv = as_volume(p), rv = as_volume(r);
  const Box box = union_bounding_box(pv, rv);
  if (box.empty()) return {};
  const auto pred_surface = surface_in_box(pv, p.dims, box);
  const auto ref_surface = surface_in_box(rv, r.dims, box);
  return {directed_distances(pred_surface, ref_surface, box, p.spacing),
          directed_distances(ref_surface, pred_surface, box, p.spacing)};
}

double hausdorff(const SurfaceDistances& d, std::optional<double> percentile) {
  if (percentile) {
    MEDIMG_CHECK(*percentile >= 0 && *percentile <= 100, ArgumentError,
                 "percentile must lie in [0, 100], got ", *percentile);
  }
  if (auto special = empty_case(d)) return *special;
  if (!percentile) {
    return std::max(*std::max_element(d.pred_to_ref.begin(), d.pred_to_ref.end()),
                    *std::max_element(d.ref_to_pred.begin(), d.ref_to_pred.end()));
  }
  std::vector<double> pooled = d.pred_to_ref;
  pooled.insert(pooled.end(), d.ref_to_pred.begin(), d.ref_to_pred.end());
  return percentile_of(pooled, *percentile);
}

double assd(const SurfaceDistances& d) {
  if (auto special = empty_case(d)) return *special;
  return (mean_of(d.pred_to_ref) + mean_of(d.ref_to_pred)) / 2;
}

double masd(const SurfaceDistances& d) {
  if (auto special = empty_case(d)) return *special;
  const double total = std::accumulate(d.pred_to_ref.begin(), d.pred_to_ref.end(), 0.0) +
                       std::accumulate(d.ref_to_pred.begin(), d.ref_to_pred.end(), 0.0);
  return total / static_cast<double>(d.pred_to_ref.size() + d.ref_to_pred.size());
}

double surface_dice(const SurfaceDistances& d, double tolerance_mm) {
  MEDIMG_CHECK(tolerance_mm >= 0, ArgumentError, "tolerance_mm must be >= 0, got ",
               tolerance_mm);
  if (d.pred_to_ref.empty() && d.ref_to_pred.empty()) return kNaN;
  const auto within = [tolerance_mm](const std::vector<double>& v) {
    return std::count_if(v.begin(), v.end(), [&](double x) { return x <= tolerance_mm; });
  };
  return static_cast<double>(within(d.pred_to_ref) + within(d.ref_to_pred)) /
         static_cast<double>(d.pred_to_ref.size() + d.ref_to_pred.size());
}

}  // namespace medimg

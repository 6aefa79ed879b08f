#include "medimg/metrics/surface_distance.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

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

// Distances (mm) from every voxel set in `from` to the nearest voxel set in `to`.
std::vector<double> directed_distances(const std::vector<std::uint8_t>& from,
                                       const std::vector<std::uint8_t>& to, const Box& box,
                                       const std::array<double, 3>& spacing) {
  std::vector<double> field(to.size());
  for (std::size_t i = 0; i < to.size(); ++i) field[i] = to[i] ? 0.0 : detail::kInfinity;
  detail::squared_edt_(ImageView<double, 3>(field.data(), {box.size(0), box.size(1), box.size(2)}),
                       spacing);
  std::vector<double> distances;
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (from[i]) distances.push_back(std::sqrt(field[i]));
  }
  return distances;
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

#include "medimg/metrics/surfel_distance.hpp"

#include <ATen/ops/constant_pad_nd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>

#include "detail/foreground_box.hpp"
#include "detail/surfel_tables.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/metrics/detail/mask_checks.hpp"
#include "medimg/metrics/detail/squared_edt.hpp"

namespace medimg {
namespace {

using Index3 = std::array<std::int64_t, 3>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The neighbour code of every cube (every square when dims == 2) between the voxel centres of
// `padded`: bit 4a + 2b + c (2a + b) set when the corner at offset (a, b, c) is foreground.
std::vector<std::uint8_t> neighbour_codes(const ImageView<const std::uint8_t, 3>& padded,
                                          int dims, const Index3& grid) {
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(grid[0] * grid[1] * grid[2]));
  parallel_for(0, grid[0] * grid[1], 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t z = r / grid[1], y = r % grid[1];
      std::uint8_t* out = &codes[static_cast<std::size_t>(r * grid[2])];
      const std::uint8_t* v00 = &padded(z, y, 0);
      const std::uint8_t* v01 = &padded(z, y + 1, 0);
      if (dims == 2) {
        for (std::int64_t x = 0; x < grid[2]; ++x) {
          out[x] = static_cast<std::uint8_t>(v00[x] | v00[x + 1] << 1 | v01[x] << 2 |
                                             v01[x + 1] << 3);
        }
        continue;
      }
      const std::uint8_t* v10 = &padded(z + 1, y, 0);
      const std::uint8_t* v11 = &padded(z + 1, y + 1, 0);
      for (std::int64_t x = 0; x < grid[2]; ++x) {
        out[x] = static_cast<std::uint8_t>(v00[x] | v00[x + 1] << 1 | v01[x] << 2 |
                                           v01[x + 1] << 3 | v10[x] << 4 | v10[x + 1] << 5 |
                                           v11[x] << 6 | v11[x + 1] << 7);
      }
    }
  });
  return codes;
}

// The cubes of a grid and what makes one a surfel.
struct CodeGrid {
  Index3 shape{};
  std::array<double, 3> spacing{};
  std::uint8_t full = 0;              // all corners foreground: inside, not a surfel
  std::array<double, 256> sizes{};    // surfel size per code
  bool is_surfel(std::uint8_t code) const { return code != 0 && code != full; }
};

// Appends, for every surfel of `from` in C order, its distance to the nearest surfel of `to`
// and its size. `field` is scratch space of the grid's size.
void measure_surfels(const std::vector<std::uint8_t>& from, const std::vector<std::uint8_t>& to,
                     const CodeGrid& grid, std::vector<double>& field,
                     std::vector<double>& distances, std::vector<double>& areas) {
  const auto n = static_cast<std::int64_t>(from.size());
  parallel_for(0, n, 1 << 16, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) {
      field[i] = grid.is_surfel(to[i]) ? 0.0 : detail::kInfinity;
    }
  });
  detail::squared_edt_(ImageView<double, 3>(field.data(), grid.shape), grid.spacing);
  for (std::int64_t i = 0; i < n; ++i) {
    if (!grid.is_surfel(from[i])) continue;
    distances.push_back(std::sqrt(field[i]));
    areas.push_back(grid.sizes[from[i]]);
  }
}

double sum_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0);
}

// Sum of the areas whose distance is at most `tolerance_mm`.
double area_within(const std::vector<double>& distances, const std::vector<double>& areas,
                   double tolerance_mm) {
  double sum = 0;
  for (std::size_t i = 0; i < distances.size(); ++i) {
    if (distances[i] <= tolerance_mm) sum += areas[i];
  }
  return sum;
}

double weighted_distance_sum(const std::vector<double>& distances,
                             const std::vector<double>& areas) {
  return std::inner_product(distances.begin(), distances.end(), areas.begin(), 0.0);
}

// DeepMind's robust Hausdorff in one direction: sort the surfels by (distance, area); the
// first whose cumulative area fraction reaches q / 100, else the last. +inf when empty.
double area_percentile(const std::vector<double>& distances, const std::vector<double>& areas,
                       double q) {
  if (distances.empty()) return detail::kInfinity;
  std::vector<std::pair<double, double>> sorted(distances.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) sorted[i] = {distances[i], areas[i]};
  std::sort(sorted.begin(), sorted.end());
  double total = 0;
  for (const auto& s : sorted) total += s.second;
  double cumulative = 0;
  for (const auto& s : sorted) {
    cumulative += s.second;
    if (cumulative / total >= q / 100.0) return s.first;
  }
  return sorted.back().first;
}

// NaN when both masks are empty, +inf when exactly one is; else nullopt.
std::optional<double> empty_case(const SurfelDistances& d) {
  if (d.pred_to_ref.empty() && d.ref_to_pred.empty()) return kNaN;
  if (d.pred_to_ref.empty() || d.ref_to_pred.empty()) return detail::kInfinity;
  return std::nullopt;
}

void check_tolerance(double tolerance_mm) {
  MEDIMG_CHECK(tolerance_mm >= 0, ArgumentError, "tolerance_mm must be >= 0, got ",
               tolerance_mm);
}

}  // namespace

SurfelDistances surfel_distances(const at::Tensor& pred, const at::Tensor& ref,
                                 const std::vector<double>& spacing) {
  detail::check_same_shape(pred, ref, "pred", "ref");
  const auto p = detail::binary_mask_grid(pred, spacing, "pred");
  const auto r = detail::binary_mask_grid(ref, spacing, "ref");
  const auto as_volume = [](const detail::MaskGrid& g) {
    return g.dims == 3 ? g.mask : g.mask.unsqueeze(0);
  };
  const at::Tensor pv = as_volume(p), rv = as_volume(r);
  const detail::VoxelBox box = detail::foreground_box(view<const std::uint8_t, 3>(pv),
                                                      view<const std::uint8_t, 3>(rv));
  if (box.empty()) return {};

  // The box with one background voxel on each side (2D: not along the added axis 0), so that
  // the cubes reach one voxel beyond the foreground: one cube per pair of neighbours.
  const Index3 lo = box.lo, hi = box.hi;
  const std::vector<std::int64_t> pad =
      p.dims == 3 ? std::vector<std::int64_t>{1, 1, 1, 1, 1, 1}
                  : std::vector<std::int64_t>{1, 1, 1, 1};
  const auto padded_box = [&](const at::Tensor& v) {
    return at::constant_pad_nd(
        v.slice(0, lo[0], hi[0]).slice(1, lo[1], hi[1]).slice(2, lo[2], hi[2]), pad, 0);
  };
  const at::Tensor pp = padded_box(pv), rp = padded_box(rv);

  CodeGrid grid;
  grid.shape = {p.dims == 3 ? pp.size(0) - 1 : 1, pp.size(1) - 1, pp.size(2) - 1};
  grid.spacing = p.spacing;
  if (p.dims == 3) {
    grid.full = 255;
    grid.sizes = detail::surfel_areas_3d(p.spacing);
  } else {
    grid.full = 15;
    const auto lengths = detail::contour_lengths_2d(p.spacing[1], p.spacing[2]);
    std::copy(lengths.begin(), lengths.end(), grid.sizes.begin());
  }
  const auto pred_codes = neighbour_codes(view<const std::uint8_t, 3>(pp), p.dims, grid.shape);
  const auto ref_codes = neighbour_codes(view<const std::uint8_t, 3>(rp), p.dims, grid.shape);

  SurfelDistances d;
  std::vector<double> field(pred_codes.size());
  measure_surfels(pred_codes, ref_codes, grid, field, d.pred_to_ref, d.pred_areas);
  measure_surfels(ref_codes, pred_codes, grid, field, d.ref_to_pred, d.ref_areas);
  return d;
}

std::vector<double> surfel_areas_by_code(const std::vector<double>& spacing) {
  MEDIMG_CHECK(spacing.size() == 2 || spacing.size() == 3, ArgumentError,
               "spacing must have 2 (2D) or 3 (3D) values, got ", spacing.size());
  for (std::size_t k = 0; k < spacing.size(); ++k) {
    MEDIMG_CHECK(std::isfinite(spacing[k]) && spacing[k] > 0, ArgumentError,
                 "spacing must be finite and > 0, got ", spacing[k], " along axis ", k);
  }
  if (spacing.size() == 2) {
    const auto lengths = detail::contour_lengths_2d(spacing[0], spacing[1]);
    return {lengths.begin(), lengths.end()};
  }
  const auto areas = detail::surfel_areas_3d({spacing[0], spacing[1], spacing[2]});
  return {areas.begin(), areas.end()};
}

double hausdorff(const SurfelDistances& d, std::optional<double> percentile) {
  if (percentile) {
    MEDIMG_CHECK(*percentile >= 0 && *percentile <= 100, ArgumentError,
                 "percentile must lie in [0, 100], got ", *percentile);
  }
  if (auto special = empty_case(d)) return *special;
  if (!percentile) {
    return std::max(*std::max_element(d.pred_to_ref.begin(), d.pred_to_ref.end()),
                    *std::max_element(d.ref_to_pred.begin(), d.ref_to_pred.end()));
  }
  return std::max(area_percentile(d.pred_to_ref, d.pred_areas, *percentile),
                  area_percentile(d.ref_to_pred, d.ref_areas, *percentile));
}

DirectedValues average_surface_distance(const SurfelDistances& d) {
  // An empty surface gives 0 / 0 = NaN, as in DeepMind's library.
  return {weighted_distance_sum(d.pred_to_ref, d.pred_areas) / sum_of(d.pred_areas),
          weighted_distance_sum(d.ref_to_pred, d.ref_areas) / sum_of(d.ref_areas)};
}

double assd(const SurfelDistances& d) {
  if (auto special = empty_case(d)) return *special;
  const DirectedValues mean = average_surface_distance(d);
  return (mean.pred_to_ref + mean.ref_to_pred) / 2;
}

double masd(const SurfelDistances& d) {
  if (auto special = empty_case(d)) return *special;
  return (weighted_distance_sum(d.pred_to_ref, d.pred_areas) +
          weighted_distance_sum(d.ref_to_pred, d.ref_areas)) /
         (sum_of(d.pred_areas) + sum_of(d.ref_areas));
}

DirectedValues surface_overlap(const SurfelDistances& d, double tolerance_mm) {
  check_tolerance(tolerance_mm);
  return {area_within(d.pred_to_ref, d.pred_areas, tolerance_mm) / sum_of(d.pred_areas),
          area_within(d.ref_to_pred, d.ref_areas, tolerance_mm) / sum_of(d.ref_areas)};
}

double surface_dice(const SurfelDistances& d, double tolerance_mm) {
  check_tolerance(tolerance_mm);
  if (d.pred_to_ref.empty() && d.ref_to_pred.empty()) return kNaN;
  return (area_within(d.pred_to_ref, d.pred_areas, tolerance_mm) +
          area_within(d.ref_to_pred, d.ref_areas, tolerance_mm)) /
         (sum_of(d.pred_areas) + sum_of(d.ref_areas));
}

}  // namespace medimg

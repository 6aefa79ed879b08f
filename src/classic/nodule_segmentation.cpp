#include "medimg/classic/nodule_segmentation.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "detail/components.hpp"
#include "detail/ct_volume.hpp"
#include "detail/fresh_tensor.hpp"
#include "detail/physical_footprint.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

constexpr const char* kName = "segment_nodule";
constexpr double kRadiusGrowth = 1.5;  // between the opening radii tried

using Index3 = std::array<std::int64_t, 3>;

// The seed's voxel (z, y, x); the centre must be finite and round into the image.
Index3 seed_voxel(const Image& ct, const Eigen::Vector3d& centre) {
  MEDIMG_CHECK(centre.allFinite(), ArgumentError, kName,
               ": centre_mm must be finite world (x, y, z) mm, got (", centre.x(), ", ",
               centre.y(), ", ", centre.z(), ")");
  const Eigen::VectorXd index = ct.geometry().world_to_index(centre);
  const std::vector<std::int64_t> shape = ct.spatial_shape();
  Index3 seed{};
  for (int axis = 0; axis < 3; ++axis) {
    const double k = std::round(index[axis]);
    MEDIMG_CHECK(k >= 0 && k < static_cast<double>(shape[axis]), ArgumentError, kName,
                 ": centre_mm (", centre.x(), ", ", centre.y(), ", ", centre.z(),
                 ") lies outside the image: index (", index[0], ", ", index[1], ", ", index[2],
                 ") in a (", shape[0], ", ", shape[1], ", ", shape[2], ") grid");
    seed[axis] = static_cast<std::int64_t>(k);
  }
  return seed;
}

void check_options(const NoduleSegmentationOptions& o) {
  MEDIMG_CHECK(!std::isnan(o.threshold), ArgumentError, kName, ": threshold is NaN");
  MEDIMG_CHECK(std::isfinite(o.max_diameter) && o.max_diameter > 0, ArgumentError, kName,
               ": max_diameter must be a finite number > 0 mm, got ", o.max_diameter);
  MEDIMG_CHECK(std::isfinite(o.opening_radius) && o.opening_radius >= 0, ArgumentError, kName,
               ": opening_radius must be a finite number >= 0 mm, got ", o.opening_radius);
  MEDIMG_CHECK(std::isfinite(o.max_opening_radius) && o.max_opening_radius >= 0, ArgumentError,
               kName, ": max_opening_radius must be a finite number >= 0 mm, got ",
               o.max_opening_radius);
  MEDIMG_CHECK(std::isfinite(o.seed_radius) && o.seed_radius >= 0, ArgumentError, kName,
               ": seed_radius must be a finite number >= 0 mm, got ", o.seed_radius);
}

// The component of `c` holding the voxel nearest to `seed` within `radius_mm` (the seed's
// own when it is set; ties go to the first in raster order); 0 when there is none.
std::int64_t nearest_component(const detail::Components& c, const Index3& seed,
                               const Eigen::Vector3d& spacing, double radius_mm) {
  const std::int64_t Z = c.shape[0], Y = c.shape[1];
  const auto reach = [&](int axis) {
    return static_cast<std::int64_t>(std::floor(radius_mm / spacing[axis]));
  };
  const std::int64_t rz = reach(0), ry = reach(1);
  double best = std::numeric_limits<double>::infinity();
  std::int64_t label = 0;
  for (std::int64_t z = std::max<std::int64_t>(0, seed[0] - rz);
       z <= std::min(Z - 1, seed[0] + rz); ++z) {
    for (std::int64_t y = std::max<std::int64_t>(0, seed[1] - ry);
         y <= std::min(Y - 1, seed[1] + ry); ++y) {
      const std::int64_t row = z * Y + y;
      for (std::int64_t i = c.row_start[row]; i < c.row_start[row + 1]; ++i) {
        const std::int64_t x = std::clamp(seed[2], c.runs[i].x0, c.runs[i].x1 - 1);
        const double d = std::hypot((z - seed[0]) * spacing[0], (y - seed[1]) * spacing[1],
                                    (x - seed[2]) * spacing[2]);
        if (d <= radius_mm && d < best) {
          best = d;
          label = c.run_label[i];
        }
      }
    }
  }
  return label;
}

// The 26-connected component of `mask` nearest to the seed, as a bool tensor; undefined
// when none lies within the radius.
at::Tensor seed_component(const at::Tensor& mask, const Index3& seed,
                          const Eigen::Vector3d& spacing, double radius_mm) {
  const detail::Components c = detail::connected_components(mask.contiguous(), 3, 0);
  const std::int64_t label = nearest_component(c, seed, spacing, radius_mm);
  if (label == 0) return {};
  std::vector<bool> keep(static_cast<std::size_t>(c.count + 1), false);
  keep[static_cast<std::size_t>(label)] = true;
  at::Tensor out = detail::fresh_tensor(mask.sizes(), at::kBool);
  detail::paint_components(c, keep, true, out);
  return out;
}

// Holes closed in 3D, then slice by slice (a reader's contour encloses each cross-section).
at::Tensor fill_nodule(const at::Tensor& nodule) {
  at::Tensor filled = fill_holes(nodule);
  for (std::int64_t z = 0; z < filled.size(0); ++z) {
    filled.select(0, z).copy_(fill_holes(filled.select(0, z)));
  }
  return filled;
}

// Whether `nodule` reaches a face of the box that is not the image's own border: it runs on
// beyond max_diameter, into a vessel or the chest wall.
bool leaves_box(const at::Tensor& nodule, const Index3& lo, const Index3& hi,
                const at::IntArrayRef full) {
  for (int axis = 0; axis < 3; ++axis) {
    if (lo[axis] > 0 && nodule.select(axis, 0).any().item<bool>()) return true;
    if (hi[axis] < full[axis] && nodule.select(axis, -1).any().item<bool>()) return true;
  }
  return false;
}

}  // namespace

Image segment_nodule(const Image& ct_hu, const Eigen::Vector3d& centre_mm, const Image& lungs,
                     const NoduleSegmentationOptions& options) {
  const at::Tensor hu = detail::ct_volume(ct_hu, kName);
  if (lungs.defined()) {
    MEDIMG_CHECK(lungs.spatial_shape() == ct_hu.spatial_shape() && lungs.channels() == 1,
                 ShapeError, kName, ": the lung mask ", lungs.tensor().sizes(),
                 " must have the CT's shape ", ct_hu.tensor().sizes());
    MEDIMG_CHECK(lungs.tensor().device().is_cpu(), Unsupported, kName,
                 ": expected a CPU lung mask, got ", lungs.tensor().device());
  }
  check_options(options);
  // A radius equal to the maximum is tried despite rounding in the growth.
  const double max_radius = std::max(options.opening_radius, options.max_opening_radius) + 1e-9;
  const Index3 seed = seed_voxel(ct_hu, centre_mm);
  const Eigen::Vector3d spacing = detail::spacing_zyx(ct_hu);

  // Only the box around the seed is worked on: the cost does not grow with the scan.
  Index3 lo{}, hi{}, local{};
  for (int axis = 0; axis < 3; ++axis) {
    const auto half =
        static_cast<std::int64_t>(std::ceil(options.max_diameter / spacing[axis]));
    lo[axis] = std::max<std::int64_t>(0, seed[axis] - half);
    hi[axis] = std::min(hu.size(axis), seed[axis] + half + 1);
    local[axis] = seed[axis] - lo[axis];
  }
  const auto crop = [&](const at::Tensor& t) {
    return t.slice(0, lo[0], hi[0]).slice(1, lo[1], hi[1]).slice(2, lo[2], hi[2]);
  };
  at::Tensor dense = crop(hu) > options.threshold;
  if (lungs.defined()) dense.bitwise_and_(detail::binary(crop(lungs.tensor().select(0, 0))));

  // Opened with growing radii while the nodule still runs out of the box (a vessel as thick
  // as the ellipsoid); the opening also rounds the nodule's own edges, so the dense voxels
  // within its radius of what is left are given back (with at most a stub of each cut vessel).
  at::Tensor nodule;
  for (double radius = options.opening_radius; radius > 0 && radius <= max_radius;
       radius *= kRadiusGrowth) {
    const Footprint ellipsoid = detail::physical_footprint(radius, spacing, false);
    at::Tensor opened =
        seed_component(binary_opening(dense, ellipsoid), local, spacing, options.seed_radius);
    if (!opened.defined()) break;  // too thin for this radius: keep the last one
    nodule = opened.bitwise_or_(binary_dilation(opened, ellipsoid) & dense);
    if (!leaves_box(nodule, lo, hi, hu.sizes())) break;
  }
  if (!nodule.defined()) nodule = seed_component(dense, local, spacing, options.seed_radius);
  MEDIMG_CHECK(nodule.defined(), ArgumentError, kName, ": no voxel above ", options.threshold,
               " HU", lungs.defined() ? " inside the lungs" : "", " lies within seed_radius ",
               options.seed_radius, " mm of centre_mm (", centre_mm.x(), ", ", centre_mm.y(),
               ", ", centre_mm.z(), ")");

  at::Tensor out = at::zeros(ct_hu.tensor().sizes(), at::kByte);
  crop(out.select(0, 0)).copy_(fill_nodule(nodule));
  return Image(out, ct_hu.geometry());
}

}  // namespace medimg

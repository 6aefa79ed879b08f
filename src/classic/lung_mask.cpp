#include "medimg/classic/lung.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "detail/ct_volume.hpp"
#include "detail/physical_footprint.hpp"
#include "medimg/classic/label.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

constexpr const char* kName = "lung_mask";

// Voxel counts per label 0..count of a label image.
std::vector<std::int64_t> label_sizes(const LabelResult& labelled) {
  std::vector<std::int64_t> sizes(labelled.count + 1, 0);
  const std::int64_t* l = labelled.labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0, n = labelled.labels.numel(); i < n; ++i) ++sizes[l[i]];
  return sizes;
}

// The two largest labels (0 where there is none), ignoring label 0 and `excluded` ones.
std::pair<std::int64_t, std::int64_t> two_largest(const std::vector<std::int64_t>& sizes,
                                                  const std::vector<bool>& excluded) {
  std::int64_t first = 0, second = 0;
  for (std::int64_t k = 1; k < static_cast<std::int64_t>(sizes.size()); ++k) {
    if (excluded[k]) continue;
    if (first == 0 || sizes[k] > sizes[first]) {
      second = first;
      first = k;
    } else if (second == 0 || sizes[k] > sizes[second]) {
      second = k;
    }
  }
  return {first, second};
}

// Labels of the air components that reach the in-plane border of any slice.
std::vector<bool> touching_in_plane_border(const LabelResult& air) {
  std::vector<bool> touching(air.count + 1, false);
  auto l = air.labels.accessor<std::int64_t, 3>();
  const std::int64_t nz = air.labels.size(0), ny = air.labels.size(1), nx = air.labels.size(2);
  for (std::int64_t z = 0; z < nz; ++z) {
    for (std::int64_t x = 0; x < nx; ++x) touching[l[z][0][x]] = touching[l[z][ny - 1][x]] = true;
    for (std::int64_t y = 0; y < ny; ++y) touching[l[z][y][0]] = touching[l[z][y][nx - 1]] = true;
  }
  touching[0] = true;
  return touching;
}

// Grows the seeds of `lungs` (values 1 and 2) over the rest of `region` breadth-first with
// face neighbours, so that each voxel goes to the seed it is geodesically closest to.
void grow_into(at::Tensor& lungs, const at::Tensor& region) {
  const std::int64_t nz = lungs.size(0), ny = lungs.size(1), nx = lungs.size(2);
  std::uint8_t* out = lungs.data_ptr<std::uint8_t>();
  const bool* inside = region.data_ptr<bool>();
  std::vector<std::int64_t> queue;
  for (std::int64_t i = 0; i < lungs.numel(); ++i) {
    if (out[i] != 0) queue.push_back(i);
  }
  const std::int64_t steps[6] = {1, -1, nx, -nx, nx * ny, -nx * ny};
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::int64_t i = queue[head];
    const std::int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    const bool open[6] = {x + 1 < nx, x > 0, y + 1 < ny, y > 0, z + 1 < nz, z > 0};
    for (int s = 0; s < 6; ++s) {
      const std::int64_t j = i + steps[s];
      if (open[s] && inside[j] && out[j] == 0) {
        out[j] = out[i];
        queue.push_back(j);
      }
    }
  }
}

// One component holding both lungs, split into seeds 1 and 2 and grown back; the whole
// component as lung 1 when no erosion separates two parts of comparable size.
at::Tensor split_joined(const at::Tensor& joined, const LungMaskOptions& options) {
  at::Tensor lungs = at::zeros(joined.sizes(), at::kByte);
  at::Tensor eroded = joined;
  for (int step = 0; step < options.max_separation_erosions; ++step) {
    eroded = binary_erosion(eroded, cross(3));
    const LabelResult parts = label(eroded, 1);
    const std::vector<std::int64_t> sizes = label_sizes(parts);
    const auto [first, second] = two_largest(sizes, std::vector<bool>(sizes.size(), false));
    if (first == 0) break;  // eroded away without splitting
    if (second != 0 && sizes[second] >= options.min_lung_fraction * sizes[first]) {
      lungs.masked_fill_(parts.labels == first, 1);
      lungs.masked_fill_(parts.labels == second, 2);
      grow_into(lungs, joined);
      return lungs;
    }
  }
  return lungs.masked_fill_(joined, 1);
}

// The world x (LPS: towards the patient's left) of the mean index of `mask`'s voxels.
double centroid_world_x(const at::Tensor& mask, const Geometry& geometry) {
  Eigen::Vector3d sum = Eigen::Vector3d::Zero();
  std::int64_t count = 0;
  auto m = mask.accessor<bool, 3>();
  for (std::int64_t z = 0; z < mask.size(0); ++z) {
    for (std::int64_t y = 0; y < mask.size(1); ++y) {
      for (std::int64_t x = 0; x < mask.size(2); ++x) {
        if (!m[z][y][x]) continue;
        sum += Eigen::Vector3d(z, y, x);
        ++count;
      }
    }
  }
  return geometry.index_to_world(sum / static_cast<double>(count)).x();
}

// Renames labels 1 and 2 so that 1 is the patient's right lung (smaller world x).
void name_sides(at::Tensor& lungs, const Geometry& geometry) {
  const at::Tensor a = lungs == 1, b = lungs == 2;
  const bool has_b = b.any().item<bool>();
  double reference;  // the other lung's x, or the volume centre's for a single lung
  if (has_b) {
    reference = centroid_world_x(b, geometry);
  } else {
    const Eigen::Vector3d centre((lungs.size(0) - 1) / 2.0, (lungs.size(1) - 1) / 2.0,
                                 (lungs.size(2) - 1) / 2.0);
    reference = geometry.index_to_world(centre).x();
  }
  const bool a_is_left = centroid_world_x(a, geometry) > reference;
  if (a_is_left) {
    lungs.masked_fill_(a, 2);
    lungs.masked_fill_(b, 1);
  }
}

// Each lung closed in-plane and its holes filled slice by slice, added only where no lung was.
at::Tensor close_and_fill(const at::Tensor& lungs, const LungMaskOptions& options,
                          const Eigen::Vector3d& spacing) {
  const Footprint disk_mm = detail::physical_footprint(options.closing_radius, spacing, true);
  const at::Tensor free = lungs == 0;
  at::Tensor out = lungs.clone();
  for (std::uint8_t side : {1, 2}) {
    const at::Tensor lung = lungs == side;
    if (!lung.any().item<bool>()) continue;
    at::Tensor filled = options.closing_radius > 0 ? binary_closing(lung, disk_mm) : lung;
    for (std::int64_t z = 0; z < filled.size(0); ++z) {
      filled.select(0, z).copy_(fill_holes(filled.select(0, z)));
    }
    out.masked_fill_(filled & free & (out == 0), side);
  }
  return out;
}

}  // namespace

Image lung_mask(const Image& ct_hu, const LungMaskOptions& options) {
  const at::Tensor hu = detail::ct_volume(ct_hu, kName);
  MEDIMG_CHECK(!std::isnan(options.threshold), ArgumentError, kName, ": threshold is NaN");
  MEDIMG_CHECK(options.min_lung_fraction >= 0 && options.min_lung_fraction <= 1, ArgumentError,
               kName, ": min_lung_fraction must lie in [0, 1], got ", options.min_lung_fraction);
  MEDIMG_CHECK(options.closing_radius >= 0, ArgumentError, kName,
               ": closing_radius must be >= 0 mm, got ", options.closing_radius);
  MEDIMG_CHECK(options.max_separation_erosions >= 0, ArgumentError, kName,
               ": max_separation_erosions must be >= 0, got ", options.max_separation_erosions);

  const LabelResult air = label(hu < options.threshold, 1);
  const std::vector<std::int64_t> sizes = label_sizes(air);
  const auto [first, second] = two_largest(sizes, touching_in_plane_border(air));

  at::Tensor lungs = at::zeros(hu.sizes(), at::kByte);
  if (first != 0) {
    if (second != 0 && sizes[second] >= options.min_lung_fraction * sizes[first]) {
      lungs.masked_fill_(air.labels == first, 1);
      lungs.masked_fill_(air.labels == second, 2);
    } else {
      lungs = split_joined(air.labels == first, options);
    }
    name_sides(lungs, ct_hu.geometry());
    lungs = close_and_fill(lungs, options, detail::spacing_zyx(ct_hu));
  }
  return Image(lungs.unsqueeze(0), ct_hu.geometry());
}

}  // namespace medimg

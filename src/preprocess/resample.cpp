#include "medimg/preprocess/resample.hpp"

#include <algorithm>
#include <cmath>

#include "detail/index_map.hpp"
#include "detail/sampling.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

/// The new grid of resample(): its shape, spacing and the index map new -> old.
struct Grid {
  std::vector<std::int64_t> shape;
  Eigen::VectorXd spacing;
  Eigen::MatrixXd index_map;
};

Grid resample_grid(const Image& image, const std::vector<double>& spacing,
                   const std::vector<std::int64_t>& shape, const char* who) {
  MEDIMG_CHECK(image.defined(), ArgumentError, who, ": the image is undefined");
  MEDIMG_CHECK(!spacing.empty() || !shape.empty(), ArgumentError, who,
               ": give the new spacing, the new shape or both");
  const int dims = image.spatial_dims();
  const auto old_shape = image.spatial_shape();
  const Eigen::VectorXd& old_spacing = image.geometry().spacing();
  std::vector<double> new_spacing;
  if (!spacing.empty()) {
    new_spacing = detail::per_axis(spacing, dims, who, "spacing");
    for (double s : new_spacing) {
      MEDIMG_CHECK(std::isfinite(s) && s > 0, ArgumentError, who,
                   ": spacing must be finite and > 0 along every axis, got ", s);
    }
  }
  std::vector<std::int64_t> new_shape;
  if (!shape.empty()) {
    new_shape = detail::per_axis(shape, dims, who, "shape");
    for (auto n : new_shape) {
      MEDIMG_CHECK(n >= 1, ShapeError, who, ": shape sizes must be >= 1, got ", n);
    }
  }
  Grid grid;
  grid.shape.resize(dims);
  grid.spacing.resize(dims);
  grid.index_map = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
  for (int k = 0; k < dims; ++k) {
    const auto n = static_cast<double>(old_shape[k]);
    if (new_spacing.empty()) {
      grid.shape[k] = new_shape[k];
      grid.spacing[k] = old_spacing[k] * n / static_cast<double>(new_shape[k]);
    } else {
      grid.spacing[k] = new_spacing[k];
      const std::int64_t rounded = std::llround(n * old_spacing[k] / new_spacing[k]);
      grid.shape[k] = new_shape.empty() ? std::max<std::int64_t>(1, rounded) : new_shape[k];
    }
    // Centres coincide: i = (j - (n' - 1) / 2) * s' / s + (n - 1) / 2.
    const double ratio = grid.spacing[k] / old_spacing[k];
    grid.index_map(k, k) = ratio;
    const auto new_n = static_cast<double>(grid.shape[k]);
    grid.index_map(k, dims) = (n - 1.0) / 2.0 - ratio * (new_n - 1.0) / 2.0;
  }
  return grid;
}

/// The geometry of the new grid: spacing as requested, origin at the old world position of
/// the new voxel 0, the same direction.
Geometry grid_geometry(const Image& image, const Grid& grid) {
  const int dims = image.spatial_dims();
  const Eigen::VectorXd first_voxel = grid.index_map.block(0, dims, dims, 1);
  return Geometry(grid.spacing, image.geometry().index_to_world(first_voxel),
                  image.geometry().direction());
}

at::Tensor resample_label_voxels(const Image& labels, const Eigen::MatrixXd& index_map,
                                 const std::vector<std::int64_t>& shape, LabelResampling mode,
                                 BorderMode border, double fill_value) {
  if (mode == LabelResampling::OneHot) {
    return detail::vote_affine(labels.tensor(), index_map, shape, border, fill_value);
  }
  SampleOptions nearest;
  nearest.interpolation = Interpolation::Nearest;
  nearest.border = border;
  nearest.fill_value = fill_value;
  return affine_transform(labels.tensor(), index_map, shape, nearest);
}

void check_target(const Image& image, const Geometry& geometry,
                  const std::vector<std::int64_t>& shape, const char* who) {
  MEDIMG_CHECK(image.defined(), ArgumentError, who, ": the image is undefined");
  MEDIMG_CHECK(geometry.spatial_dims() == image.spatial_dims(), ShapeError, who, ": the image is ",
               image.spatial_dims(), "D but the target grid is ", geometry.spatial_dims(), "D");
  detail::check_spatial_shape(shape, image.spatial_dims(), who);
}

}  // namespace

Image resample(const Image& image, const std::vector<double>& spacing,
               const std::vector<std::int64_t>& shape, const SampleOptions& options) {
  const Grid grid = resample_grid(image, spacing, shape, "resample");
  return Image(affine_transform(image.tensor(), grid.index_map, grid.shape, options),
               grid_geometry(image, grid), image.meta());
}

Image resample_labels(const Image& labels, const std::vector<double>& spacing,
                      const std::vector<std::int64_t>& shape, LabelResampling mode,
                      BorderMode border, double fill_value) {
  const Grid grid = resample_grid(labels, spacing, shape, "resample_labels");
  return Image(
      resample_label_voxels(labels, grid.index_map, grid.shape, mode, border, fill_value),
      grid_geometry(labels, grid), labels.meta());
}

Image resample_to(const Image& image, const Geometry& geometry,
                  const std::vector<std::int64_t>& shape, const SampleOptions& options) {
  check_target(image, geometry, shape, "resample_to");
  const Eigen::MatrixXd map = detail::world_index_map(image.geometry(), geometry);
  return Image(affine_transform(image.tensor(), map, shape, options), geometry, image.meta());
}

Image resample_labels_to(const Image& labels, const Geometry& geometry,
                         const std::vector<std::int64_t>& shape, LabelResampling mode,
                         BorderMode border, double fill_value) {
  check_target(labels, geometry, shape, "resample_labels_to");
  const Eigen::MatrixXd map = detail::world_index_map(labels.geometry(), geometry);
  return Image(resample_label_voxels(labels, map, shape, mode, border, fill_value), geometry,
               labels.meta());
}

}  // namespace medimg

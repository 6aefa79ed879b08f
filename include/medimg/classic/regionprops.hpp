#pragma once

/// Per-label measurements of a label image (skimage.measure.regionprops), in voxels and in
/// millimetres.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "medimg/core/geometry.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// The measurements of one label. Index quantities are in array order ((y, x) or (z, y, x));
/// lengths are in mm through the geometry (unit spacing: voxels, as scikit-image).
struct RegionProps {
  std::int64_t label = 0;
  std::int64_t area = 0;               ///< voxel count (scikit-image's `area`)
  double volume = 0.0;                 ///< mm^3 (mm^2 in 2D): area x the voxel's size
  std::vector<double> centroid;        ///< mean voxel index (scikit-image's `centroid`)
  Eigen::Vector3d centroid_world{};    ///< the centroid in world (LPS) mm
  std::vector<std::int64_t> bbox;      ///< (min_0, .., min_n, max_0, .., max_n), max exclusive
  double intensity_mean = 0.0;         ///< NaN without an intensity image
  double intensity_min = 0.0;          ///< NaN without an intensity image
  double intensity_max = 0.0;          ///< NaN without an intensity image
  double equivalent_diameter = 0.0;    ///< mm: the circle's (2D) or sphere's (3D) of equal size
  double axis_major_length = 0.0;     ///< mm: scikit-image's axis_major_length in world units
  double axis_minor_length = 0.0;      ///< mm: scikit-image's axis_minor_length in world units
  /// axis_major_length / axis_minor_length = sqrt(largest / smallest eigenvalue of the
  /// covariance of the voxel centres in mm); 1 for a sphere, inf for a flat or straight
  /// region, NaN for a single voxel.
  double elongation = 0.0;
};

/// skimage.measure.regionprops(labels, intensity) for the properties of RegionProps, one
/// entry per label present, ascending; label 0 is background.
///
/// @param labels    (Y, X) or (Z, Y, X) integer tensor, values >= 0, CPU
/// @param geometry  where the voxels lie (spacing, origin, direction), spatial_dims equal to
///                  labels.dim(); lengths, volume and centroid_world use it
/// @param intensity optional tensor of labels' shape, any real dtype
/// @throws ShapeError for a rank other than 2 or 3, a geometry of another rank or an
///         intensity of another shape; ArgumentError for bool or float labels, negative labels
///         or label values above 2^31.
MEDIMG_API std::vector<RegionProps> regionprops(const at::Tensor& labels, const Geometry& geometry,
                                                const at::Tensor& intensity = {});

/// regionprops with unit spacing, zero origin and identity direction.
MEDIMG_API std::vector<RegionProps> regionprops(const at::Tensor& labels,
                                                const at::Tensor& intensity = {});

}  // namespace medimg

#pragma once

/// Affine warps of an Image's content on its own grid (the geometry is kept): cv2.warpAffine
/// in 2D, scipy.ndimage.affine_transform in 3D, and the matrix of a rotation / scale / shear /
/// translation about the image centre. Guide: docs/preprocess_spatial.md.

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

struct WarpOptions {
  SampleOptions sampling;  ///< interpolation, border, fill value
  /// false: the matrix maps source positions to destination positions (cv2.warpAffine's
  /// default); true: destination to source (cv2's WARP_INVERSE_MAP, scipy's convention).
  bool inverse_map = false;
  std::vector<std::int64_t> shape;  ///< output spatial shape (array order); empty = the input's
};

/// Warps every channel of `image` by an affine map.
///
/// @param matrix 2D: 2x3 or 3x3 in pixel (x, y) coordinates, exactly as cv2.warpAffine takes
///               it; 3D: 3x4 or 4x4 in array index (z, y, x) coordinates, as
///               scipy.ndimage.affine_transform takes it. Pixel/voxel centres are at integers.
/// @return the warped voxels (dtypes as affine_transform) with the input's geometry and
///         metadata: the content moves, the grid does not.
/// @throws ShapeError for a matrix of the wrong size; ArgumentError for a singular matrix
///         (forward maps are inverted) or a non-finite one.
MEDIMG_API Image warp_affine(const Image& image, const Eigen::MatrixXd& matrix,
                             const WarpOptions& options = {});

/// A transform about the centre of the grid ((n - 1) / 2 per axis). Per-axis values are in
/// array order; empty vectors mean "none".
struct CenteredAffine {
  /// radians; 2D: one angle in the (y, x) plane; 3D: angles in the (y, x), (z, x) and (z, y)
  /// planes, applied in that order. Positive turns from the plane's first axis towards its
  /// second: in 2D, counter-clockwise on screen (y down), as cv2.getRotationMatrix2D and
  /// numpy.rot90.
  std::vector<double> rotation;
  std::vector<double> scale;        ///< per axis or one for all; > 1 enlarges the content
  std::vector<double> translation;  ///< voxels per axis, added after the rest
  /// 2D: one factor h, x += h * y; 3D: three, x += h0 * y, x += h1 * z, y += h2 * z.
  std::vector<double> shear;
};

/// The forward (source -> destination) matrix that warp_affine takes for an image of
/// `spatial_shape`: p -> R H S (p - c) + c + t, with S the scales, H the shears, R the
/// rotations and c the centre. 2D: 3x3 in (x, y) order (a pure rotation and scale equals
/// cv2.getRotationMatrix2D about the centre); 3D: 4x4 in (z, y, x) order.
/// @throws ShapeError for vectors of the wrong length; ArgumentError for non-finite values or
///         a scale <= 0.
MEDIMG_API Eigen::MatrixXd affine_about_center(const std::vector<std::int64_t>& spatial_shape,
                                               const CenteredAffine& transform);

}  // namespace medimg

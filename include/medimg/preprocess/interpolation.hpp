#pragma once

/// Sampling a tensor at arbitrary positions: map_coordinates, affine_transform and the cubic
/// B-spline prefilter, with scipy.ndimage's index conventions (voxel centres at integer
/// indices, array axis order). Guide: docs/preprocess_spatial.md.

#include <ATen/core/Tensor.h>

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// How values between voxel centres are computed (scipy's spline order 0, 1 and 3).
enum class Interpolation {
  Nearest,   ///< order 0: the voxel whose centre is nearest (floor(x + 0.5), halves round up)
  Linear,    ///< order 1: (bi/tri)linear
  BSpline3,  ///< order 3: cubic B-spline on prefiltered coefficients (scipy's default order)
};

/// What lies beyond the edge of the array, pictured for a line a b c d:
///
///   Constant   k k k k | a b c d | k k k k   k = fill_value; scipy 'grid-constant',
///                                            cv2 BORDER_CONSTANT, torch padding "zeros"
///   Edge       a a a a | a b c d | d d d d   scipy 'nearest', cv2 BORDER_REPLICATE
///   Reflect    d c b a | a b c d | d c b a   scipy 'reflect', cv2 BORDER_REFLECT
///   Mirror       d c b | a b c d | c b a     scipy 'mirror', cv2 BORDER_REFLECT_101
///   Wrap       a b c d | a b c d | a b c d   scipy 'grid-wrap', cv2 BORDER_WRAP
///
/// Constant interpolates across the edge (half a voxel outside a linear sample is the mean
/// of the edge voxel and the fill value), as cv2 and torch do; scipy's 'constant' instead
/// jumps to the fill value right at the outer voxel centre.
enum class BorderMode { Constant, Edge, Reflect, Mirror, Wrap };

/// The sampling rule shared by every resampling function.
struct SampleOptions {
  Interpolation interpolation = Interpolation::Linear;
  BorderMode border = BorderMode::Constant;
  double fill_value = 0.0;  ///< the value outside for BorderMode::Constant, and at NaN positions
  /// BSpline3 only: false means the input already holds B-spline coefficients
  /// (spline_filter's output), as scipy's prefilter=False.
  bool prefilter = true;
};

/// scipy.ndimage.map_coordinates(voxels[c], coordinates, order, mode) for every channel c.
///
/// @param voxels      (C, Y, X) or (C, Z, Y, X), any dtype of core/dispatch.hpp, CPU
/// @param coordinates (ndim, *out_shape) float32 or float64: the input index (array order,
///                    voxel centres at integers) each output point samples. A NaN or
///                    infinite coordinate gives fill_value, whatever the border mode.
/// @return (C, *out_shape). Nearest keeps the input dtype (labels stay labels); Linear and
///         BSpline3 give float64 for float64 input and float32 otherwise.
/// @throws ShapeError for a rank other than 3 or 4, an empty input or coordinates whose first
///         axis is not ndim; ArgumentError for another coordinate dtype, or a fill_value the
///         output dtype cannot hold (Nearest on integers); Unsupported for a CUDA tensor.
MEDIMG_API at::Tensor map_coordinates(const at::Tensor& voxels, const at::Tensor& coordinates,
                                      const SampleOptions& options = {});

/// scipy.ndimage.affine_transform(voxels[c], matrix, output_shape=out_spatial_shape) for every
/// channel: output index o samples input index matrix · (o, 1) (a "pull" map, OUTPUT index
/// to INPUT index, array order). Coordinates advance incrementally along each output row.
///
/// @param matrix (ndim+1)x(ndim+1) homogeneous with last row (0, ..., 0, 1), or its first
///               ndim rows; finite
/// @param out_spatial_shape ndim sizes, each >= 1
/// @return (C, *out_spatial_shape); dtypes as map_coordinates.
/// @throws ShapeError / ArgumentError for wrong ranks, sizes or values, naming the argument.
MEDIMG_API at::Tensor affine_transform(const at::Tensor& voxels, const Eigen::MatrixXd& matrix,
                                       const std::vector<std::int64_t>& out_spatial_shape,
                                       const SampleOptions& options = {});

/// scipy.ndimage.spline_filter(voxels[c], order=3, mode=...) for every channel: the cubic
/// B-spline coefficients whose interpolation passes through the voxel values, with the
/// recursive filter's boundary matching `border` (pole sqrt(3) - 2, exact initial values).
/// Constant uses the Mirror boundary and Edge the Reflect boundary, as scipy does for
/// 'grid-constant' and 'nearest'; for those two modes map_coordinates first pads the volume
/// by 12 voxels (fill value or edge copies), as scipy does, and filters the padded volume.
/// @return float64 for float64 input, float32 otherwise; same shape.
/// @throws ShapeError for a rank other than 3 or 4 or an empty input.
MEDIMG_API at::Tensor spline_filter(const at::Tensor& voxels,
                                    BorderMode border = BorderMode::Mirror);

}  // namespace medimg

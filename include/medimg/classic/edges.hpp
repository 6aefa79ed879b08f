#pragma once

/// Edge detection: Canny (skimage.feature.canny) and the Sobel gradient magnitude
/// (skimage.filters.sobel).

#include <ATen/core/Tensor.h>

#include <optional>

#include "medimg/export.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

/// skimage.feature.canny's arguments.
struct CannyOptions {
  double sigma = 1.0;  ///< Gaussian standard deviation in voxels, >= 0
  /// Hysteresis thresholds on the gradient magnitude, in the image's own units (divided by
  /// the dtype's maximum as scikit-image does for integer images); unset = 10% and 20% of
  /// that maximum. With use_quantiles, quantiles of the magnitude in [0, 1].
  std::optional<double> low_threshold;
  std::optional<double> high_threshold;
  bool use_quantiles = false;
  /// Optional (Y, X) mask: edges only where it is non-zero (and one voxel in from its border).
  at::Tensor mask;
  /// Border rule of the Gaussian (scikit-image's `mode`, default 'constant') and its value.
  BorderMode border = BorderMode::Constant;
  double fill_value = 0.0;
};

/// skimage.feature.canny(image, sigma, low_threshold, high_threshold, mask, use_quantiles,
/// mode, cval): Gaussian smoothing renormalised by the smoothed mask, Sobel gradients,
/// non-maximum suppression with interpolation between neighbours, 8-connected hysteresis.
/// Computed in float32 for float32 images and float64 otherwise, in scikit-image's order of
/// operations; integer images are scaled to [0, 1] (or [-1, 1]) as img_as_float.
/// @param image (Y, X), any dtype of core/dispatch.hpp, CPU
/// @return bool (Y, X); the outermost voxels are never edges
/// @throws ShapeError unless image is 2D with both sides >= 1 or the mask has another shape;
///         ArgumentError for sigma < 0, thresholds out of [0, 1] with use_quantiles or
///         low > high.
MEDIMG_API at::Tensor canny(const at::Tensor& image, const CannyOptions& options = {});

/// skimage.filters.sobel(image, mask, axis, mode): along one axis, the Sobel derivative
/// (kernel [1, 0, -1] along it, [1, 2, 1] / 4 along the others); for all axes (axis = -1)
/// sqrt(sum of squares / ndim). Borders follow `border` (constant = 0).
/// @param image (Y, X) or (Z, Y, X), any dtype of core/dispatch.hpp; integers are scaled as
///              img_as_float
/// @param mask  optional, image's shape: the result is zeroed outside its erosion by the full
///              3^ndim cube (border voxels included)
/// @return float32 for float32 input, float64 otherwise
/// @throws ShapeError for a rank other than 2 or 3 or a mask of another shape; ArgumentError
///         for an axis outside [-1, ndim).
MEDIMG_API at::Tensor sobel(const at::Tensor& image, const at::Tensor& mask = {}, int axis = -1,
                            BorderMode border = BorderMode::Reflect);

}  // namespace medimg

#pragma once

/// Integral images (summed-area tables) of a 2D image: plain, squared and 45°-rotated, as
/// cv::integral computes them. Haar features (classic/haar_features.hpp) are sums of
/// rectangles read from these tables with four lookups each. Guide: docs/classic_cascade.md.

#include <ATen/core/Tensor.h>

#include "medimg/export.hpp"

namespace medimg {

/// The three tables of one (Y, X) image; each has shape (Y + 1, X + 1) and a first row and
/// column of zeros.
struct IntegralImages {
  /// sum(Y, X) = Σ image(y, x) over y < Y, x < X.
  at::Tensor sum;
  /// squared_sum(Y, X) = Σ image(y, x)² over y < Y, x < X.
  at::Tensor squared_sum;
  /// tilted(Y, X) = Σ image(y, x) over y < Y, |x − X + 1| ≤ Y − y − 1: the triangle that
  /// widens upwards from pixel (Y − 1, X − 1), clipped to the image (OpenCV's rotated table;
  /// a 45° rectangle is again four lookups).
  at::Tensor tilted;
};

/// cv2.integral3(image, sdepth=CV_64F, sqdepth=CV_64F): the summed-area tables of a 2D image.
///
/// @param image (Y, X), any dtype of core/dispatch.hpp, CPU, any strides
/// @return int64 tables for bool and integer images (exact; OpenCV's CV_32S tables wrap
///         around beyond 2^31), float64 tables for float images
/// @throws ShapeError unless image has 2 dims; Unsupported for other dtypes or devices.
MEDIMG_API IntegralImages integral_images(const at::Tensor& image);

}  // namespace medimg

#pragma once

/// Gaussian smoothing with scipy.ndimage.gaussian_filter's kernel and borders.

#include <ATen/core/Tensor.h>

#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

struct GaussianOptions {
  double truncate = 4.0;                  ///< the kernel radius is int(truncate * sigma + 0.5)
  BorderMode border = BorderMode::Reflect;  ///< scipy's default, 'reflect' (abcd|dcba)
  double fill_value = 0.0;                ///< outside value for BorderMode::Constant
};

/// Smooths every channel of a (C, Y, X) or (C, Z, Y, X) tensor with a separable Gaussian of
/// standard deviation sigma[k] voxels along spatial axis k (one value for all axes allowed;
/// sigma 0 leaves an axis alone). The result equals
/// scipy.ndimage.gaussian_filter(x[c], sigma, mode=..., truncate=...) per channel: the same
/// normalised sampled kernel, accumulated in double, rounded to the output dtype after each
/// axis. Output: float64 for float64 input, float32 otherwise.
/// @throws ArgumentError for sigma < 0, non-finite sigma or truncate <= 0;
///         ShapeError for a rank other than 3 or 4 or a sigma list of the wrong length.
MEDIMG_API at::Tensor gaussian_filter(const at::Tensor& voxels, std::vector<double> sigma,
                                      const GaussianOptions& options = {});

/// gaussian_filter on an Image with sigma in millimetres (divided by the spacing per axis);
/// the geometry and metadata are kept.
MEDIMG_API Image gaussian(const Image& image, std::vector<double> sigma_mm,
                          const GaussianOptions& options = {});

}  // namespace medimg

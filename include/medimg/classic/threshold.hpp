#pragma once

/// Thresholds: fixed, range, and Otsu's and multi-Otsu's (skimage.filters.threshold_otsu and
/// threshold_multiotsu, equal values).

#include <ATen/core/Tensor.h>

#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// image > value, as scikit-image applies its thresholds (`image > threshold_otsu(image)`).
/// @param image any shape, any dtype of core/dispatch.hpp, CPU
/// @return bool tensor of image's shape; NaN voxels are false
/// @throws Unsupported for other dtypes or devices.
MEDIMG_API at::Tensor threshold(const at::Tensor& image, double value);

/// low <= image <= high (both ends included), e.g. lungs as HU in [-1000, -320].
/// @throws ArgumentError when low > high or either is NaN.
MEDIMG_API at::Tensor threshold_range(const at::Tensor& image, double low, double high);

/// skimage.filters.threshold_otsu(image[mask], nbins): the bin centre that maximises the
/// between-class variance of the histogram scikit-image builds (one bin per integer for
/// integer images, `nbins` equal bins over [min, max] otherwise); the value itself when
/// every voxel is equal.
/// @param mask optional bool/integer tensor of image's shape: only its non-zero voxels count
/// @throws ArgumentError for nbins < 1, NaN or infinite values, or an empty selection;
///         ShapeError for a mask of another shape; Unsupported when an integer image spans
///         more than 2^24 values.
MEDIMG_API double threshold_otsu(const at::Tensor& image, int nbins = 256,
                                 const at::Tensor& mask = {});

/// skimage.filters.threshold_multiotsu(image[mask], classes, nbins): the classes - 1
/// thresholds (ascending) that maximise the between-class variance, computed in float32 in
/// scikit-image's order so that the same bins come out.
/// @throws ArgumentError for classes < 2, fewer distinct values than classes, or a search
///         over more than 10^10 threshold combinations (scikit-image would run for hours);
///         otherwise as threshold_otsu.
MEDIMG_API std::vector<double> threshold_multiotsu(const at::Tensor& image, int classes = 3,
                                                   int nbins = 256, const at::Tensor& mask = {});

}  // namespace medimg

#pragma once

/// Global histogram equalisation with scikit-image's definition. Guide:
/// docs/preprocess_intensity.md.

#include <ATen/core/Tensor.h>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// skimage.exposure.equalize_hist(channel, nbins, mask) for every channel: each voxel
/// becomes the cumulative distribution of the channel's histogram at its value.
///
/// - Float channels: `nbins` equal bins over [min, max] of the (masked) voxels, with
///   numpy.histogram's bin edges (float32 edges for float32 input) and half-open bins, the
///   last one closed; the CDF (rounded to float32 for float32 input, as skimage does) is
///   interpolated linearly at the bin centres with numpy.interp's rule; values outside the
///   masked range get the first or last CDF value. A constant channel uses [v − 0.5, v + 0.5].
/// - Integer and bool channels: every integer from the (masked) min to max has its own bin
///   and `nbins` is ignored, as in skimage; the result is exactly that value's CDF.
///
/// @param image (C, [Z,] Y, X), any dtype of core/dispatch.hpp, CPU
/// @param nbins number of bins for float channels, 2 ... 2^24
/// @param mask  undefined, or bool (or non-zero numbers) of shape ([1 or C,] [Z,] Y, X):
///              only the voxels it selects make the histogram; every voxel is mapped
/// @return float32 (float64 for float64 input) image in [0, 1], same geometry
/// @throws ArgumentError for nbins out of range, an empty mask, or non-finite voxels (skimage
///         raises too); ShapeError for a mask that does not fit; Unsupported for integer
///         channels spanning more than 2^24 values (convert to float to bin them).
MEDIMG_API Image equalize_hist(const Image& image, int nbins = 256, const at::Tensor& mask = {});

}  // namespace medimg

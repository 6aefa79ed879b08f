#pragma once

/// Binary and grey morphology with scikit-image 0.19's results and border rules, hole
/// filling and small-component removal.
///
/// Inputs are spatial tensors, (Y, X) or (Z, Y, X), on the CPU; the footprint has the same
/// number of axes (a (1, ky, kx) footprint works slice by slice on a volume). The kernels
/// run per run of the footprint along the last axis with running minima/maxima, so any
/// footprint is exact and large radii stay cheap (docs/classic.md).

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "medimg/classic/footprint.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// skimage.morphology.binary_erosion(mask, footprint): a voxel stays set when every voxel
/// under the footprint is set; beyond the image counts as set (scipy's border_value=1).
/// @param mask any dtype; non-zero = foreground, as scipy.ndimage reads it
/// @return bool tensor of mask's shape
/// @throws ShapeError for a rank other than 2 or 3, an empty axis or a footprint of another
///         rank; Unsupported for non-CPU tensors.
MEDIMG_API at::Tensor binary_erosion(const at::Tensor& mask, const Footprint& footprint);

/// skimage.morphology.binary_dilation: a voxel is set when any voxel under the mirrored
/// footprint is set; beyond the image counts as unset. Same arguments as binary_erosion.
MEDIMG_API at::Tensor binary_dilation(const at::Tensor& mask, const Footprint& footprint);

/// skimage.morphology.binary_opening: binary_erosion, then binary_dilation.
MEDIMG_API at::Tensor binary_opening(const at::Tensor& mask, const Footprint& footprint);

/// skimage.morphology.binary_closing: binary_dilation, then binary_erosion.
MEDIMG_API at::Tensor binary_closing(const at::Tensor& mask, const Footprint& footprint);

/// skimage.morphology.erosion(image, footprint): the minimum under the footprint, the image
/// extended by reflection beyond its edges (scipy's 'reflect').
/// @param image bool, uint8, int8, int16, int32, int64, float32 or float64
/// @return a tensor of image's shape and dtype
/// @throws as binary_erosion; Unsupported for other dtypes.
MEDIMG_API at::Tensor erosion(const at::Tensor& image, const Footprint& footprint);

/// skimage.morphology.dilation: the maximum under the footprint (not mirrored: scikit-image
/// undoes scipy's reflection), borders as erosion.
MEDIMG_API at::Tensor dilation(const at::Tensor& image, const Footprint& footprint);

/// skimage.morphology.opening: erosion, then dilation. Footprints with an even side are
/// handled as scikit-image does (edge padding, shifted second step).
MEDIMG_API at::Tensor opening(const at::Tensor& image, const Footprint& footprint);

/// skimage.morphology.closing: dilation, then erosion (even sides as opening).
MEDIMG_API at::Tensor closing(const at::Tensor& image, const Footprint& footprint);

/// scipy.ndimage.binary_fill_holes(mask, generate_binary_structure(ndim, connectivity)):
/// sets every background voxel that is not connected to the image border, background
/// neighbours taken with `connectivity` (1 = faces, as scipy's default; up to ndim).
/// @return bool tensor of mask's shape
/// @throws ArgumentError for a connectivity outside [1, ndim].
MEDIMG_API at::Tensor fill_holes(const at::Tensor& mask, int connectivity = 1);

/// skimage.morphology.remove_small_objects(ar, min_size, connectivity): removes the
/// connected components with fewer than `min_size` voxels.
///
/// A bool tensor is labelled first (components with `connectivity`); an integer tensor is
/// taken as labels already (sizes per label value, connectivity unused), as scikit-image.
/// @return a tensor of ar's shape and dtype
/// @throws ArgumentError for float input, negative labels, min_size < 0 or a connectivity
///         outside [1, ndim].
MEDIMG_API at::Tensor remove_small_objects(const at::Tensor& ar, std::int64_t min_size = 64,
                                           int connectivity = 1);

/// skimage.morphology.remove_small_holes(ar, area_threshold, connectivity): sets the
/// background components with fewer than `area_threshold` voxels (those touching the
/// border included, as scikit-image). Non-zero = foreground for integer input.
/// @return bool tensor of ar's shape
MEDIMG_API at::Tensor remove_small_holes(const at::Tensor& ar, std::int64_t area_threshold = 64,
                                         int connectivity = 1);

}  // namespace medimg

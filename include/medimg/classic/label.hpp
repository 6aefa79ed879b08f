#pragma once

/// Connected-component labelling (skimage.measure.label) and keep_largest.

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "medimg/export.hpp"

namespace medimg {

/// A label image and the number of labels in it.
struct LabelResult {
  at::Tensor labels;      ///< int64, the input's shape; 0 = background, then 1..count
  std::int64_t count = 0;  ///< the number of components
};

/// skimage.measure.label(image, background, connectivity=connectivity): every connected
/// region of equal non-background value gets its own label, 1..count, numbered in the
/// raster order of each region's first voxel (as scipy.ndimage.label numbers them).
///
/// @param image        (Y, X) or (Z, Y, X) bool or integer tensor on the CPU
/// @param connectivity neighbours reached in up to this many orthogonal steps: 1 = faces
///                     (4 / 6 neighbours), 2 = 8 / 18, 3 = 26; 0 = the image's rank (the
///                     default of scikit-image: full connectivity)
/// @param background   the value that is not labelled. For bool images scikit-image's rule:
///                     background 1 labels the false voxels, any other value the true ones.
/// @throws ShapeError for a rank other than 2 or 3 or an empty axis; ArgumentError for float
///         input or a connectivity outside [0, ndim]; Unsupported for non-CPU tensors.
MEDIMG_API LabelResult label(const at::Tensor& image, int connectivity = 0,
                             std::int64_t background = 0);

/// The `n` largest connected components of the non-zero voxels of `mask` (ties: the
/// component whose first voxel comes first in raster order); fewer when the mask has fewer.
/// @param connectivity as label (0 = full)
/// @return bool tensor of mask's shape
/// @throws ArgumentError for n < 0 or float input with NaN; as label otherwise.
MEDIMG_API at::Tensor keep_largest(const at::Tensor& mask, std::int64_t n = 1,
                                   int connectivity = 0);

}  // namespace medimg

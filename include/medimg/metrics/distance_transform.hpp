#pragma once

/// Exact Euclidean distance transform with anisotropic spacing.

#include <ATen/core/Tensor.h>

#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// scipy.ndimage.distance_transform_edt(mask, sampling=spacing): every non-zero voxel gets
/// its Euclidean distance in mm to the nearest zero voxel; zero voxels get 0.
///
/// Exact and linear-time: Felzenszwalb and Huttenlocher's lower envelope of parabolas, one
/// pass per axis, lines in parallel.
///
/// @param mask    (Y, X) or (Z, Y, X), any real or bool dtype, CPU; non-zero = foreground
/// @param spacing voxel size per axis in array order (mm), each > 0; empty = all 1
/// @return float64 tensor of mask's shape. Where the mask has no zero voxel at all every
///         distance is +inf (scipy returns meaningless finite values there).
/// @throws ShapeError for other ranks; ArgumentError for a wrong spacing length, a spacing
///         <= 0 or NaN voxels.
MEDIMG_API at::Tensor distance_transform_edt(const at::Tensor& mask,
                                             const std::vector<double>& spacing = {});

}  // namespace medimg

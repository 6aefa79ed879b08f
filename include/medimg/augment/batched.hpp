#pragma once

/// Affine warps of a whole batch on the tensor's own device (torch's affine_grid and
/// grid_sample), for augmenting on the GPU after collation.

#include <ATen/core/Tensor.h>

#include "medimg/export.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

/// Warps each item of `batch` (N, C, Y, X) or (N, C, Z, Y, X) with its own (ndim+1)²
/// matrix from `matrices` (N, ndim+1, ndim+1), which maps an OUTPUT array index to the INPUT
/// index it samples: affine_matrix()'s convention, so a RandAffine draw gives the same warp
/// here as on one image. Interpolation: Nearest or Linear (BSpline3 is Unsupported: torch's
/// bicubic is a different kernel). Borders: Constant (0; torch's "zeros", which blends
/// towards 0 over the last half voxel like scipy's 'grid-constant'), Edge ("border"),
/// Reflect ("reflection" about the outer edges) and Mirror ("reflection" about the edge
/// voxel centres); Wrap is Unsupported.
/// @throws ShapeError when the shapes disagree; Unsupported as above.
MEDIMG_API at::Tensor affine_batch(const at::Tensor& batch, const at::Tensor& matrices,
                                   Interpolation interpolation = Interpolation::Linear,
                                   BorderMode border = BorderMode::Constant);

}  // namespace medimg

#pragma once

// Shared by the spatial preprocessing sources: argument checks and the entry points of the
// sampling kernel (include/medimg/preprocess/detail/sampler.hpp) that are not public API.

#include <ATen/core/Tensor.h>

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/preprocess/interpolation.hpp"

namespace medimg::detail {

/// The number of spatial axes (2 or 3) of channel-first voxels, checked: defined, (C, Y, X) or
/// (C, Z, Y, X), no empty axis, on the CPU. `who` starts the messages.
int checked_spatial_rank(const at::Tensor& voxels, const char* who);

/// float64 for float64, float32 for everything else: the dtype of interpolated values.
at::ScalarType floating_dtype(at::ScalarType dtype);

/// The (ndim+1)² homogeneous form of an affine matrix given as (ndim+1)² or ndim x (ndim+1).
/// @throws ShapeError for other sizes; ArgumentError when not finite or (square) when the
///         last row is not (0, ..., 0, 1).
Eigen::MatrixXd homogeneous_matrix(const Eigen::MatrixXd& matrix, int dims, const char* who);

/// `shape` checked to hold `dims` sizes >= 1.
void check_spatial_shape(const std::vector<std::int64_t>& shape, int dims, const char* who);

/// The cubic B-spline coefficients that sampling with `border` reads, as scipy builds them:
/// for Constant and Edge the volume is first padded by `pad` = 12 voxels (fill value or edge
/// copies) and positions shift by `pad`; other modes filter the volume as it is (pad = 0).
/// float64 for float64 voxels, float32 otherwise; contiguous and owned.
at::Tensor spline_coefficients(const at::Tensor& voxels, BorderMode border, double fill_value,
                               std::int64_t& pad);

/// affine_transform's label counterpart: each output voxel takes the label value with the
/// largest linear-interpolation weight among its taps (argmax of the linearly resampled
/// one-hot channels), the fill value taking the weight outside under Constant. Same dtype.
at::Tensor vote_affine(const at::Tensor& labels, const Eigen::MatrixXd& matrix,
                       const std::vector<std::int64_t>& out_spatial_shape, BorderMode border,
                       double fill_value);

}  // namespace medimg::detail

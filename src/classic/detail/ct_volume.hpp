#pragma once

// The checked (Z, Y, X) view of a one-channel CT Image, shared by lung_mask and
// nodule_candidates.

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

#include "medimg/core/image.hpp"

namespace medimg::detail {

/// ct's single channel as a contiguous (Z, Y, X) tensor.
/// @throws ArgumentError for an undefined image or NaN values; ShapeError for another rank or
///         channel count or an empty axis; Unsupported off the CPU.
at::Tensor ct_volume(const Image& ct, const char* name);

/// The voxel spacing in (z, y, x) order.
Eigen::Vector3d spacing_zyx(const Image& image);

}  // namespace medimg::detail

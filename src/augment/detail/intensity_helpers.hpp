#pragma once

// Shared by the intensity transforms: option checks and per-channel statistics as tensors
// that broadcast against (C, [Z], Y, X).

#include <ATen/core/Tensor.h>

#include "medimg/augment/intensity.hpp"

namespace medimg::detail {

/// Checks low <= high, both finite and >= minimum; `what` names the option.
void check_range(const char* who, const char* what, const Range& range, double minimum);

/// The draw from a Range.
inline double draw(Random& random, const Range& range) {
  return random.uniform(range.low, range.high);
}

/// The image's voxels as floating point: float64 stays, everything else becomes float32.
at::Tensor floating(const at::Tensor& voxels);

/// Per-channel reductions shaped (C, 1, 1[, 1]).
at::Tensor channel_min(const at::Tensor& voxels);
at::Tensor channel_max(const at::Tensor& voxels);
at::Tensor channel_mean(const at::Tensor& voxels);

/// Replaces the sample's image voxels, keeping geometry and metadata.
void set_voxels(Sample& sample, at::Tensor voxels);

}  // namespace medimg::detail

#pragma once

// The kernel under every erosion and dilation: the minimum or maximum over a flat
// footprint, computed per run of the footprint along the last axis.

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <vector>

#include "medimg/classic/footprint.hpp"

namespace medimg::detail {

/// One run of a footprint along the last axis: output voxel (z, y, x) reads the input voxels
/// (z + dz, y + dy, x + dx), ..., (z + dz, y + dy, x + dx + length - 1).
struct FootprintRun {
  std::int64_t dz = 0, dy = 0, dx = 0, length = 1;
};

/// The runs of `footprint` (a 2D one seen as (1, ky, kx)) when its element `anchor` (array
/// order, three values) lies on the output voxel. `mirrored` reflects every offset through
/// the anchor: the Minkowski dilation that scipy's binary_dilation computes.
std::vector<FootprintRun> footprint_runs(const Footprint& footprint,
                                         const std::array<std::int64_t, 3>& anchor,
                                         bool mirrored);

enum class Extremum { Min, Max };

/// What lies beyond the image: a constant (binary morphology's border_value) or the image
/// reflected about its edge voxels (scipy's 'reflect', d c b a | a b c d).
struct FilterBorder {
  bool reflect = false;
  double value = 0.0;
};

/// out(z, y, x) = min or max over the runs of `in` read as above. `in` and `out` are
/// contiguous (Z, Y, X) tensors of the same dtype (bool or any dtype of core/dispatch.hpp);
/// `out` must not alias `in`.
void flat_filter(const at::Tensor& in, const at::Tensor& out,
                 const std::vector<FootprintRun>& runs, Extremum extremum,
                 const FilterBorder& border);

}  // namespace medimg::detail

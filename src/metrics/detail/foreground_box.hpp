#pragma once

// The bounding box of two masks' foreground, shared by the surface and surfel distances
// (src only, not installed).

#include <array>
#include <cstdint>

#include "medimg/core/image_view.hpp"

namespace medimg::detail {

/// Voxels [lo, hi) per axis.
struct VoxelBox {
  std::array<std::int64_t, 3> lo{}, hi{};
  std::int64_t size(int axis) const { return hi[axis] - lo[axis]; }
  bool empty() const { return size(0) <= 0 || size(1) <= 0 || size(2) <= 0; }
};

/// The smallest box holding every voxel set in `a` or `b` (equal shapes, 0/1 values); an
/// empty box when neither has one. One parallel pass over both masks.
VoxelBox foreground_box(const ImageView<const std::uint8_t, 3>& a,
                        const ImageView<const std::uint8_t, 3>& b);

}  // namespace medimg::detail

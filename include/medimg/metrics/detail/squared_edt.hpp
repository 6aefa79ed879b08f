#pragma once

// The in-place squared distance transform that distance_transform_edt and the surface
// distances share.

#include <array>

#include "medimg/core/image_view.hpp"

namespace medimg::detail {

/// On entry f holds 0 at feature voxels and +inf elsewhere; on return, the squared distance
/// in mm^2 to the nearest feature voxel (+inf everywhere when there is none). f must be
/// C-contiguous; spacing is in array order.
void squared_edt_(const ImageView<double, 3>& f, const std::array<double, 3>& spacing);

}  // namespace medimg::detail

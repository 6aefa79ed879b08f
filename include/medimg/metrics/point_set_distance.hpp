#pragma once

/// Hausdorff distance between two point sets (the seed's hausdorff_distance(set1, set2)).

#include <ATen/core/Tensor.h>

#include "medimg/export.hpp"

namespace medimg {

/// max over a in `from` of the distance to the nearest b in `to`: scipy's
/// directed_hausdorff, with its early-break search (Taha and Hanbury 2015) over a fixed
/// shuffled order, so the result is exact and deterministic.
/// @param from (N, D) and `to` (M, D) real coordinates (e.g. mm), N, M >= 1, same D
/// @throws ShapeError on other shapes; ArgumentError on empty sets or NaN coordinates.
MEDIMG_API double directed_hausdorff(const at::Tensor& from, const at::Tensor& to);

/// max(directed_hausdorff(a, b), directed_hausdorff(b, a)).
MEDIMG_API double hausdorff_distance(const at::Tensor& a, const at::Tensor& b);

}  // namespace medimg

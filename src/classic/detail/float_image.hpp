#pragma once

// scikit-image's conversion of images to floating point (img_as_float), shared by the edge
// filters.

#include <ATen/core/Tensor.h>

namespace medimg::detail {

/// skimage.img_as_float: float32 and float64 unchanged; bool as 0/1; unsigned integers times
/// 1 / max; signed integers times 1 / max and at least -1 (DirectX's rule); all contiguous,
/// integers and bool as float64.
/// @throws Unsupported for dtypes outside core/dispatch.hpp's list.
at::Tensor img_as_float(const at::Tensor& image);

/// skimage.util.dtype_limits(image)[1]: 1 for floating point and bool, the largest value of
/// an integer dtype.
double dtype_max(at::ScalarType dtype);

}  // namespace medimg::detail

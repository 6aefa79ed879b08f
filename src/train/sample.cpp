#include "medimg/train/sample.hpp"

#include <ATen/ops/tensor.h>

#include <algorithm>

#include "medimg/core/error.hpp"

namespace medimg::train {

Image class_label(const std::vector<std::int64_t>& values) {
  MEDIMG_CHECK(!values.empty(), ArgumentError, "class_label: no values");
  const auto count = static_cast<std::int64_t>(values.size());
  return Image(at::tensor(values, at::TensorOptions(at::kLong)).reshape({count, 1, 1}));
}

bool has_class_label(const Sample& sample) {
  if (!sample.label.defined() || !sample.image.defined()) return false;
  const auto label_shape = sample.label.spatial_shape();
  const bool ones = std::all_of(label_shape.begin(), label_shape.end(),
                                [](std::int64_t n) { return n == 1; });
  return ones && label_shape != sample.image.spatial_shape();
}

}  // namespace medimg::train

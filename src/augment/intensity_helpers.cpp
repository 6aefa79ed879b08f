#include "detail/intensity_helpers.hpp"

#include <ATen/Functions.h>

#include <cmath>

#include "medimg/core/error.hpp"

namespace medimg::detail {

void check_range(const char* who, const char* what, const Range& range, double minimum) {
  MEDIMG_CHECK(std::isfinite(range.low) && std::isfinite(range.high) && range.low <= range.high,
               ArgumentError, who, ": ", what, " must be a finite range with low <= high, got (",
               range.low, ", ", range.high, ")");
  MEDIMG_CHECK(range.low >= minimum, ArgumentError, who, ": ", what, " must be >= ", minimum,
               ", got (", range.low, ", ", range.high, ")");
}

at::Tensor floating(const at::Tensor& voxels) {
  // .to(kFloat) would drop the imaginary part with only a warning.
  MEDIMG_CHECK(!at::isComplexType(voxels.scalar_type()), Unsupported,
               "augmentations do not handle dtype ", voxels.scalar_type(),
               "; convert with .to(float32)");
  return voxels.scalar_type() == at::kDouble ? voxels : voxels.to(at::kFloat);
}

namespace {
at::Tensor broadcastable(const at::Tensor& per_channel, const at::Tensor& voxels) {
  std::vector<std::int64_t> shape(voxels.dim(), 1);
  shape[0] = voxels.size(0);
  return per_channel.reshape(shape);
}
}  // namespace

at::Tensor channel_min(const at::Tensor& voxels) {
  return broadcastable(voxels.flatten(1).amin(1), voxels);
}

at::Tensor channel_max(const at::Tensor& voxels) {
  return broadcastable(voxels.flatten(1).amax(1), voxels);
}

at::Tensor channel_mean(const at::Tensor& voxels) {
  return broadcastable(voxels.flatten(1).mean(1), voxels);
}

void set_voxels(Sample& sample, at::Tensor voxels) {
  sample.image = sample.image.with_tensor(std::move(voxels));
}

}  // namespace medimg::detail

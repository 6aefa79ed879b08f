#include <ATen/Functions.h>

#include <algorithm>

#include "medimg/augment/spatial.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

/// A spatial axis given as -dims..dims-1, as an index in 0..dims-1.
int spatial_axis(int axis, int dims, const char* who) {
  MEDIMG_CHECK(axis >= -dims && axis < dims, ArgumentError, who, ": axis ", axis,
               " is out of range for ", dims, " spatial axes");
  return axis < 0 ? axis + dims : axis;
}

/// Applies `op` to the image and, if present, the label (both channel-first tensors).
template <typename Op>
void on_both(Sample& sample, Op&& op) {
  sample.image = op(sample.image);
  if (sample.label.defined()) sample.label = op(sample.label);
}

}  // namespace

RandFlip::RandFlip(RandFlipOptions options) : options_(std::move(options)) {
  MEDIMG_CHECK(options_.probability >= 0.0 && options_.probability <= 1.0, ArgumentError,
               "RandFlip: probability must be in [0, 1], got ", options_.probability);
  for (int axis : options_.axes) {
    MEDIMG_CHECK(axis >= -3 && axis < 3, ArgumentError, "RandFlip: axis ", axis,
                 " is not a spatial axis (use 0..2 or -3..-1)");
  }
}

std::vector<bool> RandFlip::sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const {
  const int dims = static_cast<int>(spatial_shape.size());
  std::vector<bool> allowed(dims, options_.axes.empty());
  for (int axis : options_.axes) allowed[spatial_axis(axis, dims, "RandFlip")] = true;
  std::vector<bool> flips(dims, false);
  for (int d = 0; d < dims; ++d) {
    if (allowed[d]) flips[d] = random.chance(options_.probability);
  }
  return flips;
}

void RandFlip::apply(Sample& sample, const std::vector<bool>& flips) const {
  detail::check_sample(sample, "RandFlip");
  const int dims = sample.image.spatial_dims();
  MEDIMG_CHECK(static_cast<int>(flips.size()) == dims, ShapeError, "RandFlip: expected ", dims,
               " flags, got ", flips.size());
  std::vector<std::int64_t> tensor_axes;
  for (int d = 0; d < dims; ++d) {
    if (flips[d]) tensor_axes.push_back(d + 1);
  }
  if (tensor_axes.empty()) return;
  on_both(sample, [&](const Image& image) {
    return image.with_tensor(at::flip(image.tensor(), tensor_axes));
  });
}

RandRot90::RandRot90(RandRot90Options options) : options_(std::move(options)) {
  MEDIMG_CHECK(options_.plane.size() == 2, ArgumentError,
               "RandRot90: plane must name two spatial axes, got ", options_.plane.size());
  MEDIMG_CHECK(options_.max_k >= 0 && options_.max_k <= 3, ArgumentError,
               "RandRot90: max_k must be in 0..3, got ", options_.max_k);
}

int RandRot90::sample(Random& random, const std::vector<std::int64_t>&) const {
  return static_cast<int>(random.integer(0, options_.max_k));
}

void RandRot90::apply(Sample& sample, const int& k) const {
  detail::check_sample(sample, "RandRot90");
  const int dims = sample.image.spatial_dims();
  const int a = spatial_axis(options_.plane[0], dims, "RandRot90");
  const int b = spatial_axis(options_.plane[1], dims, "RandRot90");
  MEDIMG_CHECK(a != b, ArgumentError, "RandRot90: the plane needs two different axes, got ", a,
               " twice");
  const int turns = ((k % 4) + 4) % 4;
  if (turns == 0) return;
  on_both(sample, [&](const Image& image) {
    Image turned = image.with_tensor(at::rot90(image.tensor(), turns, {a + 1, b + 1}).contiguous());
    if (turns % 2 == 1) {  // the two axes trade places, and with them their spacing
      Geometry geometry = image.geometry();
      Eigen::VectorXd spacing = geometry.spacing();
      std::swap(spacing[a], spacing[b]);
      geometry.set_spacing(spacing);
      turned.set_geometry(geometry);
    }
    return turned;
  });
}

}  // namespace medimg

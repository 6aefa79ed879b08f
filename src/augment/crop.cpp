#include "medimg/augment/crop.hpp"

#include <ATen/Functions.h>

#include <algorithm>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

/// The patch of `image` at `start` with the patch `size`, `fill` outside the image.
Image patch_of(const Image& image, const std::vector<std::int64_t>& start,
               const std::vector<std::int64_t>& size, double fill) {
  std::vector<std::int64_t> shape{image.channels()};
  shape.insert(shape.end(), size.begin(), size.end());
  at::Tensor out = at::full(shape, fill, image.tensor().options());
  at::Tensor source = image.tensor();
  at::Tensor target = out;
  const auto extent = image.spatial_shape();
  for (std::size_t d = 0; d < size.size(); ++d) {
    const std::int64_t from = std::max<std::int64_t>(start[d], 0);
    const std::int64_t to = std::min<std::int64_t>(start[d] + size[d], extent[d]);
    if (to <= from) return image.with_tensor(out);  // the patch misses the image
    source = source.narrow(static_cast<std::int64_t>(d) + 1, from, to - from);
    target = target.narrow(static_cast<std::int64_t>(d) + 1, from - start[d], to - from);
  }
  target.copy_(source);
  Image patch = image.with_tensor(out);
  Geometry geometry = image.geometry();
  Eigen::VectorXd index(size.size());
  for (std::size_t d = 0; d < size.size(); ++d) index[d] = static_cast<double>(start[d]);
  geometry.set_origin(geometry.index_to_world(index));
  patch.set_geometry(geometry);
  return patch;
}

}  // namespace

RandCropByLabel::RandCropByLabel(RandCropByLabelOptions options) : options_(std::move(options)) {
  MEDIMG_CHECK(options_.size.size() == 2 || options_.size.size() == 3, ShapeError,
               "RandCropByLabel: size needs 2 or 3 values, got ", options_.size.size());
  for (auto s : options_.size) {
    MEDIMG_CHECK(s > 0, ArgumentError, "RandCropByLabel: patch sizes must be > 0, got ", s);
  }
  MEDIMG_CHECK(options_.foreground_probability >= 0.0 && options_.foreground_probability <= 1.0,
               ArgumentError, "RandCropByLabel: foreground_probability must be in [0, 1], got ",
               options_.foreground_probability);
}

RandCropByLabel::Params RandCropByLabel::sample(Random& random, const Sample& sample) const {
  detail::check_sample(sample, "RandCropByLabel");
  const auto extent = sample.image.spatial_shape();
  MEDIMG_CHECK(extent.size() == options_.size.size(), ShapeError, "RandCropByLabel: a ",
               options_.size.size(), "D patch size for a ", extent.size(), "D image");
  const int dims = static_cast<int>(extent.size());
  std::vector<std::int64_t> centre(dims);
  bool from_foreground = false;
  if (sample.label.defined() && random.chance(options_.foreground_probability)) {
    // Flat indices of the foreground voxels (any channel), one drawn uniformly. A one-channel
    // label skips the any() reduction, which costs as much as nonzero() itself.
    const at::Tensor& label = sample.label.tensor();
    const at::Tensor foreground = label.size(0) == 1 ? label[0].flatten().nonzero()
                                                     : label.ne(0).any(0).flatten().nonzero();
    if (foreground.size(0) > 0) {
      std::int64_t flat =
          foreground[random.integer(0, foreground.size(0) - 1)][0].item<std::int64_t>();
      for (int d = dims - 1; d >= 0; --d) {
        centre[d] = flat % extent[d];
        flat /= extent[d];
      }
      from_foreground = true;
    }
  }
  if (!from_foreground) {
    for (int d = 0; d < dims; ++d) centre[d] = random.integer(0, extent[d] - 1);
  }
  Params start(dims);
  for (int d = 0; d < dims; ++d) {
    const std::int64_t size = options_.size[d];
    start[d] = size <= extent[d] ? std::clamp<std::int64_t>(centre[d] - size / 2, 0, extent[d] - size)
                                 : -(size - extent[d]) / 2;  // centred, padded both sides
  }
  return start;
}

void RandCropByLabel::apply(Sample& sample, const Params& start) const {
  detail::check_sample(sample, "RandCropByLabel");
  MEDIMG_CHECK(start.size() == options_.size.size(), ShapeError, "RandCropByLabel: expected ",
               options_.size.size(), " start indices, got ", start.size());
  sample.image = patch_of(sample.image, start, options_.size, options_.fill_value);
  if (sample.label.defined()) sample.label = patch_of(sample.label, start, options_.size, 0.0);
}

void RandCropByLabel::operator()(Sample& sample, Random& random) const {
  apply(sample, this->sample(random, sample));
}

}  // namespace medimg

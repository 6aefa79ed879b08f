#include "medimg/augment/transform.hpp"

#include <cmath>

#include "medimg/core/error.hpp"

namespace medimg {

Compose& Compose::add(std::shared_ptr<const Transform> transform, double probability) {
  MEDIMG_CHECK(transform != nullptr, ArgumentError, "Compose.add: transform is null");
  MEDIMG_CHECK(probability >= 0.0 && probability <= 1.0, ArgumentError,
               "Compose.add: probability must be in [0, 1], got ", probability, " for ",
               transform->name());
  steps_.push_back({std::move(transform), probability});
  return *this;
}

void Compose::operator()(Sample& sample, Random& random) const {
  for (const Step& step : steps_) {
    // One coin per step, also at probability 1: the stream then depends only on which
    // steps ran, not on their probabilities.
    if (random.uniform(0.0, 1.0) < step.probability) (*step.transform)(sample, random);
  }
}

namespace detail {

void check_sample(const Sample& sample, const char* who) {
  MEDIMG_CHECK(sample.image.defined(), ArgumentError, who, ": the sample has no image");
  const int dims = sample.image.spatial_dims();
  MEDIMG_CHECK(dims == 2 || dims == 3, ShapeError, who,
               ": expected an image (C, Y, X) or (C, Z, Y, X), got shape ",
               sample.image.tensor().sizes());
  MEDIMG_CHECK(sample.image.tensor().numel() > 0, ShapeError, who, ": the image is empty, shape ",
               sample.image.tensor().sizes());
  if (sample.label.defined()) {
    MEDIMG_CHECK(sample.label.spatial_shape() == sample.image.spatial_shape(), ShapeError, who,
                 ": label shape ", sample.label.tensor().sizes(),
                 " does not match the image's spatial shape ", sample.image.tensor().sizes());
  }
}

}  // namespace detail
}  // namespace medimg

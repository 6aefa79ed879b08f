#pragma once

/// Random transforms applied to an image and its label map together.
///
/// Each transform splits into `sample` (draw the parameters from a Random) and `apply` (use
/// them), so the image and its label get the same draw: intensities are interpolated with
/// the transform's interpolation, labels always with nearest neighbour. Spatial transforms
/// move the content on the image's grid (the geometry stays), except crops, which take a
/// sub-grid and move the origin.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "medimg/augment/random.hpp"
#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// One training sample: an image (C, [Z], Y, X) and an optional label map on the same grid
/// (undefined Image when absent).
struct Sample {
  Image image;
  Image label;
};

/// The interface Compose and the loaders call.
class MEDIMG_API Transform {
 public:
  virtual ~Transform() = default;
  /// The transform's class name, for logs and errors.
  virtual std::string name() const = 0;
  /// Draws parameters from `random` and applies them to the sample in place.
  virtual void operator()(Sample& sample, Random& random) const = 0;
};

/// A transform whose draw is a value of type P, available on its own.
template <typename P>
class RandomTransform : public Transform {
 public:
  using Params = P;
  /// The parameters for an image of this spatial shape (array order).
  virtual Params sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const = 0;
  /// Applies drawn parameters to the image and, with nearest neighbour, to the label.
  virtual void apply(Sample& sample, const Params& params) const = 0;

  void operator()(Sample& sample, Random& random) const final {
    apply(sample, this->sample(random, sample.image.spatial_shape()));
  }
};

/// A pipeline: each transform runs with its own probability, in order.
class MEDIMG_API Compose final : public Transform {
 public:
  Compose() = default;
  /// Appends `transform`, applied with probability `probability` in [0, 1].
  Compose& add(std::shared_ptr<const Transform> transform, double probability = 1.0);

  std::string name() const override { return "Compose"; }
  void operator()(Sample& sample, Random& random) const override;

  std::size_t size() const noexcept { return steps_.size(); }

 private:
  struct Step {
    std::shared_ptr<const Transform> transform;
    double probability;
  };
  std::vector<Step> steps_;
};

namespace detail {
/// Checks that sample.image is defined with 2 or 3 spatial dims and that a defined label has
/// the image's spatial shape; `who` names the transform in the message.
MEDIMG_API void check_sample(const Sample& sample, const char* who);
}  // namespace detail

}  // namespace medimg

#pragma once

/// Random patches for 3D training: centred on the foreground with probability p, anywhere
/// otherwise (nnU-Net's oversampling, MONAI's RandCropByPosNegLabel with pos / (pos + neg) = p).

#include <cstdint>
#include <vector>

#include "medimg/augment/transform.hpp"

namespace medimg {

struct RandCropByLabelOptions {
  std::vector<std::int64_t> size;      ///< patch shape, array order, one per spatial axis
  double foreground_probability = 0.5;  ///< chance that the centre is a foreground voxel
  double fill_value = 0.0;             ///< image value where the patch leaves the image
};

/// Crops image and label to `size`. The draw is the patch's start index (array order),
/// negative or past the end where an image is smaller than the patch: those voxels get
/// fill_value in the image and 0 in the label. The patch's geometry is the source grid's,
/// with the origin moved to the start voxel, so world positions are kept.
class MEDIMG_API RandCropByLabel final : public Transform {
 public:
  using Params = std::vector<std::int64_t>;

  explicit RandCropByLabel(RandCropByLabelOptions options);
  std::string name() const override { return "RandCropByLabel"; }

  /// The start index. The foreground (any label channel != 0) decides the centre with
  /// probability foreground_probability; without a label or foreground the centre is uniform.
  /// The patch is then moved inside the image along each axis where it fits.
  Params sample(Random& random, const Sample& sample) const;
  /// Crops (and pads) image and label at `start`.
  void apply(Sample& sample, const Params& start) const;
  void operator()(Sample& sample, Random& random) const override;

  const RandCropByLabelOptions& options() const noexcept { return options_; }

 private:
  RandCropByLabelOptions options_;
};

}  // namespace medimg

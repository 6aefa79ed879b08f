#pragma once

/// Random spatial transforms: affine, flips, quarter turns, elastic deformation.
///
/// The content moves on the image's own grid (shape and geometry stay, except that a quarter
/// turn swaps the spacing of its two axes); the label follows with nearest neighbour.

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/augment/intensity.hpp"
#include "medimg/augment/transform.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

struct RandAffineOptions {
  Range rotation{0.0, 0.0};     ///< degrees, drawn per rotation plane (1 in 2D, 3 in 3D)
  Range scale{1.0, 1.0};        ///< zoom factor (> 1 enlarges the content)
  bool isotropic_scale = true;  ///< one factor for every axis (nnU-Net's default)
  Range translation{0.0, 0.0};  ///< voxels, drawn per axis
  Range shear{0.0, 0.0};        ///< shear factor, drawn per axis pair
  Interpolation interpolation = Interpolation::Linear;
  BorderMode border = BorderMode::Constant;
  double fill_value = 0.0;
};

/// One draw of RandAffine; every vector is in array-axis order.
struct AffineParams {
  std::vector<double> angles;       ///< radians: (y,x) plane; in 3D also (z,x), (z,y)
  std::vector<double> scales;       ///< per axis
  std::vector<double> shears;       ///< 2D: (y by x); 3D: (y by x, z by x, z by y)
  std::vector<double> translation;  ///< voxels per axis
};

/// The (ndim+1)² homogeneous matrix mapping an OUTPUT array index to the INPUT index it
/// samples, for content moved by `params` about the grid centre (n - 1) / 2. Rotation, shear
/// and scale act in millimetres (through `spacing`), so a rotation stays a rotation on
/// anisotropic voxels: forward, a point p (mm from the centre) goes to R·H·S·p + t, with R
/// the rotations in the planes in `angles` order, H the shears and S the scales.
MEDIMG_API Eigen::MatrixXd affine_matrix(const AffineParams& params,
                                         const std::vector<std::int64_t>& spatial_shape,
                                         const Eigen::VectorXd& spacing);

/// Random rotation, scaling, shear and translation (MONAI's RandAffine, nnU-Net's spatial
/// transform).
class MEDIMG_API RandAffine final : public RandomTransform<AffineParams> {
 public:
  explicit RandAffine(RandAffineOptions options = {});
  std::string name() const override { return "RandAffine"; }
  AffineParams sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const AffineParams& params) const override;
  const RandAffineOptions& options() const noexcept { return options_; }

 private:
  RandAffineOptions options_;
};

struct RandFlipOptions {
  std::vector<int> axes;    ///< spatial axes (array order) that may flip; empty = all
  double probability = 0.5;  ///< per axis
};

/// Flips each allowed axis with its own coin. The draw is one flag per spatial axis.
class MEDIMG_API RandFlip final : public RandomTransform<std::vector<bool>> {
 public:
  explicit RandFlip(RandFlipOptions options = {});
  std::string name() const override { return "RandFlip"; }
  std::vector<bool> sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const std::vector<bool>& flips) const override;
  const RandFlipOptions& options() const noexcept { return options_; }

 private:
  RandFlipOptions options_;
};

struct RandRot90Options {
  std::vector<int> plane{-2, -1};  ///< two spatial axes (negative counts from the end)
  int max_k = 3;                   ///< k is drawn from 0..max_k
};

/// k quarter turns in a plane, numpy.rot90's direction (from the first axis towards the
/// second). The draw is k.
class MEDIMG_API RandRot90 final : public RandomTransform<int> {
 public:
  explicit RandRot90(RandRot90Options options = {});
  std::string name() const override { return "RandRot90"; }
  int sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const int& k) const override;
  const RandRot90Options& options() const noexcept { return options_; }

 private:
  RandRot90Options options_;
};

struct RandElasticOptions {
  Range sigma{9.0, 13.0};        ///< voxels: smoothness of the displacement field
  Range magnitude{0.0, 200.0};   ///< voxels: scale of the smoothed field
  Interpolation interpolation = Interpolation::Linear;
  BorderMode border = BorderMode::Constant;
  double fill_value = 0.0;
};

struct ElasticParams {
  double sigma = 0.0;
  double magnitude = 0.0;
  std::uint64_t seed = 0;  ///< seed of the random field
};

/// Elastic deformation (Simard et al. 2003, as batchgenerators and nnU-Net): per axis, a
/// uniform(-1, 1) field is smoothed with a Gaussian of `sigma` (zero outside) and scaled by
/// `magnitude`; each output voxel samples the input at its index plus that displacement.
class MEDIMG_API RandElastic final : public RandomTransform<ElasticParams> {
 public:
  explicit RandElastic(RandElasticOptions options = {});
  std::string name() const override { return "RandElastic"; }
  ElasticParams sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const ElasticParams& params) const override;
  const RandElasticOptions& options() const noexcept { return options_; }

  /// The displacement field of a draw, (ndim, *spatial_shape) float32 in voxels.
  at::Tensor displacement(const ElasticParams& params,
                          const std::vector<std::int64_t>& spatial_shape) const;

 private:
  RandElasticOptions options_;
};

}  // namespace medimg

#pragma once

/// Random intensity transforms (the image only; a label passes through unchanged).
///
/// Integer images are promoted to float32 (float64 stays float64); one draw serves every
/// channel. They run with ATen operations, so they work on any device the tensor is on.

#include <cstdint>
#include <vector>

#include "medimg/augment/transform.hpp"

namespace medimg {

struct RandGammaOptions {
  Range gamma{0.7, 1.5};
};

/// Gamma on each channel's own range: min + range * ((x - min) / (range + 1e-7))^gamma,
/// MONAI's RandAdjustContrast and nnU-Net's GammaTransform.
class MEDIMG_API RandGamma final : public RandomTransform<double> {
 public:
  explicit RandGamma(RandGammaOptions options = {});
  std::string name() const override { return "RandGamma"; }
  double sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const double& gamma) const override;
  const RandGammaOptions& options() const noexcept { return options_; }

 private:
  RandGammaOptions options_;
};

struct RandGaussianNoiseOptions {
  double mean = 0.0;
  Range std{0.0, 0.1};
};

/// The noise a RandGaussianNoise draw adds: its standard deviation and the seed of the
/// voxel noise, so the same draw gives the same noise.
struct NoiseParams {
  double std = 0.0;
  std::uint64_t seed = 0;
};

/// Adds N(mean, std²) noise per voxel, std drawn from the range (MONAI RandGaussianNoise).
class MEDIMG_API RandGaussianNoise final : public RandomTransform<NoiseParams> {
 public:
  explicit RandGaussianNoise(RandGaussianNoiseOptions options = {});
  std::string name() const override { return "RandGaussianNoise"; }
  NoiseParams sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const NoiseParams& params) const override;
  const RandGaussianNoiseOptions& options() const noexcept { return options_; }

 private:
  RandGaussianNoiseOptions options_;
};

struct RandGaussianSmoothOptions {
  Range sigma{0.5, 1.0};  ///< voxels, drawn per axis
};

/// Gaussian smoothing with a sigma per spatial axis (array order), scipy's kernel.
class MEDIMG_API RandGaussianSmooth final : public RandomTransform<std::vector<double>> {
 public:
  explicit RandGaussianSmooth(RandGaussianSmoothOptions options = {});
  std::string name() const override { return "RandGaussianSmooth"; }
  std::vector<double> sample(Random& random,
                             const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const std::vector<double>& sigma) const override;
  const RandGaussianSmoothOptions& options() const noexcept { return options_; }

 private:
  RandGaussianSmoothOptions options_;
};

struct RandContrastOptions {
  Range factor{0.75, 1.25};
  bool preserve_range = true;  ///< clip to the channel's original [min, max]
};

/// (x - mean) * factor + mean per channel (nnU-Net's ContrastAugmentationTransform).
class MEDIMG_API RandContrast final : public RandomTransform<double> {
 public:
  explicit RandContrast(RandContrastOptions options = {});
  std::string name() const override { return "RandContrast"; }
  double sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const double& factor) const override;
  const RandContrastOptions& options() const noexcept { return options_; }

 private:
  RandContrastOptions options_;
};

struct RandBrightnessOptions {
  Range multiplier{0.75, 1.25};  ///< nnU-Net's BrightnessMultiplicativeTransform
  Range offset{0.0, 0.0};        ///< MONAI's RandShiftIntensity
};

struct BrightnessParams {
  double multiplier = 1.0;
  double offset = 0.0;
};

/// x * multiplier + offset.
class MEDIMG_API RandBrightness final : public RandomTransform<BrightnessParams> {
 public:
  explicit RandBrightness(RandBrightnessOptions options = {});
  std::string name() const override { return "RandBrightness"; }
  BrightnessParams sample(Random& random,
                          const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const BrightnessParams& params) const override;
  const RandBrightnessOptions& options() const noexcept { return options_; }

 private:
  RandBrightnessOptions options_;
};

struct RandBiasFieldOptions {
  int degree = 3;  ///< 1 to 32
  Range coefficients{0.0, 0.1};
};

/// A smooth multiplicative field x * exp(sum c_ijk P_i(z) P_j(y) P_k(x)) over the terms with
/// i + j + k <= degree, P the Legendre polynomials on [-1, 1] across each axis (MONAI's
/// RandBiasField). The draw is the coefficient list, in the order of bias_field_terms().
class MEDIMG_API RandBiasField final : public RandomTransform<std::vector<double>> {
 public:
  explicit RandBiasField(RandBiasFieldOptions options = {});
  std::string name() const override { return "RandBiasField"; }
  std::vector<double> sample(Random& random,
                             const std::vector<std::int64_t>& spatial_shape) const override;
  void apply(Sample& sample, const std::vector<double>& coefficients) const override;
  const RandBiasFieldOptions& options() const noexcept { return options_; }

 private:
  RandBiasFieldOptions options_;
};

/// The polynomial degrees (one per spatial axis, array order) of each bias-field term, in
/// coefficient order: all tuples with sum <= degree, lexicographic.
MEDIMG_API std::vector<std::vector<int>> bias_field_terms(int spatial_dims, int degree);

}  // namespace medimg

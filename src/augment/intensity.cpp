#include "medimg/augment/intensity.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include <cmath>

#include "detail/intensity_helpers.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/gaussian.hpp"

namespace medimg {

using detail::draw;

// ---- RandGamma -------------------------------------------------------------------------

RandGamma::RandGamma(RandGammaOptions options) : options_(options) {
  MEDIMG_CHECK(!(options_.gamma.low <= 0.0), ArgumentError, "RandGamma: gamma must be > 0, got (",
               options_.gamma.low, ", ", options_.gamma.high, ")");
  detail::check_range("RandGamma", "gamma", options_.gamma, 0.0);
}

double RandGamma::sample(Random& random, const std::vector<std::int64_t>&) const {
  return draw(random, options_.gamma);
}

void RandGamma::apply(Sample& sample, const double& gamma) const {
  detail::check_sample(sample, "RandGamma");
  MEDIMG_CHECK(gamma > 0.0 && std::isfinite(gamma), ArgumentError,
               "RandGamma: gamma must be finite and > 0, got ", gamma);
  const at::Tensor x = detail::floating(sample.image.tensor());
  const at::Tensor low = detail::channel_min(x);
  const at::Tensor range = detail::channel_max(x) - low;
  // The epsilon is MONAI's: it keeps a constant channel finite (0^gamma * 0 + low).
  detail::set_voxels(sample, ((x - low) / (range + 1e-7)).pow(gamma) * range + low);
}

// ---- RandGaussianNoise -----------------------------------------------------------------

RandGaussianNoise::RandGaussianNoise(RandGaussianNoiseOptions options) : options_(options) {
  MEDIMG_CHECK(std::isfinite(options_.mean), ArgumentError,
               "RandGaussianNoise: mean must be finite, got ", options_.mean);
  detail::check_range("RandGaussianNoise", "std", options_.std, 0.0);
}

NoiseParams RandGaussianNoise::sample(Random& random, const std::vector<std::int64_t>&) const {
  NoiseParams params;
  params.std = draw(random, options_.std);
  params.seed = random.spawn();
  return params;
}

void RandGaussianNoise::apply(Sample& sample, const NoiseParams& params) const {
  detail::check_sample(sample, "RandGaussianNoise");
  MEDIMG_CHECK(params.std >= 0.0 && std::isfinite(params.std), ArgumentError,
               "RandGaussianNoise: std must be finite and >= 0, got ", params.std);
  const at::Tensor x = detail::floating(sample.image.tensor());
  // Drawn on the CPU from its own generator: the same seed gives the same noise on every
  // device and thread count.
  at::Generator generator = at::detail::createCPUGenerator(params.seed);
  at::Tensor noise = at::normal(options_.mean, params.std, x.sizes(), generator,
                                x.options().device(at::kCPU));
  detail::set_voxels(sample, x + noise.to(x.device()));
}

// ---- RandGaussianSmooth ----------------------------------------------------------------

RandGaussianSmooth::RandGaussianSmooth(RandGaussianSmoothOptions options) : options_(options) {
  detail::check_range("RandGaussianSmooth", "sigma", options_.sigma, 0.0);
}

std::vector<double> RandGaussianSmooth::sample(
    Random& random, const std::vector<std::int64_t>& spatial_shape) const {
  std::vector<double> sigma(spatial_shape.size());
  for (double& s : sigma) s = draw(random, options_.sigma);
  return sigma;
}

void RandGaussianSmooth::apply(Sample& sample, const std::vector<double>& sigma) const {
  detail::check_sample(sample, "RandGaussianSmooth");
  detail::set_voxels(sample, gaussian_filter(detail::floating(sample.image.tensor()), sigma));
}

// ---- RandContrast ----------------------------------------------------------------------

RandContrast::RandContrast(RandContrastOptions options) : options_(options) {
  detail::check_range("RandContrast", "factor", options_.factor, 0.0);
}

double RandContrast::sample(Random& random, const std::vector<std::int64_t>&) const {
  return draw(random, options_.factor);
}

void RandContrast::apply(Sample& sample, const double& factor) const {
  detail::check_sample(sample, "RandContrast");
  MEDIMG_CHECK(std::isfinite(factor) && factor >= 0.0, ArgumentError,
               "RandContrast: factor must be finite and >= 0, got ", factor);
  const at::Tensor x = detail::floating(sample.image.tensor());
  const at::Tensor mean = detail::channel_mean(x);
  at::Tensor y = (x - mean) * factor + mean;
  if (options_.preserve_range) {
    y = at::maximum(at::minimum(y, detail::channel_max(x)), detail::channel_min(x));
  }
  detail::set_voxels(sample, y);
}

// ---- RandBrightness --------------------------------------------------------------------

RandBrightness::RandBrightness(RandBrightnessOptions options) : options_(options) {
  detail::check_range("RandBrightness", "multiplier", options_.multiplier, 0.0);
  detail::check_range("RandBrightness", "offset", options_.offset, -INFINITY);
}

BrightnessParams RandBrightness::sample(Random& random, const std::vector<std::int64_t>&) const {
  BrightnessParams params;
  params.multiplier = draw(random, options_.multiplier);
  params.offset = draw(random, options_.offset);
  return params;
}

void RandBrightness::apply(Sample& sample, const BrightnessParams& params) const {
  detail::check_sample(sample, "RandBrightness");
  MEDIMG_CHECK(std::isfinite(params.multiplier) && std::isfinite(params.offset), ArgumentError,
               "RandBrightness: multiplier and offset must be finite");
  detail::set_voxels(sample,
                     detail::floating(sample.image.tensor()) * params.multiplier + params.offset);
}

}  // namespace medimg

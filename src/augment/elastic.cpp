#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include "detail/intensity_helpers.hpp"
#include "detail/spatial_helpers.hpp"
#include "medimg/augment/spatial.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/gaussian.hpp"

namespace medimg {

RandElastic::RandElastic(RandElasticOptions options) : options_(options) {
  detail::check_range("RandElastic", "sigma", options_.sigma, 0.0);
  MEDIMG_CHECK(options_.sigma.low > 0.0, ArgumentError, "RandElastic: sigma must be > 0, got (",
               options_.sigma.low, ", ", options_.sigma.high, ")");
  detail::check_range("RandElastic", "magnitude", options_.magnitude, 0.0);
}

ElasticParams RandElastic::sample(Random& random, const std::vector<std::int64_t>&) const {
  ElasticParams params;
  params.sigma = detail::draw(random, options_.sigma);
  params.magnitude = detail::draw(random, options_.magnitude);
  params.seed = random.spawn();
  return params;
}

at::Tensor RandElastic::displacement(const ElasticParams& params,
                                     const std::vector<std::int64_t>& spatial_shape) const {
  const auto dims = static_cast<std::int64_t>(spatial_shape.size());
  MEDIMG_CHECK(dims == 2 || dims == 3, ShapeError, "RandElastic: expected 2 or 3 spatial axes, got ",
               dims);
  MEDIMG_CHECK(params.sigma > 0.0 && params.magnitude >= 0.0, ArgumentError,
               "RandElastic: needs sigma > 0 and magnitude >= 0, got ", params.sigma, " and ",
               params.magnitude);
  std::vector<std::int64_t> shape{dims};
  shape.insert(shape.end(), spatial_shape.begin(), spatial_shape.end());
  at::Generator generator = at::detail::createCPUGenerator(params.seed);
  const at::Tensor noise = at::rand(shape, generator, at::TensorOptions(at::kFloat)) * 2.0 - 1.0;
  GaussianOptions smooth;
  smooth.border = BorderMode::Constant;  // zero outside, as batchgenerators
  // Each axis's field is one channel of the (ndim, ...) tensor.
  return gaussian_filter(noise, {params.sigma}, smooth) * params.magnitude;
}

void RandElastic::apply(Sample& sample, const ElasticParams& params) const {
  detail::check_sample(sample, "RandElastic");
  const auto shape = sample.image.spatial_shape();
  at::Tensor coordinates = displacement(params, shape);
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::vector<std::int64_t> along(shape.size(), 1);
    along[d] = shape[d];
    coordinates[d] += at::arange(shape[d], at::TensorOptions(at::kFloat)).reshape(along);
  }
  SampleOptions image_options;
  image_options.interpolation = options_.interpolation;
  image_options.border = options_.border;
  image_options.fill_value = options_.fill_value;
  detail::set_voxels(sample, map_coordinates(detail::floating(sample.image.tensor()), coordinates,
                                             image_options));
  if (sample.label.defined()) {
    sample.label = sample.label.with_tensor(
        map_coordinates(sample.label.tensor(), coordinates, detail::label_sampling(options_.border)));
  }
}

}  // namespace medimg

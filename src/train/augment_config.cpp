// The augmentation steps of configuration files: augment/'s transforms with their options
// read under the Python keyword names (medimg.augment).
#include <utility>

#include "config_values.hpp"
#include "medimg/augment/crop.hpp"
#include "medimg/augment/intensity.hpp"
#include "medimg/augment/spatial.hpp"
#include "medimg/preprocess/sampling_names.hpp"
#include "pipeline_config.hpp"

namespace medimg::train {
namespace {

Range range(const ConfigNode& p, const std::string& key, Range fallback) {
  const auto value = get_pair(p, key, {fallback.low, fallback.high});
  return {value.first, value.second};
}

std::vector<int> ints(const std::vector<std::int64_t>& values) {
  return std::vector<int>(values.begin(), values.end());
}

/// interpolation, border and fill_value of the warping transforms.
template <typename Options>
void read_sampling(const ConfigNode& p, Options& o) {
  const std::string interpolation = p.get<std::string>("interpolation", "linear");
  o.interpolation = at_config_key(p.key_path("interpolation"), [&] {
    return parse_interpolation(interpolation);
  });
  const std::string border = p.get<std::string>("border", "constant");
  o.border = at_config_key(p.key_path("border"), [&] { return parse_border_mode(border); });
  o.fill_value = p.get<double>("fill_value", 0.0);
}

/// The transform built from options by its constructor, whose checks then name the key.
/// Every key has been read by then: unknown keys are reported before bad values.
template <typename T, typename Options>
std::shared_ptr<const Transform> build(const ConfigNode& p, Options options) {
  p.finish();
  return at_config_key(p.path(), [&] { return std::make_shared<const T>(std::move(options)); });
}

std::shared_ptr<const Transform> rand_flip(const ConfigNode& p) {
  RandFlipOptions o;
  o.axes = ints(get_integers(p, "axes"));
  o.probability = p.get<double>("probability", o.probability);
  return build<RandFlip>(p, o);
}

std::shared_ptr<const Transform> rand_rot90(const ConfigNode& p) {
  RandRot90Options o;
  o.plane = ints(get_integers(p, "plane", {-2, -1}));
  o.max_k = static_cast<int>(p.get<std::int64_t>("max_k", o.max_k));
  return build<RandRot90>(p, o);
}

std::shared_ptr<const Transform> rand_affine(const ConfigNode& p) {
  RandAffineOptions o;
  o.rotation = range(p, "rotation", o.rotation);
  o.scale = range(p, "scale", o.scale);
  o.isotropic_scale = p.get<bool>("isotropic_scale", o.isotropic_scale);
  o.translation = range(p, "translation", o.translation);
  o.shear = range(p, "shear", o.shear);
  read_sampling(p, o);
  return build<RandAffine>(p, o);
}

std::shared_ptr<const Transform> rand_elastic(const ConfigNode& p) {
  RandElasticOptions o;
  o.sigma = range(p, "sigma", o.sigma);
  o.magnitude = range(p, "magnitude", o.magnitude);
  read_sampling(p, o);
  return build<RandElastic>(p, o);
}

std::shared_ptr<const Transform> rand_gamma(const ConfigNode& p) {
  RandGammaOptions o;
  o.gamma = range(p, "gamma", o.gamma);
  return build<RandGamma>(p, o);
}

std::shared_ptr<const Transform> rand_gaussian_noise(const ConfigNode& p) {
  RandGaussianNoiseOptions o;
  o.mean = p.get<double>("mean", o.mean);
  o.std = range(p, "std", o.std);
  return build<RandGaussianNoise>(p, o);
}

std::shared_ptr<const Transform> rand_gaussian_smooth(const ConfigNode& p) {
  RandGaussianSmoothOptions o;
  o.sigma = range(p, "sigma", o.sigma);
  return build<RandGaussianSmooth>(p, o);
}

std::shared_ptr<const Transform> rand_contrast(const ConfigNode& p) {
  RandContrastOptions o;
  o.factor = range(p, "factor", o.factor);
  o.preserve_range = p.get<bool>("preserve_range", o.preserve_range);
  return build<RandContrast>(p, o);
}

std::shared_ptr<const Transform> rand_brightness(const ConfigNode& p) {
  RandBrightnessOptions o;
  o.multiplier = range(p, "multiplier", o.multiplier);
  o.offset = range(p, "offset", o.offset);
  return build<RandBrightness>(p, o);
}

std::shared_ptr<const Transform> rand_bias_field(const ConfigNode& p) {
  RandBiasFieldOptions o;
  o.degree = static_cast<int>(p.get<std::int64_t>("degree", o.degree));
  o.coefficients = range(p, "coefficients", o.coefficients);
  return build<RandBiasField>(p, o);
}

std::shared_ptr<const Transform> rand_crop_by_label(const ConfigNode& p) {
  RandCropByLabelOptions o;
  o.size = p.require<std::vector<std::int64_t>>("size");
  o.foreground_probability = p.get<double>("foreground_probability", o.foreground_probability);
  o.fill_value = p.get<double>("fill_value", o.fill_value);
  return build<RandCropByLabel>(p, o);
}

using Builder = std::shared_ptr<const Transform> (*)(const ConfigNode&);

const std::vector<std::pair<std::string, Builder>>& builders() {
  static const std::vector<std::pair<std::string, Builder>> table{
      {"rand_flip", rand_flip},
      {"rand_rot90", rand_rot90},
      {"rand_affine", rand_affine},
      {"rand_elastic", rand_elastic},
      {"rand_gamma", rand_gamma},
      {"rand_gaussian_noise", rand_gaussian_noise},
      {"rand_gaussian_smooth", rand_gaussian_smooth},
      {"rand_contrast", rand_contrast},
      {"rand_brightness", rand_brightness},
      {"rand_bias_field", rand_bias_field},
      {"rand_crop_by_label", rand_crop_by_label},
  };
  return table;
}

}  // namespace

std::vector<std::string> augmentation_step_names() {
  std::vector<std::string> names;
  for (const auto& entry : builders()) names.push_back(entry.first);
  return names;
}

AugmentStep make_augment_step(const std::string& name, const ConfigNode& params) {
  for (const auto& entry : builders()) {
    if (entry.first != name) continue;
    AugmentStep step;
    // rand_flip's own `probability` is per axis (RandFlipOptions); it always runs.
    if (name != "rand_flip") step.probability = params.get<double>("probability", 1.0);
    step.transform = entry.second(params);
    MEDIMG_CHECK(step.probability >= 0.0 && step.probability <= 1.0, ArgumentError,
                 "config key '", params.key_path("probability"), "': must be in [0, 1], got ",
                 step.probability);
    return step;
  }
  return {};
}

}  // namespace medimg::train

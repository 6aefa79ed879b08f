#pragma once

/// Preprocessing and augmentation pipelines built from configuration: a list of one-key
/// objects, each naming a step and holding its parameters, as JSON or YAML text, e.g.
///
///   [{"window": {"preset": "lung"}}, {"resample": {"spacing": [2, 1.5, 1.5]}}, {"to_float": {}}]
///   [{"rand_crop_by_label": {"size": [64, 64, 64]}}, {"rand_flip": {"axes": [2]}}]
///
/// Reading is strict: an unknown step lists the known ones, and an unknown key or a value of
/// the wrong type is an ArgumentError naming its full path ("preprocess[1].window.width").
/// Parameter names are those of the Python functions and classes (medimg.preprocess,
/// medimg.augment). docs/train_data.md lists every step and its parameters.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "medimg/augment/transform.hpp"
#include "medimg/export.hpp"

namespace medimg::train {

/// A deterministic preprocessing step, run once per sample before caching. Image-only steps
/// leave the label alone; geometric ones move a label map with it (nearest neighbour) and
/// leave a class label (train/sample.hpp) alone.
class MEDIMG_API PreprocessStep {
 public:
  virtual ~PreprocessStep() = default;
  /// The step's name and every parameter, fully resolved ("window(center=-600,width=1500,
  /// mode=linear-clip,output=[0,1])"): equal keys mean equal results, so caches key on it.
  virtual std::string key() const = 0;
  /// Replaces sample.image (and sample.label) by the step's result; never writes into the
  /// given voxels, which a cache may share.
  virtual void operator()(Sample& sample) const = 0;
};

/// Preprocessing steps, run in order.
using Preprocessing = std::vector<std::shared_ptr<const PreprocessStep>>;

/// The steps of a configuration list (JSON or YAML text; an empty text or "null" gives
/// none). `path` names the list in messages ("data.preprocess").
/// Steps: window, normalize, clip, resample, crop_foreground, crop_or_pad, to_float.
/// @throws ArgumentError for a syntax error, an unknown step or key, a missing or mistyped
///         value, or a value the step rejects (a negative width, an unknown preset).
MEDIMG_API Preprocessing preprocessing_from_config(const std::string& text,
                                                   const std::string& path = "preprocess");

/// The augmentation pipeline of a configuration list: each step may carry `probability`, the
/// chance that it runs (default 1), except rand_flip whose `probability` is the per-axis
/// chance of RandFlipOptions (it always runs). Steps: rand_flip, rand_rot90, rand_affine,
/// rand_elastic, rand_gamma, rand_gaussian_noise, rand_gaussian_smooth, rand_contrast,
/// rand_brightness, rand_bias_field, rand_crop_by_label. Ranges are [low, high] lists.
/// @throws ArgumentError as preprocessing_from_config.
MEDIMG_API std::shared_ptr<Compose> augmentation_from_config(const std::string& text,
                                                             const std::string& path = "augment");

/// The step names preprocessing_from_config knows, in documentation order.
MEDIMG_API std::vector<std::string> preprocessing_step_names();
/// The step names augmentation_from_config knows, in documentation order.
MEDIMG_API std::vector<std::string> augmentation_step_names();

/// A custom step for C++ pipelines: `apply` must be deterministic and `key` must change
/// whenever its result would (it keys the disk cache).
/// @throws ArgumentError for an empty key or function.
MEDIMG_API std::shared_ptr<const PreprocessStep> custom_step(
    std::string key, std::function<void(Sample&)> apply);

/// Runs every step on `sample`, in order.
MEDIMG_API void preprocess(const Preprocessing& steps, Sample& sample);

/// The keys of the steps joined by " | " ("" for none): the pipeline's cache key.
MEDIMG_API std::string pipeline_key(const Preprocessing& steps);

}  // namespace medimg::train

// The preprocessing steps of configuration files, each a thin wrapper of a preprocess/
// function with its parameters read, checked and spelled into the step's key.
#include <ATen/ops/clamp.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "config_values.hpp"
#include "medimg/preprocess/crop_pad.hpp"
#include "medimg/preprocess/intensity.hpp"
#include "medimg/preprocess/resample.hpp"
#include "medimg/preprocess/sampling_names.hpp"
#include "medimg/train/sample.hpp"
#include "pipeline_config.hpp"

namespace medimg::train {
namespace {

using StepPtr = std::shared_ptr<const PreprocessStep>;

// ---- keys: every parameter, spelled so that equal keys mean equal parameters ------------

/// The shortest text that reads back as exactly `value`.
std::string number(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

template <typename T>
std::string list(const std::vector<T>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? "," : "") + number(static_cast<double>(values[i]));
  }
  return out + "]";
}

std::string pair(std::pair<double, double> values) {
  return "[" + number(values.first) + "," + number(values.second) + "]";
}

/// Whether `key` holds a value (present and not null).
bool present(const ConfigNode& node, const std::string& key) {
  return node.has(key) && !node.json().at(key).is_null();
}

bool has_label_map(const Sample& sample) {
  return sample.label.defined() && !has_class_label(sample);
}

/// The label map moved onto the image's grid after a geometric step: its own geometry may
/// differ from the image's within the reader's tolerance, the image's is the reference.
void follow_image_grid(Sample& sample, Image label) {
  label.set_geometry(sample.image.geometry());
  sample.label = std::move(label);
}

// ---- steps --------------------------------------------------------------------------------

StepPtr window_step(const ConfigNode& p) {
  const bool has_center = present(p, "center");
  const bool has_width = present(p, "width");
  double center = p.get<double>("center", 0.0);
  double width = p.get<double>("width", 0.0);
  const std::string preset = p.get<std::string>("preset", "");
  const std::string mode = p.get<std::string>("mode", "linear-clip");
  // A reversed output range inverts the ramp (window() allows it).
  const auto output = get_pair(p, "output", {0.0, 1.0});
  p.finish();
  check_choice(p, "mode", mode, {"linear-clip", "linear", "linear-exact"});
  if (!preset.empty()) {
    MEDIMG_CHECK(!has_center && !has_width, ArgumentError, "config key '", p.path(),
                 "': give either preset or center and width, not both");
    std::tie(center, width) = at_config_key(p.key_path("preset"), [&] {
      return window_preset(preset);
    });
  } else {
    MEDIMG_CHECK(has_center && has_width, ArgumentError, "config key '", p.path(),
                 "': needs center and width, or a preset");
  }
  MEDIMG_CHECK(std::isfinite(center), ArgumentError, "config key '", p.key_path("center"),
               "': must be finite, got ", center);
  MEDIMG_CHECK(std::isfinite(width) && width > 0.0 && (mode != "linear" || width >= 1.0),
               ArgumentError, "config key '", p.key_path("width"), "': must be > 0",
               mode == "linear" ? " and >= 1 for mode linear" : "", ", got ", width);
  WindowOptions options;
  options.mode(mode == "linear"         ? WindowMode::Linear
               : mode == "linear-exact" ? WindowMode::LinearExact
                                        : WindowMode::LinearClip);
  options.output_min(output.first).output_max(output.second);
  const std::string key = "window(center=" + number(center) + ",width=" + number(width) +
                          ",mode=" + mode + ",output=" + pair(output) + ")";
  return custom_step(key, [center, width, options](Sample& s) {
    s.image = window(s.image, center, width, options);
  });
}

StepPtr normalize_minmax_step(const ConfigNode& p) {
  const auto output = get_pair(p, "output", {0.0, 1.0});
  p.finish();
  return custom_step("normalize(mode=minmax,output=" + pair(output) + ")", [output](Sample& s) {
    s.image = normalize_minmax(s.image, output.first, output.second);
  });
}

// MONAI's ScaleIntensityRangePercentiles(clip=True): clip each channel to its percentiles,
// then map them to the output range.
StepPtr normalize_percentile_step(const ConfigNode& p) {
  const double lower = p.get<double>("lower", 0.5);
  const double upper = p.get<double>("upper", 99.5);
  const auto output = get_pair(p, "output", {0.0, 1.0});
  p.finish();
  MEDIMG_CHECK(0.0 <= lower && lower <= upper && upper <= 100.0, ArgumentError, "config key '",
               p.path(), "': needs 0 <= lower <= upper <= 100, got lower ", lower,
               " and upper ", upper);
  return custom_step("normalize(mode=percentile,lower=" + number(lower) + ",upper=" +
                         number(upper) + ",output=" + pair(output) + ")",
                     [lower, upper, output](Sample& s) {
                       s.image = normalize_minmax(clip_percentile(s.image, lower, upper),
                                                  output.first, output.second);
                     });
}

StepPtr normalize_zscore_step(const ConfigNode& p) {
  ZScoreOptions options;
  options.nonzero(p.get<bool>("nonzero", false));
  options.mean(get_numbers(p, "mean"));
  options.stddev(get_numbers(p, "std"));
  const bool clipped = present(p, "clip");
  const auto clip = get_pair(p, "clip", {0.0, 0.0});
  p.finish();
  MEDIMG_CHECK(options.mean().empty() == options.stddev().empty(), ArgumentError,
               "config key '", p.path(), "': give both mean and std, or neither");
  for (double s : options.stddev()) {
    MEDIMG_CHECK(std::isfinite(s) && s > 0.0, ArgumentError, "config key '",
                 p.key_path("std"), "': must be finite and > 0, got ", s);
  }
  std::string key =
      "normalize(mode=zscore,nonzero=" + std::string(options.nonzero() ? "true" : "false");
  if (!options.mean().empty()) {
    key += ",mean=" + list(options.mean()) + ",std=" + list(options.stddev());
  }
  if (clipped) {
    MEDIMG_CHECK(clip.first <= clip.second, ArgumentError, "config key '", p.key_path("clip"),
                 "': low must not exceed high, got ", pair(clip));
    options.clip(clip);
    key += ",clip=" + pair(clip);
  }
  return custom_step(key + ")", [options](Sample& s) {
    s.image = normalize_zscore(s.image, options);
  });
}

StepPtr normalize_step(const ConfigNode& p) {
  // The mode decides which other keys exist, so it is checked first.
  const std::string mode = p.get<std::string>("mode", "zscore");
  check_choice(p, "mode", mode, {"zscore", "minmax", "percentile"});
  if (mode == "minmax") return normalize_minmax_step(p);
  if (mode == "percentile") return normalize_percentile_step(p);
  return normalize_zscore_step(p);
}

StepPtr clip_step(const ConfigNode& p) {
  const bool has_min = present(p, "min");
  const bool has_max = present(p, "max");
  const double low = p.get<double>("min", -std::numeric_limits<double>::infinity());
  const double high = p.get<double>("max", std::numeric_limits<double>::infinity());
  p.finish();
  MEDIMG_CHECK(has_min || has_max, ArgumentError, "config key '", p.path(),
               "': needs min, max or both");
  MEDIMG_CHECK(low <= high, ArgumentError, "config key '", p.path(),
               "': min must not exceed max, got ", low, " and ", high);
  c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(low) : c10::nullopt;
  c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(high) : c10::nullopt;
  return custom_step("clip(min=" + number(low) + ",max=" + number(high) + ")",
                     [lo, hi](Sample& s) {
                       const at::Tensor& x = s.image.tensor();
                       // Integer images become float32 (float64 stays), as the other
                       // intensity steps return.
                       const bool keep = x.scalar_type() == at::kFloat ||
                                         x.scalar_type() == at::kDouble;
                       s.image = s.image.with_tensor(
                           at::clamp(keep ? x : x.to(at::kFloat), lo, hi));
                     });
}

StepPtr resample_step(const ConfigNode& p) {
  const std::vector<double> spacing = get_numbers(p, "spacing");
  const std::string interpolation = p.get<std::string>("interpolation", "linear");
  const std::string border = p.get<std::string>("border", "edge");
  p.finish();
  MEDIMG_CHECK(!spacing.empty(), ArgumentError, "missing key '", p.key_path("spacing"), "'");
  for (double s : spacing) {
    MEDIMG_CHECK(std::isfinite(s) && s > 0.0, ArgumentError, "config key '",
                 p.key_path("spacing"), "': spacings must be finite and > 0, got ", s);
  }
  SampleOptions options = resample_defaults();
  options.interpolation = at_config_key(p.key_path("interpolation"), [&] {
    return parse_interpolation(interpolation);
  });
  options.border = at_config_key(p.key_path("border"), [&] { return parse_border_mode(border); });
  const std::string key = "resample(spacing=" + list(spacing) +
                          ",interpolation=" + to_string(options.interpolation) +
                          ",border=" + to_string(options.border) + ")";
  return custom_step(key, [spacing, options](Sample& s) {
    const bool label_map = has_label_map(s);
    const Geometry grid = s.image.geometry();
    s.image = resample(s.image, spacing, {}, options);
    if (label_map) {
      // Onto the image's new grid exactly: the same spacing and the shape the image got.
      Image label = s.label;
      label.set_geometry(grid);
      follow_image_grid(s, resample_labels(label, spacing, s.image.spatial_shape(),
                                           LabelResampling::Nearest, BorderMode::Edge));
    }
  });
}

StepPtr crop_foreground_step(const ConfigNode& p) {
  const double threshold = p.get<double>("threshold", 0.0);
  const std::vector<std::int64_t> margin = get_integers(p, "margin", {0});
  p.finish();
  for (auto m : margin) {
    MEDIMG_CHECK(m >= 0, ArgumentError, "config key '", p.key_path("margin"),
                 "': margins must be >= 0, got ", m);
  }
  return custom_step(
      "crop_foreground(threshold=" + number(threshold) + ",margin=" + list(margin) + ")",
      [threshold, margin](Sample& s) {
        // The box comes from the image (as MONAI's CropForeground with its default
        // select_fn) and crops the label map with it.
        const IndexBox box = foreground_box(s.image.tensor(), threshold);
        if (box.empty()) return;  // no foreground: unchanged, as crop_foreground
        const auto extent = s.image.spatial_shape();
        MEDIMG_CHECK(margin.size() == 1 || margin.size() == extent.size(), ShapeError,
                     "crop_foreground: margin needs 1 or ", extent.size(), " values, got ",
                     margin.size());
        std::vector<std::int64_t> start(extent.size()), stop(extent.size());
        for (std::size_t d = 0; d < extent.size(); ++d) {
          const std::int64_t m = margin.size() == 1 ? margin[0] : margin[d];
          start[d] = std::max<std::int64_t>(box.start[d] - m, 0);
          stop[d] = std::min<std::int64_t>(box.stop[d] + m, extent[d]);
        }
        const bool label_map = has_label_map(s);
        s.image = crop(s.image, start, stop);
        if (label_map) follow_image_grid(s, crop(s.label, start, stop));
      });
}

PadMode pad_mode(const std::string& name) {
  if (name == "edge") return PadMode::Edge;
  if (name == "reflect") return PadMode::Reflect;
  if (name == "symmetric") return PadMode::Symmetric;
  if (name == "wrap") return PadMode::Wrap;
  return PadMode::Constant;
}

StepPtr crop_or_pad_step(const ConfigNode& p) {
  const std::vector<std::int64_t> shape = get_integers(p, "shape");
  const std::string mode = p.get<std::string>("mode", "constant");
  const double value = p.get<double>("value", 0.0);
  p.finish();
  MEDIMG_CHECK(!shape.empty(), ArgumentError, "missing key '", p.key_path("shape"), "'");
  for (auto n : shape) {
    MEDIMG_CHECK(n >= 1, ArgumentError, "config key '", p.key_path("shape"),
                 "': sizes must be >= 1, got ", n);
  }
  check_choice(p, "mode", mode, {"constant", "edge", "reflect", "symmetric", "wrap"});
  const PadMode pad = pad_mode(mode);
  return custom_step(
      "crop_or_pad(shape=" + list(shape) + ",mode=" + mode + ",value=" + number(value) + ")",
      [shape, pad, value](Sample& s) {
        const bool label_map = has_label_map(s);
        s.image = crop_or_pad(s.image, shape, pad, value);
        if (label_map) follow_image_grid(s, crop_or_pad(s.label, shape, PadMode::Constant, 0.0));
      });
}

StepPtr to_float_step(const ConfigNode& p) {
  p.finish();
  return custom_step("to_float", [](Sample& s) { s.image = s.image.to(at::kFloat); });
}

using Builder = StepPtr (*)(const ConfigNode&);

const std::vector<std::pair<std::string, Builder>>& builders() {
  static const std::vector<std::pair<std::string, Builder>> table{
      {"window", window_step},
      {"normalize", normalize_step},
      {"clip", clip_step},
      {"resample", resample_step},
      {"crop_foreground", crop_foreground_step},
      {"crop_or_pad", crop_or_pad_step},
      {"to_float", to_float_step},
  };
  return table;
}

}  // namespace

std::vector<std::string> preprocessing_step_names() {
  std::vector<std::string> names;
  for (const auto& entry : builders()) names.push_back(entry.first);
  return names;
}

std::shared_ptr<const PreprocessStep> make_preprocess_step(const std::string& name,
                                                           const ConfigNode& params) {
  for (const auto& entry : builders()) {
    if (entry.first == name) return entry.second(params);
  }
  return nullptr;
}

}  // namespace medimg::train

#include "medimg/train/sliding_window.hpp"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/flip.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/pad.h>
#include <ATen/ops/zeros.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

#include "medimg/core/error.hpp"

namespace medimg::train {
namespace {

constexpr const char* kStage = "sliding window";

// MONAI's _get_scan_interval: int(roi * (1 - overlap)), at least 1; a window that spans the
// (padded) axis is not repeated.
std::int64_t scan_interval(std::int64_t size, std::int64_t roi, double overlap) {
  if (roi == size) return roi;
  const auto interval = static_cast<std::int64_t>(static_cast<double>(roi) * (1.0 - overlap));
  return std::max<std::int64_t>(interval, 1);
}

// MONAI's dense_patch_slices along one axis: a start every `interval` until a window reaches
// the border, the last one moved back to end exactly there.
std::vector<std::int64_t> axis_starts(std::int64_t size, std::int64_t roi,
                                      std::int64_t interval) {
  std::vector<std::int64_t> starts;
  for (std::int64_t start = 0;; start += interval) {
    starts.push_back(std::min(start, size - roi));
    if (start + roi >= size) break;
  }
  return starts;
}

// The part of one window along one axis that lies inside the unpadded input.
struct Span {
  std::int64_t begin;   // first input voxel
  std::int64_t length;  // voxels inside the input
  std::int64_t crop;    // offset of `begin` inside the window
};

// Where the windows lie: the input padded (virtually) to at least roi per axis and tiled.
class WindowGrid {
 public:
  WindowGrid(std::vector<std::int64_t> size, std::vector<std::int64_t> roi, double overlap)
      : size_(std::move(size)), roi_(std::move(roi)) {
    windows_ = 1;
    for (std::size_t d = 0; d < size_.size(); ++d) {
      const std::int64_t padded = std::max(size_[d], roi_[d]);
      pad_low_.push_back((padded - size_[d]) / 2);  // MONAI: floor before, ceil after
      starts_.push_back(axis_starts(padded, roi_[d], scan_interval(padded, roi_[d], overlap)));
      windows_ *= static_cast<std::int64_t>(starts_.back().size());
    }
  }

  std::int64_t windows() const { return windows_; }
  const std::vector<std::int64_t>& roi() const { return roi_; }

  // Window `index` of one batch item, first axis slowest (numpy's meshgrid "ij" order).
  std::vector<Span> spans(std::int64_t index) const {
    std::vector<Span> out(size_.size());
    for (std::size_t d = size_.size(); d-- > 0;) {
      const auto count = static_cast<std::int64_t>(starts_[d].size());
      const std::int64_t origin = starts_[d][static_cast<std::size_t>(index % count)] - pad_low_[d];
      index /= count;
      const std::int64_t begin = std::max<std::int64_t>(origin, 0);
      const std::int64_t end = std::min(origin + roi_[d], size_[d]);
      out[d] = Span{begin, end - begin, begin - origin};
    }
    return out;
  }

 private:
  std::vector<std::int64_t> size_;
  std::vector<std::int64_t> roi_;
  std::vector<std::int64_t> pad_low_;
  std::vector<std::vector<std::int64_t>> starts_;
  std::int64_t windows_;
};

// `t` narrowed to the spans along its axes first_axis, first_axis + 1, ...; `crop` selects the
// window side (offsets inside the window) instead of the input side.
at::Tensor narrow_spans(at::Tensor t, const std::vector<Span>& spans, std::int64_t first_axis,
                        bool crop) {
  for (std::size_t d = 0; d < spans.size(); ++d) {
    const auto axis = first_axis + static_cast<std::int64_t>(d);
    t = t.narrow(axis, crop ? spans[d].crop : spans[d].begin, spans[d].length);
  }
  return t;
}

void check_options(const at::Tensor& inputs, const WindowPredictor& predictor,
                   const SlidingWindowOptions& o) {
  MEDIMG_CHECK(inputs.defined(), ArgumentError, "sliding_window_inference: inputs is undefined");
  MEDIMG_CHECK(inputs.dim() == 4 || inputs.dim() == 5, ShapeError,
               "sliding_window_inference: expected inputs (N, C, Y, X) or (N, C, Z, Y, X), got ",
               inputs.sizes());
  for (std::int64_t axis = 0; axis < inputs.dim(); ++axis) {
    MEDIMG_CHECK(inputs.size(axis) > 0, ShapeError,
                 "sliding_window_inference: inputs has an empty axis, shape ", inputs.sizes());
  }
  MEDIMG_CHECK(!at::isComplexType(inputs.scalar_type()), Unsupported,
               "sliding_window_inference: complex inputs are not supported");
  MEDIMG_CHECK(static_cast<std::int64_t>(o.roi_size.size()) == inputs.dim() - 2, ArgumentError,
               "sliding_window_inference: roi_size has ", o.roi_size.size(),
               " entries, the inputs have ", inputs.dim() - 2, " spatial axes");
  MEDIMG_CHECK(o.sw_batch_size >= 1, ArgumentError,
               "sliding_window_inference: sw_batch_size must be >= 1, got ", o.sw_batch_size);
  MEDIMG_CHECK(o.overlap >= 0 && o.overlap < 1, ArgumentError,
               "sliding_window_inference: overlap must lie in [0, 1), got ", o.overlap);
  MEDIMG_CHECK(o.mode != BlendMode::Gaussian || (std::isfinite(o.sigma_scale) && o.sigma_scale > 0),
               ArgumentError, "sliding_window_inference: sigma_scale must be > 0, got ",
               o.sigma_scale);
  const auto& p = o.padding_mode;
  MEDIMG_CHECK(p == "constant" || p == "reflect" || p == "replicate" || p == "circular",
               ArgumentError,
               "sliding_window_inference: padding_mode must be 'constant', 'reflect', "
               "'replicate' or 'circular', got '", p, "'");
  MEDIMG_CHECK(static_cast<bool>(predictor), ArgumentError,
               "sliding_window_inference: the predictor is empty");
}

// roi_size with MONAI's fall-back: entries <= 0 take the input's size.
std::vector<std::int64_t> resolve_roi(const at::Tensor& inputs, const SlidingWindowOptions& o) {
  std::vector<std::int64_t> roi = o.roi_size;
  for (std::size_t d = 0; d < roi.size(); ++d) {
    const std::int64_t size = inputs.size(static_cast<std::int64_t>(d) + 2);
    if (roi[d] <= 0) roi[d] = size;
    // torch's reflect padding needs pad < size, circular pad <= size.
    const std::int64_t pad = std::max<std::int64_t>(roi[d] - size, 0);
    const std::int64_t widest = pad - pad / 2;
    MEDIMG_CHECK(o.padding_mode != "reflect" || widest < size, ArgumentError,
                 "sliding_window_inference: padding_mode 'reflect' pads spatial axis ", d,
                 " (size ", size, ") by ", widest, " voxels; it needs fewer than ", size);
    MEDIMG_CHECK(o.padding_mode != "circular" || widest <= size, ArgumentError,
                 "sliding_window_inference: padding_mode 'circular' pads spatial axis ", d,
                 " (size ", size, ") by ", widest, " voxels; it allows at most ", size);
  }
  return roi;
}

// The window of batch item n as (C, *roi): a view of the input, padded where it sticks out.
at::Tensor window(const at::Tensor& inputs, std::int64_t n, const std::vector<Span>& spans,
                  const std::vector<std::int64_t>& roi, const SlidingWindowOptions& o) {
  at::Tensor region = narrow_spans(inputs.narrow(0, n, 1), spans, 2, false);
  std::vector<std::int64_t> pads;  // torch order: last axis first, (before, after) pairs
  bool padded = false;
  for (std::size_t d = spans.size(); d-- > 0;) {
    const std::int64_t after = roi[d] - spans[d].crop - spans[d].length;
    pads.push_back(spans[d].crop);
    pads.push_back(after);
    padded = padded || spans[d].crop > 0 || after > 0;
  }
  if (padded) {
    const bool constant = o.padding_mode == "constant";
    region = at::pad(region, pads, o.padding_mode,
                     constant ? c10::optional<double>(o.cval) : c10::nullopt);
  }
  return region.select(0, 0);
}

// One predictor call, checked: (B, K, *roi) of the windows' batch and spatial sizes.
at::Tensor predict(const WindowPredictor& predictor, const at::Tensor& windows) {
  at::Tensor out;
  {
    c10::InferenceMode inference;
    out = predictor(windows);
  }
  MEDIMG_CHECK(out.defined(), ArgumentError,
               "sliding_window_inference: the predictor returned an undefined tensor");
  bool same = out.dim() == windows.dim() && out.size(0) == windows.size(0);
  for (std::int64_t axis = 2; same && axis < windows.dim(); ++axis) {
    same = out.size(axis) == windows.size(axis);
  }
  MEDIMG_CHECK(same, ShapeError, "sliding_window_inference: the predictor mapped windows of shape ",
               windows.sizes(), " to ", out.sizes(), "; expected (", windows.size(0),
               ", K, <the window's spatial size>)");
  return out;
}

// Axis subsets in nnU-Net's order (itertools.combinations by size): (0), (1), (2), (0, 1)...
std::vector<std::vector<std::int64_t>> mirror_axes(std::int64_t spatial_dims) {
  std::vector<std::vector<std::int64_t>> subsets;
  for (std::int64_t k = 1; k <= spatial_dims; ++k) {
    for (std::int64_t mask = 1; mask < (std::int64_t{1} << spatial_dims); ++mask) {
      std::vector<std::int64_t> axes;
      for (std::int64_t d = 0; d < spatial_dims; ++d) {
        if (mask & (std::int64_t{1} << d)) axes.push_back(d + 2);
      }
      if (static_cast<std::int64_t>(axes.size()) == k) subsets.push_back(std::move(axes));
    }
  }
  return subsets;
}

// The windows' prediction in the accumulator dtype, averaged over mirrorings with flip_tta.
at::Tensor predict_windows(const WindowPredictor& predictor, const at::Tensor& windows,
                           const SlidingWindowOptions& o, std::optional<at::ScalarType>& dtype) {
  const at::Tensor first = predict(predictor, windows);
  if (!dtype) dtype = first.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  if (!o.flip_tta) return first.to(windows.device(), *dtype);
  // A copy: the sum is built in place, and the predictor's output may be its input or an
  // inference tensor.
  at::Tensor sum = first.to(windows.device(), *dtype, false, /*copy=*/true);
  const auto subsets = mirror_axes(windows.dim() - 2);
  for (const auto& axes : subsets) {
    const at::Tensor flipped = predict(predictor, at::flip(windows, axes));
    MEDIMG_CHECK(flipped.size(1) == first.size(1), ShapeError,
                 "sliding_window_inference: the predictor returned ", first.size(1),
                 " channels, then ", flipped.size(1));
    sum.add_(at::flip(flipped, axes).to(windows.device(), *dtype));
  }
  return sum.div_(static_cast<double>(subsets.size() + 1));
}

}  // namespace

BlendMode parse_blend_mode(const std::string& name) {
  if (name == "constant") return BlendMode::Constant;
  MEDIMG_CHECK(name == "gaussian", ArgumentError, "mode must be 'constant' or 'gaussian', got '",
               name, "'");
  return BlendMode::Gaussian;
}

PredictionOutput parse_prediction_output(const std::string& name) {
  if (name == "logits") return PredictionOutput::Logits;
  if (name == "probabilities") return PredictionOutput::Probabilities;
  MEDIMG_CHECK(name == "labels", ArgumentError,
               "output must be 'probabilities', 'labels' or 'logits', got '", name, "'");
  return PredictionOutput::Labels;
}

at::Tensor gaussian_importance_map(const std::vector<std::int64_t>& roi, double sigma_scale) {
  MEDIMG_CHECK(!roi.empty(), ArgumentError, "gaussian_importance_map: roi has no axis");
  for (auto size : roi) {
    MEDIMG_CHECK(size >= 1, ArgumentError,
                 "gaussian_importance_map: window sizes must be >= 1, got ", size);
  }
  MEDIMG_CHECK(std::isfinite(sigma_scale) && sigma_scale > 0, ArgumentError,
               "gaussian_importance_map: sigma_scale must be > 0, got ", sigma_scale);
  // gaussian_filter of an impulse is the product of the 1D kernels centred on it; scipy's
  // kernel is exp(-x^2 / (2 sigma^2)) for |x| <= int(4 sigma + 0.5), zero beyond. Its
  // normalisation cancels in the division by the maximum (the centre).
  std::vector<std::vector<double>> factors;
  for (auto size : roi) {
    const double sigma = static_cast<double>(size) * sigma_scale;
    const auto radius = static_cast<std::int64_t>(4.0 * sigma + 0.5);
    std::vector<double> f(static_cast<std::size_t>(size), 0.0);
    for (std::int64_t i = 0; i < size; ++i) {
      const std::int64_t x = i - size / 2;
      if (std::abs(x) <= radius) {
        f[static_cast<std::size_t>(i)] =
            std::exp(-0.5 / (sigma * sigma) * static_cast<double>(x * x));
      }
    }
    factors.push_back(std::move(f));
  }
  at::Tensor map = at::empty(roi, at::kFloat);
  float* out = map.data_ptr<float>();
  const std::int64_t count = map.numel();
  float smallest = std::numeric_limits<float>::infinity();
  for (std::int64_t flat = 0; flat < count; ++flat) {
    double value = 1.0;
    std::int64_t rest = flat;
    for (std::size_t d = roi.size(); d-- > 0;) {
      value *= factors[d][static_cast<std::size_t>(rest % roi[d])];
      rest /= roi[d];
    }
    out[flat] = static_cast<float>(value);  // nnU-Net casts before replacing zeros
    if (out[flat] > 0) smallest = std::min(smallest, out[flat]);
  }
  for (std::int64_t flat = 0; flat < count; ++flat) {
    if (out[flat] == 0) out[flat] = smallest;
  }
  return map;
}

at::Tensor sliding_window_inference(const at::Tensor& inputs, const WindowPredictor& predictor,
                                    const SlidingWindowOptions& options) {
  check_options(inputs, predictor, options);
  at::NoGradGuard no_grad;
  const std::vector<std::int64_t> roi = resolve_roi(inputs, options);
  const std::vector<std::int64_t> size(inputs.sizes().begin() + 2, inputs.sizes().end());
  const WindowGrid grid(size, roi, options.overlap);
  const std::int64_t batch = inputs.size(0);
  const std::int64_t total = batch * grid.windows();
  const bool gaussian = options.mode == BlendMode::Gaussian;

  std::vector<std::int64_t> window_shape{0, inputs.size(1)};
  window_shape.insert(window_shape.end(), roi.begin(), roi.end());
  std::optional<at::ScalarType> dtype;
  at::Tensor out;      // (N, K, *size): sum of weight * prediction
  at::Tensor weights;  // importance map in the accumulator dtype
  for (std::int64_t first = 0; first < total; first += options.sw_batch_size) {
    const std::int64_t count = std::min(options.sw_batch_size, total - first);
    window_shape[0] = count;
    at::Tensor windows = at::empty(window_shape, inputs.options());
    for (std::int64_t b = 0; b < count; ++b) {
      const std::int64_t index = first + b;
      windows.select(0, b).copy_(
          window(inputs, index / grid.windows(), grid.spans(index % grid.windows()), roi, options));
    }
    const at::Tensor prediction = predict_windows(predictor, windows, options, dtype);
    if (!out.defined()) {
      std::vector<std::int64_t> shape{batch, prediction.size(1)};
      shape.insert(shape.end(), size.begin(), size.end());
      out = at::zeros(shape, inputs.options().dtype(*dtype));
      if (gaussian) {
        weights = gaussian_importance_map(roi, options.sigma_scale).to(inputs.device(), *dtype);
      }
    }
    MEDIMG_CHECK(prediction.size(1) == out.size(1), ShapeError,
                 "sliding_window_inference: the predictor returned ", out.size(1),
                 " channels, then ", prediction.size(1));
    for (std::int64_t b = 0; b < count; ++b) {
      const std::int64_t index = first + b;
      const std::vector<Span> spans = grid.spans(index % grid.windows());
      at::Tensor target = narrow_spans(out.select(0, index / grid.windows()), spans, 1, false);
      const at::Tensor source = narrow_spans(prediction.select(0, b), spans, 1, true);
      if (gaussian) {
        target.addcmul_(source, narrow_spans(weights, spans, 0, true));
      } else {
        target.add_(source);
      }
    }
    if (options.progress) options.progress(Progress{kStage, first + count, total});
  }

  // The weight sum depends on the window positions only: the same for every batch item and
  // channel.
  at::Tensor norm = at::zeros(size, out.options());
  for (std::int64_t index = 0; index < grid.windows(); ++index) {
    const std::vector<Span> spans = grid.spans(index);
    at::Tensor target = narrow_spans(norm, spans, 0, false);
    if (gaussian) {
      target.add_(narrow_spans(weights, spans, 0, true));
    } else {
      target.add_(1.0);
    }
  }
  return out.div_(norm);
}

Image sliding_window_predict(const Image& image, const WindowPredictor& predictor,
                             const SlidingWindowOptions& options, PredictionOutput output) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "sliding_window_predict: the image is empty");
  at::Tensor voxels = image.tensor();
  if (!at::isFloatingType(voxels.scalar_type())) voxels = voxels.to(at::kFloat);
  at::Tensor result =
      sliding_window_inference(voxels.unsqueeze(0), predictor, options).select(0, 0);
  at::NoGradGuard no_grad;
  const std::int64_t classes = result.size(0);
  switch (output) {
    case PredictionOutput::Logits:
      break;
    case PredictionOutput::Probabilities:
      if (classes == 1) {
        result.sigmoid_();
      } else {  // softmax in place: the result is the only full-size buffer
        result.sub_(result.amax(0, true)).exp_();
        result.div_(result.sum(0, true));
      }
      break;
    case PredictionOutput::Labels:
      result = classes == 1 ? result.sigmoid_().gt(0.5) : result.argmax(0, true);
      result = result.to(classes <= 256 ? at::kByte : at::kLong);
      break;
  }
  return image.with_tensor(result);
}

}  // namespace medimg::train

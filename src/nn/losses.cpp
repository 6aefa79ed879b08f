#include "medimg/nn/losses.hpp"

#include <ATen/core/Reduction.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/binary_cross_entropy_with_logits.h>
#include <ATen/ops/log_sigmoid.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros_like.h>

#include <cmath>
#include <ostream>

#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

void check_loss_input(const at::Tensor& input, std::string_view loss) {
  MEDIMG_CHECK(input.defined(), ArgumentError, loss,
               ": expected an input tensor, got an undefined one");
  MEDIMG_CHECK(input.dim() >= 2 && input.dim() <= 5, ShapeError, loss,
               " expects logits (N, C), (N, C, H, W) or (N, C, D, H, W), got shape ",
               input.sizes());
  MEDIMG_CHECK(input.is_floating_point(), ArgumentError, loss,
               " expects floating-point logits, got dtype ", input.scalar_type());
}

// The target as per-channel values of the input's shape and dtype: as it is when it has the
// input's shape, else class indices (N, *spatial) or (N, 1, *spatial) made one-hot (with
// one input channel, the 0/1 mask itself).
at::Tensor channel_target(const at::Tensor& input, const at::Tensor& target,
                          std::string_view loss) {
  MEDIMG_CHECK(target.defined(), ArgumentError, loss,
               ": expected a target tensor, got an undefined one");
  if (target.sizes() == input.sizes()) return target.to(input.scalar_type());

  std::vector<std::int64_t> index_shape = input.sizes().vec();
  index_shape.erase(index_shape.begin() + 1);
  at::Tensor indices;
  if (target.sizes() == at::IntArrayRef(index_shape)) {
    indices = target;
  } else if (target.dim() == input.dim() && target.size(1) == 1 &&
             target.squeeze(1).sizes() == at::IntArrayRef(index_shape)) {
    indices = target.squeeze(1);
  }
  MEDIMG_CHECK(indices.defined(), ShapeError, loss, ": target of shape ", target.sizes(),
               " does not fit the input of shape ", input.sizes(),
               "; expected the input's shape (one-hot or per-channel values) or class indices "
               "of shape ", at::IntArrayRef(index_shape), " (or with a channel axis of 1)");
  if (indices.scalar_type() == at::kBool) indices = indices.to(at::kLong);
  if (indices.is_floating_point()) {
    MEDIMG_CHECK(indices.eq(indices.round()).all().item<bool>(), ArgumentError, loss,
                 ": a target of shape ", target.sizes(), " holds class indices and must hold ",
                 "whole numbers; per-channel targets need the input's shape ", input.sizes());
  }
  const std::int64_t channels = input.size(1);
  // One channel: a sigmoid output whose target is the 0/1 mask.
  const std::int64_t classes = channels == 1 ? 2 : channels;
  if (indices.numel() > 0) {
    const double low = indices.min().item<double>();
    const double high = indices.max().item<double>();
    MEDIMG_CHECK(low >= 0 && high < static_cast<double>(classes), ArgumentError, loss,
                 ": class indices must lie in [0, ", classes - 1, "] for ", channels,
                 " input channel(s)", (channels == 1 ? " (a 0/1 mask)" : ""),
                 ", got values in [", low, ", ", high, "]");
  }
  if (channels == 1) return indices.unsqueeze(1).to(input.scalar_type());
  return at::zeros_like(input, at::MemoryFormat::Contiguous)
      .scatter_(1, indices.unsqueeze(1).to(at::kLong), 1);
}

// `values` (empty, one, or one per channel) shaped to broadcast along axis 1 of a tensor of
// rank `rank` (axis 0 when rank is 1); undefined when empty.
at::Tensor channel_weights(const std::vector<double>& values, std::int64_t channels,
                           std::int64_t rank, const at::Tensor& like, std::string_view loss,
                           std::string_view name) {
  if (values.empty()) return {};
  const auto count = static_cast<std::int64_t>(values.size());
  MEDIMG_CHECK(count == 1 || count == channels, ArgumentError, loss, ": ", name,
               " needs one value or one per channel (", channels, "), got ", count);
  std::vector<std::int64_t> shape(static_cast<std::size_t>(rank), 1);
  shape[rank == 1 ? 0 : 1] = count;
  return at::tensor(values, like.options()).view(shape);
}

void check_weights(const std::vector<double>& values, std::string_view loss,
                   std::string_view name) {
  for (double v : values) {
    MEDIMG_CHECK(std::isfinite(v) && v >= 0, ArgumentError, loss, ": ", name,
                 " must be finite and >= 0, got ", v);
  }
}

void check_non_negative(double value, std::string_view loss, std::string_view name) {
  MEDIMG_CHECK(std::isfinite(value) && value >= 0, ArgumentError, loss, ": ", name,
               " must be finite and >= 0, got ", value);
}

at::Tensor probabilities(const at::Tensor& input, LossActivation activation,
                         std::string_view loss) {
  switch (activation) {
    case LossActivation::Softmax:
      MEDIMG_CHECK(input.size(1) > 1, ArgumentError, loss, ": a softmax over 1 channel is ",
                   "constant; use activation 'sigmoid' for a single output channel");
      return input.softmax(1);
    case LossActivation::Sigmoid: return input.sigmoid();
    case LossActivation::None: break;
  }
  return input;
}

// Channels 1.. (include_background = false).
at::Tensor without_background(const at::Tensor& x, std::string_view loss) {
  MEDIMG_CHECK(x.size(1) > 1, ArgumentError, loss, ": include_background=false needs 2 or ",
               "more channels (channel 0 is the background), got ", x.size(1));
  return x.narrow(1, 1, x.size(1) - 1);
}

// Sum over the spatial axes, and the batch axis too when `batch`.
at::Tensor sum_per_channel(const at::Tensor& x, bool batch) {
  std::vector<std::int64_t> axes;
  if (batch) axes.push_back(0);
  for (std::int64_t a = 2; a < x.dim(); ++a) axes.push_back(a);
  // sum() over an empty axis list would reduce every axis.
  return axes.empty() ? x : x.sum(axes);
}

at::Tensor reduce(const at::Tensor& loss, LossReduction reduction) {
  switch (reduction) {
    case LossReduction::Mean: return loss.mean();
    case LossReduction::Sum: return loss.sum();
    case LossReduction::None: break;
  }
  return loss;
}

std::int64_t aten_reduction(LossReduction reduction) {
  switch (reduction) {
    case LossReduction::Mean: return at::Reduction::Mean;
    case LossReduction::Sum: return at::Reduction::Sum;
    case LossReduction::None: break;
  }
  return at::Reduction::None;
}

c10::optional<at::Tensor> optional_tensor(const at::Tensor& t) {
  return t.defined() ? c10::optional<at::Tensor>(t) : c10::nullopt;
}

// Class weights (1D, `channels` or 1 long) applied to per-channel results (N, C) or (C).
at::Tensor weighted(const at::Tensor& f, const std::vector<double>& weight,
                    std::string_view loss) {
  const at::Tensor w = channel_weights(weight, f.size(-1), f.dim(), f, loss, "weight");
  return w.defined() ? f * w : f;
}

at::Tensor dice_of(const at::Tensor& input, at::Tensor g, const DiceLossOptions& o,
                   std::string_view loss) {
  at::Tensor p = probabilities(input, o.activation(), loss);
  if (!o.include_background()) {
    p = without_background(p, loss);
    g = without_background(g, loss);
  }
  const at::Tensor intersection = sum_per_channel(p * g, o.batch());
  const at::Tensor ground = sum_per_channel(o.squared_pred() ? g * g : g, o.batch());
  const at::Tensor predicted = sum_per_channel(o.squared_pred() ? p * p : p, o.batch());
  at::Tensor denominator = ground + predicted;
  if (o.jaccard()) denominator = 2 * (denominator - intersection);
  const at::Tensor f = 1 - (2 * intersection + o.smooth_nr()) / (denominator + o.smooth_dr());
  return reduce(weighted(f, o.weight(), loss), o.reduction());
}

void check_dice_options(const DiceLossOptions& o, std::string_view loss) {
  check_non_negative(o.smooth_nr(), loss, "smooth_nr");
  check_non_negative(o.smooth_dr(), loss, "smooth_dr");
  check_weights(o.weight(), loss, "weight");
}

void check_dice_ce_options(const DiceCELossOptions& o) {
  constexpr std::string_view loss = "DiceCELoss";
  check_dice_options(o.dice(), loss);
  check_weights(o.ce_weight(), loss, "ce_weight");
  check_non_negative(o.lambda_dice(), loss, "lambda_dice");
  check_non_negative(o.lambda_ce(), loss, "lambda_ce");
  MEDIMG_CHECK(o.dice().activation() != LossActivation::None, ArgumentError, loss,
               ": the activation must be 'softmax' (cross-entropy) or 'sigmoid' (binary "
               "cross-entropy), got 'none'");
  MEDIMG_CHECK(o.dice().reduction() != LossReduction::None, ArgumentError, loss,
               ": reduction 'none' is not defined (the Dice and cross-entropy terms have "
               "different shapes); use 'mean' or 'sum'");
}

void check_focal_options(const FocalLossOptions& o) {
  constexpr std::string_view loss = "FocalLoss";
  check_non_negative(o.gamma(), loss, "gamma");
  check_weights(o.weight(), loss, "weight");
  if (o.alpha()) {
    MEDIMG_CHECK(*o.alpha() >= 0 && *o.alpha() <= 1, ArgumentError, loss,
                 ": alpha must lie in [0, 1], got ", *o.alpha());
  }
  MEDIMG_CHECK(o.activation() != LossActivation::None, ArgumentError, loss,
               ": the activation must be 'sigmoid' or 'softmax' (the loss is defined on "
               "logits), got 'none'");
}

void check_tversky_options(const TverskyLossOptions& o) {
  constexpr std::string_view loss = "TverskyLoss";
  check_non_negative(o.alpha(), loss, "alpha");
  check_non_negative(o.beta(), loss, "beta");
  check_non_negative(o.smooth_nr(), loss, "smooth_nr");
  check_non_negative(o.smooth_dr(), loss, "smooth_dr");
}

const char* flag(bool value) { return value ? "true" : "false"; }

}  // namespace

LossReduction parse_loss_reduction(std::string_view name) {
  if (name == "mean") return LossReduction::Mean;
  if (name == "sum") return LossReduction::Sum;
  if (name == "none") return LossReduction::None;
  throw ArgumentError(
      detail::concat("unknown reduction '", name, "'; expected 'none', 'mean' or 'sum'"));
}

std::string to_string(LossReduction reduction) {
  switch (reduction) {
    case LossReduction::Sum: return "sum";
    case LossReduction::None: return "none";
    case LossReduction::Mean: break;
  }
  return "mean";
}

LossActivation parse_loss_activation(std::string_view name) {
  if (name == "softmax") return LossActivation::Softmax;
  if (name == "sigmoid") return LossActivation::Sigmoid;
  if (name == "none") return LossActivation::None;
  throw ArgumentError(detail::concat("unknown loss activation '", name,
                                     "'; expected 'softmax', 'sigmoid' or 'none'"));
}

std::string to_string(LossActivation activation) {
  switch (activation) {
    case LossActivation::Sigmoid: return "sigmoid";
    case LossActivation::None: return "none";
    case LossActivation::Softmax: break;
  }
  return "softmax";
}

at::Tensor weighted_bce_loss(const at::Tensor& input, const at::Tensor& target,
                             const WeightedBCELossOptions& o) {
  constexpr std::string_view loss = "WeightedBCELoss";
  check_loss_input(input, loss);
  const at::Tensor g = channel_target(input, target, loss);
  const std::int64_t channels = input.size(1);
  const at::Tensor weight =
      channel_weights(o.weight(), channels, input.dim(), input, loss, "weight");
  const at::Tensor pos_weight =
      channel_weights(o.pos_weight(), channels, input.dim(), input, loss, "pos_weight");
  return at::binary_cross_entropy_with_logits(input, g, optional_tensor(weight),
                                              optional_tensor(pos_weight),
                                              aten_reduction(o.reduction()));
}

at::Tensor dice_loss(const at::Tensor& input, const at::Tensor& target,
                     const DiceLossOptions& o) {
  constexpr std::string_view loss = "DiceLoss";
  check_loss_input(input, loss);
  check_dice_options(o, loss);
  return dice_of(input, channel_target(input, target, loss), o, loss);
}

at::Tensor dice_ce_loss(const at::Tensor& input, const at::Tensor& target,
                        const DiceCELossOptions& o) {
  constexpr std::string_view loss = "DiceCELoss";
  check_loss_input(input, loss);
  check_dice_ce_options(o);
  const at::Tensor g = channel_target(input, target, loss);
  const at::Tensor dice = dice_of(input, g, o.dice(), loss);
  const std::int64_t channels = input.size(1);
  const at::Tensor w =
      channel_weights(o.ce_weight(), channels, input.dim(), input, loss, "ce_weight");
  at::Tensor ce;
  if (o.dice().activation() == LossActivation::Sigmoid) {
    ce = at::binary_cross_entropy_with_logits(input, g, optional_tensor(w), c10::nullopt,
                                              aten_reduction(o.dice().reduction()));
  } else {
    MEDIMG_CHECK(channels > 1, ArgumentError, loss, ": a softmax over 1 channel is constant; ",
                 "use activation 'sigmoid' for a single output channel");
    const at::Tensor weighted_target = w.defined() ? g * w : g;
    const at::Tensor per_element = -(weighted_target * input.log_softmax(1)).sum(1);
    if (o.dice().reduction() == LossReduction::Sum) {
      ce = per_element.sum();
    } else if (w.defined()) {
      // As cross_entropy with class indices and weights: divided by the total weight.
      ce = per_element.sum() / weighted_target.sum();
    } else {
      ce = per_element.mean();
    }
  }
  return o.lambda_dice() * dice + o.lambda_ce() * ce;
}

at::Tensor focal_loss(const at::Tensor& input, const at::Tensor& target,
                      const FocalLossOptions& o) {
  constexpr std::string_view loss = "FocalLoss";
  check_loss_input(input, loss);
  check_focal_options(o);
  const at::Tensor g = channel_target(input, target, loss);
  at::Tensor f;
  if (o.activation() == LossActivation::Sigmoid) {
    // Binary cross-entropy with logits times (1 - p_t)^gamma, the factor computed in log
    // space: log(1 - p_t) = log σ(-x·(2y - 1)).
    const at::Tensor bce = input - input * g - at::log_sigmoid(input);
    f = (at::log_sigmoid(-input * (g * 2 - 1)) * o.gamma()).exp() * bce;
    if (o.alpha()) f = (g * *o.alpha() + (1 - g) * (1 - *o.alpha())) * f;
  } else {
    MEDIMG_CHECK(input.size(1) > 1, ArgumentError, loss, ": a softmax over 1 channel is ",
                 "constant; use activation 'sigmoid' for a single output channel");
    const at::Tensor log_p = input.log_softmax(1);
    f = -(1 - log_p.exp()).pow(o.gamma()) * log_p * g;
    if (o.alpha()) {
      std::vector<double> factor(static_cast<std::size_t>(input.size(1)), *o.alpha());
      factor[0] = 1 - *o.alpha();
      f = f * channel_weights(factor, input.size(1), input.dim(), f, loss, "alpha");
    }
  }
  if (!o.include_background()) f = without_background(f, loss);
  const at::Tensor w = channel_weights(o.weight(), f.size(1), f.dim(), f, loss, "weight");
  return reduce(w.defined() ? f * w : f, o.reduction());
}

at::Tensor tversky_loss(const at::Tensor& input, const at::Tensor& target,
                        const TverskyLossOptions& o) {
  constexpr std::string_view loss = "TverskyLoss";
  check_loss_input(input, loss);
  check_tversky_options(o);
  at::Tensor g = channel_target(input, target, loss);
  at::Tensor p = probabilities(input, o.activation(), loss);
  if (!o.include_background()) {
    p = without_background(p, loss);
    g = without_background(g, loss);
  }
  const at::Tensor tp = sum_per_channel(p * g, o.batch());
  const at::Tensor fp = o.alpha() * sum_per_channel(p * (1 - g), o.batch());
  const at::Tensor fn = o.beta() * sum_per_channel((1 - p) * g, o.batch());
  const at::Tensor score = (tp + o.smooth_nr()) / (tp + fp + fn + o.smooth_dr());
  return reduce(1 - score, o.reduction());
}

WeightedBCELossImpl::WeightedBCELossImpl(WeightedBCELossOptions options_)
    : options(std::move(options_)) {
  reset();
}

void WeightedBCELossImpl::reset() {
  check_weights(options.pos_weight(), "WeightedBCELoss", "pos_weight");
  check_weights(options.weight(), "WeightedBCELoss", "weight");
}

at::Tensor WeightedBCELossImpl::forward(const at::Tensor& input, const at::Tensor& target) {
  return weighted_bce_loss(input, target, options);
}

void WeightedBCELossImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::WeightedBCELoss(pos_weight=" << at::ArrayRef<double>(options.pos_weight())
         << ", weight=" << at::ArrayRef<double>(options.weight())
         << ", reduction=" << to_string(options.reduction()) << ")";
}

DiceLossImpl::DiceLossImpl(DiceLossOptions options_) : options(std::move(options_)) { reset(); }

void DiceLossImpl::reset() { check_dice_options(options, "DiceLoss"); }

at::Tensor DiceLossImpl::forward(const at::Tensor& input, const at::Tensor& target) {
  return dice_loss(input, target, options);
}

void DiceLossImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::DiceLoss(include_background=" << flag(options.include_background())
         << ", activation=" << to_string(options.activation())
         << ", squared_pred=" << flag(options.squared_pred())
         << ", jaccard=" << flag(options.jaccard()) << ", batch=" << flag(options.batch())
         << ", reduction=" << to_string(options.reduction()) << ")";
}

DiceCELossImpl::DiceCELossImpl(DiceCELossOptions options_) : options(std::move(options_)) {
  reset();
}

void DiceCELossImpl::reset() { check_dice_ce_options(options); }

at::Tensor DiceCELossImpl::forward(const at::Tensor& input, const at::Tensor& target) {
  return dice_ce_loss(input, target, options);
}

void DiceCELossImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::DiceCELoss(include_background="
         << flag(options.dice().include_background())
         << ", activation=" << to_string(options.dice().activation())
         << ", lambda_dice=" << options.lambda_dice() << ", lambda_ce=" << options.lambda_ce()
         << ", reduction=" << to_string(options.dice().reduction()) << ")";
}

FocalLossImpl::FocalLossImpl(FocalLossOptions options_) : options(std::move(options_)) { reset(); }

void FocalLossImpl::reset() { check_focal_options(options); }

at::Tensor FocalLossImpl::forward(const at::Tensor& input, const at::Tensor& target) {
  return focal_loss(input, target, options);
}

void FocalLossImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::FocalLoss(include_background=" << flag(options.include_background())
         << ", activation=" << to_string(options.activation()) << ", gamma=" << options.gamma()
         << ", alpha=";
  if (options.alpha()) {
    stream << *options.alpha();
  } else {
    stream << "none";
  }
  stream << ", reduction=" << to_string(options.reduction()) << ")";
}

TverskyLossImpl::TverskyLossImpl(TverskyLossOptions options_) : options(std::move(options_)) {
  reset();
}

void TverskyLossImpl::reset() { check_tversky_options(options); }

at::Tensor TverskyLossImpl::forward(const at::Tensor& input, const at::Tensor& target) {
  return tversky_loss(input, target, options);
}

void TverskyLossImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::TverskyLoss(include_background=" << flag(options.include_background())
         << ", activation=" << to_string(options.activation()) << ", alpha=" << options.alpha()
         << ", beta=" << options.beta() << ", batch=" << flag(options.batch())
         << ", reduction=" << to_string(options.reduction()) << ")";
}

}  // namespace medimg::nn

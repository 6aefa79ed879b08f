#pragma once

/// Training losses for segmentation and classification: class-weighted binary cross-entropy,
/// soft Dice, Dice + cross-entropy, focal and Tversky. Each is a function and a module
/// (XxxLoss, built from XxxLossOptions) that works on (N, C) classification logits and on
/// (N, C, H, W) / (N, C, D, H, W) segmentation logits alike.
///
/// Targets are either per-channel values of the input's shape (one-hot masks, soft labels)
/// or class indices of shape (N, *spatial) or (N, 1, *spatial), turned into a one-hot
/// tensor here. With one output channel (a sigmoid network) index targets are the 0/1 mask
/// itself. The definitions (and default values) are MONAI's (DiceLoss, DiceCELoss,
/// FocalLoss, TverskyLoss) and torch's (BCEWithLogitsLoss, cross_entropy); docs/nn.md
/// lists where they differ.

#include <ATen/core/Tensor.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::nn {

/// How per-element or per-class losses become the result: "none" keeps them, "mean" and
/// "sum" reduce to a scalar.
enum class LossReduction { None, Mean, Sum };

/// "none", "mean" or "sum".
/// @throws ArgumentError for any other name, listing the accepted ones.
MEDIMG_API LossReduction parse_loss_reduction(std::string_view name);
MEDIMG_API std::string to_string(LossReduction reduction);

/// What turns the input into probabilities: "softmax" over the channels, "sigmoid" per
/// channel, or "none" (the input already holds probabilities).
enum class LossActivation { Softmax, Sigmoid, None };

/// "softmax", "sigmoid" or "none".
/// @throws ArgumentError for any other name.
MEDIMG_API LossActivation parse_loss_activation(std::string_view name);
MEDIMG_API std::string to_string(LossActivation activation);

/// Binary cross-entropy on logits with class weights, torch's
/// binary_cross_entropy_with_logits with `weight` and `pos_weight` along the channel axis:
///   loss = -weight_c · (pos_weight_c · y · log σ(x) + (1 − y) · log(1 − σ(x)))
/// For imbalanced data pos_weight_c = negatives_c / positives_c balances the classes.
struct MEDIMG_API WeightedBCELossOptions {
  /// Weight of the positive term: empty (1), one value for every channel, or one per channel.
  TORCH_ARG(std::vector<double>, pos_weight) = {};
  /// Weight of each channel's loss: empty (1), one value, or one per channel.
  TORCH_ARG(std::vector<double>, weight) = {};
  /// "none" returns the element-wise loss, of the input's shape.
  TORCH_ARG(LossReduction, reduction) = LossReduction::Mean;
};

/// Soft Dice loss (Milletari et al. 2016), MONAI's DiceLoss: per sample and channel
///   1 − (2 Σ p·g + smooth_nr) / (Σ p + Σ g + smooth_dr)    (Σ p², Σ g²: squared_pred)
/// over the spatial axes (and the batch when `batch`), times the class weight.
struct MEDIMG_API DiceLossOptions {
  /// False drops channel 0 (the background) after the activation; needs 2+ channels.
  TORCH_ARG(bool, include_background) = true;
  /// The input is logits by default; softmax needs 2+ channels.
  TORCH_ARG(LossActivation, activation) = LossActivation::Softmax;
  /// Squares p and g in the denominator.
  TORCH_ARG(bool, squared_pred) = false;
  /// The soft Jaccard index instead: denominator 2 · (Σ p + Σ g − Σ p·g).
  TORCH_ARG(bool, jaccard) = false;
  TORCH_ARG(double, smooth_nr) = 1e-5;
  TORCH_ARG(double, smooth_dr) = 1e-5;
  /// Sums over the batch as well: one Dice per channel (C) instead of per sample (N, C).
  TORCH_ARG(bool, batch) = false;
  /// Class weights of the channels kept (after include_background): empty, one value or one
  /// per channel.
  TORCH_ARG(std::vector<double>, weight) = {};
  /// "none" returns (N, C) per-sample, per-channel losses ((C) with `batch`).
  TORCH_ARG(LossReduction, reduction) = LossReduction::Mean;
};

/// lambda_dice · Dice + lambda_ce · cross-entropy, MONAI's DiceCELoss. With a softmax the
/// second term is the cross-entropy over the channels (torch's cross_entropy, `ce_weight`
/// its class weights), with a sigmoid the binary cross-entropy per channel (`ce_weight`
/// per channel). Both terms use dice.reduction, which must be "mean" or "sum".
struct MEDIMG_API DiceCELossOptions {
  /// The Dice term; its activation (softmax or sigmoid, not none) chooses the CE term.
  TORCH_ARG(DiceLossOptions, dice) = {};
  /// Class weights of the CE term: empty, one value, or one per channel (all channels:
  /// include_background applies to the Dice term only, as in MONAI).
  TORCH_ARG(std::vector<double>, ce_weight) = {};
  TORCH_ARG(double, lambda_dice) = 1.0;
  TORCH_ARG(double, lambda_ce) = 1.0;
};

/// Focal loss (Lin et al. 2017), MONAI's FocalLoss: the cross-entropy of each element
/// scaled by (1 − p_t)^gamma, so that well-classified elements count less.
///   sigmoid: −α_t (1 − p_t)^γ log p_t per channel, p_t = σ(x) where y = 1, else 1 − σ(x)
///   softmax: −α_c (1 − p_c)^γ y_c log p_c, p = softmax(x) over the channels
struct MEDIMG_API FocalLossOptions {
  /// False drops channel 0 from the loss (after the softmax over all channels).
  TORCH_ARG(bool, include_background) = true;
  /// Sigmoid (per-channel, multi-label) or softmax (multi-class); "none" is refused.
  TORCH_ARG(LossActivation, activation) = LossActivation::Sigmoid;
  TORCH_ARG(double, gamma) = 2.0;
  /// Balance in [0, 1]: sigmoid α for y = 1 and 1 − α for y = 0; softmax 1 − α for channel 0
  /// and α for the others. Unset: no balancing.
  TORCH_ARG(std::optional<double>, alpha) = std::nullopt;
  /// Class weights of the channels kept: empty, one value, or one per channel.
  TORCH_ARG(std::vector<double>, weight) = {};
  /// "none" returns the element-wise loss (N, C, *spatial), C without the background when
  /// it is dropped.
  TORCH_ARG(LossReduction, reduction) = LossReduction::Mean;
};

/// Tversky loss (Salehi et al. 2017), MONAI's TverskyLoss: per sample and channel
///   1 − (TP + smooth_nr) / (TP + α FP + β FN + smooth_dr)
/// with TP = Σ p·g, FP = Σ p·(1 − g), FN = Σ (1 − p)·g. α = β = 0.5 is the Dice loss.
struct MEDIMG_API TverskyLossOptions {
  TORCH_ARG(bool, include_background) = true;
  TORCH_ARG(LossActivation, activation) = LossActivation::Softmax;
  /// Weight of the false positives.
  TORCH_ARG(double, alpha) = 0.5;
  /// Weight of the false negatives.
  TORCH_ARG(double, beta) = 0.5;
  TORCH_ARG(double, smooth_nr) = 1e-5;
  TORCH_ARG(double, smooth_dr) = 1e-5;
  /// Sums over the batch as well: one value per channel.
  TORCH_ARG(bool, batch) = false;
  /// "none" returns (N, C) ((C) with `batch`).
  TORCH_ARG(LossReduction, reduction) = LossReduction::Mean;
};

/// The losses as functions. `input`: logits (N, C, *spatial) with 0 to 3 spatial axes, a
/// floating dtype; `target`: the input's shape, or class indices (N, *spatial) /
/// (N, 1, *spatial) of an integer dtype (or integral floats). The result has the input's
/// dtype and device and is differentiable with respect to the input.
/// @throws ShapeError when the target's shape fits neither form; ArgumentError for class
///         indices outside [0, C), an integer input, or options that do not fit the input
///         (a weight list of another length, softmax over one channel, ...).
MEDIMG_API at::Tensor weighted_bce_loss(const at::Tensor& input, const at::Tensor& target,
                                        const WeightedBCELossOptions& options = {});
MEDIMG_API at::Tensor dice_loss(const at::Tensor& input, const at::Tensor& target,
                                const DiceLossOptions& options = {});
MEDIMG_API at::Tensor dice_ce_loss(const at::Tensor& input, const at::Tensor& target,
                                   const DiceCELossOptions& options = {});
MEDIMG_API at::Tensor focal_loss(const at::Tensor& input, const at::Tensor& target,
                                 const FocalLossOptions& options = {});
MEDIMG_API at::Tensor tversky_loss(const at::Tensor& input, const at::Tensor& target,
                                   const TverskyLossOptions& options = {});

/// The losses as modules (no parameters or buffers): forward(input, target) calls the
/// function above with `options`, which reset() checks.
/// @throws ArgumentError from the constructor for out-of-range options (negative weights or
///         smoothing, gamma < 0, alpha outside [0, 1], ...).
class MEDIMG_API WeightedBCELossImpl : public torch::nn::Cloneable<WeightedBCELossImpl> {
 public:
  explicit WeightedBCELossImpl(WeightedBCELossOptions options = {});
  void reset() override;
  at::Tensor forward(const at::Tensor& input, const at::Tensor& target);
  void pretty_print(std::ostream& stream) const override;
  WeightedBCELossOptions options;
};
TORCH_MODULE(WeightedBCELoss);

class MEDIMG_API DiceLossImpl : public torch::nn::Cloneable<DiceLossImpl> {
 public:
  explicit DiceLossImpl(DiceLossOptions options = {});
  void reset() override;
  at::Tensor forward(const at::Tensor& input, const at::Tensor& target);
  void pretty_print(std::ostream& stream) const override;
  DiceLossOptions options;
};
TORCH_MODULE(DiceLoss);

class MEDIMG_API DiceCELossImpl : public torch::nn::Cloneable<DiceCELossImpl> {
 public:
  explicit DiceCELossImpl(DiceCELossOptions options = {});
  void reset() override;
  at::Tensor forward(const at::Tensor& input, const at::Tensor& target);
  void pretty_print(std::ostream& stream) const override;
  DiceCELossOptions options;
};
TORCH_MODULE(DiceCELoss);

class MEDIMG_API FocalLossImpl : public torch::nn::Cloneable<FocalLossImpl> {
 public:
  explicit FocalLossImpl(FocalLossOptions options = {});
  void reset() override;
  at::Tensor forward(const at::Tensor& input, const at::Tensor& target);
  void pretty_print(std::ostream& stream) const override;
  FocalLossOptions options;
};
TORCH_MODULE(FocalLoss);

class MEDIMG_API TverskyLossImpl : public torch::nn::Cloneable<TverskyLossImpl> {
 public:
  explicit TverskyLossImpl(TverskyLossOptions options = {});
  void reset() override;
  at::Tensor forward(const at::Tensor& input, const at::Tensor& target);
  void pretty_print(std::ostream& stream) const override;
  TverskyLossOptions options;
};
TORCH_MODULE(TverskyLoss);

}  // namespace medimg::nn

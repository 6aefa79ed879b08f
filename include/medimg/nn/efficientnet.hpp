#pragma once

/// EfficientNet-B0…B4 (Tan & Le 2019): MBConv blocks with squeeze-and-excitation, SiLU and
/// stochastic depth. The 2D networks are torchvision's efficientnet_b0…b4 (0.14) layer for
/// layer, with the same parameter names.

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medimg/export.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/features.hpp"

namespace medimg::nn {

/// The compound scalings B0…B4: width, depth and classifier dropout.
enum class EfficientNetVariant { B0, B1, B2, B3, B4 };

/// "b0" … "b4".
/// @throws ArgumentError for any other name.
MEDIMG_API EfficientNetVariant parse_efficientnet_variant(std::string_view name);
MEDIMG_API std::string to_string(EfficientNetVariant variant);

/// Squeeze-and-excitation as torchvision's SqueezeExcitation: avgpool → fc1 (1×1 conv) →
/// activation (SiLU) → fc2 (1×1 conv) → scale_activation (sigmoid), multiplied into x.
class MEDIMG_API SqueezeExcitationImpl : public torch::nn::Cloneable<SqueezeExcitationImpl> {
 public:
  SqueezeExcitationImpl(std::int64_t spatial_dims, std::int64_t channels,
                        std::int64_t squeeze_channels);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);

  std::int64_t spatial_dims, channels, squeeze_channels;

 private:
  torch::nn::AnyModule avgpool_, fc1_, activation_, fc2_, scale_activation_;
};
TORCH_MODULE(SqueezeExcitation);

/// torchvision.ops.StochasticDepth(p, "row"): in training, each sample of the batch is zeroed
/// with probability p and the others scaled by 1 / (1 - p); the identity in eval mode.
class MEDIMG_API StochasticDepthImpl : public torch::nn::Cloneable<StochasticDepthImpl> {
 public:
  explicit StochasticDepthImpl(double p);
  void reset() override {}
  at::Tensor forward(const at::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  double p;
};
TORCH_MODULE(StochasticDepth);

struct MEDIMG_API MBConvOptions {
  MBConvOptions(std::int64_t spatial_dims, std::int64_t in_channels, std::int64_t out_channels);
  TORCH_ARG(std::int64_t, spatial_dims);
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(double, expand_ratio) = 6.0;
  TORCH_ARG(std::int64_t, kernel_size) = 3;
  TORCH_ARG(std::int64_t, stride) = 1;
  /// Dilation of the depthwise convolution (padding grows with it: the size is kept).
  TORCH_ARG(std::int64_t, dilation) = 1;
  TORCH_ARG(double, stochastic_depth) = 0.0;
  /// CBAM on the block's output, before stochastic depth and the residual addition.
  TORCH_ARG(bool, cbam) = false;
  TORCH_ARG(std::int64_t, cbam_reduction) = 16;
};

/// torchvision's MBConv: block = Sequential(expand conv-bn-SiLU (when expand_ratio ≠ 1),
/// depthwise conv-bn-SiLU, SqueezeExcitation, project conv-bn), stochastic_depth[, cbam];
/// the input is added when stride is 1 and the channel counts agree.
class MEDIMG_API MBConvImpl : public torch::nn::Cloneable<MBConvImpl> {
 public:
  explicit MBConvImpl(MBConvOptions options);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);

  MBConvOptions options;

 private:
  Sequence block_{nullptr};
  StochasticDepth stochastic_depth_{nullptr};
  CBAM cbam_{nullptr};
};
TORCH_MODULE(MBConv);

struct MEDIMG_API EfficientNetOptions {
  explicit EfficientNetOptions(EfficientNetVariant variant = EfficientNetVariant::B0);
  TORCH_ARG(EfficientNetVariant, variant);
  TORCH_ARG(std::int64_t, spatial_dims) = 2;
  TORCH_ARG(std::int64_t, in_channels) = 3;
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Classifier dropout; the variant's (0.2, 0.2, 0.3, 0.3, 0.4 for B0…B4) when unset.
  TORCH_ARG(std::optional<double>, dropout) = std::nullopt;
  /// Stochastic depth of the last block; block k of n gets stochastic_depth · k / n.
  TORCH_ARG(double, stochastic_depth) = 0.2;
  /// CBAM in the MBConv blocks (MBConvOptions::cbam) of stages cbam_from_stage … 7.
  TORCH_ARG(bool, cbam) = false;
  TORCH_ARG(std::int64_t, cbam_reduction) = 16;
  /// The first of the seven MBConv stages (features.1 … features.7) that get CBAM: 1 (every
  /// block, as in the CBAM paper's networks) to 7. A later start leaves the early, fine
  /// stages without attention gates: they train as fast as without CBAM, and their class
  /// activation maps stay on small findings (docs/case_retinopathy.md).
  TORCH_ARG(std::int64_t, cbam_from_stage) = 1;
  /// Channel multiplier replacing the variant's (B0 1.0 … B4 1.4) when set: every width c
  /// becomes torchvision's _make_divisible(c · w, 8) (adjust_channels), e.g. 0.25 or 0.5
  /// for a small network.
  TORCH_ARG(std::optional<double>, width_multiplier) = std::nullopt;
  /// Depth multiplier replacing the variant's (B0 1.0 … B4 1.8) when set: a stage of n
  /// blocks gets ceil(n · d) (torchvision's adjust_depth).
  TORCH_ARG(std::optional<double>, depth_multiplier) = std::nullopt;
  /// The ratio of input size to final feature-map size: 32 (the original network), 16 or 8.
  /// Below 32 the last stride-2 stages keep stride 1, so the feature maps, and a Grad-CAM
  /// of them, are 2× or 4× finer for the same parameters (the cost grows).
  TORCH_ARG(std::int64_t, output_stride) = 32;
  /// With output_stride < 32: dilate the depthwise convolutions of those stages (2, then 4)
  /// so that the receptive fields stay those of the original network, as DeepLab's and
  /// timm's output_stride do. Without dilation the receptive fields shrink, and there is no
  /// gridding (the 2- and 4-periodic patterns dilated convolutions leave in feature maps,
  /// Yu, Koltun & Funkhouser 2017): better for small, local findings such as lesions.
  TORCH_ARG(bool, dilated) = true;
};

/// features = Sequential(stem conv-bn-SiLU (3, stride 2), seven stages of MBConvs, head
/// conv-bn-SiLU (1×1, 4 × the last stage's channels)) → avgpool → flatten → classifier =
/// Sequential(Dropout, Linear). Initialised as torchvision.
class MEDIMG_API EfficientNetImpl : public torch::nn::Cloneable<EfficientNetImpl> {
 public:
  explicit EfficientNetImpl(EfficientNetOptions options);
  void reset() override;

  /// (N, in_channels, *spatial) → logits (N, num_classes).
  /// @throws ShapeError for a wrong rank or channel count.
  at::Tensor forward(const at::Tensor& x);
  /// forward(x) together with the outputs of the modules named in `names`.
  Features forward_features(const at::Tensor& x, const std::vector<std::string>& names);

  /// requires_grad = false for everything but the classifier.
  void freeze_backbone();
  void unfreeze();
  /// A new, freshly initialised classifier Linear with num_classes outputs.
  void replace_head(std::int64_t num_classes);

  void pretty_print(std::ostream& stream) const override;

  EfficientNetOptions options;

 private:
  Sequence features_{nullptr}, classifier_{nullptr};
  torch::nn::AnyModule avgpool_;
};
TORCH_MODULE(EfficientNet);

}  // namespace medimg::nn

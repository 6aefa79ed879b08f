#pragma once

/// ResNet-18/34/50/101 (He et al. 2016) in 2D and 3D. The 2D networks are torchvision's
/// resnet18/34/50/101 parameter for parameter, with the same names: a torchvision
/// state_dict loads as it is and gives the same outputs.

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "medimg/export.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/features.hpp"

namespace medimg::nn {

struct MEDIMG_API ResNetBlockOptions {
  ResNetBlockOptions(std::int64_t spatial_dims, std::int64_t in_channels, std::int64_t planes);
  TORCH_ARG(std::int64_t, spatial_dims);
  TORCH_ARG(std::int64_t, in_channels);
  /// Width of the block; its output has planes × expansion channels (1 basic, 4 bottleneck).
  TORCH_ARG(std::int64_t, planes);
  TORCH_ARG(std::int64_t, stride) = 1;
  /// Bottleneck (1×1, 3×3 with the stride, 1×1) rather than basic (3×3 with the stride, 3×3).
  TORCH_ARG(bool, bottleneck) = false;
  /// Adds CBAM on the residual branch, before the addition (as in the CBAM paper).
  TORCH_ARG(bool, cbam) = false;
  TORCH_ARG(std::int64_t, cbam_reduction) = 16;
};

/// torchvision's BasicBlock / Bottleneck: conv1, bn1, conv2, bn2[, conv3, bn3], relu,
/// downsample (Sequential(1×1 conv with the stride, bn) when the shape changes)[, cbam].
class MEDIMG_API ResNetBlockImpl : public torch::nn::Cloneable<ResNetBlockImpl> {
 public:
  explicit ResNetBlockImpl(ResNetBlockOptions options);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  void pretty_print(std::ostream& stream) const override;
  /// Output channels: planes × (4 for a bottleneck, else 1).
  std::int64_t out_channels() const;

  ResNetBlockOptions options;

 private:
  torch::nn::AnyModule conv1_, bn1_, conv2_, bn2_, conv3_, bn3_, relu_;
  Sequence downsample_{nullptr};
  CBAM cbam_{nullptr};
};
TORCH_MODULE(ResNetBlock);

struct MEDIMG_API ResNetOptions {
  /// depth: 18, 34, 50 or 101.
  explicit ResNetOptions(std::int64_t depth);
  TORCH_ARG(std::int64_t, depth);
  TORCH_ARG(std::int64_t, spatial_dims) = 2;
  TORCH_ARG(std::int64_t, in_channels) = 3;
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Channels of the stem and of layer1; layers 2-4 have 2, 4 and 8 times as many (× 4
  /// after a bottleneck). 64 is torchvision's network; 16 makes ResNet-18 16× smaller
  /// (0.70 M instead of 11.2 M parameters for its convolutions) for 28-64 px inputs.
  TORCH_ARG(std::int64_t, width) = 64;
  /// CBAM in every block (ResNetBlockOptions::cbam).
  TORCH_ARG(bool, cbam) = false;
  TORCH_ARG(std::int64_t, cbam_reduction) = 16;
};

/// conv1 (7, stride 2) → bn1 → relu → maxpool (3, stride 2) → layer1..layer4 (Sequentials
/// of ResNetBlocks of width w, 2w, 4w, 8w with w = options.width; layers 2-4 halve the
/// resolution) → avgpool → flatten → fc. Initialised
/// as torchvision: Kaiming-normal (fan out) convolutions, unit batch norms, default fc.
class MEDIMG_API ResNetImpl : public torch::nn::Cloneable<ResNetImpl> {
 public:
  explicit ResNetImpl(ResNetOptions options);
  void reset() override;

  /// (N, in_channels, *spatial) → logits (N, num_classes). Any spatial size ≥ 1 after the
  /// five halvings (e.g. ≥ 32 per axis avoids empty maps); float dtypes, any device.
  /// @throws ShapeError for a wrong rank or channel count.
  at::Tensor forward(const at::Tensor& x);
  /// forward(x) together with the outputs of the modules named in `names`.
  Features forward_features(const at::Tensor& x, const std::vector<std::string>& names);

  /// requires_grad = false for everything but fc.
  void freeze_backbone();
  /// requires_grad = true everywhere.
  void unfreeze();
  /// A new, freshly initialised fc with num_classes outputs (options.num_classes follows).
  void replace_head(std::int64_t num_classes);

  void pretty_print(std::ostream& stream) const override;

  ResNetOptions options;

 private:
  torch::nn::AnyModule conv1_, bn1_, relu_, maxpool_, avgpool_;
  Sequence layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr}, layer4_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace medimg::nn

#pragma once

/// A compact 3D CNN classifier for patches of 32³ to 64³ voxels (nodule false-positive
/// reduction and similar patch tasks).

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "medimg/export.hpp"
#include "medimg/nn/features.hpp"
#include "medimg/nn/layers.hpp"

namespace medimg::nn {

struct MEDIMG_API CNN3dOptions {
  CNN3dOptions(std::int64_t in_channels = 1, std::int64_t num_classes = 2);
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, num_classes);
  /// Channels per stage; each stage after the first halves the resolution first, so the
  /// patch side must be at least 2^(stages - 1).
  TORCH_ARG(std::vector<std::int64_t>, features) = std::vector<std::int64_t>{32, 64, 128, 256};
  TORCH_ARG(Norm, norm) = Norm::Batch;
  TORCH_ARG(std::int64_t, num_groups) = 8;
  TORCH_ARG(Activation, activation) = Activation::ReLU;
  /// Dropout before the final Linear layer.
  TORCH_ARG(double, dropout) = 0.3;
};

/// features = Sequential(ConvBlock(in, f0), MaxPool3d(2), ConvBlock(f0, f1), MaxPool3d(2),
/// …, ConvBlock(f[n-2], f[n-1])) → avgpool → flatten → classifier = Sequential(Dropout,
/// Linear(f[n-1], num_classes)).
class MEDIMG_API CNN3dImpl : public torch::nn::Cloneable<CNN3dImpl> {
 public:
  explicit CNN3dImpl(CNN3dOptions options);
  void reset() override;

  /// (N, in_channels, D, H, W) → logits (N, num_classes).
  /// @throws ShapeError for a wrong rank or channel count or a patch too small.
  at::Tensor forward(const at::Tensor& x);
  /// forward(x) together with the outputs of the modules named in `names`.
  Features forward_features(const at::Tensor& x, const std::vector<std::string>& names);

  /// requires_grad = false for everything but the classifier.
  void freeze_backbone();
  void unfreeze();
  /// A new, freshly initialised classifier Linear with num_classes outputs.
  void replace_head(std::int64_t num_classes);

  void pretty_print(std::ostream& stream) const override;

  CNN3dOptions options;

 private:
  Sequence features_{nullptr}, classifier_{nullptr};
  torch::nn::AnyModule avgpool_;
};
TORCH_MODULE(CNN3d);

}  // namespace medimg::nn

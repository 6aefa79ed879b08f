#pragma once

/// The double 3×3(×3) convolution block of U-Net and the 3D CNN classifier.

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "medimg/export.hpp"
#include "medimg/nn/layers.hpp"

namespace medimg::nn {

struct MEDIMG_API ConvBlockOptions {
  ConvBlockOptions(std::int64_t spatial_dims, std::int64_t in_channels,
                   std::int64_t out_channels);
  TORCH_ARG(std::int64_t, spatial_dims);
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(Norm, norm) = Norm::Batch;
  /// Groups of Norm::Group; must divide out_channels.
  TORCH_ARG(std::int64_t, num_groups) = 8;
  TORCH_ARG(Activation, activation) = Activation::ReLU;
  /// Dropout probability after the first activation; 0 registers no dropout layer.
  TORCH_ARG(double, dropout) = 0.0;
  /// A residual unit: the input (through a 1×1 convolution when the channel counts differ)
  /// is added before the last activation.
  TORCH_ARG(bool, residual) = false;
};

/// conv1 → norm1 → act1 → [dropout] → conv2 → norm2 → [+ skip(x)] → act2, 3×3 convolutions
/// with padding 1 (the size is kept) and no bias when a normalisation follows.
/// Children: conv1, norm1, act1, dropout, conv2, norm2, skip, act2.
class MEDIMG_API ConvBlockImpl : public torch::nn::Cloneable<ConvBlockImpl> {
 public:
  explicit ConvBlockImpl(ConvBlockOptions options);
  void reset() override;
  /// (N, in_channels, *spatial) → (N, out_channels, *spatial).
  at::Tensor forward(const at::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  ConvBlockOptions options;

 private:
  torch::nn::AnyModule conv1_, norm1_, act1_, dropout_, conv2_, norm2_, skip_, act2_;
};
TORCH_MODULE(ConvBlock);

}  // namespace medimg::nn

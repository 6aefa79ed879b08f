#pragma once

/// CBAM, the Convolutional Block Attention Module (Woo et al., ECCV 2018): channel attention
/// then spatial attention, each a sigmoid gate multiplied into the features.

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "medimg/export.hpp"
#include "medimg/nn/features.hpp"

namespace medimg::nn {

struct MEDIMG_API CBAMOptions {
  explicit CBAMOptions(std::int64_t channels);
  TORCH_ARG(std::int64_t, channels);
  /// The channel MLP's hidden width is max(1, channels / reduction).
  TORCH_ARG(std::int64_t, reduction) = 16;
  /// Side of the spatial attention's convolution (odd).
  TORCH_ARG(std::int64_t, spatial_kernel) = 7;
  TORCH_ARG(std::int64_t, spatial_dims) = 2;
};

/// x' = x · σ(mlp(avgpool(x)) + mlp(maxpool(x)))      channel gate, (N, C, 1, 1[, 1])
/// y  = x' · σ(spatial([mean_c(x'); max_c(x')]))       spatial gate, (N, 1, *spatial)
/// mlp is 1×1 conv (C → C/r, bias) → ReLU → 1×1 conv (C/r → C, bias); spatial is a k×k
/// convolution 2 → 1 without bias, padding k/2. Children: mlp (Sequential), spatial.
class MEDIMG_API CBAMImpl : public torch::nn::Cloneable<CBAMImpl> {
 public:
  explicit CBAMImpl(CBAMOptions options);
  void reset() override;
  /// (N, channels, *spatial) → the same shape.
  /// @throws ShapeError for a wrong rank or channel count.
  at::Tensor forward(const at::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  CBAMOptions options;

 private:
  Sequence mlp_{nullptr};
  torch::nn::AnyModule spatial_;
};
TORCH_MODULE(CBAM);

}  // namespace medimg::nn

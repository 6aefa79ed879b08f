#pragma once

/// U-Net (Ronneberger et al. 2015) for 2D and 3D segmentation; the classic 64→1024 network,
/// a small 3D U-Net and residual or deeply supervised variants are option settings.

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "medimg/export.hpp"
#include "medimg/nn/blocks.hpp"
#include "medimg/nn/features.hpp"
#include "medimg/nn/layers.hpp"

namespace medimg::nn {

/// How the decoder doubles the resolution: "transposed" (ConvTranspose, kernel 2, stride 2)
/// or "interpolation" ((bi|tri)linear ×2, then a 1×1 convolution).
enum class Upsample { Transposed, Interpolation };

/// "transposed" or "interpolation".
/// @throws ArgumentError for any other name.
MEDIMG_API Upsample parse_upsample(std::string_view name);
MEDIMG_API std::string to_string(Upsample upsample);

struct MEDIMG_API UNetOptions {
  UNetOptions(std::int64_t spatial_dims, std::int64_t in_channels, std::int64_t out_channels);
  /// 2 for (N, C, H, W) input, 3 for (N, C, D, H, W).
  TORCH_ARG(std::int64_t, spatial_dims);
  TORCH_ARG(std::int64_t, in_channels);
  /// Channels of the output logits (one per class for a softmax, 1 for a sigmoid).
  TORCH_ARG(std::int64_t, out_channels);
  /// Channels per level, finest first; each further level halves the resolution, so the
  /// input size must be a multiple of 2^(levels - 1) (see pad_input). At least 2 levels.
  /// {64, 128, 256, 512, 1024} is the original U-Net.
  TORCH_ARG(std::vector<std::int64_t>, features) = std::vector<std::int64_t>{32, 64, 128, 256, 512};
  TORCH_ARG(Norm, norm) = Norm::Batch;
  /// Groups of Norm::Group; must divide every entry of features.
  TORCH_ARG(std::int64_t, num_groups) = 8;
  TORCH_ARG(Activation, activation) = Activation::ReLU;
  /// Dropout probability inside every convolution block.
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(Upsample, upsample) = Upsample::Transposed;
  /// Residual convolution blocks (ConvBlockOptions::residual).
  TORCH_ARG(bool, residual) = false;
  /// Adds a 1×1 head to every decoder level but the last; forward_deep_supervision()
  /// returns their outputs too.
  TORCH_ARG(bool, deep_supervision) = false;
  /// true: an input whose size is not a multiple of 2^(levels - 1) is padded (edge values,
  /// split evenly between both ends) and the output cropped back; false: it is refused.
  TORCH_ARG(bool, pad_input) = true;
};

/// Encoder: encoder.0 = ConvBlock(in, f0); encoder.i = maxpool 2 then ConvBlock(f[i-1], f[i]).
/// Decoder, from the coarsest level up: upsample.j (a Sequential: the transposed convolution,
/// or the interpolation and its 1×1 convolution) doubles the resolution of level i and
/// maps f[i] → f[i-1] channels, the skip connection of level i-1 is concatenated before it,
/// and decoder.j = ConvBlock(2·f[i-1], f[i-1]). head = 1×1 convolution f0 → out_channels;
/// aux_heads.j (deep supervision) = 1×1 convolutions on decoder.j's output.
class MEDIMG_API UNetImpl : public torch::nn::Cloneable<UNetImpl> {
 public:
  explicit UNetImpl(UNetOptions options);
  void reset() override;

  /// (N, in_channels, *spatial) → logits (N, out_channels, *spatial), any spatial size when
  /// pad_input is on. Float dtypes, any device.
  /// @throws ShapeError for a wrong rank or channel count, or (pad_input off) a size that is
  ///         not a multiple of 2^(levels - 1).
  at::Tensor forward(const at::Tensor& x);

  /// The main output first, then one per auxiliary head from the finest to the coarsest,
  /// each upsampled ((bi|tri)linear) to the input size: all have forward()'s shape. Only the
  /// main output when deep_supervision is off.
  std::vector<at::Tensor> forward_deep_supervision(const at::Tensor& x);

  /// forward(x) together with the outputs of the modules named in `names`.
  Features forward_features(const at::Tensor& x, const std::vector<std::string>& names);

  void pretty_print(std::ostream& stream) const override;

  UNetOptions options;

 private:
  std::vector<at::Tensor> run_levels(const at::Tensor& x, bool all_heads);

  // Registered as the ModuleLists encoder, upsample, decoder and aux_heads; the typed
  // vectors are what forward() calls.
  std::vector<ConvBlock> encoder_, decoder_;
  std::vector<Sequence> upsample_;
  std::vector<torch::nn::AnyModule> aux_heads_;
  torch::nn::AnyModule head_;
};
TORCH_MODULE(UNet);

}  // namespace medimg::nn

#pragma once

/// Layers whose rank is a run-time option: every medimg network is one class for 2D and 3D
/// (`spatial_dims`), built from LibTorch's own Conv2d/Conv3d, BatchNorm2d/3d, ... held as
/// AnyModules. The parameter names are therefore those of the torch layers
/// ("conv1.weight", "bn1.running_mean"), as in torchvision and plain PyTorch code.

#include <torch/arg.h>
#include <torch/nn/modules/container/any.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "medimg/export.hpp"

namespace medimg::nn {

/// Normalisation after a convolution. Python and configuration files name them "batch",
/// "instance", "group" and "none".
enum class Norm {
  None,      ///< no normalisation; the convolution gets a bias instead
  Batch,     ///< BatchNorm2d/3d (eps 1e-5, momentum 0.1)
  Instance,  ///< InstanceNorm2d/3d with affine weights (as nnU-Net), no running statistics
  Group,     ///< GroupNorm(num_groups, channels)
};

/// Non-linearity after a normalisation: "relu", "leaky_relu" (slope 0.01) or "silu".
enum class Activation { ReLU, LeakyReLU, SiLU };

/// "batch", "instance", "group" or "none".
/// @throws ArgumentError for any other name, listing the accepted ones.
MEDIMG_API Norm parse_norm(std::string_view name);
/// "relu", "leaky_relu" or "silu".
/// @throws ArgumentError for any other name, listing the accepted ones.
MEDIMG_API Activation parse_activation(std::string_view name);
/// The names parse_norm and parse_activation accept.
MEDIMG_API std::string to_string(Norm norm);
MEDIMG_API std::string to_string(Activation activation);

/// A convolution of either rank: torch's Conv{2,3}d / ConvTranspose{2,3}d options.
struct MEDIMG_API ConvSpec {
  ConvSpec(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size);
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  /// The same along every axis.
  TORCH_ARG(std::int64_t, kernel_size);
  TORCH_ARG(std::int64_t, stride) = 1;
  TORCH_ARG(std::int64_t, padding) = 0;
  TORCH_ARG(std::int64_t, dilation) = 1;
  TORCH_ARG(std::int64_t, groups) = 1;
  TORCH_ARG(bool, bias) = true;
};

/// torch::nn::Conv2d or Conv3d (spatial_dims 2 or 3) with torch's default initialisation.
/// @throws ArgumentError for another spatial_dims or a non-positive size.
MEDIMG_API torch::nn::AnyModule make_conv(std::int64_t spatial_dims, const ConvSpec& spec);

/// torch::nn::ConvTranspose2d or ConvTranspose3d.
MEDIMG_API torch::nn::AnyModule make_conv_transpose(std::int64_t spatial_dims,
                                                    const ConvSpec& spec);

/// The normalisation layer of `norm` for `channels` channels; an Identity for Norm::None.
/// @throws ArgumentError when Norm::Group does not divide the channels into num_groups groups.
MEDIMG_API torch::nn::AnyModule make_norm(Norm norm, std::int64_t spatial_dims,
                                          std::int64_t channels, std::int64_t num_groups = 8);

/// ReLU, LeakyReLU(0.01) or SiLU (never in place, so recorded features stay valid).
MEDIMG_API torch::nn::AnyModule make_activation(Activation activation);

/// MaxPool2d/3d with the given kernel, stride and padding.
MEDIMG_API torch::nn::AnyModule make_max_pool(std::int64_t spatial_dims, std::int64_t kernel,
                                              std::int64_t stride, std::int64_t padding = 0);

/// AdaptiveAvgPool2d/3d to one voxel per channel: (N, C, 1, 1[, 1]).
MEDIMG_API torch::nn::AnyModule make_global_avg_pool(std::int64_t spatial_dims);

/// Upsample by 2 along every spatial axis, (bi|tri)linear with align_corners = false.
MEDIMG_API torch::nn::AnyModule make_upsample2x(std::int64_t spatial_dims);

/// Checks that spatial_dims is 2 or 3.
/// @throws ArgumentError naming `owner` (e.g. "UNet") otherwise.
MEDIMG_API void check_spatial_dims(std::int64_t spatial_dims, std::string_view owner);

/// Checks a network input: rank spatial_dims + 2, (N, C, ...) with C == channels and a
/// floating-point dtype.
/// @throws ShapeError naming `owner` and the expected layout for a wrong rank or channel
///         count; ArgumentError for an undefined or integer tensor.
MEDIMG_API void check_network_input(const at::Tensor& input, std::int64_t spatial_dims,
                                    std::int64_t channels, std::string_view owner);

}  // namespace medimg::nn

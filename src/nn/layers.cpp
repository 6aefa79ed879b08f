#include "medimg/nn/layers.hpp"

#include <torch/nn/functional/instancenorm.h>  // instancenorm.h uses it without including it
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/upsampling.h>

#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

// Conv2d or Conv3d (ConvTranspose2d/3d when `transposed`) built from a ConvSpec.
template <std::size_t D, bool transposed>
torch::nn::AnyModule conv_nd(const ConvSpec& s) {
  using Options = std::conditional_t<transposed, torch::nn::ConvTransposeOptions<D>,
                                     torch::nn::ConvOptions<D>>;
  using Module = std::conditional_t<
      transposed,
      std::conditional_t<D == 2, torch::nn::ConvTranspose2d, torch::nn::ConvTranspose3d>,
      std::conditional_t<D == 2, torch::nn::Conv2d, torch::nn::Conv3d>>;
  Options options(s.in_channels(), s.out_channels(), s.kernel_size());
  options.stride(s.stride())
      .padding(torch::ExpandingArray<D>(s.padding()))
      .dilation(torch::ExpandingArray<D>(s.dilation()))
      .groups(s.groups())
      .bias(s.bias());
  return torch::nn::AnyModule(Module(options));
}

void check_positive(std::int64_t value, const char* name) {
  MEDIMG_CHECK(value > 0, ArgumentError, name, " must be positive, got ", value);
}

}  // namespace

Norm parse_norm(std::string_view name) {
  if (name == "batch") return Norm::Batch;
  if (name == "instance") return Norm::Instance;
  if (name == "group") return Norm::Group;
  if (name == "none") return Norm::None;
  throw ArgumentError(detail::concat("unknown norm '", name,
                                     "'; expected 'batch', 'instance', 'group' or 'none'"));
}

Activation parse_activation(std::string_view name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "leaky_relu") return Activation::LeakyReLU;
  if (name == "silu") return Activation::SiLU;
  throw ArgumentError(detail::concat("unknown activation '", name,
                                     "'; expected 'relu', 'leaky_relu' or 'silu'"));
}

std::string to_string(Norm norm) {
  switch (norm) {
    case Norm::Batch: return "batch";
    case Norm::Instance: return "instance";
    case Norm::Group: return "group";
    case Norm::None: break;
  }
  return "none";
}

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::LeakyReLU: return "leaky_relu";
    case Activation::SiLU: return "silu";
    case Activation::ReLU: break;
  }
  return "relu";
}

ConvSpec::ConvSpec(std::int64_t in_channels, std::int64_t out_channels,
                   std::int64_t kernel_size)
    : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}

torch::nn::AnyModule make_conv(std::int64_t spatial_dims, const ConvSpec& spec) {
  check_spatial_dims(spatial_dims, "a convolution");
  check_positive(spec.in_channels(), "in_channels");
  check_positive(spec.out_channels(), "out_channels");
  check_positive(spec.kernel_size(), "kernel_size");
  check_positive(spec.dilation(), "dilation");
  return spatial_dims == 2 ? conv_nd<2, false>(spec) : conv_nd<3, false>(spec);
}

torch::nn::AnyModule make_conv_transpose(std::int64_t spatial_dims, const ConvSpec& spec) {
  check_spatial_dims(spatial_dims, "a transposed convolution");
  check_positive(spec.in_channels(), "in_channels");
  check_positive(spec.out_channels(), "out_channels");
  return spatial_dims == 2 ? conv_nd<2, true>(spec) : conv_nd<3, true>(spec);
}

torch::nn::AnyModule make_norm(Norm norm, std::int64_t spatial_dims, std::int64_t channels,
                               std::int64_t num_groups) {
  check_spatial_dims(spatial_dims, "a normalisation");
  switch (norm) {
    case Norm::Batch:
      if (spatial_dims == 2) return torch::nn::AnyModule(torch::nn::BatchNorm2d(channels));
      return torch::nn::AnyModule(torch::nn::BatchNorm3d(channels));
    case Norm::Instance: {
      if (spatial_dims == 2) {
        return torch::nn::AnyModule(
            torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(channels).affine(true)));
      }
      return torch::nn::AnyModule(
          torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(channels).affine(true)));
    }
    case Norm::Group:
      MEDIMG_CHECK(num_groups > 0 && channels % num_groups == 0, ArgumentError,
                   "group norm: num_groups=", num_groups, " must divide the ", channels,
                   " channels of every normalised layer");
      return torch::nn::AnyModule(
          torch::nn::GroupNorm(torch::nn::GroupNormOptions(num_groups, channels)));
    case Norm::None: break;
  }
  return torch::nn::AnyModule(torch::nn::Identity());
}

torch::nn::AnyModule make_activation(Activation activation) {
  switch (activation) {
    case Activation::LeakyReLU:
      return torch::nn::AnyModule(
          torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.01)));
    case Activation::SiLU: return torch::nn::AnyModule(torch::nn::SiLU());
    case Activation::ReLU: break;
  }
  return torch::nn::AnyModule(torch::nn::ReLU());
}

torch::nn::AnyModule make_max_pool(std::int64_t spatial_dims, std::int64_t kernel,
                                   std::int64_t stride, std::int64_t padding) {
  check_spatial_dims(spatial_dims, "a max pooling");
  if (spatial_dims == 2) {
    return torch::nn::AnyModule(
        torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(kernel).stride(stride).padding(padding)));
  }
  return torch::nn::AnyModule(
      torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(kernel).stride(stride).padding(padding)));
}

torch::nn::AnyModule make_global_avg_pool(std::int64_t spatial_dims) {
  check_spatial_dims(spatial_dims, "a global pooling");
  if (spatial_dims == 2) {
    return torch::nn::AnyModule(
        torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions({1, 1})));
  }
  return torch::nn::AnyModule(
      torch::nn::AdaptiveAvgPool3d(torch::nn::AdaptiveAvgPool3dOptions({1, 1, 1})));
}

torch::nn::AnyModule make_upsample2x(std::int64_t spatial_dims) {
  check_spatial_dims(spatial_dims, "an upsampling");
  auto options = torch::nn::UpsampleOptions()
                     .scale_factor(std::vector<double>(static_cast<std::size_t>(spatial_dims), 2.0))
                     .align_corners(false);
  if (spatial_dims == 2) {
    options.mode(torch::kBilinear);
  } else {
    options.mode(torch::kTrilinear);
  }
  return torch::nn::AnyModule(torch::nn::Upsample(options));
}

void check_spatial_dims(std::int64_t spatial_dims, std::string_view owner) {
  MEDIMG_CHECK(spatial_dims == 2 || spatial_dims == 3, ArgumentError, owner,
               ": spatial_dims must be 2 or 3, got ", spatial_dims);
}

void check_network_input(const at::Tensor& input, std::int64_t spatial_dims,
                         std::int64_t channels, std::string_view owner) {
  MEDIMG_CHECK(input.defined(), ArgumentError, owner, " expects a tensor, got an undefined one");
  const char* layout = spatial_dims == 2 ? "(N, C, H, W)" : "(N, C, D, H, W)";
  MEDIMG_CHECK(input.dim() == spatial_dims + 2, ShapeError, owner, "(spatial_dims=",
               spatial_dims, ") expects ", layout, " input, got shape ", input.sizes());
  MEDIMG_CHECK(input.size(1) == channels, ShapeError, owner, " expects ", channels,
               " input channel(s) ", layout, ", got shape ", input.sizes());
  MEDIMG_CHECK(input.is_floating_point(), ArgumentError, owner,
               " expects floating-point input, got dtype ", input.scalar_type());
}

}  // namespace medimg::nn

#include "medimg/nn/unet.hpp"

#include <ATen/ops/cat.h>
#include <ATen/ops/max_pool2d.h>
#include <ATen/ops/max_pool3d.h>
#include <ATen/ops/pad.h>
#include <ATen/ops/upsample_bilinear2d.h>
#include <ATen/ops/upsample_trilinear3d.h>
#include <torch/nn/modules/container/modulelist.h>

#include <ostream>

#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

// (bi|tri)linear resize of logits to `size`, align_corners = false.
at::Tensor resize_linear(const at::Tensor& x, at::IntArrayRef size) {
  if (x.sizes().slice(2) == size) return x;
  if (size.size() == 2) return at::upsample_bilinear2d(x, size, false);
  return at::upsample_trilinear3d(x, size, false);
}

at::Tensor max_pool2x(const at::Tensor& x) {
  return x.dim() == 4 ? at::max_pool2d(x, {2, 2}) : at::max_pool3d(x, {2, 2, 2});
}

}  // namespace

Upsample parse_upsample(std::string_view name) {
  if (name == "transposed") return Upsample::Transposed;
  if (name == "interpolation") return Upsample::Interpolation;
  throw ArgumentError(detail::concat("unknown upsample mode '", name,
                                     "'; expected 'transposed' or 'interpolation'"));
}

std::string to_string(Upsample upsample) {
  return upsample == Upsample::Transposed ? "transposed" : "interpolation";
}

UNetOptions::UNetOptions(std::int64_t spatial_dims, std::int64_t in_channels,
                         std::int64_t out_channels)
    : spatial_dims_(spatial_dims), in_channels_(in_channels), out_channels_(out_channels) {}

UNetImpl::UNetImpl(UNetOptions options_) : options(std::move(options_)) { reset(); }

void UNetImpl::reset() {
  const UNetOptions& o = options;
  const auto d = o.spatial_dims();
  check_spatial_dims(d, "UNet");
  MEDIMG_CHECK(o.in_channels() > 0 && o.out_channels() > 0, ArgumentError,
               "UNet: in_channels and out_channels must be positive, got ", o.in_channels(),
               " and ", o.out_channels());
  const auto& f = o.features();
  MEDIMG_CHECK(f.size() >= 2, ArgumentError,
               "UNet: features needs at least 2 levels (channels per level), got ", f.size());
  for (auto c : f) {
    MEDIMG_CHECK(c > 0, ArgumentError, "UNet: every entry of features must be positive, got ",
                 c);
  }
  auto block = [&](std::int64_t in, std::int64_t out) {
    return ConvBlock(ConvBlockOptions(d, in, out)
                         .norm(o.norm())
                         .num_groups(o.num_groups())
                         .activation(o.activation())
                         .dropout(o.dropout())
                         .residual(o.residual()));
  };
  const auto levels = f.size();
  encoder_.clear();
  decoder_.clear();
  upsample_.clear();
  aux_heads_.clear();
  auto encoder = torch::nn::ModuleList(), decoder = torch::nn::ModuleList();
  auto upsample = torch::nn::ModuleList(), aux_heads = torch::nn::ModuleList();
  for (std::size_t i = 0; i < levels; ++i) {
    encoder_.push_back(block(i == 0 ? o.in_channels() : f[i - 1], f[i]));
    encoder->push_back(encoder_.back());
  }
  // Decoder stage j works on level i = levels - 1 - j.
  for (std::size_t i = levels - 1; i >= 1; --i) {
    Sequence up;
    if (o.upsample() == Upsample::Transposed) {
      up->push_back(make_conv_transpose(d, ConvSpec(f[i], f[i - 1], 2).stride(2)));
    } else {
      up->push_back(make_upsample2x(d));
      up->push_back(make_conv(d, ConvSpec(f[i], f[i - 1], 1)));
    }
    upsample_.push_back(up);
    upsample->push_back(up);
    decoder_.push_back(block(2 * f[i - 1], f[i - 1]));
    decoder->push_back(decoder_.back());
    if (o.deep_supervision() && i > 1) {
      aux_heads_.push_back(make_conv(d, ConvSpec(f[i - 1], o.out_channels(), 1)));
      aux_heads->push_back(aux_heads_.back().ptr());
    }
  }
  register_module("encoder", encoder);
  register_module("upsample", upsample);
  register_module("decoder", decoder);
  if (o.deep_supervision()) register_module("aux_heads", aux_heads);
  head_ = make_conv(d, ConvSpec(f[0], o.out_channels(), 1));
  register_module("head", head_.ptr());
}

std::vector<at::Tensor> UNetImpl::run_levels(const at::Tensor& input, bool all_heads) {
  const UNetOptions& o = options;
  check_network_input(input, o.spatial_dims(), o.in_channels(), "UNet");
  const std::int64_t multiple = std::int64_t{1} << (o.features().size() - 1);
  // Pad each spatial axis up to a multiple of 2^(levels - 1), half before and half after.
  std::vector<std::int64_t> pad;  // at::pad order: last axis first, (before, after) pairs
  bool padded = false;
  for (std::int64_t a = input.dim() - 1; a >= 2; --a) {
    const std::int64_t size = input.size(a);
    const std::int64_t extra = (multiple - size % multiple) % multiple;
    MEDIMG_CHECK(extra == 0 || o.pad_input(), ShapeError, "UNet with ",
                 o.features().size(), " levels expects spatial sizes that are multiples of ",
                 multiple, ", got shape ", input.sizes(),
                 " (pad_input=true pads and crops back)");
    pad.push_back(extra / 2);
    pad.push_back(extra - extra / 2);
    padded = padded || extra > 0;
  }
  at::Tensor x = padded ? at::pad(input, pad, "replicate") : input;

  std::vector<at::Tensor> skips;
  for (std::size_t i = 0; i < encoder_.size(); ++i) {
    x = run(encoder_[i], i == 0 ? x : max_pool2x(x));
    skips.push_back(x);
  }
  std::vector<at::Tensor> outputs(1);
  for (std::size_t j = 0; j < decoder_.size(); ++j) {
    const at::Tensor& skip = skips[skips.size() - 2 - j];
    x = run(decoder_[j], at::cat({skip, run(upsample_[j], x)}, 1));
    if (all_heads && j < aux_heads_.size()) outputs.push_back(run(aux_heads_[j], x));
  }
  outputs[0] = run(head_, x);

  // Back to the input's size: crop what padding added (auxiliary outputs are resized first).
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    at::Tensor y = resize_linear(outputs[k], x.sizes().slice(2));
    if (padded) {
      for (std::int64_t a = 2; a < input.dim(); ++a) {
        const std::int64_t before = pad[static_cast<std::size_t>(2 * (input.dim() - 1 - a))];
        y = y.narrow(a, before, input.size(a));
      }
    }
    outputs[k] = y;
  }
  return outputs;
}

at::Tensor UNetImpl::forward(const at::Tensor& x) {
  return tap(*this, run_levels(x, false).front());
}

std::vector<at::Tensor> UNetImpl::forward_deep_supervision(const at::Tensor& x) {
  auto outputs = run_levels(x, true);
  tap(*this, outputs.front());
  return outputs;
}

Features UNetImpl::forward_features(const at::Tensor& x, const std::vector<std::string>& names) {
  return forward_with_features(*this, x, names, [this](const at::Tensor& t) { return forward(t); });
}

void UNetImpl::pretty_print(std::ostream& stream) const {
  const UNetOptions& o = options;
  stream << "medimg::nn::UNet(spatial_dims=" << o.spatial_dims()
         << ", in_channels=" << o.in_channels() << ", out_channels=" << o.out_channels()
         << ", features=" << at::IntArrayRef(o.features()) << ", norm=" << to_string(o.norm())
         << ", activation=" << to_string(o.activation()) << ", dropout=" << o.dropout()
         << ", upsample=" << to_string(o.upsample())
         << ", residual=" << (o.residual() ? "true" : "false")
         << ", deep_supervision=" << (o.deep_supervision() ? "true" : "false")
         << ", pad_input=" << (o.pad_input() ? "true" : "false") << ")";
}

}  // namespace medimg::nn

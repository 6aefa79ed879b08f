#include "medimg/nn/blocks.hpp"

#include <torch/nn/modules/dropout.h>

#include <ostream>

#include "medimg/core/error.hpp"
#include "medimg/nn/features.hpp"

namespace medimg::nn {

ConvBlockOptions::ConvBlockOptions(std::int64_t spatial_dims, std::int64_t in_channels,
                                   std::int64_t out_channels)
    : spatial_dims_(spatial_dims), in_channels_(in_channels), out_channels_(out_channels) {}

ConvBlockImpl::ConvBlockImpl(ConvBlockOptions options_) : options(std::move(options_)) {
  reset();
}

void ConvBlockImpl::reset() {
  const ConvBlockOptions& o = options;
  MEDIMG_CHECK(o.dropout() >= 0 && o.dropout() < 1, ArgumentError,
               "dropout must be in [0, 1), got ", o.dropout());
  // A normalisation right after a convolution makes its bias redundant.
  const bool bias = o.norm() == Norm::None;
  const auto d = o.spatial_dims();
  conv1_ = make_conv(d, ConvSpec(o.in_channels(), o.out_channels(), 3).padding(1).bias(bias));
  register_module("conv1", conv1_.ptr());
  norm1_ = make_norm(o.norm(), d, o.out_channels(), o.num_groups());
  register_module("norm1", norm1_.ptr());
  act1_ = make_activation(o.activation());
  register_module("act1", act1_.ptr());
  dropout_ = {};
  if (o.dropout() > 0) {
    dropout_ = torch::nn::AnyModule(torch::nn::Dropout(o.dropout()));
    register_module("dropout", dropout_.ptr());
  }
  conv2_ = make_conv(d, ConvSpec(o.out_channels(), o.out_channels(), 3).padding(1).bias(bias));
  register_module("conv2", conv2_.ptr());
  norm2_ = make_norm(o.norm(), d, o.out_channels(), o.num_groups());
  register_module("norm2", norm2_.ptr());
  skip_ = {};
  if (o.residual() && o.in_channels() != o.out_channels()) {
    skip_ = make_conv(d, ConvSpec(o.in_channels(), o.out_channels(), 1));
    register_module("skip", skip_.ptr());
  }
  act2_ = make_activation(o.activation());
  register_module("act2", act2_.ptr());
}

at::Tensor ConvBlockImpl::forward(const at::Tensor& x) {
  at::Tensor y = run(act1_, run(norm1_, run(conv1_, x)));
  if (!dropout_.is_empty()) y = run(dropout_, y);
  y = run(norm2_, run(conv2_, y));
  if (options.residual()) y = y + (skip_.is_empty() ? x : run(skip_, x));
  return tap(*this, run(act2_, y));
}

void ConvBlockImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::ConvBlock(" << options.in_channels() << " -> " << options.out_channels()
         << ", norm=" << to_string(options.norm())
         << ", activation=" << to_string(options.activation())
         << ", dropout=" << options.dropout()
         << ", residual=" << (options.residual() ? "true" : "false") << ")";
}

}  // namespace medimg::nn

#include "medimg/nn/cbam.hpp"

#include <ATen/ops/amax.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/mean.h>
#include <ATen/ops/sigmoid.h>
#include <torch/nn/modules/activation.h>

#include <algorithm>
#include <ostream>
#include <vector>

#include "medimg/core/error.hpp"
#include "medimg/nn/features.hpp"
#include "medimg/nn/layers.hpp"

namespace medimg::nn {

CBAMOptions::CBAMOptions(std::int64_t channels) : channels_(channels) {}

CBAMImpl::CBAMImpl(CBAMOptions options_) : options(std::move(options_)) { reset(); }

void CBAMImpl::reset() {
  const CBAMOptions& o = options;
  check_spatial_dims(o.spatial_dims(), "CBAM");
  MEDIMG_CHECK(o.channels() > 0, ArgumentError, "CBAM: channels must be positive, got ",
               o.channels());
  MEDIMG_CHECK(o.reduction() > 0, ArgumentError, "CBAM: reduction must be positive, got ",
               o.reduction());
  MEDIMG_CHECK(o.spatial_kernel() > 0 && o.spatial_kernel() % 2 == 1, ArgumentError,
               "CBAM: spatial_kernel must be odd and positive, got ", o.spatial_kernel());
  const std::int64_t hidden = std::max<std::int64_t>(1, o.channels() / o.reduction());
  mlp_ = Sequence();
  mlp_->push_back(make_conv(o.spatial_dims(), ConvSpec(o.channels(), hidden, 1)));
  mlp_->push_back(torch::nn::AnyModule(torch::nn::ReLU()));
  mlp_->push_back(make_conv(o.spatial_dims(), ConvSpec(hidden, o.channels(), 1)));
  register_module("mlp", mlp_);
  spatial_ = make_conv(o.spatial_dims(), ConvSpec(2, 1, o.spatial_kernel())
                                             .padding(o.spatial_kernel() / 2)
                                             .bias(false));
  register_module("spatial", spatial_.ptr());
}

at::Tensor CBAMImpl::forward(const at::Tensor& x) {
  check_network_input(x, options.spatial_dims(), options.channels(), "CBAM");
  // Pool over every spatial axis, keeping them as size 1 for the 1×1 convolutions.
  std::vector<std::int64_t> spatial_axes;
  for (std::int64_t a = 2; a < x.dim(); ++a) spatial_axes.push_back(a);
  const at::Tensor avg = at::mean(x, spatial_axes, /*keepdim=*/true);
  const at::Tensor max = at::amax(x, spatial_axes, /*keepdim=*/true);
  const at::Tensor gated = x * at::sigmoid(run(mlp_, avg) + run(mlp_, max));
  const at::Tensor pooled = at::cat({at::mean(gated, {1}, true), at::amax(gated, {1}, true)}, 1);
  return tap(*this, gated * at::sigmoid(run(spatial_, pooled)));
}

void CBAMImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::CBAM(channels=" << options.channels()
         << ", reduction=" << options.reduction()
         << ", spatial_kernel=" << options.spatial_kernel()
         << ", spatial_dims=" << options.spatial_dims() << ")";
}

}  // namespace medimg::nn

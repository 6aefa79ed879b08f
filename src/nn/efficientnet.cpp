#include "medimg/nn/efficientnet.hpp"

#include <ATen/ops/empty.h>
#include <ATen/ops/sigmoid.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <cmath>
#include <ostream>

#include "medimg/core/error.hpp"
#include "medimg/nn/classifier.hpp"
#include "medimg/nn/layers.hpp"

namespace medimg::nn {
namespace {

struct Scaling {
  double width, depth, dropout;
};

Scaling scaling_of(EfficientNetVariant variant) {
  switch (variant) {
    case EfficientNetVariant::B1: return {1.0, 1.1, 0.2};
    case EfficientNetVariant::B2: return {1.1, 1.2, 0.3};
    case EfficientNetVariant::B3: return {1.2, 1.4, 0.3};
    case EfficientNetVariant::B4: return {1.4, 1.8, 0.4};
    case EfficientNetVariant::B0: break;
  }
  return {1.0, 1.0, 0.2};
}

// torchvision's _make_divisible(v, 8): the nearest multiple of 8, at least 8, and never
// more than 10 % below v.
std::int64_t make_divisible(double v) {
  std::int64_t rounded = std::max<std::int64_t>(8, static_cast<std::int64_t>(v + 4) / 8 * 8);
  if (static_cast<double>(rounded) < 0.9 * v) rounded += 8;
  return rounded;
}

// One row of the EfficientNet-B0 table (torchvision's _efficientnet_conf).
struct Stage {
  double expand_ratio;
  std::int64_t kernel, stride, in_channels, out_channels, layers;
};
constexpr Stage kB0Stages[] = {{1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},
                               {6, 5, 2, 24, 40, 2},  {6, 3, 2, 40, 80, 3},
                               {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4},
                               {6, 3, 1, 192, 320, 1}};

// torchvision's Conv2dNormActivation: Sequential(conv, batch norm[, SiLU]), "same" padding.
Sequence conv_bn_act(std::int64_t d, const ConvSpec& spec, bool activation) {
  Sequence s;
  s->push_back(make_conv(
      d, ConvSpec(spec).padding((spec.kernel_size() - 1) / 2 * spec.dilation()).bias(false)));
  s->push_back(make_norm(Norm::Batch, d, spec.out_channels()));
  if (activation) s->push_back(make_activation(Activation::SiLU));
  return s;
}

// torchvision's EfficientNet initialisation.
void init_efficientnet(torch::nn::Module& root) {
  torch::NoGradGuard no_grad;
  auto init_conv = [](at::Tensor& weight, at::Tensor& bias) {
    torch::nn::init::kaiming_normal_(weight, 0, torch::kFanOut);
    if (bias.defined()) bias.zero_();
  };
  for (auto& module : root.modules(/*include_self=*/false)) {
    if (auto* c2 = module->as<torch::nn::Conv2d>()) {
      init_conv(c2->weight, c2->bias);
    } else if (auto* c3 = module->as<torch::nn::Conv3d>()) {
      init_conv(c3->weight, c3->bias);
    } else if (auto* linear = module->as<torch::nn::Linear>()) {
      const double range = 1.0 / std::sqrt(static_cast<double>(linear->options.out_features()));
      linear->weight.uniform_(-range, range);
      linear->bias.zero_();
    }
  }
}

}  // namespace

EfficientNetVariant parse_efficientnet_variant(std::string_view name) {
  if (name == "b0") return EfficientNetVariant::B0;
  if (name == "b1") return EfficientNetVariant::B1;
  if (name == "b2") return EfficientNetVariant::B2;
  if (name == "b3") return EfficientNetVariant::B3;
  if (name == "b4") return EfficientNetVariant::B4;
  throw ArgumentError(detail::concat("unknown EfficientNet variant '", name,
                                     "'; expected 'b0', 'b1', 'b2', 'b3' or 'b4'"));
}

std::string to_string(EfficientNetVariant variant) {
  return "b" + std::to_string(static_cast<int>(variant));
}

SqueezeExcitationImpl::SqueezeExcitationImpl(std::int64_t spatial_dims_,
                                             std::int64_t channels_,
                                             std::int64_t squeeze_channels_)
    : spatial_dims(spatial_dims_), channels(channels_), squeeze_channels(squeeze_channels_) {
  reset();
}

void SqueezeExcitationImpl::reset() {
  avgpool_ = make_global_avg_pool(spatial_dims);
  register_module("avgpool", avgpool_.ptr());
  fc1_ = make_conv(spatial_dims, ConvSpec(channels, squeeze_channels, 1));
  register_module("fc1", fc1_.ptr());
  fc2_ = make_conv(spatial_dims, ConvSpec(squeeze_channels, channels, 1));
  register_module("fc2", fc2_.ptr());
  activation_ = make_activation(Activation::SiLU);
  register_module("activation", activation_.ptr());
  scale_activation_ = torch::nn::AnyModule(torch::nn::Sigmoid());
  register_module("scale_activation", scale_activation_.ptr());
}

at::Tensor SqueezeExcitationImpl::forward(const at::Tensor& x) {
  const at::Tensor scale = run(scale_activation_, run(fc2_, run(activation_, run(fc1_, run(avgpool_, x)))));
  return tap(*this, scale * x);
}

StochasticDepthImpl::StochasticDepthImpl(double p_) : p(p_) {
  MEDIMG_CHECK(p >= 0 && p <= 1, ArgumentError, "stochastic depth must be in [0, 1], got ", p);
}

at::Tensor StochasticDepthImpl::forward(const at::Tensor& x) {
  if (!is_training() || p == 0.0) return tap(*this, x);
  const double survival = 1.0 - p;
  std::vector<std::int64_t> size(static_cast<std::size_t>(x.dim()), 1);
  size[0] = x.size(0);
  at::Tensor noise = at::empty(size, x.options()).bernoulli_(survival);
  if (survival > 0.0) noise.div_(survival);
  return tap(*this, x * noise);
}

void StochasticDepthImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::StochasticDepth(p=" << p << ", mode=row)";
}

MBConvOptions::MBConvOptions(std::int64_t spatial_dims, std::int64_t in_channels,
                             std::int64_t out_channels)
    : spatial_dims_(spatial_dims), in_channels_(in_channels), out_channels_(out_channels) {}

MBConvImpl::MBConvImpl(MBConvOptions options_) : options(std::move(options_)) { reset(); }

void MBConvImpl::reset() {
  const MBConvOptions& o = options;
  const auto d = o.spatial_dims();
  MEDIMG_CHECK(o.stride() == 1 || o.stride() == 2, ArgumentError,
               "MBConv: stride must be 1 or 2, got ", o.stride());
  MEDIMG_CHECK(o.dilation() >= 1, ArgumentError, "MBConv: dilation must be positive, got ",
               o.dilation());
  const std::int64_t expanded =
      make_divisible(static_cast<double>(o.in_channels()) * o.expand_ratio());
  block_ = Sequence();
  if (expanded != o.in_channels()) {
    block_->push_back(conv_bn_act(d, ConvSpec(o.in_channels(), expanded, 1), true));
  }
  block_->push_back(conv_bn_act(d,
                                ConvSpec(expanded, expanded, o.kernel_size())
                                    .stride(o.stride())
                                    .dilation(o.dilation())
                                    .groups(expanded),
                                true));
  block_->push_back(
      SqueezeExcitation(d, expanded, std::max<std::int64_t>(1, o.in_channels() / 4)));
  block_->push_back(conv_bn_act(d, ConvSpec(expanded, o.out_channels(), 1), false));
  register_module("block", block_);
  stochastic_depth_ = register_module("stochastic_depth", StochasticDepth(o.stochastic_depth()));
  cbam_ = nullptr;
  if (o.cbam()) {
    cbam_ = register_module("cbam", CBAM(CBAMOptions(o.out_channels())
                                             .reduction(o.cbam_reduction())
                                             .spatial_dims(d)));
  }
}

at::Tensor MBConvImpl::forward(const at::Tensor& x) {
  at::Tensor y = run(block_, x);
  if (cbam_) y = run(cbam_, y);
  if (options.stride() == 1 && options.in_channels() == options.out_channels()) {
    y = run(stochastic_depth_, y) + x;
  }
  return tap(*this, y);
}

EfficientNetOptions::EfficientNetOptions(EfficientNetVariant variant) : variant_(variant) {}

EfficientNetImpl::EfficientNetImpl(EfficientNetOptions options_) : options(std::move(options_)) {
  reset();
}

void EfficientNetImpl::reset() {
  const EfficientNetOptions& o = options;
  const auto d = o.spatial_dims();
  check_spatial_dims(d, "EfficientNet");
  MEDIMG_CHECK(o.in_channels() > 0 && o.num_classes() > 0, ArgumentError,
               "EfficientNet: in_channels and num_classes must be positive, got ",
               o.in_channels(), " and ", o.num_classes());
  MEDIMG_CHECK(o.stochastic_depth() >= 0 && o.stochastic_depth() < 1, ArgumentError,
               "EfficientNet: stochastic_depth must be in [0, 1), got ", o.stochastic_depth());
  const Scaling scaling = scaling_of(o.variant());
  const double dropout = o.dropout().value_or(scaling.dropout);
  MEDIMG_CHECK(dropout >= 0 && dropout < 1, ArgumentError,
               "EfficientNet: dropout must be in [0, 1), got ", dropout);
  const double width_multiplier = o.width_multiplier().value_or(scaling.width);
  const double depth_multiplier = o.depth_multiplier().value_or(scaling.depth);
  // Upper bounds keep a typo (50 for 0.5) from allocating gigabytes.
  MEDIMG_CHECK(std::isfinite(width_multiplier) && width_multiplier > 0 && width_multiplier <= 8,
               ArgumentError, "EfficientNet: width_multiplier must be in (0, 8], got ",
               width_multiplier);
  MEDIMG_CHECK(std::isfinite(depth_multiplier) && depth_multiplier > 0 && depth_multiplier <= 8,
               ArgumentError, "EfficientNet: depth_multiplier must be in (0, 8], got ",
               depth_multiplier);
  auto width = [&](std::int64_t c) {
    return make_divisible(static_cast<double>(c) * width_multiplier);
  };
  auto depth = [&](std::int64_t n) {
    return static_cast<std::int64_t>(std::ceil(static_cast<double>(n) * depth_multiplier));
  };

  features_ = Sequence();
  features_->push_back(
      conv_bn_act(d, ConvSpec(o.in_channels(), width(kB0Stages[0].in_channels), 3).stride(2), true));
  std::int64_t total_blocks = 0;
  for (const Stage& s : kB0Stages) total_blocks += depth(s.layers);
  MEDIMG_CHECK(o.output_stride() == 8 || o.output_stride() == 16 || o.output_stride() == 32,
               ArgumentError, "EfficientNet: output_stride must be 8, 16 or 32, got ",
               o.output_stride());
  MEDIMG_CHECK(o.cbam_from_stage() >= 1 && o.cbam_from_stage() <= 7, ArgumentError,
               "EfficientNet: cbam_from_stage must be in [1, 7], got ", o.cbam_from_stage());
  std::int64_t block_id = 0, reached_stride = 2, dilation = 1;  // the stem has stride 2
  std::int64_t stage_number = 0;                                // features.<stage_number>
  for (const Stage& s : kB0Stages) {
    ++stage_number;
    const bool stage_cbam = o.cbam() && stage_number >= o.cbam_from_stage();
    // A stage that would go past output_stride keeps stride 1 and dilates instead, from its
    // first block on.
    std::int64_t stride = s.stride;
    if (stride == 2 && reached_stride >= o.output_stride()) {
      stride = 1;
      if (o.dilated()) dilation *= 2;
    } else {
      reached_stride *= stride;
    }
    Sequence stage;
    for (std::int64_t b = 0; b < depth(s.layers); ++b, ++block_id) {
      const std::int64_t in = b == 0 ? width(s.in_channels) : width(s.out_channels);
      stage->push_back(MBConv(MBConvOptions(d, in, width(s.out_channels))
                                  .expand_ratio(s.expand_ratio)
                                  .kernel_size(s.kernel)
                                  .stride(b == 0 ? stride : 1)
                                  .dilation(dilation)
                                  .stochastic_depth(o.stochastic_depth() *
                                                    static_cast<double>(block_id) /
                                                    static_cast<double>(total_blocks))
                                  .cbam(stage_cbam)
                                  .cbam_reduction(o.cbam_reduction())));
    }
    features_->push_back(stage);
  }
  const std::int64_t last_in = width(kB0Stages[6].out_channels), last_out = 4 * last_in;
  features_->push_back(conv_bn_act(d, ConvSpec(last_in, last_out, 1), true));
  register_module("features", features_);
  avgpool_ = make_global_avg_pool(d);
  register_module("avgpool", avgpool_.ptr());
  classifier_ = Sequence(torch::nn::Dropout(dropout),
                                      torch::nn::Linear(last_out, o.num_classes()));
  register_module("classifier", classifier_);
  init_efficientnet(*this);
}

at::Tensor EfficientNetImpl::forward(const at::Tensor& input) {
  check_network_input(input, options.spatial_dims(), options.in_channels(), "EfficientNet");
  at::Tensor x = run(avgpool_, run(features_, input)).flatten(1);
  return tap(*this, run(classifier_, x));
}

Features EfficientNetImpl::forward_features(const at::Tensor& x,
                                            const std::vector<std::string>& names) {
  return forward_with_features(*this, x, names, [this](const at::Tensor& t) { return forward(t); });
}

void EfficientNetImpl::freeze_backbone() { freeze_all_but(*this, "classifier"); }

void EfficientNetImpl::unfreeze() { unfreeze_all(*this); }

void EfficientNetImpl::replace_head(std::int64_t num_classes) {
  MEDIMG_CHECK(num_classes > 0, ArgumentError, "num_classes must be positive, got ",
               num_classes);
  auto& old = classifier_->at<torch::nn::LinearImpl>(1);
  torch::nn::Linear linear(old.options.in_features(), num_classes);
  {
    // The classifier's initialisation, as in reset().
    torch::NoGradGuard no_grad;
    const double range = 1.0 / std::sqrt(static_cast<double>(num_classes));
    linear->weight.uniform_(-range, range);
    linear->bias.zero_();
  }
  linear->to(old.weight.device(), old.weight.scalar_type());
  const double p = classifier_->at<torch::nn::DropoutImpl>(0).options.p();
  classifier_ = replace_module("classifier",
                               Sequence(torch::nn::Dropout(p), linear));
  options.num_classes(num_classes);
}

void EfficientNetImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::EfficientNet(variant=" << to_string(options.variant())
         << ", spatial_dims=" << options.spatial_dims()
         << ", in_channels=" << options.in_channels() << ", num_classes=" << options.num_classes()
         << ", cbam=" << (options.cbam() ? "true" : "false");
  if (options.cbam_from_stage() != 1) stream << ", cbam_from_stage=" << options.cbam_from_stage();
  if (options.width_multiplier()) stream << ", width_multiplier=" << *options.width_multiplier();
  if (options.depth_multiplier()) stream << ", depth_multiplier=" << *options.depth_multiplier();
  if (options.output_stride() != 32) {
    stream << ", output_stride=" << options.output_stride()
           << ", dilated=" << (options.dilated() ? "true" : "false");
  }
  stream << ")";
}

}  // namespace medimg::nn

#include "medimg/nn/resnet.hpp"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <array>
#include <ostream>

#include "medimg/core/error.hpp"
#include "medimg/nn/classifier.hpp"
#include "medimg/nn/layers.hpp"

namespace medimg::nn {
namespace {

// Blocks per layer, torchvision's resnet18/34/50/101.
std::array<std::int64_t, 4> resnet_blocks(std::int64_t depth) {
  switch (depth) {
    case 18: return {2, 2, 2, 2};
    case 34: return {3, 4, 6, 3};
    case 50: return {3, 4, 6, 3};
    case 101: return {3, 4, 23, 3};
    default: break;
  }
  throw ArgumentError(detail::concat("ResNet: depth must be 18, 34, 50 or 101, got ", depth));
}

// torchvision's ResNet initialisation: Kaiming-normal (fan out, ReLU) convolutions, batch
// norms at weight 1 and bias 0; Linear keeps torch's default.
void init_resnet(torch::nn::Module& root) {
  torch::NoGradGuard no_grad;
  for (auto& module : root.modules(/*include_self=*/false)) {
    if (auto* c2 = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(c2->weight, 0, torch::kFanOut, torch::kReLU);
    } else if (auto* c3 = module->as<torch::nn::Conv3d>()) {
      torch::nn::init::kaiming_normal_(c3->weight, 0, torch::kFanOut, torch::kReLU);
    }
  }
}

}  // namespace

ResNetBlockOptions::ResNetBlockOptions(std::int64_t spatial_dims, std::int64_t in_channels,
                                       std::int64_t planes)
    : spatial_dims_(spatial_dims), in_channels_(in_channels), planes_(planes) {}

ResNetBlockImpl::ResNetBlockImpl(ResNetBlockOptions options_) : options(std::move(options_)) {
  reset();
}

std::int64_t ResNetBlockImpl::out_channels() const {
  return options.planes() * (options.bottleneck() ? 4 : 1);
}

void ResNetBlockImpl::reset() {
  const ResNetBlockOptions& o = options;
  const auto d = o.spatial_dims();
  const auto in = o.in_channels(), planes = o.planes(), out = out_channels();
  // Registration order is torchvision's, so named_parameters() lists the same sequence.
  if (o.bottleneck()) {
    conv1_ = make_conv(d, ConvSpec(in, planes, 1).bias(false));
    register_module("conv1", conv1_.ptr());
    bn1_ = make_norm(Norm::Batch, d, planes);
    register_module("bn1", bn1_.ptr());
    conv2_ = make_conv(d, ConvSpec(planes, planes, 3).stride(o.stride()).padding(1).bias(false));
    register_module("conv2", conv2_.ptr());
    bn2_ = make_norm(Norm::Batch, d, planes);
    register_module("bn2", bn2_.ptr());
    conv3_ = make_conv(d, ConvSpec(planes, out, 1).bias(false));
    register_module("conv3", conv3_.ptr());
    bn3_ = make_norm(Norm::Batch, d, out);
    register_module("bn3", bn3_.ptr());
    relu_ = torch::nn::AnyModule(torch::nn::ReLU());
    register_module("relu", relu_.ptr());
  } else {
    conv1_ = make_conv(d, ConvSpec(in, planes, 3).stride(o.stride()).padding(1).bias(false));
    register_module("conv1", conv1_.ptr());
    bn1_ = make_norm(Norm::Batch, d, planes);
    register_module("bn1", bn1_.ptr());
    relu_ = torch::nn::AnyModule(torch::nn::ReLU());
    register_module("relu", relu_.ptr());
    conv2_ = make_conv(d, ConvSpec(planes, planes, 3).padding(1).bias(false));
    register_module("conv2", conv2_.ptr());
    bn2_ = make_norm(Norm::Batch, d, planes);
    register_module("bn2", bn2_.ptr());
    conv3_ = {};
    bn3_ = {};
  }
  downsample_ = nullptr;
  if (o.stride() != 1 || in != out) {
    downsample_ = Sequence();
    downsample_->push_back(make_conv(d, ConvSpec(in, out, 1).stride(o.stride()).bias(false)));
    downsample_->push_back(make_norm(Norm::Batch, d, out));
    register_module("downsample", downsample_);
  }
  cbam_ = nullptr;
  if (o.cbam()) {
    cbam_ = register_module(
        "cbam", CBAM(CBAMOptions(out).reduction(o.cbam_reduction()).spatial_dims(d)));
  }
}

at::Tensor ResNetBlockImpl::forward(const at::Tensor& x) {
  at::Tensor y = run(relu_, run(bn1_, run(conv1_, x)));
  y = run(bn2_, run(conv2_, y));
  if (options.bottleneck()) y = run(bn3_, run(conv3_, run(relu_, y)));
  if (cbam_) y = run(cbam_, y);
  y = y + (downsample_ ? run(downsample_, x) : x);
  return tap(*this, run(relu_, y));
}

void ResNetBlockImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::ResNetBlock(" << (options.bottleneck() ? "bottleneck" : "basic") << ", "
         << options.in_channels() << " -> " << out_channels() << ", stride=" << options.stride()
         << ", cbam=" << (options.cbam() ? "true" : "false") << ")";
}

ResNetOptions::ResNetOptions(std::int64_t depth) : depth_(depth) {}

ResNetImpl::ResNetImpl(ResNetOptions options_) : options(std::move(options_)) { reset(); }

void ResNetImpl::reset() {
  const ResNetOptions& o = options;
  const auto d = o.spatial_dims();
  check_spatial_dims(d, "ResNet");
  const auto blocks = resnet_blocks(o.depth());
  MEDIMG_CHECK(o.in_channels() > 0 && o.num_classes() > 0, ArgumentError,
               "ResNet: in_channels and num_classes must be positive, got ", o.in_channels(),
               " and ", o.num_classes());
  MEDIMG_CHECK(o.width() > 0, ArgumentError, "ResNet: width must be positive, got ", o.width());
  const bool bottleneck = o.depth() >= 50;
  const std::int64_t w = o.width();
  conv1_ = make_conv(d, ConvSpec(o.in_channels(), w, 7).stride(2).padding(3).bias(false));
  register_module("conv1", conv1_.ptr());
  bn1_ = make_norm(Norm::Batch, d, w);
  register_module("bn1", bn1_.ptr());
  relu_ = torch::nn::AnyModule(torch::nn::ReLU());
  register_module("relu", relu_.ptr());
  maxpool_ = make_max_pool(d, 3, 2, 1);
  register_module("maxpool", maxpool_.ptr());
  std::int64_t channels = w;
  auto make_layer = [&](std::int64_t planes, std::int64_t count, std::int64_t stride) {
    Sequence layer;
    for (std::int64_t b = 0; b < count; ++b) {
      ResNetBlock block(ResNetBlockOptions(d, channels, planes)
                            .stride(b == 0 ? stride : 1)
                            .bottleneck(bottleneck)
                            .cbam(o.cbam())
                            .cbam_reduction(o.cbam_reduction()));
      channels = block->out_channels();
      layer->push_back(block);
    }
    return layer;
  };
  layer1_ = register_module("layer1", make_layer(w, blocks[0], 1));
  layer2_ = register_module("layer2", make_layer(2 * w, blocks[1], 2));
  layer3_ = register_module("layer3", make_layer(4 * w, blocks[2], 2));
  layer4_ = register_module("layer4", make_layer(8 * w, blocks[3], 2));
  avgpool_ = make_global_avg_pool(d);
  register_module("avgpool", avgpool_.ptr());
  fc_ = register_module("fc", torch::nn::Linear(channels, o.num_classes()));
  init_resnet(*this);
}

at::Tensor ResNetImpl::forward(const at::Tensor& input) {
  check_network_input(input, options.spatial_dims(), options.in_channels(), "ResNet");
  at::Tensor x = run(maxpool_, run(relu_, run(bn1_, run(conv1_, input))));
  x = run(layer4_, run(layer3_, run(layer2_, run(layer1_, x))));
  x = run(avgpool_, x).flatten(1);
  return tap(*this, run(fc_, x));
}

Features ResNetImpl::forward_features(const at::Tensor& x, const std::vector<std::string>& names) {
  return forward_with_features(*this, x, names, [this](const at::Tensor& t) { return forward(t); });
}

void ResNetImpl::freeze_backbone() { freeze_all_but(*this, "fc"); }

void ResNetImpl::unfreeze() { unfreeze_all(*this); }

void ResNetImpl::replace_head(std::int64_t num_classes) {
  MEDIMG_CHECK(num_classes > 0, ArgumentError, "num_classes must be positive, got ",
               num_classes);
  torch::nn::Linear fc(fc_->options.in_features(), num_classes);
  fc->to(fc_->weight.device(), fc_->weight.scalar_type());
  fc_ = replace_module("fc", fc);
  options.num_classes(num_classes);
}

void ResNetImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::ResNet(depth=" << options.depth()
         << ", spatial_dims=" << options.spatial_dims()
         << ", in_channels=" << options.in_channels() << ", num_classes=" << options.num_classes()
         << ", width=" << options.width() << ", cbam=" << (options.cbam() ? "true" : "false")
         << ")";
}

}  // namespace medimg::nn

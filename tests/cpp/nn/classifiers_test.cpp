// ResNet, EfficientNet, CBAM and CNN3d: sizes against torchvision's published parameter
// counts, CBAM against its formula written out with ATen, transfer-learning helpers.
#include <ATen/ops/amax.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/zeros.h>
#include <torch/nn/modules/conv.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/summary.hpp"

namespace nn = medimg::nn;

TEST_CASE("ResNet and EfficientNet have torchvision's parameter counts") {
  // sum(p.numel() for p in torchvision.models.<name>().parameters()), torchvision 0.14.
  CHECK(nn::count_parameters(*nn::ResNet(nn::ResNetOptions(18))) == 11689512);
  CHECK(nn::count_parameters(*nn::ResNet(nn::ResNetOptions(34))) == 21797672);
  CHECK(nn::count_parameters(*nn::ResNet(nn::ResNetOptions(50))) == 25557032);
  CHECK(nn::count_parameters(*nn::ResNet(nn::ResNetOptions(101))) == 44549160);
  const std::int64_t efficientnet[] = {5288548, 7794184, 9109994, 12233232, 19341616};
  for (int b = 0; b <= 4; ++b) {
    const auto variant = static_cast<nn::EfficientNetVariant>(b);
    INFO(nn::to_string(variant));
    CHECK(nn::count_parameters(*nn::EfficientNet(nn::EfficientNetOptions(variant))) ==
          efficientnet[b]);
  }
}

TEST_CASE("ResNet width scales the channels of every stage") {
  // ResNet-18 layer by layer: 2724 w² + (49 in + 150 + 8 classes) w + classes.
  for (const std::int64_t w : {8, 16, 64}) {
    INFO("width " << w);
    nn::ResNet net(nn::ResNetOptions(18).in_channels(1).num_classes(2).width(w));
    CHECK(nn::count_parameters(*net) == 2724 * w * w + (49 + 150 + 16) * w + 2);
    CHECK(net->named_parameters()["layer4.1.conv2.weight"].sizes() ==
          at::IntArrayRef({8 * w, 8 * w, 3, 3}));
  }
  nn::ResNet narrow(nn::ResNetOptions(50).width(16));
  CHECK(narrow->named_parameters()["fc.weight"].sizes() == at::IntArrayRef({1000, 16 * 8 * 4}));
  CHECK_THROWS_AS(nn::ResNet(nn::ResNetOptions(18).width(0)), medimg::ArgumentError);
}

TEST_CASE("ResNet runs in 2D and 3D with any input channel count") {
  nn::ResNet net2(nn::ResNetOptions(18).in_channels(1).num_classes(3));
  net2->eval();
  CHECK(net2->forward(at::randn({2, 1, 64, 48})).sizes() == at::IntArrayRef({2, 3}));
  nn::ResNet net3(nn::ResNetOptions(18).spatial_dims(3).num_classes(2).cbam(true));
  net3->eval();
  CHECK(net3->forward(at::randn({1, 3, 32, 32, 32})).sizes() == at::IntArrayRef({1, 2}));
  CHECK_THROWS_WITH(net2->forward(at::randn({1, 3, 64, 64})),
                    Catch::Contains("expects 1 input channel"));
  CHECK_THROWS_WITH(net2->forward(at::randn({1, 1, 64, 64, 64})),
                    Catch::Contains("(N, C, H, W)"));
  CHECK_THROWS_AS(nn::ResNet(nn::ResNetOptions(20)), medimg::ArgumentError);
}

TEST_CASE("EfficientNet variants, stochastic depth and a 3D EfficientNet") {
  CHECK_THROWS_AS(nn::parse_efficientnet_variant("b7"), medimg::ArgumentError);
  CHECK(nn::parse_efficientnet_variant("b3") == nn::EfficientNetVariant::B3);
  nn::EfficientNet net3(nn::EfficientNetOptions().spatial_dims(3).in_channels(1).num_classes(2));
  CHECK(net3->forward(at::randn({2, 1, 32, 32, 32})).sizes() == at::IntArrayRef({2, 2}));
  nn::StochasticDepth drop(1.0);
  CHECK(drop->forward(at::ones({4, 2, 3, 3})).abs().sum().item<double>() == 0);
  drop->eval();
  CHECK(drop->forward(at::ones({4, 2, 3, 3})).sum().item<double>() == 72);
}

TEST_CASE("EfficientNet output_stride dilates instead of striding") {
  // features.8 of a 64 px input: 64 / output_stride per side, with the same parameters.
  const auto small = [](std::int64_t output_stride) {
    return nn::EfficientNet(nn::EfficientNetOptions()
                                .num_classes(4)
                                .width_multiplier(0.25)
                                .depth_multiplier(0.5)
                                .output_stride(output_stride));
  };
  const std::int64_t parameters = nn::count_parameters(*small(32));
  for (const std::int64_t output_stride : {8, 16, 32}) {
    nn::EfficientNet net = small(output_stride);
    net->eval();
    auto result = net->forward_features(at::randn({1, 3, 64, 64}), {"features.8"});
    CHECK(result.features["features.8"].size(-1) == 64 / output_stride);
    CHECK(nn::count_parameters(*net) == parameters);
  }
  // B0's stage 4 (features.4) is the first to dilate at output stride 8, by 2; stage 6 by 4.
  nn::EfficientNet os8 = small(8);
  const auto dilation = [&os8](const char* block) {
    return std::dynamic_pointer_cast<nn::MBConvImpl>(os8->named_modules()[block])
        ->options.dilation();
  };
  CHECK(dilation("features.3.0") == 1);
  CHECK(dilation("features.4.0") == 2);
  CHECK(dilation("features.6.0") == 4);
  nn::EfficientNet undilated(
      nn::EfficientNetOptions().width_multiplier(0.25).output_stride(8).dilated(false));
  CHECK(std::dynamic_pointer_cast<nn::MBConvImpl>(undilated->named_modules()["features.6.0"])
            ->options.dilation() == 1);
  CHECK(undilated->forward(at::randn({1, 3, 64, 64})).size(1) == 1000);
  CHECK_THROWS_AS(small(12), medimg::ArgumentError);
  CHECK_THROWS_AS(small(64), medimg::ArgumentError);
}

TEST_CASE("EfficientNet cbam_from_stage puts CBAM in the later stages only") {
  const auto blocks_with_cbam = [](std::int64_t from_stage) {
    nn::EfficientNet net(nn::EfficientNetOptions()
                             .width_multiplier(0.25)
                             .depth_multiplier(0.5)
                             .cbam(true)
                             .cbam_from_stage(from_stage));
    std::vector<std::string> names;
    for (const auto& item : net->named_modules()) {
      const auto block = std::dynamic_pointer_cast<nn::MBConvImpl>(item.value());
      if (block && block->options.cbam()) names.push_back(item.key());
    }
    return names;
  };
  // B0 at depth 0.5 has stages of 1, 1, 1, 2, 2, 2, 1 blocks: 10 in all.
  CHECK(blocks_with_cbam(1).size() == 10);
  CHECK(blocks_with_cbam(4) == std::vector<std::string>{"features.4.0", "features.4.1",
                                                        "features.5.0", "features.5.1",
                                                        "features.6.0", "features.6.1",
                                                        "features.7.0"});
  CHECK(blocks_with_cbam(7) == std::vector<std::string>{"features.7.0"});
  CHECK_THROWS_AS(blocks_with_cbam(0), medimg::ArgumentError);
  CHECK_THROWS_AS(blocks_with_cbam(8), medimg::ArgumentError);
}

TEST_CASE("CBAM equals its formula") {
  nn::CBAM cbam(nn::CBAMOptions(8).reduction(4));
  const at::Tensor x = at::randn({2, 8, 9, 7});
  const auto params = cbam->named_parameters();
  auto mlp = [&](const at::Tensor& v) {
    const at::Tensor h = at::relu(at::conv2d(v, params["mlp.0.weight"], params["mlp.0.bias"]));
    return at::conv2d(h, params["mlp.2.weight"], params["mlp.2.bias"]);
  };
  const at::Tensor channel =
      (mlp(x.mean({2, 3}, true)) + mlp(x.amax({2, 3}, true))).sigmoid();
  const at::Tensor gated = x * channel;
  const at::Tensor pooled = at::cat({gated.mean(1, true), gated.amax(1, true)}, 1);
  const at::Tensor expected =
      gated * at::conv2d(pooled, params["spatial.weight"], {}, 1, 3).sigmoid();
  CHECK(at::allclose(cbam->forward(x), expected, 1e-5, 1e-6));
  CHECK(params["mlp.0.weight"].sizes() == at::IntArrayRef({2, 8, 1, 1}));
  CHECK_THROWS_AS(cbam->forward(at::randn({2, 4, 9, 7})), medimg::ShapeError);
  CHECK_THROWS_AS(nn::CBAM(nn::CBAMOptions(8).spatial_kernel(4)), medimg::ArgumentError);
}

TEST_CASE("CNN3d classifies 32^3 and 64^3 patches and refuses smaller ones") {
  nn::CNN3d net(nn::CNN3dOptions(1, 2).features({4, 8, 16, 32}));
  net->eval();
  CHECK(net->forward(at::randn({3, 1, 32, 32, 32})).sizes() == at::IntArrayRef({3, 2}));
  CHECK(net->forward(at::randn({1, 1, 64, 64, 64})).sizes() == at::IntArrayRef({1, 2}));
  CHECK_THROWS_WITH(net->forward(at::randn({1, 1, 4, 32, 32})),
                    Catch::Contains("at least 8 voxels"));
}

TEST_CASE("freeze_backbone, unfreeze and replace_head") {
  nn::ResNet net(nn::ResNetOptions(18).num_classes(10));
  net->freeze_backbone();
  CHECK(nn::count_parameters(*net, true) == 512 * 10 + 10);
  net->replace_head(4);
  CHECK(net->options.num_classes() == 4);
  CHECK(net->forward(at::randn({2, 3, 32, 32})).sizes() == at::IntArrayRef({2, 4}));
  CHECK(nn::count_parameters(*net, true) == 512 * 4 + 4);
  net->unfreeze();
  CHECK(nn::count_parameters(*net, true) == nn::count_parameters(*net));

  nn::EfficientNet eff(nn::EfficientNetOptions().num_classes(5));
  eff->freeze_backbone();
  CHECK(nn::count_parameters(*eff, true) == 1280 * 5 + 5);
  eff->replace_head(2);
  CHECK(eff->named_parameters()["classifier.1.weight"].sizes() == at::IntArrayRef({2, 1280}));

  nn::CNN3d cnn(nn::CNN3dOptions(1, 2).features({4, 8}));
  cnn->freeze_backbone();
  CHECK(nn::count_parameters(*cnn, true) == 8 * 2 + 2);
  CHECK_THROWS_AS(cnn->replace_head(0), medimg::ArgumentError);
}

TEST_CASE("clone() deep-copies a network") {
  nn::ResNet net(nn::ResNetOptions(18).num_classes(3));
  net->eval();
  auto copy = std::dynamic_pointer_cast<nn::ResNetImpl>(net->clone());
  REQUIRE(copy);
  const at::Tensor x = at::randn({1, 3, 32, 32});
  CHECK(at::equal(copy->forward(x), net->forward(x)));
  copy->named_parameters()["fc.bias"].data().add_(1);
  CHECK(!at::equal(copy->forward(x), net->forward(x)));
}

TEST_CASE("forward_features of the classifiers") {
  nn::ResNet net(nn::ResNetOptions(18).num_classes(2).cbam(true));
  const auto result = net->forward_features(at::randn({1, 3, 64, 64}),
                                            {"layer4", "layer4.1.conv2", "layer1.0.cbam", "fc"});
  CHECK(result.features["layer4"].sizes() == at::IntArrayRef({1, 512, 2, 2}));
  CHECK(result.features["layer4.1.conv2"].sizes() == at::IntArrayRef({1, 512, 2, 2}));
  CHECK(result.features["layer1.0.cbam"].sizes() == at::IntArrayRef({1, 64, 16, 16}));
  CHECK(at::equal(result.features["fc"], result.output));
  nn::EfficientNet eff(nn::EfficientNetOptions().num_classes(2));
  const auto f = eff->forward_features(at::randn({1, 3, 64, 64}), {"features.8", "features.6.0.block.2"});
  CHECK(f.features["features.8"].sizes() == at::IntArrayRef({1, 1280, 2, 2}));
  CHECK(f.features["features.6.0.block.2"].size(1) == 672);
}

// Networks from architecture names and options JSON, model files, dynamic int8 heads.
// (This file is compiled in one unity unit with the other nn tests: its helpers live in
// their own namespace.)
#include "medimg/nn/network.hpp"

#include <ATen/ops/abs.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/randn.h>
#include <c10/core/InferenceMode.h>
#include <torch/utils.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "medimg/core/error.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/serialize.hpp"
#include "medimg/nn/unet.hpp"
#include "test_helpers.hpp"

namespace network_test {

namespace nn = medimg::nn;

// Same parameter and buffer names and shapes.
bool same_layout(const torch::nn::Module& a, const torch::nn::Module& b) {
  const auto sa = nn::state_dict(a), sb = nn::state_dict(b);
  if (sa.keys() != sb.keys()) return false;
  for (const auto& item : sa) {
    if (item.value().sizes() != sb[item.key()].sizes()) return false;
  }
  return true;
}

at::Tensor eval_forward(const nn::Network& network, const at::Tensor& x) {
  network.module()->eval();
  c10::InferenceMode inference;
  return network.forward(x);
}

void truncate_file(const std::filesystem::path& path) {
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
}

}  // namespace network_test

using namespace network_test;

TEST_CASE("build_network fills in every default in a canonical JSON object") {
  const nn::Network unet =
      nn::build_network("unet", R"({"spatial_dims": 2, "in_channels": 1, "out_channels": 2,
                                    "features": [4, 8]})");
  CHECK(unet.architecture() == "unet");
  CHECK(unet.options_json() ==
        R"({"spatial_dims":2,"in_channels":1,"out_channels":2,"features":[4,8],"norm":"batch",)"
        R"("num_groups":8,"activation":"relu","dropout":0.0,"upsample":"transposed",)"
        R"("residual":false,"deep_supervision":false,"pad_input":true})");
  CHECK(nn::build_network("resnet", R"({"depth": 18})").options_json() ==
        R"({"depth":18,"spatial_dims":2,"in_channels":3,"num_classes":1000,"width":64,)"
        R"("cbam":false,"cbam_reduction":16})");
  CHECK(nn::build_network("efficientnet").options_json() ==
        R"({"variant":"b0","spatial_dims":2,"in_channels":3,"num_classes":1000,)"
        R"("dropout":null,"stochastic_depth":0.2,"cbam":false,"cbam_reduction":16})");
  CHECK(nn::build_network("cnn3d", R"({"features": [4, 8]})").options_json() ==
        R"({"in_channels":1,"num_classes":2,"features":[4,8],"norm":"batch","num_groups":8,)"
        R"("activation":"relu","dropout":0.3})");
}

TEST_CASE("build_network builds what the options structs build, and rebuilds from its JSON") {
  struct Case {
    const char* architecture;
    const char* options;
    std::shared_ptr<torch::nn::Module> direct;
  };
  const Case cases[] = {
      {"unet",
       R"({"spatial_dims": 3, "in_channels": 2, "out_channels": 3, "features": [4, 8, 16],
           "norm": "instance", "activation": "leaky_relu", "dropout": 0.1,
           "upsample": "interpolation", "residual": true, "deep_supervision": true})",
       nn::UNet(nn::UNetOptions(3, 2, 3)
                    .features({4, 8, 16})
                    .norm(nn::Norm::Instance)
                    .activation(nn::Activation::LeakyReLU)
                    .dropout(0.1)
                    .upsample(nn::Upsample::Interpolation)
                    .residual(true)
                    .deep_supervision(true))
           .ptr()},
      {"resnet", R"({"depth": 18, "in_channels": 1, "num_classes": 3, "cbam": true})",
       nn::ResNet(nn::ResNetOptions(18).in_channels(1).num_classes(3).cbam(true)).ptr()},
      {"efficientnet", R"({"variant": "b1", "num_classes": 4, "dropout": 0.5})",
       nn::EfficientNet(nn::EfficientNetOptions(nn::EfficientNetVariant::B1)
                            .num_classes(4)
                            .dropout(0.5))
           .ptr()},
      {"efficientnet", R"({"variant": "b0", "num_classes": 4, "cbam": true, "cbam_from_stage": 4,
                           "width_multiplier": 0.25, "output_stride": 8, "dilated": false})",
       nn::EfficientNet(nn::EfficientNetOptions()
                            .num_classes(4)
                            .cbam(true)
                            .cbam_from_stage(4)
                            .width_multiplier(0.25)
                            .output_stride(8)
                            .dilated(false))
           .ptr()},
      {"cnn3d", R"({"in_channels": 2, "num_classes": 5, "features": [4, 8], "norm": "group",
                    "num_groups": 2, "activation": "silu", "dropout": 0.0})",
       nn::CNN3d(nn::CNN3dOptions(2, 5)
                     .features({4, 8})
                     .norm(nn::Norm::Group)
                     .num_groups(2)
                     .activation(nn::Activation::SiLU)
                     .dropout(0.0))
           .ptr()},
  };
  for (const Case& c : cases) {
    INFO(c.architecture);
    const nn::Network built = nn::build_network(c.architecture, c.options);
    const nn::Network described(c.direct);
    CHECK(described.architecture() == c.architecture);
    CHECK(built.options_json() == described.options_json());
    CHECK(same_layout(*built.module(), *c.direct));
    const nn::Network rebuilt = nn::build_network(built.architecture(), built.options_json());
    CHECK(rebuilt.options_json() == built.options_json());
  }
}

TEST_CASE("build_network names the key, type or architecture it refuses") {
  const char* unet = R"("spatial_dims": 2, "in_channels": 1, "out_channels": 2)";
  auto with = [&](const std::string& extra) { return "{" + std::string(unet) + extra + "}"; };
  CHECK_THROWS_WITH(nn::build_network("vnet", "{}"),
                    Catch::Contains("unknown architecture 'vnet'") &&
                        Catch::Contains("unet, resnet, efficientnet, cnn3d"));
  CHECK_THROWS_WITH(nn::build_network("unet", with(R"(, "featurs": [4, 8])")),
                    Catch::Contains("unknown config key 'unet.featurs'") &&
                        Catch::Contains("features"));
  CHECK_THROWS_WITH(nn::build_network("unet", with(R"(, "dropout": "high")")),
                    Catch::Contains("'unet.dropout'") && Catch::Contains("a number"));
  CHECK_THROWS_WITH(nn::build_network("resnet", R"({"depth": 18.5})"),
                    Catch::Contains("'resnet.depth'") && Catch::Contains("an integer"));
  CHECK_THROWS_WITH(nn::build_network("unet", with(R"(, "residual": 1)")),
                    Catch::Contains("'unet.residual'") && Catch::Contains("true or false"));
  CHECK_THROWS_WITH(nn::build_network("unet", with(R"(, "features": [4, 8.5])")),
                    Catch::Contains("'unet.features[1]'"));
  CHECK_THROWS_WITH(nn::build_network("unet", with(R"(, "norm": "layer")")),
                    Catch::Contains("'unet.norm'") && Catch::Contains("unknown norm 'layer'"));
  CHECK_THROWS_WITH(nn::build_network("unet", R"({"spatial_dims": 2, "in_channels": 1})"),
                    Catch::Contains("missing key 'unet.out_channels'"));
  CHECK_THROWS_WITH(nn::build_network("resnet", "{}"), Catch::Contains("'resnet.depth'"));
  CHECK_THROWS_WITH(nn::build_network("resnet", R"({"depth": 20})"), Catch::Contains("20"));
  CHECK_THROWS_WITH(nn::build_network("resnet", "[18]"), Catch::Contains("JSON object"));
  CHECK_THROWS_WITH(nn::build_network("resnet", "{depth: 18}"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_AS(nn::build_network("efficientnet", R"({"variant": "b9"})"),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(nn::Network(nullptr), medimg::ArgumentError);
  CHECK_THROWS_WITH(nn::Network(nn::CBAM(nn::CBAMOptions(8)).ptr()),
                    Catch::Contains("not a medimg network"));
  CHECK_THROWS_AS(nn::Network().forward(at::randn({1, 1, 8, 8})), medimg::ArgumentError);
}

TEST_CASE("model files rebuild the network from its options and weights") {
  medimg::test::ScratchDir dir("nn-model");
  const nn::Network saved = nn::build_network(
      "unet", R"({"spatial_dims": 2, "in_channels": 1, "out_channels": 2, "features": [4, 8]})");
  saved.forward(at::randn({2, 1, 8, 8}));  // training mode: batch-norm statistics move
  nn::save_model(saved, dir / "unet.pt");
  const nn::Network loaded = nn::load_model(dir / "unet.pt");
  CHECK(loaded.architecture() == "unet");
  CHECK(loaded.options_json() == saved.options_json());
  const auto a = nn::state_dict(*saved.module()), b = nn::state_dict(*loaded.module());
  REQUIRE(a.keys() == b.keys());
  for (const auto& item : a) CHECK(at::equal(item.value(), b[item.key()]));
  const at::Tensor x = at::randn({1, 1, 12, 10});
  CHECK(at::equal(eval_forward(saved, x), eval_forward(loaded, x)));

  // The options are read when saving: a replaced head is saved as it is now.
  nn::ResNet resnet(nn::ResNetOptions(18).in_channels(1).num_classes(3));
  const nn::Network classifier(resnet.ptr());
  resnet->replace_head(5);
  nn::save_model(classifier, dir / "resnet.pt");
  const nn::Network reloaded = nn::load_model(dir / "resnet.pt");
  CHECK(reloaded.options_json().find("\"num_classes\":5") != std::string::npos);
  CHECK(eval_forward(reloaded, at::randn({1, 1, 32, 32})).sizes() == at::IntArrayRef({1, 5}));
}

TEST_CASE("load_model refuses missing, truncated and foreign files") {
  medimg::test::ScratchDir dir("nn-model-bad");
  const nn::Network network = nn::build_network(
      "unet", R"({"spatial_dims": 2, "in_channels": 1, "out_channels": 2, "features": [4, 8]})");
  CHECK_THROWS_AS(nn::load_model(dir / "missing.pt"), medimg::IoError);
  CHECK_THROWS_AS(nn::save_model(nn::Network(), dir / "empty.pt"), medimg::ArgumentError);
  CHECK_THROWS_AS(nn::save_model(network, dir / "no" / "folder.pt"), medimg::IoError);

  nn::save_model(network, dir / "truncated.pt");
  truncate_file(dir / "truncated.pt");
  CHECK_THROWS_AS(nn::load_model(dir / "truncated.pt"), medimg::FormatError);
  std::ofstream(dir / "junk.pt") << "not a model";
  CHECK_THROWS_WITH(nn::load_model(dir / "junk.pt"), Catch::Contains("junk.pt") &&
                                                         Catch::Contains("not a medimg model"));
  // A state-dict file and a LibTorch archive of the same network are not model files.
  nn::save_state_dict(*network.module(), dir / "state.pt");
  CHECK_THROWS_WITH(nn::load_model(dir / "state.pt"), Catch::Contains("'medimg_model_format'"));
  nn::save(*network.module(), dir / "archive.pt");
  CHECK_THROWS_AS(nn::load_model(dir / "archive.pt"), medimg::FormatError);
}

TEST_CASE("quantize_dynamic_int8 runs the classifier heads in int8 and leaves U-Nets") {
  torch::manual_seed(3);
  nn::Network resnet = nn::build_network("resnet", R"({"depth": 18, "in_channels": 1, "num_classes": 4})");
  resnet.module()->eval();
  const at::Tensor x = at::randn({6, 1, 32, 32});
  const at::Tensor reference = eval_forward(resnet, x);
  nn::Network quantized = resnet;  // a copy: the original keeps its float forward
  CHECK(nn::quantize_dynamic_int8(quantized) == std::vector<std::string>{"fc"});
  CHECK(quantized.quantized_layers() == std::vector<std::string>{"fc"});
  CHECK(resnet.quantized_layers().empty());
  const at::Tensor int8 = eval_forward(quantized, x);
  REQUIRE(int8.sizes() == reference.sizes());
  CHECK_FALSE(at::equal(int8, reference));
  // int8 weights and 8-bit activations: errors of a few 1/255 of the value ranges.
  const double range = reference.abs().max().item<double>();
  CHECK((int8 - reference).abs().max().item<double>() < 0.05 * range);
  CHECK(at::equal(eval_forward(resnet, x), reference));
  CHECK(nn::quantize_dynamic_int8(quantized) == std::vector<std::string>{"fc"});  // again
  CHECK(at::equal(eval_forward(quantized, x), int8));

  nn::Network efficientnet = nn::build_network("efficientnet", R"({"num_classes": 3})");
  CHECK(nn::quantize_dynamic_int8(efficientnet) == std::vector<std::string>{"classifier.1"});
  nn::Network cnn3d = nn::build_network("cnn3d", R"({"features": [4, 8]})");
  CHECK(nn::quantize_dynamic_int8(cnn3d) == std::vector<std::string>{"classifier.1"});
  CHECK(eval_forward(cnn3d, at::randn({2, 1, 8, 8, 8})).sizes() == at::IntArrayRef({2, 2}));

  nn::Network unet = nn::build_network(
      "unet", R"({"spatial_dims": 2, "in_channels": 1, "out_channels": 2, "features": [4, 8]})");
  const at::Tensor image = at::randn({1, 1, 8, 8});
  const at::Tensor before = eval_forward(unet, image);
  CHECK(nn::quantize_dynamic_int8(unet).empty());
  CHECK(at::equal(eval_forward(unet, image), before));
  nn::Network empty;
  CHECK_THROWS_AS(nn::quantize_dynamic_int8(empty), medimg::ArgumentError);
}

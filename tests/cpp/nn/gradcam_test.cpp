// Grad-CAM's map against hand-computed weights, gradcam() against the same steps written
// out with forward_features and autograd, layer names, errors, and the colour overlay.
// Localisation on a trained classifier, as tests/python/test_nn_gradcam.py checks it (which
// also compares with an independent hook-based implementation).
#include "medimg/nn/gradcam.hpp"

#include <ATen/Parallel.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <catch2/catch.hpp>

#include <algorithm>

#include "medimg/core/error.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/overlay.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/unet.hpp"

namespace nn = medimg::nn;

namespace {

bool contains_name(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// One intra-op thread for a test measured against a CPU budget, restored afterwards.
class OneIntraOpThread {
 public:
  OneIntraOpThread() : previous_(at::get_num_threads()) { at::set_num_threads(1); }
  ~OneIntraOpThread() { at::set_num_threads(previous_); }

 private:
  int previous_;
};

// 48 × 48 noise images; the odd samples (class 1) hold a bright Gaussian blob (σ = 3 px)
// centred at `centres` (y, x), the even ones (class 0) none.
struct BlobBatch {
  at::Tensor images, labels, centres;
};

BlobBatch blob_batch(std::int64_t n) {
  constexpr std::int64_t size = 48;
  BlobBatch b;
  b.images = at::randn({n, 1, size, size}) * 0.3;
  b.labels = at::arange(n, at::kLong).remainder(2);
  b.centres = at::randint(5, size - 5, {n, 2}, at::kLong);
  const at::Tensor axis = at::arange(size, at::kFloat);
  const at::Tensor cy = b.centres.select(1, 0).to(at::kFloat).view({n, 1, 1});
  const at::Tensor cx = b.centres.select(1, 1).to(at::kFloat).view({n, 1, 1});
  const at::Tensor dy = axis.view({1, size, 1}) - cy;
  const at::Tensor dx = axis.view({1, 1, size}) - cx;
  const at::Tensor blob = (-(dy * dy + dx * dx) / (2 * 9.0)).exp() * 2.0;
  b.images.select(1, 0).add_(blob * b.labels.to(at::kFloat).view({n, 1, 1}));
  return b;
}

}  // namespace

TEST_CASE("gradcam_map weighs channels as Grad-CAM, Grad-CAM++ and LayerCAM define") {
  // Channel 0 is 1 at the top left, channel 1 is 1 at the bottom right; the gradients are
  // 2 and 1 everywhere.
  const at::Tensor a = at::tensor({1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0}, at::kDouble)
                           .view({1, 2, 2, 2});
  const at::Tensor g = at::tensor({2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0}, at::kDouble)
                           .view({1, 2, 2, 2});
  // Grad-CAM: weights (2, 1), map [[2, 0], [0, 1]] scaled to [[1, 0], [0, 0.5]].
  const at::Tensor cam = nn::gradcam_map(a, g, {2, 2}, nn::CamMethod::GradCam);
  REQUIRE(cam.sizes() == at::IntArrayRef({1, 2, 2}));
  CHECK(cam[0][0][0].item<double>() == Approx(1));
  CHECK(cam[0][1][1].item<double>() == Approx(0.5));
  CHECK(cam[0][0][1].item<double>() == 0);
  // Grad-CAM++: alpha = g² / (2g² + ΣA·g³) = 4 / 16 and 1 / 3, weights Σ alpha·relu(g) =
  // 4 · 2/4 = 2 and 4 · 1/3, map [[2, 0], [0, 4/3]] scaled to [[1, 0], [0, 2/3]].
  const at::Tensor plus = nn::gradcam_map(a, g, {2, 2}, nn::CamMethod::GradCamPlusPlus);
  CHECK(plus[0][1][1].item<double>() == Approx(2.0 / 3).epsilon(1e-5));
  // LayerCAM: relu(g) · A per position, summed over channels: [[2·1, 0], [0, 1·1]] scaled
  // to [[1, 0], [0, 0.5]]; a negative gradient at a position removes that position.
  const at::Tensor layer = nn::gradcam_map(a, g, {2, 2}, nn::CamMethod::LayerCam);
  CHECK(layer[0][0][0].item<double>() == Approx(1));
  CHECK(layer[0][1][1].item<double>() == Approx(0.5));
  at::Tensor g_mixed = g.clone();
  g_mixed[0][0][0][0] = -2;  // channel 0 at (0, 0): only channel 1 (A = 0 there) is left
  const at::Tensor mixed = nn::gradcam_map(a, g_mixed, {2, 2}, nn::CamMethod::LayerCam);
  CHECK(mixed[0][0][0].item<double>() == 0);
  CHECK(mixed[0][1][1].item<double>() == Approx(1));
  CHECK(nn::parse_cam_method("layercam") == nn::CamMethod::LayerCam);
  CHECK(nn::to_string(nn::CamMethod::LayerCam) == "layercam");
  // Resized bilinearly: still one map per sample in [0, 1] with both ends reached.
  const at::Tensor big = nn::gradcam_map(a, g, {7, 9}, nn::CamMethod::GradCam);
  CHECK(big.sizes() == at::IntArrayRef({1, 7, 9}));
  CHECK(big.min().item<double>() == 0);
  CHECK(big.max().item<double>() == Approx(1));
  // Nothing positive: zeros rather than NaN.
  CHECK(nn::gradcam_map(a, -g, {2, 2}, nn::CamMethod::GradCam).abs().sum().item<double>() == 0);
  CHECK_THROWS_AS(nn::gradcam_map(a, g.view({1, 2, 4}), {2, 2}, nn::CamMethod::GradCam),
                  medimg::ShapeError);
  CHECK_THROWS_AS(nn::gradcam_map(a, g, {2, 2, 2}, nn::CamMethod::GradCam), medimg::ShapeError);
  CHECK(nn::parse_cam_method("gradcam++") == nn::CamMethod::GradCamPlusPlus);
  CHECK_THROWS_AS(nn::parse_cam_method("scorecam"), medimg::ArgumentError);
}

TEST_CASE("gradcam of a ResNet equals forward_features + autograd + gradcam_map") {
  torch::manual_seed(0);
  nn::ResNet net(nn::ResNetOptions(18).in_channels(1).num_classes(3));
  net->eval();
  const at::Tensor x = at::randn({2, 1, 64, 64});
  for (const auto method : {nn::CamMethod::GradCam, nn::CamMethod::GradCamPlusPlus}) {
    const at::Tensor cam =
        nn::gradcam(net, x, nn::GradCamOptions("layer3").class_index({2, 0}).method(method));
    REQUIRE(cam.sizes() == at::IntArrayRef({2, 64, 64}));
    auto f = net->forward_features(x, {"layer3"});
    const at::Tensor score = f.output[0][2] + f.output[1][0];
    const at::Tensor grad = torch::autograd::grad({score}, {f.features["layer3"]})[0];
    const at::Tensor expected = nn::gradcam_map(f.features["layer3"], grad, {64, 64}, method);
    CHECK(at::allclose(cam, expected, 1e-5, 1e-6));
    CHECK(cam.min().item<double>() >= 0);
    CHECK(cam.max().item<double>() <= 1);
  }
  // Gradients come from the input: no parameter gradient is written, even under no_grad.
  torch::NoGradGuard no_grad;
  const at::Tensor argmax = nn::gradcam(net, x, nn::GradCamOptions("layer4.1"));
  CHECK(argmax.sizes() == at::IntArrayRef({2, 64, 64}));
  for (const auto& p : net->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("gradcam of a trained ResNet peaks in the blob that decides the class") {
  // The recipe of test_nn_gradcam.py: 30 Adam steps on 32 images, batch-norm statistics
  // refreshed, then the maxima of the layer1 maps of 20 new positives within 2σ of the blob.
  OneIntraOpThread threads;
  torch::manual_seed(0);
  nn::ResNet net(nn::ResNetOptions(18).in_channels(1).num_classes(2));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
  net->train();
  for (int step = 0; step < 30; ++step) {
    const BlobBatch batch = blob_batch(32);
    const at::Tensor loss = at::cross_entropy_loss(net->forward(batch.images), batch.labels);
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  {
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 20; ++i) net->forward(blob_batch(32).images);
  }
  net->eval();
  const BlobBatch test = blob_batch(40);
  const at::Tensor images = test.images.slice(0, 1, 40, 2);  // the positives
  const at::Tensor centres = test.centres.slice(0, 1, 40, 2).to(at::kFloat);
  for (const auto method : {nn::CamMethod::GradCam, nn::CamMethod::GradCamPlusPlus}) {
    INFO(nn::to_string(method));
    const at::Tensor cam =
        nn::gradcam(net, images, nn::GradCamOptions("layer1").class_index({1}).method(method));
    const at::Tensor peak = cam.flatten(1).argmax(1);
    const at::Tensor dy = peak.div(48, "floor").to(at::kFloat) - centres.select(1, 0);
    const at::Tensor dx = peak.remainder(48).to(at::kFloat) - centres.select(1, 1);
    const double inside = (dy * dy + dx * dx).le(36).to(at::kFloat).mean().item<double>();
    CHECK(inside >= 0.9);
  }
}

TEST_CASE("gradcam runs on 3D classifiers and on segmentation networks") {
  nn::CNN3d cnn(nn::CNN3dOptions(1, 2).features({4, 8}));
  cnn->eval();
  const at::Tensor volume_cam = nn::gradcam(cnn, at::randn({1, 1, 12, 16, 16}),
                                            nn::GradCamOptions("features.2"));
  CHECK(volume_cam.sizes() == at::IntArrayRef({1, 12, 16, 16}));
  nn::UNet unet(nn::UNetOptions(2, 1, 2).features({4, 8}));
  unet->eval();
  const at::Tensor seg_cam = nn::gradcam(unet, at::randn({1, 1, 16, 16}),
                                         nn::GradCamOptions("encoder.1").class_index({1}));
  CHECK(seg_cam.sizes() == at::IntArrayRef({1, 16, 16}));
}

TEST_CASE("gradcam_layers lists feature-map layers; bad layers and inputs are refused") {
  nn::ResNet resnet(nn::ResNetOptions(18).in_channels(1).num_classes(2));
  const auto names = nn::gradcam_layers(*resnet);
  CHECK(contains_name(names, "conv1"));
  CHECK(contains_name(names, "layer4"));
  CHECK(contains_name(names, "layer4.1.conv2"));
  CHECK_FALSE(contains_name(names, "bn1"));
  CHECK_FALSE(contains_name(names, "fc"));
  nn::UNet unet(nn::UNetOptions(2, 1, 2).features({4, 8}));
  const auto unet_names = nn::gradcam_layers(*unet);
  CHECK(contains_name(unet_names, "encoder.0"));
  CHECK(contains_name(unet_names, "head"));
  CHECK_FALSE(contains_name(unet_names, "encoder"));  // a ModuleList: no output of its own
  nn::EfficientNet efficientnet(nn::EfficientNetOptions().num_classes(2));
  const auto efficientnet_names = nn::gradcam_layers(*efficientnet);
  CHECK(contains_name(efficientnet_names, "features.8"));
  CHECK(contains_name(efficientnet_names, "features.1.0.block.1"));
  CHECK_FALSE(contains_name(efficientnet_names, "features.1.0.block.1.fc1"));

  resnet->eval();
  const at::Tensor x = at::randn({1, 1, 32, 32});
  CHECK_THROWS_WITH(nn::gradcam(resnet, x, nn::GradCamOptions("layer5")),
                    Catch::Contains("no layer named 'layer5'") && Catch::Contains("'layer4'") &&
                        Catch::Contains("gradcam_layers()"));
  CHECK_THROWS_AS(nn::gradcam(resnet, x, nn::GradCamOptions("fc")), medimg::ShapeError);
  CHECK_THROWS_AS(nn::gradcam(resnet, at::randn({1, 32, 32}), nn::GradCamOptions("layer4")),
                  medimg::ShapeError);
  CHECK_THROWS_WITH(nn::gradcam(resnet, x, nn::GradCamOptions("layer4").class_index({2})),
                    Catch::Contains("out of range"));
  CHECK_THROWS_AS(nn::gradcam(resnet, x, nn::GradCamOptions("layer4").class_index({0, 1, 0})),
                  medimg::ArgumentError);
}

TEST_CASE("overlay blends a colour-mapped heat map over a grey or RGB image") {
  const at::Tensor grey = at::arange(20, at::kByte).view({1, 4, 5}) * 10;
  const medimg::Image image(grey);
  const at::Tensor cam = at::zeros({4, 5});
  // alpha 0: the image itself in three channels.
  const medimg::Image plain = nn::overlay(image, cam, nn::OverlayOptions().alpha(0));
  REQUIRE(plain.tensor().sizes() == at::IntArrayRef({3, 4, 5}));
  CHECK(plain.dtype() == at::kByte);
  CHECK(at::equal(plain.tensor()[1], grey[0]));
  // alpha 1: the colour of level 0 everywhere (jet's dark blue, RGB (0, 0, 128)).
  const at::Tensor colour = nn::overlay(image, cam, nn::OverlayOptions().alpha(1)).tensor();
  CHECK(colour[2].eq(128).all().item<bool>());
  CHECK(colour[0].eq(0).all().item<bool>());
  // Other dtypes are scaled from their range to 0..255.
  const medimg::Image floats(at::arange(20, at::kFloat).view({1, 4, 5}));
  const at::Tensor scaled =
      nn::overlay(floats, cam.unsqueeze(0), nn::OverlayOptions().alpha(0)).tensor();
  CHECK(scaled[0][3][4].item<int>() == 255);
  CHECK(scaled[0][0][0].item<int>() == 0);

  CHECK_THROWS_AS(nn::overlay(medimg::Image(at::zeros({1, 2, 4, 5})), at::zeros({2, 4, 5})),
                  medimg::ShapeError);
  CHECK_THROWS_WITH(nn::overlay(image, at::zeros({5, 4})), Catch::Contains("does not fit"));
  CHECK_THROWS_AS(nn::overlay(image, cam, nn::OverlayOptions().alpha(1.5)), medimg::ArgumentError);
  CHECK(nn::parse_colormap("viridis") == nn::Colormap::Viridis);
  CHECK_THROWS_WITH(nn::parse_colormap("parula2"), Catch::Contains("'jet'"));
}

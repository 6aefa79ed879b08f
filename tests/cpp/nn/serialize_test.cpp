// Archives and state-dict files, including those written by Python (tests/data/nn), and
// torchvision-weight adaptation.
#include "medimg/nn/serialize.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/randn.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "medimg/core/error.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/torchvision_weights.hpp"
#include "medimg/nn/unet.hpp"
#include "test_helpers.hpp"

namespace nn = medimg::nn;

namespace {

// tests/data/nn/make_fixtures.py: tiny_unet() and fill_state().
nn::UNet tiny_unet() { return nn::UNet(nn::UNetOptions(2, 1, 2).features({4, 8})); }

at::Tensor filled(const at::Tensor& like, std::int64_t k) {
  if (!like.is_floating_point()) return at::full_like(like, k);
  const at::Tensor values = at::arange(like.numel(), at::kDouble) * 0.001 + k / 100.0;
  return values.reshape(like.sizes()).to(like.scalar_type());
}

void check_filled(const nn::StateDict& state, const nn::StateDict& reference) {
  REQUIRE(state.keys() == reference.keys());
  std::int64_t k = 0;
  for (const auto& item : reference) {
    INFO(item.key());
    CHECK(at::equal(state[item.key()], filled(item.value(), k++)));
  }
}

bool states_equal(const torch::nn::Module& a, const torch::nn::Module& b) {
  const auto sa = nn::state_dict(a), sb = nn::state_dict(b);
  if (sa.keys() != sb.keys()) return false;
  for (const auto& item : sa) {
    if (!at::equal(item.value(), sb[item.key()])) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("state_dict uses Python's names and order") {
  const auto keys = nn::state_dict(*tiny_unet()).keys();
  REQUIRE(keys.size() > 6);
  CHECK(keys[0] == "encoder.0.conv1.weight");
  CHECK(keys[1] == "encoder.0.norm1.weight");
  CHECK(keys[3] == "encoder.0.norm1.running_mean");
  CHECK(keys[5] == "encoder.0.norm1.num_batches_tracked");
  CHECK(keys.back() == "head.bias");
}

TEST_CASE("archives round-trip exactly and mismatches are refused") {
  medimg::test::ScratchDir dir("nn-archive");
  auto a = tiny_unet(), b = tiny_unet();
  a->forward(at::randn({2, 1, 8, 8}));  // running statistics move away from their init
  REQUIRE_FALSE(states_equal(*a, *b));
  nn::save(*a, dir / "a.pt");
  nn::load(*b, dir / "a.pt");
  CHECK(states_equal(*a, *b));

  nn::UNet other(nn::UNetOptions(2, 1, 3).features({4, 8}));
  CHECK_THROWS_WITH(nn::load(*other, dir / "a.pt"), Catch::Contains("'head.weight' has shape"));
  nn::UNet deeper(nn::UNetOptions(2, 1, 2).features({4, 8, 16}));
  CHECK_THROWS_AS(nn::load(*deeper, dir / "a.pt"), medimg::FormatError);
  CHECK_THROWS_AS(nn::load(*b, dir / "missing.pt"), medimg::IoError);
  std::ofstream(dir / "junk.pt") << "not an archive";
  CHECK_THROWS_AS(nn::load(*b, dir / "junk.pt"), medimg::FormatError);
}

TEST_CASE("state-dict files written by Python and by C++ hold the same tensors") {
  auto reference = tiny_unet();
  const auto reference_state = nn::state_dict(*reference);
  // torch.save(dict(state_dict)) from Python, and C++'s save_state_dict: both read back.
  check_filled(nn::read_state_dict(MEDIMG_TEST_DATA_DIR "/nn/tiny_unet_state_py.pt"),
               reference_state);
  check_filled(nn::read_state_dict(MEDIMG_TEST_DATA_DIR "/nn/tiny_unet_state_cpp.pt"),
               reference_state);

  medimg::test::ScratchDir dir("nn-state");
  auto loaded = tiny_unet();
  nn::load_state_dict(*loaded, nn::read_state_dict(MEDIMG_TEST_DATA_DIR "/nn/tiny_unet_state_py.pt"));
  nn::save_state_dict(*loaded, dir / "state.pt");
  check_filled(nn::read_state_dict(dir / "state.pt"), reference_state);
  CHECK_THROWS_AS(nn::read_state_dict(dir / "missing.pt"), medimg::IoError);
}

TEST_CASE("load_state_dict checks names and shapes before copying") {
  auto a = tiny_unet(), b = tiny_unet();
  auto state = nn::state_dict(*a);
  nn::StateDict partial;
  for (const auto& item : state) {
    if (item.key() != "head.bias") partial.insert(item.key(), item.value());
  }
  CHECK_THROWS_WITH(nn::load_state_dict(*b, partial), Catch::Contains("missing 'head.bias'"));
  const auto report = nn::load_state_dict(*b, partial, /*strict=*/false);
  CHECK(report.missing == std::vector<std::string>{"head.bias"});
  partial.insert("head.bias", at::zeros({5}));
  CHECK_THROWS_AS(nn::load_state_dict(*b, partial), medimg::ShapeError);
}

TEST_CASE("torchvision weights: first convolution adapted, classifier kept") {
  // A ResNet-18 with 3 channels and 1000 classes has torchvision's names and shapes.
  nn::ResNet source(nn::ResNetOptions(18));
  const auto weights = nn::state_dict(*source);
  nn::ResNet gray(nn::ResNetOptions(18).in_channels(1).num_classes(2));
  const auto report = nn::load_torchvision_weights(*gray, weights);
  CHECK(report.adapted == std::vector<std::string>{"conv1.weight"});
  CHECK(report.skipped == std::vector<std::string>{"fc.weight", "fc.bias"});
  const auto params = gray->named_parameters();
  CHECK(at::allclose(params["conv1.weight"], weights["conv1.weight"].sum(1, true)));
  CHECK(at::equal(params["layer4.1.conv2.weight"], weights["layer4.1.conv2.weight"]));

  nn::ResNet five(nn::ResNetOptions(18).in_channels(5));
  nn::load_torchvision_weights(*five, weights);
  const at::Tensor w = weights["conv1.weight"];
  CHECK(at::allclose(five->named_parameters()["conv1.weight"].narrow(1, 3, 2),
                     w.narrow(1, 0, 2) * 0.6));

  nn::ResNet cbam(nn::ResNetOptions(18).cbam(true));
  CHECK(nn::load_torchvision_weights(*cbam, weights).missing.size() == 8 * 5);
  nn::ResNet deeper(nn::ResNetOptions(34));
  CHECK_THROWS_WITH(nn::load_torchvision_weights(*deeper, weights), Catch::Contains("lack"));
  CHECK_THROWS_AS(nn::load_torchvision_weights(*nn::ResNet(nn::ResNetOptions(18).spatial_dims(3)),
                                               weights),
                  medimg::Unsupported);
}

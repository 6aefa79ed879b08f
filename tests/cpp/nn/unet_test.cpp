#include "medimg/nn/unet.hpp"

#include <ATen/Parallel.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"
#include "medimg/io/npz.hpp"

using medimg::nn::UNet;
using medimg::nn::UNetOptions;

namespace {

// Keeps the intra-op pool at `n` threads for one test: the training test is measured in
// CPU time, and OpenMP threads competing with other tests run far slower than one.
class ThreadCount {
 public:
  explicit ThreadCount(int n) : previous_(at::get_num_threads()) { at::set_num_threads(n); }
  ~ThreadCount() { at::set_num_threads(previous_); }

 private:
  int previous_;
};

// Dice of argmax(logits) == 1 against `target` over the whole batch.
double global_dice(const at::Tensor& logits, const at::Tensor& target) {
  const at::Tensor pred = logits.argmax(1);
  const double overlap = (pred * target).sum().item<double>();
  return 2 * overlap / (pred.sum().item<double>() + target.sum().item<double>());
}

}  // namespace

TEST_CASE("UNet keeps 2D and 3D spatial sizes, odd ones included") {
  UNet net2(UNetOptions(2, 3, 4).features({4, 8, 16}));
  net2->eval();
  CHECK(net2->forward(at::randn({2, 3, 32, 48})).sizes() == at::IntArrayRef({2, 4, 32, 48}));
  CHECK(net2->forward(at::randn({1, 3, 37, 29})).sizes() == at::IntArrayRef({1, 4, 37, 29}));
  UNet net3(UNetOptions(3, 1, 2).features({2, 4, 8}).norm(medimg::nn::Norm::Instance));
  CHECK(net3->forward(at::randn({1, 1, 9, 16, 13})).sizes() ==
        at::IntArrayRef({1, 2, 9, 16, 13}));
}

TEST_CASE("UNet options: interpolation, residual, group norm, deep supervision") {
  UNet net(UNetOptions(2, 1, 3)
               .features({8, 16, 32})
               .norm(medimg::nn::Norm::Group)
               .num_groups(4)
               .activation(medimg::nn::Activation::LeakyReLU)
               .upsample(medimg::nn::Upsample::Interpolation)
               .residual(true)
               .dropout(0.1)
               .deep_supervision(true));
  const auto outputs = net->forward_deep_supervision(at::randn({2, 1, 20, 24}));
  REQUIRE(outputs.size() == 2);  // main + one auxiliary head for 3 levels
  for (const auto& y : outputs) CHECK(y.sizes() == at::IntArrayRef({2, 3, 20, 24}));
  const auto names = net->named_modules().keys();
  CHECK(std::find(names.begin(), names.end(), "decoder.0.skip") != names.end());
  CHECK(std::find(names.begin(), names.end(), "aux_heads.0") != names.end());
}

TEST_CASE("UNet refuses bad input and bad options with clear errors") {
  UNet net(UNetOptions(2, 1, 2).features({4, 8}).pad_input(false));
  CHECK_THROWS_WITH(net->forward(at::zeros({1, 3, 8, 8})),
                    Catch::Contains("expects 1 input channel"));
  CHECK_THROWS_AS(net->forward(at::zeros({1, 1, 8, 8, 8})), medimg::ShapeError);
  CHECK_THROWS_WITH(net->forward(at::zeros({1, 1, 8, 7})),
                    Catch::Contains("multiples of 2") && Catch::Contains("pad_input"));
  CHECK_THROWS_AS(UNet(UNetOptions(4, 1, 2)), medimg::ArgumentError);
  CHECK_THROWS_AS(UNet(UNetOptions(2, 1, 2).features({8})), medimg::ArgumentError);
  CHECK_THROWS_WITH(UNet(UNetOptions(2, 1, 2).norm(medimg::nn::Norm::Group).num_groups(3)),
                    Catch::Contains("num_groups=3"));
  CHECK_THROWS_WITH(medimg::nn::parse_norm("layer"), Catch::Contains("'batch', 'instance'"));
  CHECK_THROWS_AS(medimg::nn::parse_activation("gelu"), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::nn::parse_upsample("nearest"), medimg::ArgumentError);
}

TEST_CASE("UNet features are picked by name, unknown names are refused") {
  UNet net(UNetOptions(2, 1, 2).features({4, 8, 16}));
  const auto result = net->forward_features(at::randn({1, 1, 16, 16}), {"encoder.2", "head"});
  CHECK(result.features["encoder.2"].sizes() == at::IntArrayRef({1, 16, 4, 4}));
  CHECK(result.features["head"].sizes() == result.output.sizes());
  CHECK_THROWS_WITH(net->forward_features(at::randn({1, 1, 16, 16}), {"encoder.9"}),
                    Catch::Contains("no layer named 'encoder.9'") && Catch::Contains("'head'"));
  CHECK_THROWS_WITH(net->forward_features(at::randn({1, 1, 16, 16}), {"encoder"}),
                    Catch::Contains("produced no output"));
}

TEST_CASE("UNet learns liver masks of real CT slices to Dice >= 0.9 (Adam, CPU)") {
  // The same recipe as tests/python/test_nn_unet.py::test_unet_learns_liver_masks.
  ThreadCount threads(1);
  const medimg::NpzFile data(MEDIMG_TEST_DATA_DIR "/nn/liver_slices.npz");
  const at::Tensor x = ((data.read("ct").to(at::kFloat) + 150) / 300).clamp(-1, 2);
  const at::Tensor y = data.read("liver").select(1, 0).to(at::kLong);
  torch::manual_seed(0);
  UNet net(UNetOptions(2, 1, 2).features({8, 16, 32, 64}));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(0.01));
  double dice = 0;
  int steps = 0;
  while (steps < 150 && dice < 0.9) {
    net->train();
    const at::Tensor logits = net->forward(x);
    const at::Tensor p = logits.softmax(1).select(1, 1);
    const at::Tensor soft_dice = 1 - 2 * (p * y).sum() / (p.sum() + y.sum());
    const at::Tensor loss = at::cross_entropy_loss(logits, y) + soft_dice;
    adam.zero_grad();
    loss.backward();
    adam.step();
    if (++steps % 10 == 0) {
      net->eval();
      torch::NoGradGuard no_grad;
      dice = global_dice(net->forward(x), y);
    }
  }
  INFO("steps " << steps << ", Dice " << dice);
  CHECK(dice >= 0.9);
}

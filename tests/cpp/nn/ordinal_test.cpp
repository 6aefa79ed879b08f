// Ordinal (CORAL) outputs against hand-computed values, and EfficientNet's width/depth
// multipliers against torchvision's parameter counts.
#include <ATen/ops/log.h>
#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>

#include <cmath>

#include "medimg/core/error.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/nn/ordinal.hpp"
#include "medimg/nn/summary.hpp"

namespace nn = medimg::nn;

namespace {

at::Tensor logits_of(std::vector<double> p) {
  const at::Tensor t = at::tensor(p, at::kDouble).view({1, -1});
  return at::log(t / (1 - t));
}

}  // namespace

TEST_CASE("ordinal targets, probabilities and decoding by hand") {
  const at::Tensor targets = nn::ordinal_targets(at::tensor({0, 2, 4}, at::kLong), 5);
  CHECK(targets.equal(at::tensor({0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1}, at::kFloat).view({3, 4})));
  // P(y > k) = 0.9, 0.6, 0.3, 0.1 -> P(y = k) = 0.1, 0.3, 0.3, 0.2, 0.1, grade 2.
  const at::Tensor logits = logits_of({0.9, 0.6, 0.3, 0.1});
  const at::Tensor p = nn::ordinal_probabilities(logits);
  const double expected[] = {0.1, 0.3, 0.3, 0.2, 0.1};
  for (int k = 0; k < 5; ++k) CHECK(p[0][k].item<double>() == Approx(expected[k]).margin(1e-12));
  CHECK(nn::ordinal_decode(logits).item<std::int64_t>() == 2);
  // Non-monotone: 0.8, -0.5, 0.6, -0.3, 0.4 clipped and divided by 1.8.
  const at::Tensor q = nn::ordinal_probabilities(logits_of({0.2, 0.7, 0.1, 0.4}));
  CHECK(q[0][0].item<double>() == Approx(0.8 / 1.8).margin(1e-12));
  CHECK(q[0][1].item<double>() == 0.0);
  CHECK(q[0][4].item<double>() == Approx(0.4 / 1.8).margin(1e-12));
  // Loss: logits (ln 3, -ln 3), grade 1 -> targets (1, 0), mean -log(3/4).
  const at::Tensor loss =
      nn::ordinal_loss(at::tensor({std::log(3.0), -std::log(3.0)}, at::kDouble).view({1, 2}),
                       at::tensor({1}, at::kLong));
  CHECK(loss.item<double>() == Approx(-std::log(0.75)).epsilon(1e-12));
}

TEST_CASE("ordinal functions refuse bad input") {
  CHECK_THROWS_AS(nn::ordinal_targets(at::tensor({5}, at::kLong), 5), medimg::ArgumentError);
  CHECK_THROWS_AS(nn::ordinal_targets(at::tensor({0}, at::kLong), 1), medimg::ArgumentError);
  CHECK_THROWS_AS(nn::ordinal_loss(at::tensor({0.0, 0.0}, at::kDouble),
                                   at::tensor({0}, at::kLong)),
                  medimg::ShapeError);
  CHECK_THROWS_AS(nn::ordinal_decode(at::tensor({0, 1}, at::kLong).view({1, 2})),
                  medimg::ArgumentError);
}

TEST_CASE("EfficientNet width and depth multipliers match torchvision") {
  // sum(p.numel() for p in EfficientNet(_efficientnet_conf("efficientnet_b0", width_mult=w,
  // depth_mult=d)[0], 0.2, num_classes=4).parameters()), torchvision 0.14.
  CHECK(nn::count_parameters(*nn::EfficientNet(
            nn::EfficientNetOptions().num_classes(4).width_multiplier(0.25).depth_multiplier(
                0.5))) == 200106);
  CHECK(nn::count_parameters(*nn::EfficientNet(
            nn::EfficientNetOptions().num_classes(4).width_multiplier(0.5).depth_multiplier(
                0.5))) == 659684);
  const nn::Network built = nn::build_network(
      "efficientnet", R"({"num_classes": 4, "width_multiplier": 0.25, "depth_multiplier": 0.5})");
  CHECK(built.options_json() ==
        R"({"variant":"b0","spatial_dims":2,"in_channels":3,"num_classes":4,"dropout":null,)"
        R"("stochastic_depth":0.2,"cbam":false,"cbam_reduction":16,"width_multiplier":0.25,)"
        R"("depth_multiplier":0.5})");
  CHECK_THROWS_AS(nn::EfficientNet(nn::EfficientNetOptions().width_multiplier(0.0)),
                  medimg::ArgumentError);
}

// The losses against values worked out by hand; tests/python/test_nn_losses.py compares them
// with torch's losses and MONAI's formulas on random data and checks their gradients.
#include "medimg/nn/losses.hpp"

#include <ATen/ops/full.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>

#include <catch2/catch.hpp>

#include <cmath>

#include "medimg/core/error.hpp"

namespace nn = medimg::nn;

namespace {

// Probabilities of a 2-class, 1 × 2 image: pixel 0 is 90 % class 0, pixel 1 80 % class 1.
at::Tensor two_pixel_probabilities() {
  return at::tensor({0.9, 0.2, 0.1, 0.8}, at::kDouble).view({1, 2, 1, 2});
}

// Class indices of the two pixels: 0 and 1.
at::Tensor two_pixel_labels() { return at::tensor({0, 1}, at::kLong).view({1, 1, 2}); }

double value_of(const at::Tensor& t) { return t.item<double>(); }

}  // namespace

TEST_CASE("Dice and Tversky losses equal hand-computed values") {
  const at::Tensor p = two_pixel_probabilities();
  const at::Tensor y = two_pixel_labels();
  const auto dice = nn::DiceLossOptions()
                        .activation(nn::LossActivation::None)
                        .smooth_nr(0)
                        .smooth_dr(0)
                        .reduction(nn::LossReduction::None);
  // Class 0: intersection 0.9, Σp 1.1, Σg 1; class 1: 0.8, 0.9, 1.
  const at::Tensor per_class = nn::dice_loss(p, y, dice);
  REQUIRE(per_class.sizes() == at::IntArrayRef({1, 2}));
  CHECK(value_of(per_class[0][0]) == Approx(1 - 1.8 / 2.1));
  CHECK(value_of(per_class[0][1]) == Approx(1 - 1.6 / 1.9));
  auto mean = dice;
  mean.reduction(nn::LossReduction::Mean);
  CHECK(value_of(nn::dice_loss(p, y, mean)) == Approx((2 - 1.8 / 2.1 - 1.6 / 1.9) / 2));
  auto squared = mean;
  squared.squared_pred(true).include_background(false);
  CHECK(value_of(nn::dice_loss(p, y, squared)) == Approx(1 - 1.6 / (0.01 + 0.64 + 1)));
  auto jaccard = mean;
  jaccard.jaccard(true).weight({1.0, 3.0});
  CHECK(value_of(nn::dice_loss(p, y, jaccard)) ==
        Approx(((1 - 1.8 / (2 * (2.1 - 0.9))) + 3 * (1 - 1.6 / (2 * (1.9 - 0.8)))) / 2));

  // Tversky: class 0 TP 0.9, FP 0.2, FN 0.1; class 1 TP 0.8, FP 0.1, FN 0.2.
  const auto tversky = nn::TverskyLossOptions()
                           .activation(nn::LossActivation::None)
                           .alpha(0.3)
                           .beta(0.7)
                           .smooth_nr(0)
                           .smooth_dr(0)
                           .reduction(nn::LossReduction::Sum);
  const double class0 = 1 - 0.9 / (0.9 + 0.3 * 0.2 + 0.7 * 0.1);
  const double class1 = 1 - 0.8 / (0.8 + 0.3 * 0.1 + 0.7 * 0.2);
  CHECK(value_of(nn::tversky_loss(p, y, tversky)) == Approx(class0 + class1));
}

TEST_CASE("Weighted BCE and focal losses equal hand-computed values") {
  // Logit 0 (p = 0.5) everywhere: the positive costs pos_weight · log 2, the negative log 2.
  const at::Tensor x = at::zeros({2, 1}, at::kDouble);
  const at::Tensor y = at::tensor({1.0, 0.0}, at::kDouble).view({2, 1});
  const auto bce = nn::WeightedBCELossOptions().pos_weight({3.0});
  CHECK(value_of(nn::weighted_bce_loss(x, y, bce)) == Approx(2 * std::log(2.0)));
  nn::WeightedBCELoss module(nn::WeightedBCELossOptions().pos_weight({3.0}).weight({0.5}).reduction(
      nn::LossReduction::Sum));
  CHECK(value_of(module(x, y)) == Approx(0.5 * 4 * std::log(2.0)));

  // Focal, gamma 2, p_t = 0.5: (1 - 0.5)^2 · log 2 per element; alpha 0.25 weighs the
  // positive by 0.25 and the negative by 0.75.
  const auto focal = nn::FocalLossOptions().reduction(nn::LossReduction::None);
  const at::Tensor f = nn::focal_loss(x, y, focal);
  CHECK(value_of(f[0][0]) == Approx(0.25 * std::log(2.0)));
  CHECK(value_of(nn::focal_loss(x, y, nn::FocalLossOptions().alpha(0.25).reduction(
            nn::LossReduction::Sum))) == Approx((0.25 + 0.75) * 0.25 * std::log(2.0)));
  // Softmax over two equal logits, class 0: only the target channel counts.
  const at::Tensor logits = at::zeros({1, 2, 2, 2}, at::kDouble);
  const at::Tensor labels = at::zeros({1, 2, 2}, at::kLong);
  const auto softmax = nn::FocalLossOptions()
                           .activation(nn::LossActivation::Softmax)
                           .reduction(nn::LossReduction::Sum);
  CHECK(value_of(nn::focal_loss(logits, labels, softmax)) == Approx(4 * 0.25 * std::log(2.0)));
}

TEST_CASE("Losses take index or one-hot targets in 2D and 3D, and backpropagate") {
  const at::Tensor x = at::randn({2, 3, 4, 5, 6}, at::kDouble).requires_grad_(true);
  const at::Tensor labels = at::randint(0, 3, {2, 4, 5, 6}, at::kLong);
  const at::Tensor one_hot =
      at::zeros({2, 3, 4, 5, 6}, at::kDouble).scatter_(1, labels.unsqueeze(1), 1);
  nn::DiceCELoss dice_ce(nn::DiceCELossOptions().ce_weight({1.0, 2.0, 0.5}));
  const at::Tensor from_index = dice_ce(x, labels);
  CHECK(value_of(from_index) == Approx(value_of(dice_ce(x, one_hot))));
  CHECK(value_of(from_index) == Approx(value_of(dice_ce(x, labels.unsqueeze(1)))));
  from_index.backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().isfinite().all().item<bool>());
  CHECK(x.grad().abs().sum().item<double>() > 0);

  const at::Tensor x2 = at::randn({2, 1, 8, 8});
  const at::Tensor mask = at::randint(0, 2, {2, 8, 8}, at::kLong);
  nn::DiceLoss dice(nn::DiceLossOptions().activation(nn::LossActivation::Sigmoid));
  CHECK(value_of(dice(x2, mask)) == Approx(value_of(dice(x2, mask.unsqueeze(1).to(at::kFloat)))));
}

TEST_CASE("Losses refuse bad targets and options with clear errors") {
  const at::Tensor x = at::randn({2, 3, 4, 4});
  nn::DiceLoss dice;
  CHECK_THROWS_AS(dice(x, at::zeros({2, 2, 4, 4})), medimg::ShapeError);
  CHECK_THROWS_WITH(dice(x, at::zeros({2, 4, 5}, at::kLong)),
                    Catch::Contains("does not fit the input") && Catch::Contains("class indices"));
  CHECK_THROWS_WITH(dice(x, at::full({2, 4, 4}, 3, at::kLong)),
                    Catch::Contains("class indices must lie in [0, 2]"));
  CHECK_THROWS_AS(dice(x, at::full({2, 4, 4}, 0.5)), medimg::ArgumentError);
  CHECK_THROWS_WITH(nn::parse_loss_reduction("average"),
                    Catch::Contains("'none', 'mean' or 'sum'"));
  CHECK_THROWS_WITH(nn::dice_loss(at::randn({2, 1, 4, 4}), at::zeros({2, 4, 4}, at::kLong)),
                    Catch::Contains("softmax over 1 channel"));
  CHECK_THROWS_WITH(nn::DiceCELoss(nn::DiceCELossOptions().dice(
                        nn::DiceLossOptions().reduction(nn::LossReduction::None))),
                    Catch::Contains("reduction 'none' is not defined"));
  CHECK_THROWS_WITH(nn::FocalLoss(nn::FocalLossOptions().alpha(1.5)), Catch::Contains("alpha"));
  CHECK_THROWS_WITH(nn::weighted_bce_loss(x, at::zeros_like(x),
                                          nn::WeightedBCELossOptions().pos_weight({1, 2})),
                    Catch::Contains("one value or one per channel (3)"));
  CHECK_THROWS_AS(nn::WeightedBCELoss(nn::WeightedBCELossOptions().weight({-1})),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(dice(at::randint(0, 2, {2, 3, 4, 4}), at::zeros({2, 4, 4}, at::kLong)),
                  medimg::ArgumentError);
}

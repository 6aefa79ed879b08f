#include "medimg/train/scheduler.hpp"

#include <torch/optim/sgd.h>

#include <catch2/catch.hpp>

#include <cmath>

#include "medimg/core/error.hpp"
#include "medimg/train/optimizer_lr.hpp"

using Catch::Matchers::WithinRel;

TEST_CASE("ReduceLROnPlateau reduces after patience and honours cooldown and min_lr", "[train]") {
  medimg::train::ReduceLROnPlateauOptions options;
  options.patience = 1;
  options.cooldown = 1;
  options.factor = 0.5;
  options.min_lr = {0.02};
  medimg::train::ReduceLROnPlateau plateau({0.1}, options);
  // Hand-worked with PyTorch's rules: best 1.0; two bad epochs (> patience 1) halve the
  // rate; the next epoch is cooldown (counts as good); two more bad ones halve again, then
  // the floor 0.02 holds.
  const double metrics[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  const double expected[] = {0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.02};
  for (int e = 0; e < 9; ++e) {
    plateau.step(metrics[e]);
    CHECK_THAT(plateau.learning_rates()[0], WithinRel(expected[e], 1e-15));
  }
  CHECK_THROWS_AS(plateau.step(), medimg::ArgumentError);
}

TEST_CASE("Schedules drive a LibTorch optimiser", "[train]") {
  torch::Tensor w = torch::zeros({2}, torch::requires_grad());
  torch::optim::SGD sgd({w}, torch::optim::SGDOptions(0.2));
  medimg::train::CosineWarmupLR cosine(medimg::train::learning_rates(sgd), 10, 2, 0.5, 0.0);
  medimg::train::set_learning_rates(sgd, cosine.learning_rates());
  CHECK_THAT(medimg::train::learning_rates(sgd)[0], WithinRel(0.1, 1e-15));
  medimg::train::step(cosine, sgd);
  CHECK_THAT(medimg::train::learning_rates(sgd)[0], WithinRel(0.15, 1e-15));
  medimg::train::step(cosine, sgd);
  CHECK_THAT(medimg::train::learning_rates(sgd)[0], WithinRel(0.2, 1e-15));
  medimg::train::step(cosine, sgd);  // one of eight cosine epochs
  CHECK_THAT(medimg::train::learning_rates(sgd)[0],
             WithinRel(0.1 * (1 + std::cos(M_PI / 8)), 1e-14));
  CHECK_THROWS_AS(medimg::train::set_learning_rates(sgd, {0.1, 0.2}), medimg::ArgumentError);

  medimg::train::StepLR step_lr({1.0}, 2, 0.5);
  for (int e = 0; e < 4; ++e) step_lr.step();
  CHECK(step_lr.learning_rates()[0] == 0.25);
  medimg::train::StepLR resumed({1.0}, 2, 0.5);
  resumed.load_state(step_lr.state());
  CHECK(resumed.epoch() == 4);
  CHECK(resumed.learning_rates() == step_lr.learning_rates());
}

#pragma once

/// Connects a train::Scheduler to a LibTorch optimiser: read and write the learning rate of
/// each parameter group.

#include <torch/optim/optimizer.h>

#include <vector>

#include "medimg/export.hpp"
#include "medimg/train/scheduler.hpp"

namespace medimg::train {

/// The learning rate of each of the optimiser's parameter groups.
MEDIMG_API std::vector<double> learning_rates(const torch::optim::Optimizer& optimizer);

/// Sets each group's learning rate.
/// @throws ArgumentError when `lrs` does not hold one rate per group.
MEDIMG_API void set_learning_rates(torch::optim::Optimizer& optimizer,
                                   const std::vector<double>& lrs);

/// scheduler.step(metric), then the new rates into the optimiser: one call per epoch.
MEDIMG_API void step(Scheduler& scheduler, torch::optim::Optimizer& optimizer,
                     std::optional<double> metric = std::nullopt);

}  // namespace medimg::train

#include "medimg/train/optimizer_lr.hpp"

#include "medimg/core/error.hpp"

namespace medimg::train {

std::vector<double> learning_rates(const torch::optim::Optimizer& optimizer) {
  std::vector<double> lrs;
  for (const auto& group : optimizer.param_groups()) lrs.push_back(group.options().get_lr());
  return lrs;
}

void set_learning_rates(torch::optim::Optimizer& optimizer, const std::vector<double>& lrs) {
  auto& groups = optimizer.param_groups();
  MEDIMG_CHECK(lrs.size() == groups.size(), ArgumentError, "set_learning_rates: the optimiser has ",
               groups.size(), " parameter groups, got ", lrs.size(), " learning rates");
  for (std::size_t g = 0; g < groups.size(); ++g) groups[g].options().set_lr(lrs[g]);
}

void step(Scheduler& scheduler, torch::optim::Optimizer& optimizer, std::optional<double> metric) {
  scheduler.step(metric);
  set_learning_rates(optimizer, scheduler.learning_rates());
}

}  // namespace medimg::train

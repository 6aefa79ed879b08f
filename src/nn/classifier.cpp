#include "medimg/nn/classifier.hpp"

#include "medimg/core/error.hpp"

namespace medimg::nn {

void freeze_all_but(torch::nn::Module& module, const std::string& head) {
  const auto modules = module.named_modules("", /*include_self=*/false);
  MEDIMG_CHECK(modules.contains(head), ArgumentError, "no layer named '", head, "' in ",
               module.name());
  const std::string prefix = head + ".";
  for (auto& item : module.named_parameters()) {
    item.value().requires_grad_(item.key().rfind(prefix, 0) == 0);
  }
}

void unfreeze_all(torch::nn::Module& module) {
  for (auto& parameter : module.parameters()) parameter.requires_grad_(true);
}

}  // namespace medimg::nn

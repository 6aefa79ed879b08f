#pragma once

/// What the classifiers (ResNet, EfficientNet, CNN3d) share for transfer learning: a head,
/// the layers before it (the backbone), and freezing.

#include <torch/nn/module.h>

#include <string>

#include "medimg/export.hpp"

namespace medimg::nn {

/// Sets requires_grad on every parameter of `module`: false for all but those under the
/// submodule `head` (a name of named_modules(), e.g. "fc" or "classifier"), true for those.
/// Batch-norm running statistics still update in training mode; call eval() on the
/// backbone modules to keep them too.
MEDIMG_API void freeze_all_but(torch::nn::Module& module, const std::string& head);

/// requires_grad = true on every parameter of `module`.
MEDIMG_API void unfreeze_all(torch::nn::Module& module);

}  // namespace medimg::nn

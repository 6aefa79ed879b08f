#pragma once

/// Parameter counts and a layer-by-layer summary of a network.

#include <torch/nn/module.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::nn {

/// Number of parameter elements of `module` and its descendants; with trainable_only, of
/// those with requires_grad. As sum(p.numel() for p in module.parameters()) in Python.
MEDIMG_API std::int64_t count_parameters(const torch::nn::Module& module,
                                         bool trainable_only = false);

/// One row of a ModelSummary.
struct MEDIMG_API LayerSummary {
  std::string name;                       ///< as in named_modules()
  std::string type;                       ///< the C++ class, e.g. "torch::nn::Conv2d"
  int depth = 0;                          ///< number of dots in the name, plus one
  std::vector<std::int64_t> output_shape; ///< empty when the module produced no output
  std::int64_t parameters = 0;            ///< of the module and its descendants
  std::int64_t trainable_parameters = 0;
};

struct MEDIMG_API ModelSummary {
  std::vector<LayerSummary> layers;
  std::int64_t parameters = 0;
  std::int64_t trainable_parameters = 0;
  /// A fixed-width table: name (indented by depth), type, output shape, parameters, then
  /// the totals.
  std::string to_string() const;
};

/// Runs `forward(example)` once without gradients and in eval mode (the training flags are
/// restored afterwards, so batch-norm statistics do not change) and lists every module of
/// `module` down to `max_depth` levels (0: all) with its output shape and parameter count.
/// `forward` is the network's forward, e.g. [&](auto& x) { return net->forward(x); }.
MEDIMG_API ModelSummary summarize(torch::nn::Module& module,
                                  const std::function<at::Tensor(const at::Tensor&)>& forward,
                                  const at::Tensor& example, int max_depth = 0);

}  // namespace medimg::nn

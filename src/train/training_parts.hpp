#pragma once

// The trainer's replaceable parts built from their config sections ("optimizer",
// "scheduler", "loss"): the same keys in C++, Python and the CLI (docs/train.md).

#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config_node.hpp"
#include "medimg/train/scheduler.hpp"
#include "medimg/train/trainer.hpp"

namespace medimg::train::internal {

/// {"name": "sgd"|"adam"|"adamw", "lr", "weight_decay", "momentum", "nesterov", "betas",
/// "eps"}: SGD defaults to nnU-Net's (lr 0.01, momentum 0.99, Nesterov, weight decay 3e-5),
/// Adam/AdamW to PyTorch's (lr 1e-3; AdamW weight decay 0.01).
std::unique_ptr<torch::optim::Optimizer> build_optimizer(const ConfigNode& config,
                                                         std::vector<at::Tensor> parameters);

/// {"name": "none"|"step"|"poly"|"cosine"|"plateau", ...}: the options of scheduler.hpp by
/// their Python keyword names; total epochs default to the trainer's.
std::unique_ptr<Scheduler> build_scheduler(const ConfigNode& config, std::vector<double> base_lrs,
                                           std::int64_t epochs);

using LossFunction = std::function<at::Tensor(const at::Tensor& logits, const at::Tensor& target)>;

/// {"name": "dice_ce"|"dice"|"ce"|"bce"|"focal"|"tversky", "class_weights", ...}: dice_ce
/// for segmentation and ce (cross-entropy) for classification by default.
LossFunction build_loss(const ConfigNode& config, Task task);

}  // namespace medimg::train::internal

#include "training_parts.hpp"

#include <ATen/ATen.h>
#include <torch/nn/modules/loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include "medimg/nn/losses.hpp"

namespace medimg::train::internal {

namespace {

std::string known_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::pair<double, double> read_betas(const ConfigNode& config) {
  std::vector<double> betas = config.get<std::vector<double>>("betas", {0.9, 0.999});
  MEDIMG_CHECK(betas.size() == 2, ArgumentError, "config key '", config.key_path("betas"),
               "': expected two numbers, got ", betas.size());
  return {betas[0], betas[1]};
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> build_optimizer(const ConfigNode& config,
                                                         std::vector<at::Tensor> parameters) {
  const std::string name = config.get<std::string>("name", "adamw");
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (name == "sgd") {
    torch::optim::SGDOptions o(config.get<double>("lr", 0.01));
    o.momentum(config.get<double>("momentum", 0.99))
        .nesterov(config.get<bool>("nesterov", true))
        .weight_decay(config.get<double>("weight_decay", 3e-5));
    optimizer = std::make_unique<torch::optim::SGD>(std::move(parameters), o);
  } else if (name == "adam" || name == "adamw") {
    const double lr = config.get<double>("lr", 1e-3);
    const auto betas = read_betas(config);
    const double eps = config.get<double>("eps", 1e-8);
    if (name == "adam") {
      torch::optim::AdamOptions o(lr);
      o.betas({betas.first, betas.second}).eps(eps).weight_decay(config.get<double>("weight_decay", 0.0));
      optimizer = std::make_unique<torch::optim::Adam>(std::move(parameters), o);
    } else {
      torch::optim::AdamWOptions o(lr);
      o.betas({betas.first, betas.second}).eps(eps).weight_decay(config.get<double>("weight_decay", 0.01));
      optimizer = std::make_unique<torch::optim::AdamW>(std::move(parameters), o);
    }
  } else {
    throw ArgumentError(::medimg::detail::concat("config key '", config.key_path("name"),
                                                 "': unknown optimizer '", name,
                                                 "' (known: sgd, adam, adamw)"));
  }
  config.finish();
  return optimizer;
}

std::unique_ptr<Scheduler> build_scheduler(const ConfigNode& config, std::vector<double> base_lrs,
                                           std::int64_t epochs) {
  const std::string name = config.get<std::string>("name", "none");
  std::unique_ptr<Scheduler> scheduler;
  if (name == "none") {
    scheduler = std::make_unique<StepLR>(std::move(base_lrs), std::int64_t{1} << 40, 1.0);
  } else if (name == "step") {
    scheduler = std::make_unique<StepLR>(std::move(base_lrs), config.require<std::int64_t>("step_size"),
                                         config.get<double>("gamma", 0.1));
  } else if (name == "poly") {
    scheduler = std::make_unique<PolyLR>(std::move(base_lrs),
                                         config.get<std::int64_t>("total_epochs", epochs),
                                         config.get<double>("power", 0.9));
  } else if (name == "cosine") {
    scheduler = std::make_unique<CosineWarmupLR>(
        std::move(base_lrs), config.get<std::int64_t>("total_epochs", epochs),
        config.get<std::int64_t>("warmup_epochs", 0), config.get<double>("start_factor", 0.0),
        config.get<double>("min_lr", 0.0));
  } else if (name == "plateau") {
    ReduceLROnPlateauOptions o;
    o.mode = config.get<std::string>("mode", o.mode);
    o.factor = config.get<double>("factor", o.factor);
    o.patience = config.get<std::int64_t>("patience", o.patience);
    o.threshold = config.get<double>("threshold", o.threshold);
    o.threshold_mode = config.get<std::string>("threshold_mode", o.threshold_mode);
    o.cooldown = config.get<std::int64_t>("cooldown", o.cooldown);
    const nlohmann::json& min_lr = config.raw("min_lr");
    if (min_lr.is_number()) {
      o.min_lr = {min_lr.get<double>()};
    } else if (!min_lr.is_null()) {
      o.min_lr = config.get<std::vector<double>>("min_lr", o.min_lr);
    }
    o.eps = config.get<double>("eps", o.eps);
    scheduler = std::make_unique<ReduceLROnPlateau>(std::move(base_lrs), o);
  } else {
    throw ArgumentError(::medimg::detail::concat(
        "config key '", config.key_path("name"), "': unknown scheduler '", name,
        "' (known: ", known_names({"none", "step", "poly", "cosine", "plateau"}), ")"));
  }
  config.finish();
  return scheduler;
}

LossFunction build_loss(const ConfigNode& config, Task task) {
  const std::string name =
      config.get<std::string>("name", task == Task::Segmentation ? "dice_ce" : "ce");
  const std::vector<double> class_weights = config.get<std::vector<double>>("class_weights", {});
  LossFunction loss;
  if (name == "ce") {
    const double label_smoothing = config.get<double>("label_smoothing", 0.0);
    at::Tensor weight = class_weights.empty()
                            ? at::Tensor()
                            : at::tensor(class_weights, at::TensorOptions(at::kFloat));
    loss = [weight, label_smoothing](const at::Tensor& logits, const at::Tensor& target) {
      at::Tensor t = target.to(at::kLong);
      // Segmentation targets come as (N, 1, *spatial) label maps.
      if (logits.dim() > 2 && t.dim() == logits.dim()) t = t.squeeze(1);
      at::Tensor w = weight.defined() ? weight.to(logits.scalar_type()) : weight;
      return at::cross_entropy_loss(logits, t, w, at::Reduction::Mean, -100, label_smoothing);
    };
  } else if (name == "dice" || name == "dice_ce" || name == "tversky") {
    nn::DiceLossOptions dice;
    dice.include_background(config.get<bool>("include_background", true))
        .activation(nn::parse_loss_activation(config.get<std::string>("activation", "softmax")))
        .batch(config.get<bool>("batch", false))
        .weight(class_weights);
    if (name == "dice") {
      nn::DiceLoss module(dice);
      loss = [module](const at::Tensor& logits, const at::Tensor& target) mutable {
        return module->forward(logits, target);
      };
    } else if (name == "dice_ce") {
      nn::DiceCELossOptions o;
      o.dice(dice).ce_weight(class_weights)
          .lambda_dice(config.get<double>("lambda_dice", 1.0))
          .lambda_ce(config.get<double>("lambda_ce", 1.0));
      nn::DiceCELoss module(o);
      loss = [module](const at::Tensor& logits, const at::Tensor& target) mutable {
        return module->forward(logits, target);
      };
    } else {
      nn::TverskyLossOptions o;
      o.include_background(dice.include_background()).activation(dice.activation())
          .batch(dice.batch()).alpha(config.get<double>("alpha", 0.3))
          .beta(config.get<double>("beta", 0.7));
      nn::TverskyLoss module(o);
      loss = [module](const at::Tensor& logits, const at::Tensor& target) mutable {
        return module->forward(logits, target);
      };
    }
  } else if (name == "focal") {
    nn::FocalLossOptions o;
    o.activation(nn::parse_loss_activation(
         config.get<std::string>("activation", task == Task::Classification ? "softmax" : "sigmoid")))
        .gamma(config.get<double>("gamma", 2.0))
        .weight(class_weights);
    if (config.has("alpha")) o.alpha(config.get<double>("alpha", 0.25));
    nn::FocalLoss module(o);
    loss = [module](const at::Tensor& logits, const at::Tensor& target) mutable {
      return module->forward(logits, target);
    };
  } else if (name == "bce") {
    nn::WeightedBCELossOptions o;
    o.pos_weight(config.get<std::vector<double>>("pos_weight", {})).weight(class_weights);
    nn::WeightedBCELoss module(o);
    loss = [module](const at::Tensor& logits, const at::Tensor& target) mutable {
      return module->forward(logits, target.to(logits.scalar_type()));
    };
  } else {
    throw ArgumentError(::medimg::detail::concat(
        "config key '", config.key_path("name"), "': unknown loss '", name,
        "' (known: ", known_names({"dice_ce", "dice", "ce", "bce", "focal", "tversky"}), ")"));
  }
  config.finish();
  return loss;
}

}  // namespace medimg::train::internal

#pragma once

/// Learning-rate schedules as small state machines over plain numbers: one learning rate per
/// parameter group, advanced once per epoch. They hold no optimiser, so the same object
/// drives a C++ `torch::optim::Optimizer` (train/optimizer_lr.hpp), a Python `torch.optim`
/// optimiser (medimg.train) and the trainer, and their state fits in a checkpoint.
/// Semantics are PyTorch's (torch.optim.lr_scheduler, 1.13) where it has the schedule.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::train {

class MEDIMG_API Scheduler {
 public:
  /// @param base_lrs the initial learning rate of each parameter group
  /// @throws ArgumentError for no group or a learning rate < 0 or NaN.
  explicit Scheduler(std::vector<double> base_lrs);
  virtual ~Scheduler() = default;

  /// Ends one epoch. `metric` is the validation value ReduceLROnPlateau watches; the
  /// epoch-driven schedules ignore it.
  void step(std::optional<double> metric = std::nullopt);

  /// The learning rate of each group for the coming epoch.
  const std::vector<double>& learning_rates() const noexcept { return lrs_; }
  const std::vector<double>& base_learning_rates() const noexcept { return base_; }
  /// Epochs stepped so far.
  std::int64_t epoch() const noexcept { return epoch_; }

  /// Everything step() depends on, as numbers (for checkpoints): epoch, the rates, then
  /// the schedule's own fields.
  std::vector<double> state() const;
  /// Restores state(); @throws ArgumentError for a state of another length.
  void load_state(const std::vector<double>& state);

 protected:
  /// Sets lrs_ for epoch_ (already advanced) given the metric.
  virtual void advance(std::optional<double> metric) = 0;
  virtual std::vector<double> own_state() const { return {}; }
  virtual void load_own_state(const std::vector<double>& /*state*/) {}
  virtual std::size_t own_state_size() const { return 0; }

  std::vector<double> base_;
  std::vector<double> lrs_;
  std::int64_t epoch_ = 0;
};

/// torch.optim.lr_scheduler.StepLR: every `step_size` epochs each rate is multiplied by
/// `gamma` (in place, as PyTorch does, so the values are bit-identical to PyTorch's).
class MEDIMG_API StepLR final : public Scheduler {
 public:
  StepLR(std::vector<double> base_lrs, std::int64_t step_size, double gamma = 0.1);

 private:
  void advance(std::optional<double> metric) override;
  std::int64_t step_size_;
  double gamma_;
};

/// nnU-Net's polynomial decay (torch.optim.lr_scheduler.PolynomialLR's closed form):
/// base * (1 - min(epoch, total) / total) ^ power, 0 from epoch `total` on.
class MEDIMG_API PolyLR final : public Scheduler {
 public:
  PolyLR(std::vector<double> base_lrs, std::int64_t total_epochs, double power = 0.9);

 private:
  void advance(std::optional<double> metric) override;
  std::int64_t total_;
  double power_;
};

/// Linear warm-up then cosine annealing: for epoch e < warmup,
/// base * (start_factor + (1 - start_factor) * e / warmup); then
/// min_lr + (base - min_lr) * (1 + cos(pi * (e - warmup) / (total - warmup))) / 2, which is
/// CosineAnnealingLR's closed form with T_max = total - warmup; min_lr from epoch `total` on.
class MEDIMG_API CosineWarmupLR final : public Scheduler {
 public:
  CosineWarmupLR(std::vector<double> base_lrs, std::int64_t total_epochs,
                 std::int64_t warmup_epochs = 0, double start_factor = 0.0,
                 double min_lr = 0.0);

 private:
  void advance(std::optional<double> metric) override;
  std::int64_t total_, warmup_;
  double start_factor_, min_lr_;
};

struct ReduceLROnPlateauOptions {
  std::string mode = "min";             ///< "min": lower is better; "max": higher
  double factor = 0.1;                  ///< new rate = rate * factor (< 1)
  std::int64_t patience = 10;           ///< bad epochs tolerated before reducing
  double threshold = 1e-4;              ///< how much better counts as better
  std::string threshold_mode = "rel";   ///< "rel" (relative to best) or "abs"
  std::int64_t cooldown = 0;            ///< epochs after a reduction that count as good
  std::vector<double> min_lr{0.0};      ///< per group, or one value for all
  double eps = 1e-8;                    ///< smaller changes are not applied
};

/// torch.optim.lr_scheduler.ReduceLROnPlateau, step by step: the same comparisons, counters
/// and floating-point operations, so the rates equal PyTorch's bit for bit. A NaN metric is
/// a bad epoch (no comparison holds), as in PyTorch.
class MEDIMG_API ReduceLROnPlateau final : public Scheduler {
 public:
  ReduceLROnPlateau(std::vector<double> base_lrs, ReduceLROnPlateauOptions options = {});

  double best() const noexcept { return best_; }
  std::int64_t bad_epochs() const noexcept { return bad_epochs_; }

 private:
  void advance(std::optional<double> metric) override;
  std::vector<double> own_state() const override;
  void load_own_state(const std::vector<double>& state) override;
  std::size_t own_state_size() const override { return 3; }
  bool is_better(double current) const;

  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  std::int64_t bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
};

}  // namespace medimg::train

#include "medimg/train/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "medimg/core/error.hpp"

namespace medimg::train {
namespace {

constexpr double kPi = 3.14159265358979323846;

void check_epochs(std::int64_t value, const char* what, std::int64_t minimum) {
  MEDIMG_CHECK(value >= minimum, ArgumentError, what, " must be >= ", minimum, ", got ", value);
}

}  // namespace

Scheduler::Scheduler(std::vector<double> base_lrs) : base_(std::move(base_lrs)), lrs_(base_) {
  MEDIMG_CHECK(!base_.empty(), ArgumentError,
               "scheduler: expected at least one parameter group's learning rate");
  for (double lr : base_) {
    MEDIMG_CHECK(lr >= 0, ArgumentError, "scheduler: learning rates must be >= 0, got ", lr);
  }
}

void Scheduler::step(std::optional<double> metric) {
  ++epoch_;
  advance(metric);
}

std::vector<double> Scheduler::state() const {
  std::vector<double> out{static_cast<double>(epoch_)};
  out.insert(out.end(), lrs_.begin(), lrs_.end());
  const std::vector<double> own = own_state();
  out.insert(out.end(), own.begin(), own.end());
  return out;
}

void Scheduler::load_state(const std::vector<double>& state) {
  const std::size_t expected = 1 + lrs_.size() + own_state_size();
  MEDIMG_CHECK(state.size() == expected, ArgumentError, "scheduler: expected a state of ",
               expected, " numbers (epoch, ", lrs_.size(), " rates, ", own_state_size(),
               " fields), got ", state.size());
  epoch_ = static_cast<std::int64_t>(state[0]);
  std::copy(state.begin() + 1, state.begin() + 1 + static_cast<std::ptrdiff_t>(lrs_.size()),
            lrs_.begin());
  load_own_state(std::vector<double>(state.begin() + 1 + static_cast<std::ptrdiff_t>(lrs_.size()),
                                     state.end()));
}

StepLR::StepLR(std::vector<double> base_lrs, std::int64_t step_size, double gamma)
    : Scheduler(std::move(base_lrs)), step_size_(step_size), gamma_(gamma) {
  check_epochs(step_size, "StepLR: step_size", 1);
}

void StepLR::advance(std::optional<double>) {
  if (epoch_ % step_size_ != 0) return;
  for (double& lr : lrs_) lr *= gamma_;
}

PolyLR::PolyLR(std::vector<double> base_lrs, std::int64_t total_epochs, double power)
    : Scheduler(std::move(base_lrs)), total_(total_epochs), power_(power) {
  check_epochs(total_epochs, "PolyLR: total_epochs", 1);
  MEDIMG_CHECK(power > 0, ArgumentError, "PolyLR: power must be > 0, got ", power);
}

void PolyLR::advance(std::optional<double>) {
  const double done = static_cast<double>(std::min(epoch_, total_)) / static_cast<double>(total_);
  for (std::size_t g = 0; g < lrs_.size(); ++g) lrs_[g] = base_[g] * std::pow(1.0 - done, power_);
}

CosineWarmupLR::CosineWarmupLR(std::vector<double> base_lrs, std::int64_t total_epochs,
                               std::int64_t warmup_epochs, double start_factor, double min_lr)
    : Scheduler(std::move(base_lrs)),
      total_(total_epochs),
      warmup_(warmup_epochs),
      start_factor_(start_factor),
      min_lr_(min_lr) {
  check_epochs(warmup_epochs, "CosineWarmupLR: warmup_epochs", 0);
  check_epochs(total_epochs, "CosineWarmupLR: total_epochs (more than warmup_epochs)",
               warmup_epochs + 1);
  MEDIMG_CHECK(start_factor >= 0 && start_factor <= 1, ArgumentError,
               "CosineWarmupLR: start_factor must lie in [0, 1], got ", start_factor);
  MEDIMG_CHECK(min_lr >= 0, ArgumentError, "CosineWarmupLR: min_lr must be >= 0, got ", min_lr);
  if (warmup_ > 0) {
    for (std::size_t g = 0; g < lrs_.size(); ++g) lrs_[g] = base_[g] * start_factor_;
  }
}

void CosineWarmupLR::advance(std::optional<double>) {
  for (std::size_t g = 0; g < lrs_.size(); ++g) {
    if (epoch_ < warmup_) {
      const double ramp = static_cast<double>(epoch_) / static_cast<double>(warmup_);
      lrs_[g] = base_[g] * (start_factor_ + (1.0 - start_factor_) * ramp);
    } else {
      const double t = static_cast<double>(std::min(epoch_, total_) - warmup_) /
                       static_cast<double>(total_ - warmup_);
      lrs_[g] = min_lr_ + (base_[g] - min_lr_) * (1.0 + std::cos(kPi * t)) / 2.0;
    }
  }
}

ReduceLROnPlateau::ReduceLROnPlateau(std::vector<double> base_lrs,
                                     ReduceLROnPlateauOptions options)
    : Scheduler(std::move(base_lrs)), options_(std::move(options)) {
  const auto& o = options_;
  MEDIMG_CHECK(o.factor < 1.0 && o.factor >= 0, ArgumentError,
               "ReduceLROnPlateau: factor must lie in [0, 1), got ", o.factor);
  MEDIMG_CHECK(o.mode == "min" || o.mode == "max", ArgumentError,
               "ReduceLROnPlateau: mode must be 'min' or 'max', got '", o.mode, "'");
  MEDIMG_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs", ArgumentError,
               "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got '",
               o.threshold_mode, "'");
  check_epochs(o.patience, "ReduceLROnPlateau: patience", 0);
  check_epochs(o.cooldown, "ReduceLROnPlateau: cooldown", 0);
  MEDIMG_CHECK(o.min_lr.size() == 1 || o.min_lr.size() == lrs_.size(), ArgumentError,
               "ReduceLROnPlateau: expected 1 or ", lrs_.size(), " min_lr values, got ",
               o.min_lr.size());
  min_lrs_ = o.min_lr.size() == 1 ? std::vector<double>(lrs_.size(), o.min_lr[0]) : o.min_lr;
  best_ = o.mode == "min" ? std::numeric_limits<double>::infinity()
                          : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == "rel";
  if (options_.mode == "min") return rel ? a < best_ * (1.0 - t) : a < best_ - t;
  return rel ? a > best_ * (t + 1.0) : a > best_ + t;
}

void ReduceLROnPlateau::advance(std::optional<double> metric) {
  MEDIMG_CHECK(metric.has_value(), ArgumentError,
               "ReduceLROnPlateau: step() needs the watched metric");
  if (is_better(*metric)) {
    best_ = *metric;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (cooldown_counter_ > 0) {  // in cooldown every epoch counts as good
    --cooldown_counter_;
    bad_epochs_ = 0;
  }
  if (bad_epochs_ > options_.patience) {
    for (std::size_t g = 0; g < lrs_.size(); ++g) {
      const double reduced = std::max(lrs_[g] * options_.factor, min_lrs_[g]);
      if (lrs_[g] - reduced > options_.eps) lrs_[g] = reduced;
    }
    cooldown_counter_ = options_.cooldown;
    bad_epochs_ = 0;
  }
}

std::vector<double> ReduceLROnPlateau::own_state() const {
  return {best_, static_cast<double>(bad_epochs_), static_cast<double>(cooldown_counter_)};
}

void ReduceLROnPlateau::load_own_state(const std::vector<double>& state) {
  best_ = state[0];
  bad_epochs_ = static_cast<std::int64_t>(state[1]);
  cooldown_counter_ = static_cast<std::int64_t>(state[2]);
}

}  // namespace medimg::train

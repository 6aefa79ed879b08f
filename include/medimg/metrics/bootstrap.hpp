#pragma once

/// Seeded bootstrap confidence intervals for any metric of (y_true, y_score).

#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <functional>

#include "medimg/export.hpp"

namespace medimg {

/// A metric of two tensors whose first axis indexes cases, e.g. roc_auc or cohen_kappa.
using CaseMetric = std::function<double(const at::Tensor& y_true, const at::Tensor& y_score)>;

/// Options of bootstrap_ci.
struct MEDIMG_API BootstrapOptions {
  /// Number of resamples.
  TORCH_ARG(std::int64_t, n) = 1000;
  /// 1 - confidence level: 0.05 gives a 95% interval; in (0, 1).
  TORCH_ARG(double, alpha) = 0.05;
  /// Seed of the resampling; the same seed gives the same interval.
  TORCH_ARG(std::uint64_t, seed) = 0;
};

/// A point estimate and its percentile-bootstrap interval.
struct ConfidenceInterval {
  double estimate = 0;      ///< the metric on the full data
  double lower = 0;         ///< the alpha/2 quantile of the resampled values
  double upper = 0;         ///< the 1 - alpha/2 quantile of the resampled values
  std::int64_t n_valid = 0; ///< resamples whose value was not NaN
};

/// The percentile bootstrap: draws options.n() resamples of the N cases with replacement,
/// evaluates metric(y_true[idx], y_score[idx]) on each (rows selected along axis 0, so
/// y_score may be (N,) or (N, K)), and returns the alpha/2 and 1 - alpha/2 quantiles of the
/// values (linear interpolation between order statistics, numpy's default). Resamples whose
/// value is NaN (for ROC-AUC: a resample with one class only) are left out; n_valid counts
/// the rest, and lower/upper are NaN when none is left.
///
/// Resample b draws its indices from its own generator (splitmix64 of seed and b feeding a
/// 64-bit Mersenne twister, with bounded integers by Lemire's method), so results are the
/// same on every platform and thread count. The metric is called on the calling thread.
/// @throws ShapeError when the first axes differ; ArgumentError when N = 0, n < 1 or alpha
///         is outside (0, 1); whatever the metric throws.
MEDIMG_API ConfidenceInterval bootstrap_ci(const CaseMetric& metric, const at::Tensor& y_true,
                                           const at::Tensor& y_score,
                                           const BootstrapOptions& options = {});

}  // namespace medimg

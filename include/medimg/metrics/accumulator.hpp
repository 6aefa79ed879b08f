#pragma once

/// MetricAccumulator: per-case metric values collected over a validation set and reduced.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// A NaN-aware reduction over cases (numpy's nanmean, nanstd, nanmedian, nanmin, nanmax).
enum class Reduction {
  Mean,
  Std,     ///< population standard deviation (ddof = 0, numpy's default)
  Median,
  Min,
  Max,
};

/// Collects per-case values, e.g. the (B, C) output of a per-case metric for each
/// validation batch, and reduces them per channel. NaN values (undefined cases, such as
/// Dice of two empty masks) are counted and otherwise ignored; a channel with no other
/// value reduces to NaN. Values are stored as float64.
///
///   MetricAccumulator acc;
///   for (auto& batch : loader) acc.update(dice(pred, ref));   // (B, C) each
///   at::Tensor mean = acc.reduce(Reduction::Mean);            // (C,)
class MEDIMG_API MetricAccumulator {
 public:
  /// Appends cases: a 0-dim tensor is one case of one channel, (B,) B cases of one channel,
  /// (B, C) B cases of C channels. Any real or bool dtype, CPU memory, any strides.
  /// The first update fixes C.
  /// @throws ShapeError on another rank or a C different from earlier updates;
  ///         Unsupported for a non-CPU tensor or a dtype outside core/dispatch.hpp's list.
  void update(const at::Tensor& values);

  /// Appends one case of one channel.
  /// @throws ShapeError when earlier updates had more than one channel.
  void update(double value);

  /// Forgets every value; the next update may have any C.
  void reset();

  /// Cases collected so far.
  std::int64_t num_cases() const;
  /// Channels per case (0 before the first update).
  std::int64_t num_channels() const;

  /// Every value collected, (num_cases, C) float64, in update order.
  at::Tensor values() const;
  /// Per channel, the values that are not NaN: (C,) int64.
  at::Tensor count() const;
  /// Per channel, the NaN values: (C,) int64.
  at::Tensor nan_count() const;

  /// Per channel: (C,) float64.
  /// @throws ArgumentError when nothing has been collected.
  at::Tensor reduce(Reduction reduction) const;

  /// Per channel, the q-th percentile of the values that are not NaN, linearly
  /// interpolated between order statistics (numpy.nanpercentile's default): (C,) float64.
  /// @throws ArgumentError when q is outside [0, 100] or nothing has been collected.
  at::Tensor percentile(double q) const;

 private:
  std::vector<double> values_;  // row-major (num_cases, channels_)
  std::int64_t channels_ = 0;
};

}  // namespace medimg

#include "medimg/metrics/accumulator.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "detail/quantile.hpp"

namespace medimg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void MetricAccumulator::update(const at::Tensor& values) {
  MEDIMG_CHECK(values.defined(), ArgumentError, "MetricAccumulator.update: undefined tensor");
  MEDIMG_CHECK(values.dim() <= 2, ShapeError,
               "MetricAccumulator.update: expected a scalar, (B,) or (B, C) values, got shape ",
               values.sizes());
  const at::Tensor rows = values.dim() == 0   ? values.reshape({1, 1})
                          : values.dim() == 1 ? values.unsqueeze(1)
                                              : values;
  MEDIMG_CHECK(channels_ == 0 || rows.size(1) == channels_, ShapeError,
               "MetricAccumulator.update: expected ", channels_,
               " channel(s) per case as in earlier updates, got shape ", values.sizes());
  dispatch_dtype<2>(rows, [&](auto v) {
    values_.reserve(values_.size() + static_cast<std::size_t>(v.size(0) * v.size(1)));
    for (std::int64_t b = 0; b < v.size(0); ++b) {
      for (std::int64_t c = 0; c < v.size(1); ++c) values_.push_back(static_cast<double>(v(b, c)));
    }
  });
  channels_ = rows.size(1);
}

void MetricAccumulator::update(double value) {
  MEDIMG_CHECK(channels_ == 0 || channels_ == 1, ShapeError,
               "MetricAccumulator.update: expected ", channels_,
               " channels per case as in earlier updates, got one value");
  values_.push_back(value);
  channels_ = 1;
}

void MetricAccumulator::reset() {
  values_.clear();
  channels_ = 0;
}

std::int64_t MetricAccumulator::num_cases() const {
  return channels_ == 0 ? 0 : static_cast<std::int64_t>(values_.size()) / channels_;
}

std::int64_t MetricAccumulator::num_channels() const { return channels_; }

at::Tensor MetricAccumulator::values() const {
  at::Tensor out = at::empty({num_cases(), channels_}, at::kDouble);
  if (!values_.empty()) {
    std::memcpy(out.data_ptr<double>(), values_.data(), values_.size() * sizeof(double));
  }
  return out;
}

at::Tensor MetricAccumulator::count() const {
  at::Tensor out = at::empty({channels_}, at::kLong);
  std::int64_t* counts = out.data_ptr<std::int64_t>();
  std::fill(counts, counts + channels_, 0);
  for (std::size_t i = 0; i < values_.size(); ++i) counts[i % channels_] += !std::isnan(values_[i]);
  return out;
}

at::Tensor MetricAccumulator::nan_count() const {
  at::Tensor out = count();
  std::int64_t* counts = out.data_ptr<std::int64_t>();
  for (std::int64_t c = 0; c < channels_; ++c) counts[c] = num_cases() - counts[c];
  return out;
}

namespace {

// The values of channel c that are not NaN.
std::vector<double> not_nan(const std::vector<double>& values, std::int64_t channels,
                                  std::int64_t c) {
  std::vector<double> out;
  for (std::size_t i = static_cast<std::size_t>(c); i < values.size();
       i += static_cast<std::size_t>(channels)) {
    if (!std::isnan(values[i])) out.push_back(values[i]);
  }
  return out;
}

double reduce_channel(std::vector<double> v, Reduction reduction) {
  if (v.empty()) return kNaN;
  const auto n = static_cast<double>(v.size());
  switch (reduction) {
    case Reduction::Mean:
    case Reduction::Std: {
      double sum = 0;
      for (const double x : v) sum += x;
      const double mean = sum / n;
      if (reduction == Reduction::Mean) return mean;
      double squares = 0;
      for (const double x : v) squares += (x - mean) * (x - mean);
      return std::sqrt(squares / n);
    }
    case Reduction::Median:
      std::sort(v.begin(), v.end());
      return detail::quantiles::quantile_sorted(v, 0.5);
    case Reduction::Min: return *std::min_element(v.begin(), v.end());
    case Reduction::Max: return *std::max_element(v.begin(), v.end());
  }
  return kNaN;
}

}  // namespace

at::Tensor MetricAccumulator::reduce(Reduction reduction) const {
  MEDIMG_CHECK(num_cases() > 0, ArgumentError,
               "MetricAccumulator: no values collected; call update() first");
  at::Tensor out = at::empty({channels_}, at::kDouble);
  double* result = out.data_ptr<double>();
  for (std::int64_t c = 0; c < channels_; ++c) {
    result[c] = reduce_channel(not_nan(values_, channels_, c), reduction);
  }
  return out;
}

at::Tensor MetricAccumulator::percentile(double q) const {
  MEDIMG_CHECK(q >= 0 && q <= 100, ArgumentError,
               "MetricAccumulator.percentile: q must be in [0, 100], got ", q);
  MEDIMG_CHECK(num_cases() > 0, ArgumentError,
               "MetricAccumulator: no values collected; call update() first");
  at::Tensor out = at::empty({channels_}, at::kDouble);
  double* result = out.data_ptr<double>();
  for (std::int64_t c = 0; c < channels_; ++c) {
    std::vector<double> v = not_nan(values_, channels_, c);
    std::sort(v.begin(), v.end());
    result[c] = detail::quantiles::quantile_sorted(v, q / 100);
  }
  return out;
}

}  // namespace medimg

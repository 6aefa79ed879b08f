#include "medimg/metrics/bootstrap.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "medimg/core/error.hpp"
#include "detail/quantile.hpp"

namespace medimg {
namespace {

// splitmix64: decorrelates the seeds of consecutive resamples.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A uniform integer in [0, range) without modulo bias (OpenBSD's arc4random_uniform):
// std::uniform_int_distribution differs between standard libraries.
std::uint64_t uniform_below(std::mt19937_64& generator, std::uint64_t range) {
  const std::uint64_t threshold = (0 - range) % range;  // 2^64 mod range
  for (;;) {
    const std::uint64_t r = generator();
    if (r >= threshold) return r % range;
  }
}

}  // namespace

ConfidenceInterval bootstrap_ci(const CaseMetric& metric, const at::Tensor& y_true,
                                const at::Tensor& y_score, const BootstrapOptions& options) {
  MEDIMG_CHECK(static_cast<bool>(metric), ArgumentError, "bootstrap_ci: metric is empty");
  MEDIMG_CHECK(y_true.defined() && y_true.dim() >= 1, ShapeError,
               "bootstrap_ci: y_true must have a case axis (N, ...), got ",
               y_true.defined() ? y_true.sizes() : at::IntArrayRef{});
  MEDIMG_CHECK(y_score.defined() && y_score.dim() >= 1 && y_score.size(0) == y_true.size(0),
               ShapeError, "bootstrap_ci: y_true has ", y_true.size(0),
               " cases but y_score has shape ",
               y_score.defined() ? y_score.sizes() : at::IntArrayRef{});
  MEDIMG_CHECK(y_true.size(0) > 0, ArgumentError, "bootstrap_ci: no cases (N = 0)");
  MEDIMG_CHECK(options.n() >= 1, ArgumentError, "bootstrap_ci: n must be >= 1, got ",
               options.n());
  MEDIMG_CHECK(options.alpha() > 0 && options.alpha() < 1, ArgumentError,
               "bootstrap_ci: alpha must be in (0, 1), got ", options.alpha());

  ConfidenceInterval ci;
  ci.estimate = metric(y_true, y_score);
  const std::int64_t cases = y_true.size(0);
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(options.n()));
  for (std::int64_t b = 0; b < options.n(); ++b) {
    std::mt19937_64 generator(
        splitmix64(options.seed() ^ splitmix64(static_cast<std::uint64_t>(b))));
    at::Tensor index = at::empty({cases}, at::kLong);
    std::int64_t* picked = index.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < cases; ++i) {
      picked[i] = static_cast<std::int64_t>(
          uniform_below(generator, static_cast<std::uint64_t>(cases)));
    }
    const double value = metric(y_true.index_select(0, index), y_score.index_select(0, index));
    if (!std::isnan(value)) values.push_back(value);
  }
  std::sort(values.begin(), values.end());
  ci.n_valid = static_cast<std::int64_t>(values.size());
  ci.lower = detail::quantiles::quantile_sorted(values, options.alpha() / 2);
  ci.upper = detail::quantiles::quantile_sorted(values, 1 - options.alpha() / 2);
  return ci;
}

}  // namespace medimg

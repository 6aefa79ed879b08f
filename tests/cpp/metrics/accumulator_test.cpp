#include "medimg/metrics/accumulator.hpp"

#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;
using medimg::Reduction;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
std::vector<T> entries(const at::Tensor& t) {
  return {t.data_ptr<T>(), t.data_ptr<T>() + t.numel()};
}

// channel 0: 1, 3, 5; channel 1: NaN, 4, 6
medimg::MetricAccumulator filled() {
  medimg::MetricAccumulator acc;
  acc.update(at::tensor({1.0, kNaN, 3.0, 4.0}).reshape({2, 2}));
  acc.update(at::tensor({5.0f, 6.0f}).reshape({1, 2}));
  return acc;
}

}  // namespace

TEST_CASE("MetricAccumulator reduces per channel ignoring NaN", "[accumulator]") {
  const medimg::MetricAccumulator acc = filled();
  CHECK(acc.num_cases() == 3);
  CHECK(acc.num_channels() == 2);
  CHECK(acc.values().sizes() == at::IntArrayRef({3, 2}));
  CHECK(entries<std::int64_t>(acc.count()) == std::vector<std::int64_t>{3, 2});
  CHECK(entries<std::int64_t>(acc.nan_count()) == std::vector<std::int64_t>{0, 1});
  const auto mean = entries<double>(acc.reduce(Reduction::Mean));
  CHECK(mean[0] == Approx(3.0));
  CHECK(mean[1] == Approx(5.0));
  const auto std = entries<double>(acc.reduce(Reduction::Std));
  CHECK(std[0] == Approx(std::sqrt(8.0 / 3.0)));
  CHECK(std[1] == Approx(1.0));
  CHECK(entries<double>(acc.reduce(Reduction::Median)) == std::vector<double>{3, 5});
  CHECK(entries<double>(acc.reduce(Reduction::Min)) == std::vector<double>{1, 4});
  CHECK(entries<double>(acc.reduce(Reduction::Max)) == std::vector<double>{5, 6});
  // 25th percentile: position 0.5 of (1, 3, 5) and 0.25 of (4, 6)
  CHECK(entries<double>(acc.percentile(25)) == std::vector<double>{2, 4.5});
  CHECK(entries<double>(acc.percentile(100)) == std::vector<double>{5, 6});
}

TEST_CASE("MetricAccumulator takes scalars and (B,) batches as one channel", "[accumulator]") {
  medimg::MetricAccumulator acc;
  acc.update(2.0);
  acc.update(at::scalar_tensor(4, at::kLong));
  acc.update(at::tensor({kNaN, 9.0}));
  CHECK(acc.num_cases() == 4);
  CHECK(entries<double>(acc.reduce(Reduction::Mean)) == std::vector<double>{5});
  CHECK(entries<double>(acc.reduce(Reduction::Median)) == std::vector<double>{4});
  acc.reset();
  CHECK(acc.num_cases() == 0);
  acc.update(at::tensor({kNaN, kNaN}).reshape({1, 2}));
  const auto all_nan = entries<double>(acc.reduce(Reduction::Mean));
  CHECK(std::isnan(all_nan[0]));
  CHECK(std::isnan(acc.percentile(50).data_ptr<double>()[1]));
}

TEST_CASE("MetricAccumulator rejects inconsistent updates", "[accumulator]") {
  medimg::MetricAccumulator acc = filled();
  CHECK_THROWS_AS(acc.update(at::tensor({1.0, 2.0, 3.0}).reshape({1, 3})), medimg::ShapeError);
  CHECK_THROWS_WITH(acc.update(at::tensor({1.0, 2.0, 3.0}).reshape({1, 3})),
                    "MetricAccumulator.update: expected 2 channel(s) per case as in earlier "
                    "updates, got shape [1, 3]");
  CHECK_THROWS_AS(acc.update(1.0), medimg::ShapeError);
  CHECK_THROWS_AS(acc.update(at::tensor({1.0}).reshape({1, 1, 1})), medimg::ShapeError);
  CHECK_THROWS_WITH(acc.percentile(101),
                    "MetricAccumulator.percentile: q must be in [0, 100], got 101");
  CHECK(acc.num_cases() == 3);  // failed updates change nothing
  const medimg::MetricAccumulator empty;
  CHECK_THROWS_AS(empty.reduce(Reduction::Mean), medimg::ArgumentError);
  CHECK_THROWS_WITH(empty.reduce(Reduction::Mean),
                    "MetricAccumulator: no values collected; call update() first");
}

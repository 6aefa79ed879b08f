#include "medimg/metrics/bootstrap.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/rand.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

#include "medimg/core/error.hpp"
#include "medimg/metrics/roc.hpp"

using Catch::Detail::Approx;

namespace {

double mean_score(const at::Tensor&, const at::Tensor& s) { return s.mean().item<double>(); }

}  // namespace

TEST_CASE("bootstrap_ci is seeded and brackets the estimate", "[bootstrap]") {
  const at::Tensor y = at::randint(0, 2, {400}, at::kLong);
  const at::Tensor s = at::rand({400}, at::kDouble).add(y.mul(0.5));
  const auto auc = [](const at::Tensor& t, const at::Tensor& p) { return medimg::roc_auc(t, p); };
  const auto options = medimg::BootstrapOptions().n(200).seed(7);
  const medimg::ConfidenceInterval a = medimg::bootstrap_ci(auc, y, s, options);
  const medimg::ConfidenceInterval b = medimg::bootstrap_ci(auc, y, s, options);
  CHECK(a.estimate == medimg::roc_auc(y, s));
  CHECK(a.lower == b.lower);
  CHECK(a.upper == b.upper);
  CHECK(a.n_valid == 200);
  CHECK(a.lower < a.estimate);
  CHECK(a.estimate < a.upper);
  const medimg::ConfidenceInterval c =
      medimg::bootstrap_ci(auc, y, s, medimg::BootstrapOptions().n(200).seed(8));
  CHECK(c.lower != a.lower);
  // a wider confidence level gives a wider interval from the same resamples
  const medimg::ConfidenceInterval wide =
      medimg::bootstrap_ci(auc, y, s, medimg::BootstrapOptions().n(200).seed(7).alpha(0.01));
  CHECK(wide.lower <= a.lower);
  CHECK(wide.upper >= a.upper);
}

TEST_CASE("bootstrap_ci of one case has a zero-width interval", "[bootstrap]") {
  const at::Tensor s = at::arange(1, at::kDouble).add(3);
  const medimg::ConfidenceInterval ci = medimg::bootstrap_ci(mean_score, s, s);
  CHECK(ci.estimate == 3.0);
  CHECK(ci.lower == 3.0);
  CHECK(ci.upper == 3.0);
  CHECK(ci.n_valid == 1000);
}

TEST_CASE("bootstrap_ci leaves NaN resamples out", "[bootstrap]") {
  const at::Tensor s = at::arange(10, at::kDouble);
  int calls = 0;
  const auto odd_calls_nan = [&](const at::Tensor&, const at::Tensor& p) {
    return ++calls % 2 == 0 ? std::numeric_limits<double>::quiet_NaN() : p.sum().item<double>();
  };
  const medimg::ConfidenceInterval ci =
      medimg::bootstrap_ci(odd_calls_nan, s, s, medimg::BootstrapOptions().n(10));
  CHECK(calls == 11);
  CHECK(ci.n_valid == 5);  // calls 3, 5, 7, 9, 11
  const auto always_nan = [](const at::Tensor&, const at::Tensor&) {
    return std::numeric_limits<double>::quiet_NaN();
  };
  const medimg::ConfidenceInterval none = medimg::bootstrap_ci(always_nan, s, s);
  CHECK(none.n_valid == 0);
  CHECK(std::isnan(none.lower));
  CHECK(std::isnan(none.upper));
}

TEST_CASE("bootstrap_ci rejects bad options", "[bootstrap]") {
  const at::Tensor s = at::arange(4, at::kDouble);
  CHECK_THROWS_AS(medimg::bootstrap_ci(mean_score, s, s.slice(0, 0, 3)), medimg::ShapeError);
  CHECK_THROWS_WITH(medimg::bootstrap_ci(mean_score, s, s.slice(0, 0, 3)),
                    "bootstrap_ci: y_true has 4 cases but y_score has shape [3]");
  CHECK_THROWS_WITH(medimg::bootstrap_ci(mean_score, s, s, medimg::BootstrapOptions().n(0)),
                    "bootstrap_ci: n must be >= 1, got 0");
  CHECK_THROWS_WITH(medimg::bootstrap_ci(mean_score, s, s, medimg::BootstrapOptions().alpha(1)),
                    "bootstrap_ci: alpha must be in (0, 1), got 1");
  CHECK_THROWS_AS(medimg::bootstrap_ci(mean_score, s.slice(0, 0, 0), s.slice(0, 0, 0)),
                  medimg::ArgumentError);
}

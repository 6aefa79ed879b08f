#include "medimg/metrics/overlap.hpp"

#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

using medimg::OverlapMetric;

TEST_CASE("binary counts and scores match a hand count") {
  // pred 1 1 0 0 1, ref 1 0 1 0 1: tp 2, fp 1, fn 1, tn 1.
  const at::Tensor pred = at::tensor({1, 1, 0, 0, 1}, at::kByte);
  const at::Tensor ref = at::tensor({1, 0, 1, 0, 1}, at::kByte);
  const auto counts = medimg::confusion_counts(pred, ref, 2);
  const auto& c = counts[1];
  CHECK((c.tp == 2 && c.fp == 1 && c.fn == 1 && c.tn == 1));
  CHECK((counts[0].tp == 1 && counts[0].fp == 1 && counts[0].fn == 1 && counts[0].tn == 2));
  CHECK(medimg::overlap_score(c, OverlapMetric::Dice) == Catch::Detail::Approx(4.0 / 6.0));
  CHECK(medimg::overlap_score(c, OverlapMetric::IoU) == Catch::Detail::Approx(0.5));
  CHECK(medimg::overlap_score(c, OverlapMetric::Sensitivity) == Catch::Detail::Approx(2.0 / 3.0));
  CHECK(medimg::overlap_score(c, OverlapMetric::Specificity) == Catch::Detail::Approx(0.5));
  CHECK(medimg::overlap_score(c, OverlapMetric::Precision) == Catch::Detail::Approx(2.0 / 3.0));
  CHECK(medimg::overlap_score(c, OverlapMetric::VolumeSimilarity) == 1.0);
}

TEST_CASE("label maps count every class in one pass") {
  const at::Tensor pred = at::tensor({0, 1, 2, 2, 1}, at::kLong);
  const at::Tensor ref = at::tensor({0, 2, 2, 1, 1}, at::kInt);
  const auto counts = medimg::confusion_counts(pred, ref, 3);
  CHECK((counts[2].tp == 1 && counts[2].fp == 1 && counts[2].fn == 1 && counts[2].tn == 2));
  CHECK((counts[0].tp == 1 && counts[0].fp == 0 && counts[0].fn == 0 && counts[0].tn == 4));
}

TEST_CASE("empty masks score NaN by default, or the value asked for") {
  const medimg::ConfusionCounts nothing{0, 0, 0, 10};
  CHECK(std::isnan(medimg::overlap_score(nothing, OverlapMetric::Dice)));
  CHECK(medimg::overlap_score(nothing, OverlapMetric::Dice, 1.0) == 1.0);
  CHECK(medimg::overlap_score(nothing, OverlapMetric::Specificity) == 1.0);
}

TEST_CASE("bad label maps are refused") {
  const at::Tensor a = at::tensor({0, 1, 3}, at::kLong);
  CHECK_THROWS_WITH(medimg::confusion_counts(a, a, 3), Catch::Contains("label 3 is outside [0, 3)"));
  CHECK_THROWS_AS(medimg::confusion_counts(a, a.slice(0, 0, 2), 4), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::confusion_counts(a.to(at::kFloat), a, 4), medimg::ArgumentError);
}

#include "medimg/metrics/roc.hpp"

#include <ATen/ops/randint.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;

namespace {

at::Tensor labels(const std::vector<std::int64_t>& values) { return at::tensor(values); }
at::Tensor scores(const std::vector<double>& values) { return at::tensor(values); }

std::vector<double> entries(const at::Tensor& t) {
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

// The Mann-Whitney definition: P(score+ > score-) + P(score+ == score-) / 2, by all pairs.
double pairwise_auc(const at::Tensor& y, const at::Tensor& s) {
  const at::Tensor yl = y.to(at::kLong), sd = s.to(at::kDouble);
  const std::int64_t* t = yl.data_ptr<std::int64_t>();
  const double* v = sd.data_ptr<double>();
  double wins = 0, pairs = 0;
  for (std::int64_t i = 0; i < y.size(0); ++i) {
    for (std::int64_t j = 0; j < y.size(0); ++j) {
      if (t[i] != 1 || t[j] != 0) continue;
      wins += v[i] > v[j] ? 1.0 : v[i] == v[j] ? 0.5 : 0.0;
      pairs += 1;
    }
  }
  return wins / pairs;
}

}  // namespace

TEST_CASE("roc_curve reproduces scikit-learn's documented example", "[roc]") {
  const at::Tensor y = labels({0, 0, 1, 1}), s = scores({0.1, 0.4, 0.35, 0.8});
  const medimg::RocCurve curve = medimg::roc_curve(y, s);
  CHECK(entries(curve.fpr) == std::vector<double>{0, 0, 0.5, 0.5, 1});
  CHECK(entries(curve.tpr) == std::vector<double>{0, 0.5, 0.5, 1, 1});
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(entries(curve.thresholds) == std::vector<double>{inf, 0.8, 0.4, 0.35, 0.1});
  CHECK(medimg::roc_auc(y, s) == Approx(0.75));
  // (0.1 + 0.35 + 0.4 + 0.8 as float32 keep their float32 values as thresholds)
  const medimg::RocCurve f = medimg::roc_curve(y, s.to(at::kFloat));
  CHECK(entries(f.thresholds)[1] == static_cast<double>(0.8f));
}

TEST_CASE("roc_curve drops collinear points and keeps ties together", "[roc]") {
  // scores 4, 3, 2, 1 all positive then all negative: (0,1/3,2/3,1 | 0) collinear steps
  const at::Tensor y = labels({1, 1, 1, 0, 0}), s = scores({5, 4, 3, 2, 1});
  CHECK(entries(medimg::roc_curve(y, s).tpr) == std::vector<double>{0, 1.0 / 3, 1, 1});
  CHECK(entries(medimg::roc_curve(y, s, false).tpr) ==
        std::vector<double>{0, 1.0 / 3, 2.0 / 3, 1, 1, 1});
  // a positive and a negative tied at 0.9 move the curve diagonally in one step
  const medimg::RocCurve tied =
      medimg::roc_curve(labels({1, 0, 1, 0}), scores({0.9, 0.9, 0.3, 0.1}), false);
  CHECK(entries(tied.fpr) == std::vector<double>{0, 0.5, 0.5, 1});
  CHECK(entries(tied.tpr) == std::vector<double>{0, 0.5, 1, 1});
}

TEST_CASE("roc_auc handles ties, perfect, inverted and constant scores", "[roc]") {
  // pairs: (0.9, 0.9) = 1/2, (0.9, 0.1) = 1, (0.3, 0.9) = 0, (0.3, 0.1) = 1
  CHECK(medimg::roc_auc(labels({1, 0, 1, 0}), scores({0.9, 0.9, 0.3, 0.1})) == Approx(0.625));
  CHECK(medimg::roc_auc(labels({0, 0, 1, 1}), scores({1, 2, 3, 4})) == 1.0);
  CHECK(medimg::roc_auc(labels({0, 0, 1, 1}), scores({4, 3, 2, 1})) == 0.0);
  CHECK(medimg::roc_auc(labels({0, 1, 0, 1}), scores({7, 7, 7, 7})) == 0.5);
  // -0 and +0 are one score; infinite scores are ordinary extremes
  CHECK(medimg::roc_auc(labels({0, 1}), scores({-0.0, 0.0})) == 0.5);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(medimg::roc_auc(labels({0, 1, 0}), scores({-inf, inf, 0})) == 1.0);
  CHECK(medimg::roc_auc(labels({0, 1}).to(at::kBool), scores({0.2, 0.1})) == 0.0);
}

TEST_CASE("roc_auc equals the pairwise definition on large tied inputs", "[roc]") {
  // >= 256 scores take the radix sort; rounding to 1/20 makes many ties
  const at::Tensor y = at::randint(0, 2, {3000}, at::kLong);
  const at::Tensor s = at::rand({3000}, at::kDouble).mul(20).round().div(20).add(y.mul(0.1));
  CHECK(medimg::roc_auc(y, s) == Approx(pairwise_auc(y, s)).epsilon(1e-12));
  CHECK(medimg::roc_auc(y, s.to(at::kFloat)) ==
        Approx(pairwise_auc(y, s.to(at::kFloat))).epsilon(1e-12));
  CHECK(medimg::roc_auc(y, s.neg()) == Approx(1 - pairwise_auc(y, s)).epsilon(1e-12));
  const at::Tensor ints = s.mul(20).round().to(at::kInt).sub(5);
  CHECK(medimg::roc_auc(y, ints) == Approx(pairwise_auc(y, ints)).epsilon(1e-12));
}

TEST_CASE("one class only gives NaN", "[roc]") {
  const at::Tensor s = scores({0.1, 0.7});
  CHECK(std::isnan(medimg::roc_auc(labels({1, 1}), s)));
  CHECK(std::isnan(medimg::roc_auc(labels({0, 0}), s)));
  CHECK(std::isnan(medimg::pr_auc(labels({0, 0}), s)));
  CHECK(medimg::pr_auc(labels({1, 1}), s) == 1.0);
  CHECK(std::isnan(medimg::sensitivity_at_specificity(labels({1, 1}), s, 0.9)));
  const medimg::RocCurve curve = medimg::roc_curve(labels({1, 1}), s);
  CHECK(std::isnan(entries(curve.fpr)[1]));
  CHECK(entries(curve.tpr)[2] == 1.0);
}

TEST_CASE("multi-class roc_auc is the one-vs-rest mean", "[roc]") {
  // supports 2, 1, 1; column 0 separates class 0 (AUC 1), column 1 is inverted for class 1
  // (AUC 0), column 2 is constant (AUC 1/2)
  const at::Tensor y = labels({0, 0, 1, 2});
  const at::Tensor s = at::tensor({0.9, 0.8, 0.5, 0.5,
                                   0.9, 0.9, 0.1, 0.9,
                                   0.3, 0.3, 0.3, 0.3}, at::kDouble).reshape({3, 4}).t();
  CHECK(medimg::roc_auc(y, s) == Approx(0.5));
  CHECK(medimg::roc_auc(y, s, medimg::Average::Weighted) == Approx((2 * 1.0 + 0 + 0.5) / 4));
  // class 2 absent from y_true: left out of the mean; class 1 is now (0.1, 0.9) against
  // (0.9, 0.9): AUC (0 + 0 + 1/2 + 1/2) / 4
  CHECK(medimg::roc_auc(labels({0, 0, 1, 1}), s) == Approx((1.0 + 0.25) / 2));
  CHECK(std::isnan(medimg::roc_auc(labels({1, 1, 1, 1}), s)));
}

TEST_CASE("pr_auc is average precision", "[roc]") {
  // thresholds 0.8 (P 1, R 1/2), 0.4 (P 1/2), 0.35 (P 2/3, R 1): AP = 1/2 + 1/2 * 2/3
  CHECK(medimg::pr_auc(labels({0, 0, 1, 1}), scores({0.1, 0.4, 0.35, 0.8})) ==
        Approx(0.5 + 1.0 / 3.0));
  // a tie of a positive with a negative at the top: one threshold, precision 1/2
  CHECK(medimg::pr_auc(labels({1, 0, 1, 0}), scores({0.9, 0.9, 0.3, 0.1})) ==
        Approx(0.5 * 0.5 + 0.5 * 2.0 / 3.0));
}

TEST_CASE("sensitivity_at_specificity reads the conservative operating point", "[roc]") {
  const at::Tensor y = labels({0, 0, 1, 1}), s = scores({0.1, 0.4, 0.35, 0.8});
  CHECK(medimg::sensitivity_at_specificity(y, s, 1.0) == 0.5);   // threshold 0.8
  CHECK(medimg::sensitivity_at_specificity(y, s, 0.6) == 0.5);   // 0.35 only has spec 0.5
  CHECK(medimg::sensitivity_at_specificity(y, s, 0.5) == 1.0);
  CHECK(medimg::sensitivity_at_specificity(y, s, 0.0) == 1.0);
  // spec 0.9 is exactly reachable with 10 negatives
  const at::Tensor y10 = labels({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1});
  const at::Tensor s10 = scores({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9.5, 0});
  CHECK(medimg::sensitivity_at_specificity(y10, s10, 0.9) == 0.5);
  CHECK(medimg::sensitivity_at_specificity(y10, s10, 0.95) == 0.0);
}

TEST_CASE("score metrics reject bad input", "[roc]") {
  const at::Tensor y = labels({0, 1, 1}), s = scores({0.1, 0.2, 0.3});
  CHECK_THROWS_AS(medimg::roc_auc(y, scores({0.1, 0.2})), medimg::ShapeError);
  CHECK_THROWS_WITH(medimg::roc_auc(y, scores({0.1, 0.2})),
                    "roc_auc: y_true has 3 cases but y_score has shape [2]");
  CHECK_THROWS_AS(medimg::roc_auc(y, s.reshape({3, 1, 1})), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::roc_auc(y, s.reshape({3, 1})), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::roc_curve(y, scores({0.1, NAN, 0.3})), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::roc_curve(y, scores({0.1, NAN, 0.3})),
                    "roc_curve: y_score contains NaN (first at index 1)");
  CHECK_THROWS_WITH(medimg::pr_auc(labels({0, 2, 1}), s),
                    "pr_auc: binary y_true must hold 0 or 1, got 2 at index 1");
  CHECK_THROWS_WITH(medimg::roc_auc(labels({}), scores({})), "roc_auc: y_true is empty (N = 0)");
  CHECK_THROWS_WITH(medimg::roc_auc(labels({0, 3}), at::rand({2, 3}, at::kDouble)),
                    "roc_auc: y_true holds class 3 at index 1 but num_classes is 3");
  CHECK_THROWS_WITH(
      medimg::sensitivity_at_specificity(y, s, 1.5),
      "sensitivity_at_specificity: specificity must be in [0, 1], got 1.5");
}

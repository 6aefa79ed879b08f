#include "medimg/metrics/detection.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;
using medimg::Detection;
using medimg::DetectionLabel;
using medimg::Finding;

namespace {

// The hand-worked example (docs/metrics_detection.md uses the same numbers). Four scans:
// "a" and "b" have findings, "c" only a false positive, "d" nothing.
//
//   finding  case  centre (mm)     diameter  radius^2
//   F0       a     (0, 0, 0)       10        25
//   F1       a     (30, 0, 0)      6         9
//   F2       b     (0, 0, 0)       8         16
//   F3       b     (20, 20, 20)    10        25        excluded ("irrelevant")
//   F4       b     (-50, 0, 0)     4         4         never hit
//
//   detection  case  centre         score  squared distance              label
//   D0         a     (1, 1, 1)      0.90   3 to F0 (< 25)                duplicate (F0 has 0.95)
//   D1         a     (3, 0, 4)      0.60   25 to F0: not < 25            false positive
//   D2         a     (2, 0, 0)      0.95   4 to F0                       true positive, F0
//   D3         a     (30, 2, 0)     0.30   4 to F1 (< 9)                 true positive, F1
//   D4         b     (0, 0, 3.9)    0.50   15.21 to F2 (< 16)            true positive, F2
//   D5         b     (21, 20, 20)   0.80   1 to F3 (excluded)            excluded (ignored)
//   D6         b     (10, 10, 10)   0.70   far from all                  false positive
//   D7         b     (30, 0, 0)     0.30   F1 is in case a, not b        false positive
//   D8         c     (0, 0, 0)      0.85   no findings in c              false positive
std::vector<Finding> example_findings() {
  return {{"a", {0, 0, 0}, 10, false},
          {"a", {30, 0, 0}, 6, false},
          {"b", {0, 0, 0}, 8, false},
          {"b", {20, 20, 20}, 10, true},
          {"b", {-50, 0, 0}, 4, false}};
}

std::vector<Detection> example_detections() {
  return {{"a", {1, 1, 1}, 0.90},    {"a", {3, 0, 4}, 0.60},   {"a", {2, 0, 0}, 0.95},
          {"a", {30, 2, 0}, 0.30},   {"b", {0, 0, 3.9}, 0.50}, {"b", {21, 20, 20}, 0.80},
          {"b", {10, 10, 10}, 0.70}, {"b", {30, 0, 0}, 0.30},  {"c", {0, 0, 0}, 0.85}};
}

}  // namespace

TEST_CASE("match_detections labels the hand-worked example", "[detection]") {
  const auto match = medimg::match_detections(example_detections(), example_findings());
  using L = DetectionLabel;
  CHECK(match.labels == std::vector<L>{L::Duplicate, L::FalsePositive, L::TruePositive,
                                       L::TruePositive, L::TruePositive, L::Excluded,
                                       L::FalsePositive, L::FalsePositive, L::FalsePositive});
  CHECK(match.matched_finding == std::vector<std::int64_t>{0, -1, 0, 1, 2, 3, -1, -1, -1});
  CHECK(match.finding_detection == std::vector<std::int64_t>{2, 3, 4, -1, -1});
  CHECK(match.finding_scores[0] == 0.95);
  CHECK(match.finding_scores[1] == 0.30);
  CHECK(match.finding_scores[2] == 0.50);
  CHECK(std::isnan(match.finding_scores[3]));  // excluded
  CHECK(std::isnan(match.finding_scores[4]));  // missed
  CHECK(std::string(medimg::to_string(L::TruePositive)) == "true_positive");
  CHECK(std::string(medimg::to_string(L::Excluded)) == "excluded");
}

TEST_CASE("froc of the hand-worked example", "[detection]") {
  // Candidates, by score: F0 0.95 (TP), D8 0.85, D6 0.70, D1 0.60 (FPs), F2 0.50 (TP),
  // then F1 0.30 (TP) tied with D7 0.30 (FP). 4 included findings, 4 scans:
  //   threshold  +inf  0.95  0.85  0.70  0.60  0.50  0.30
  //   FP/scan    0     0     1/4   2/4   3/4   3/4   4/4
  //   sens       0     1/4   1/4   1/4   1/4   2/4   3/4
  const auto curve = medimg::froc(example_detections(), example_findings(), 4);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(curve.thresholds == std::vector<double>{inf, 0.95, 0.85, 0.70, 0.60, 0.50, 0.30});
  CHECK(curve.fp_per_case == std::vector<double>{0, 0, 0.25, 0.5, 0.75, 0.75, 1.0});
  CHECK(curve.sensitivity == std::vector<double>{0, 0.25, 0.25, 0.25, 0.25, 0.5, 0.75});
  CHECK(curve.num_cases == 4);
  CHECK(curve.num_findings == 4);
  CHECK(curve.num_detected == 3);
  CHECK(curve.num_false_positives == 4);

  // 1/8: between (0, 1/4) and (1/4, 1/4) -> 1/4; 1/4 and 1/2: on points -> 1/4;
  // 1 and beyond: the last point -> 3/4. CPM = (3 * 1/4 + 4 * 3/4) / 7 = 3.75 / 7.
  CHECK(medimg::sensitivity_at_fp(curve, 0.125) == 0.25);
  CHECK(medimg::sensitivity_at_fp(curve, 1.0) == 0.75);
  CHECK(medimg::sensitivity_at_fp(curve, 4.0) == 0.75);
  CHECK(medimg::cpm(curve) == Approx(3.75 / 7).epsilon(1e-15));
  // At 3/4 FP/scan the curve has two points: the higher sensitivity counts (numpy.interp).
  CHECK(medimg::sensitivity_at_fp(curve, 0.75) == 0.5);
  // The tie at 0.30 is a diagonal step: halfway along it, halfway between 2/4 and 3/4.
  CHECK(medimg::sensitivity_at_fp(curve, 0.875) == Approx(0.625).epsilon(1e-15));
  CHECK(medimg::sensitivity_at_fp(curve, 0.0) == 0.25);
  CHECK(medimg::cpm(curve, {0.75, 0.875}) == Approx(0.5625).epsilon(1e-15));
}

TEST_CASE("radius options widen the hit sphere", "[detection]") {
  // radius_scale 1.5: F0's radius becomes 7.5, so D1 (at distance 5) hits it and becomes a
  // duplicate of D2; the false positives drop to 3.
  const auto scaled = medimg::match_detections(example_detections(), example_findings(),
                                               medimg::DetectionMatchOptions().radius_scale(1.5));
  CHECK(scaled.labels[1] == DetectionLabel::Duplicate);
  const auto curve = medimg::froc(example_detections(), example_findings(), 4,
                                  medimg::DetectionMatchOptions().radius_scale(1.5));
  CHECK(curve.num_false_positives == 3);

  // A point annotation (diameter 0) is hit by nothing unless min_radius_mm gives it a size.
  const std::vector<Finding> point{{"a", {0, 0, 0}, 0, false}};
  const std::vector<Detection> mark{{"a", {0, 0, 1}, 0.5}};
  CHECK(medimg::match_detections(mark, point).labels[0] == DetectionLabel::FalsePositive);
  const auto widened =
      medimg::match_detections(mark, point, medimg::DetectionMatchOptions().min_radius_mm(2));
  CHECK(widened.labels[0] == DetectionLabel::TruePositive);
}

TEST_CASE("a detection may be the best hit of two overlapping findings, as in LUNA16",
          "[detection]") {
  const std::vector<Finding> findings{{"a", {0, 0, 0}, 10, false}, {"a", {4, 0, 0}, 10, false}};
  const std::vector<Detection> detections{{"a", {2, 0, 0}, 0.7}};
  const auto match = medimg::match_detections(detections, findings);
  CHECK(match.finding_detection == std::vector<std::int64_t>{0, 0});
  CHECK(match.labels[0] == DetectionLabel::TruePositive);
  CHECK(match.matched_finding[0] == 0);
  CHECK(medimg::froc(detections, findings, 1).sensitivity.back() == 1.0);
}

TEST_CASE("an included hit wins over an excluded one; ties keep the first detection",
          "[detection]") {
  const std::vector<Finding> findings{{"a", {0, 0, 0}, 10, true}, {"a", {1, 0, 0}, 10, false}};
  const std::vector<Detection> detections{{"a", {0, 0, 0}, 0.4}, {"a", {0, 0, 1}, 0.4}};
  const auto match = medimg::match_detections(detections, findings);
  CHECK(match.labels ==
        std::vector<DetectionLabel>{DetectionLabel::TruePositive, DetectionLabel::Duplicate});
  CHECK(match.matched_finding == std::vector<std::int64_t>{1, 1});
}

TEST_CASE("froc edge cases: no detections, nothing detected, no ground truth", "[detection]") {
  const std::vector<Finding> findings{{"a", {0, 0, 0}, 10, false}};
  const auto none = medimg::froc({}, findings, 3);
  CHECK(none.fp_per_case == std::vector<double>{0});
  CHECK(none.sensitivity == std::vector<double>{0});
  CHECK(medimg::cpm(none) == 0);

  // Only false positives: sensitivity 0 (LUNA16's script gets NaN from scikit-learn here).
  const auto missed = medimg::froc({{"a", {50, 0, 0}, 0.9}}, findings, 2);
  CHECK(missed.sensitivity == std::vector<double>{0, 0});
  CHECK(missed.fp_per_case == std::vector<double>{0, 0.5});

  // No included finding: the sensitivity is undefined everywhere.
  const auto empty = medimg::froc({{"a", {0, 0, 0}, 0.9}}, {}, 1);
  CHECK(std::isnan(empty.sensitivity.back()));
  CHECK(std::isnan(medimg::cpm(empty)));
  CHECK(std::isnan(medimg::sensitivity_at_fp(empty, 4.0)));
}

TEST_CASE("detection metrics reject bad input with ArgumentError", "[detection]") {
  const auto findings = example_findings();
  const auto detections = example_detections();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  auto bad_diameter = findings;
  bad_diameter[3].diameter_mm = -1;
  CHECK_THROWS_AS(medimg::match_detections(detections, bad_diameter), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::match_detections(detections, bad_diameter),
                    Catch::Contains("finding 3 (case 'b') must have a finite diameter_mm >= 0, "
                                    "got -1"));
  bad_diameter[3].diameter_mm = nan;
  CHECK_THROWS_AS(medimg::froc(detections, bad_diameter, 4), medimg::ArgumentError);

  auto bad_score = detections;
  bad_score[5].score = nan;
  CHECK_THROWS_WITH(medimg::froc(bad_score, findings, 4),
                    Catch::Contains("detection 5 (case 'b') must have a finite score, got nan"));
  auto bad_center = detections;
  bad_center[0].center_mm.y() = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(medimg::match_detections(bad_center, findings), medimg::ArgumentError);

  // Cases a, b and c appear in the inputs: 2 scans cannot hold them.
  CHECK_THROWS_WITH(
      medimg::froc(detections, findings, 2),
      Catch::Contains("at least the 3 distinct case ids") && Catch::Contains("got 2"));
  CHECK_THROWS_AS(medimg::froc({}, {}, 0), medimg::ArgumentError);
  CHECK_NOTHROW(medimg::froc(detections, findings, 3));

  CHECK_THROWS_WITH(medimg::match_detections(detections, findings,
                                             medimg::DetectionMatchOptions().radius_scale(0)),
                    Catch::Contains("radius_scale must be finite and > 0, got 0"));
  CHECK_THROWS_AS(medimg::match_detections(detections, findings,
                                           medimg::DetectionMatchOptions().min_radius_mm(-1)),
                  medimg::ArgumentError);

  const auto curve = medimg::froc(detections, findings, 4);
  CHECK_THROWS_WITH(medimg::sensitivity_at_fp(curve, -0.5),
                    Catch::Contains("fp_per_case must be finite and >= 0, got -0.5"));
  CHECK_THROWS_AS(medimg::sensitivity_at_fp(curve, nan), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::cpm(curve, {}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::sensitivity_at_fp(medimg::FrocCurve{}, 1.0), medimg::ArgumentError);
}

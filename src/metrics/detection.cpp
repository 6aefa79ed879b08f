#include "medimg/metrics/detection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string format_point(const Eigen::Vector3d& p) {
  return detail::concat("(", p.x(), ", ", p.y(), ", ", p.z(), ")");
}

void check_inputs(const std::vector<Detection>& detections,
                  const std::vector<Finding>& ground_truth, const DetectionMatchOptions& options) {
  MEDIMG_CHECK(std::isfinite(options.radius_scale()) && options.radius_scale() > 0, ArgumentError,
               "radius_scale must be finite and > 0, got ", options.radius_scale());
  MEDIMG_CHECK(std::isfinite(options.min_radius_mm()) && options.min_radius_mm() >= 0,
               ArgumentError, "min_radius_mm must be finite and >= 0, got ",
               options.min_radius_mm());
  for (std::size_t i = 0; i < detections.size(); ++i) {
    const Detection& d = detections[i];
    MEDIMG_CHECK(std::isfinite(d.score), ArgumentError, "detection ", i, " (case '", d.case_id,
                 "') must have a finite score, got ", d.score);
    MEDIMG_CHECK(d.center_mm.allFinite(), ArgumentError, "detection ", i, " (case '", d.case_id,
                 "') must have a finite center_mm, got ", format_point(d.center_mm));
  }
  for (std::size_t j = 0; j < ground_truth.size(); ++j) {
    const Finding& f = ground_truth[j];
    MEDIMG_CHECK(std::isfinite(f.diameter_mm) && f.diameter_mm >= 0, ArgumentError, "finding ", j,
                 " (case '", f.case_id, "') must have a finite diameter_mm >= 0, got ",
                 f.diameter_mm,
                 " (LUNA16's annotations_excluded.csv writes -1 for an unknown size, which its "
                 "script reads as 10 mm: replace it before evaluating)");
    MEDIMG_CHECK(f.center_mm.allFinite(), ArgumentError, "finding ", j, " (case '", f.case_id,
                 "') must have a finite center_mm, got ", format_point(f.center_mm));
  }
}

// Finding indices per case, in input order.
std::unordered_map<std::string, std::vector<std::size_t>> findings_by_case(
    const std::vector<Finding>& ground_truth) {
  std::unordered_map<std::string, std::vector<std::size_t>> by_case;
  for (std::size_t j = 0; j < ground_truth.size(); ++j) {
    by_case[ground_truth[j].case_id].push_back(j);
  }
  return by_case;
}

DetectionMatch match_checked(const std::vector<Detection>& detections,
                             const std::vector<Finding>& ground_truth,
                             const DetectionMatchOptions& options) {
  const std::size_t num_findings = ground_truth.size();
  std::vector<double> radius_squared(num_findings);
  for (std::size_t j = 0; j < num_findings; ++j) {
    const double r =
        std::max(options.radius_scale() * ground_truth[j].diameter_mm / 2, options.min_radius_mm());
    radius_squared[j] = r * r;
  }
  const auto by_case = findings_by_case(ground_truth);

  DetectionMatch match;
  match.labels.assign(detections.size(), DetectionLabel::FalsePositive);
  match.matched_finding.assign(detections.size(), -1);
  match.finding_scores.assign(num_findings, kNaN);
  match.finding_detection.assign(num_findings, -1);

  // Pass 1: every hit; the best hit of each included finding is the first detection (input
  // order) with the highest score.
  std::vector<char> hits_included(detections.size(), 0);
  for (std::size_t i = 0; i < detections.size(); ++i) {
    const Detection& d = detections[i];
    const auto found = by_case.find(d.case_id);
    if (found == by_case.end()) continue;
    std::int64_t first_included = -1, first_excluded = -1;
    for (const std::size_t j : found->second) {
      const Finding& f = ground_truth[j];
      if ((d.center_mm - f.center_mm).squaredNorm() >= radius_squared[j]) continue;
      if (f.excluded) {
        if (first_excluded < 0) first_excluded = static_cast<std::int64_t>(j);
        continue;
      }
      if (first_included < 0) first_included = static_cast<std::int64_t>(j);
      if (match.finding_detection[j] < 0 || d.score > match.finding_scores[j]) {
        match.finding_scores[j] = d.score;
        match.finding_detection[j] = static_cast<std::int64_t>(i);
      }
    }
    if (first_included >= 0) {
      hits_included[i] = 1;
      match.labels[i] = DetectionLabel::Duplicate;
      match.matched_finding[i] = first_included;
    } else if (first_excluded >= 0) {
      match.labels[i] = DetectionLabel::Excluded;
      match.matched_finding[i] = first_excluded;
    }
  }
  // Pass 2: the best hits become true positives, credited to the first finding they won.
  for (std::size_t j = num_findings; j-- > 0;) {
    const std::int64_t i = match.finding_detection[j];
    if (i < 0) continue;
    match.labels[i] = DetectionLabel::TruePositive;
    match.matched_finding[i] = static_cast<std::int64_t>(j);
  }
  return match;
}

}  // namespace

const char* to_string(DetectionLabel label) {
  switch (label) {
    case DetectionLabel::TruePositive:
      return "true_positive";
    case DetectionLabel::FalsePositive:
      return "false_positive";
    case DetectionLabel::Duplicate:
      return "duplicate";
    case DetectionLabel::Excluded:
      return "excluded";
  }
  return "unknown";
}

DetectionMatch match_detections(const std::vector<Detection>& detections,
                                const std::vector<Finding>& ground_truth,
                                const DetectionMatchOptions& options) {
  check_inputs(detections, ground_truth, options);
  return match_checked(detections, ground_truth, options);
}

FrocCurve froc(const std::vector<Detection>& detections, const std::vector<Finding>& ground_truth,
               std::int64_t num_cases, const DetectionMatchOptions& options) {
  check_inputs(detections, ground_truth, options);
  std::unordered_set<std::string> case_ids;
  for (const Detection& d : detections) case_ids.insert(d.case_id);
  for (const Finding& f : ground_truth) case_ids.insert(f.case_id);
  MEDIMG_CHECK(num_cases >= 1 && num_cases >= static_cast<std::int64_t>(case_ids.size()),
               ArgumentError, "num_cases must count every scan evaluated (at least 1 and at least ",
               "the ", case_ids.size(), " distinct case ids in detections and ground truth), got ",
               num_cases);
  const DetectionMatch match = match_checked(detections, ground_truth, options);

  FrocCurve curve;
  curve.num_cases = num_cases;
  // The FROC candidates: (score, is a detected finding).
  std::vector<std::pair<double, bool>> candidates;
  for (std::size_t j = 0; j < ground_truth.size(); ++j) {
    if (ground_truth[j].excluded) continue;
    ++curve.num_findings;
    if (match.finding_detection[j] < 0) continue;
    ++curve.num_detected;
    candidates.emplace_back(match.finding_scores[j], true);
  }
  for (std::size_t i = 0; i < detections.size(); ++i) {
    if (match.labels[i] != DetectionLabel::FalsePositive) continue;
    ++curve.num_false_positives;
    candidates.emplace_back(detections[i].score, false);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });

  const double cases = static_cast<double>(num_cases);
  const double findings = static_cast<double>(curve.num_findings);
  auto add_point = [&](double threshold, std::int64_t fp, std::int64_t tp) {
    curve.thresholds.push_back(threshold);
    curve.fp_per_case.push_back(static_cast<double>(fp) / cases);
    curve.sensitivity.push_back(curve.num_findings > 0 ? static_cast<double>(tp) / findings : kNaN);
  };
  add_point(std::numeric_limits<double>::infinity(), 0, 0);
  std::int64_t fp = 0, tp = 0;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    (candidates[k].second ? tp : fp) += 1;
    // One point per distinct score: after the last candidate of a run of equal scores.
    if (k + 1 == candidates.size() || candidates[k + 1].first != candidates[k].first) {
      add_point(candidates[k].first, fp, tp);
    }
  }
  return curve;
}

double sensitivity_at_fp(const FrocCurve& curve, double fp_per_case) {
  MEDIMG_CHECK(std::isfinite(fp_per_case) && fp_per_case >= 0, ArgumentError,
               "fp_per_case must be finite and >= 0, got ", fp_per_case);
  const auto& x = curve.fp_per_case;
  const auto& y = curve.sensitivity;
  MEDIMG_CHECK(!x.empty() && x.size() == y.size(), ArgumentError,
               "the FROC curve needs equally long, non-empty fp_per_case and sensitivity, got ",
               x.size(), " and ", y.size(), " points");
  // numpy.interp: the last point at or left of fp_per_case, flat beyond both ends.
  const auto right = std::upper_bound(x.begin(), x.end(), fp_per_case);
  if (right == x.begin()) return y.front();
  const std::size_t j = static_cast<std::size_t>(right - x.begin()) - 1;
  if (j + 1 == x.size() || x[j] == fp_per_case) return y[j];
  const double slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
  return slope * (fp_per_case - x[j]) + y[j];
}

double cpm(const FrocCurve& curve, const std::vector<double>& fp_rates) {
  MEDIMG_CHECK(!fp_rates.empty(), ArgumentError, "cpm needs at least one FP rate, got none");
  double sum = 0;
  for (const double rate : fp_rates) sum += sensitivity_at_fp(curve, rate);
  return sum / static_cast<double>(fp_rates.size());
}

}  // namespace medimg

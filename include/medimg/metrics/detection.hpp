#pragma once

/// Detection evaluation with the LUNA16 semantics: matching CAD marks to annotated nodules,
/// the FROC curve and the competition performance metric (CPM).
///
/// Conventions (docs/metrics_detection.md):
/// - points are world (x, y, z) millimetres in the DICOM patient system (LPS); detections and
///   findings of one case must use the same frame;
/// - a detection hits a finding when its centre lies strictly inside the finding's sphere:
///   |detection - finding|^2 < r^2 with r = max(radius_scale * diameter / 2, min_radius_mm),
///   and only within the same case_id;
/// - each included finding counts once: its score is the highest score of the detections that
///   hit it; the other hits on it are ignored (neither true nor false positives);
/// - detections that hit no included finding but an excluded one (LUNA16's "irrelevant
///   findings", annotations_excluded.csv) are ignored; every other detection is a false
///   positive.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <torch/arg.h>

#include "medimg/export.hpp"

namespace medimg {

/// One CAD mark: a candidate position in a case (scan) with its score.
struct Detection {
  std::string case_id;        ///< the scan, e.g. a LUNA16 seriesuid
  Eigen::Vector3d center_mm;  ///< world (x, y, z) LPS, mm
  double score = 0;           ///< higher means more likely a nodule; finite
};

/// One annotated finding (reference nodule) in a case.
struct Finding {
  std::string case_id;        ///< the scan, e.g. a LUNA16 seriesuid
  Eigen::Vector3d center_mm;  ///< world (x, y, z) LPS, mm
  double diameter_mm = 0;     ///< finite and >= 0; the hit sphere has radius diameter / 2
  /// true for an "irrelevant finding" (LUNA16's annotations_excluded.csv): detections hitting
  /// it are ignored and it is not counted in the sensitivity.
  bool excluded = false;
};

/// What match_detections decided for one detection. TruePositive and FalsePositive enter the
/// FROC; Duplicate and Excluded are the "ignored" marks of LUNA16.
enum class DetectionLabel {
  TruePositive,   ///< the highest-scoring hit (first in input order on ties) of an included finding
  FalsePositive,  ///< hits no finding at all
  Duplicate,      ///< hits included findings but is the best hit of none of them
  Excluded,       ///< hits no included finding, but at least one excluded finding
};

/// "true_positive", "false_positive", "duplicate" or "excluded" (the names Python uses).
MEDIMG_API const char* to_string(DetectionLabel label);

/// How close a detection must be to hit a finding. Both knobs can be changed at any time; they
/// act on the next call.
struct DetectionMatchOptions {
  /// Multiplies the finding radius (diameter / 2); 1 is LUNA16's rule. Finite and > 0.
  TORCH_ARG(double, radius_scale) = 1.0;
  /// Lower bound of the hit radius in mm, after scaling; 0 is LUNA16's rule. Finite and >= 0.
  /// Useful for findings annotated with diameter 0 (points).
  TORCH_ARG(double, min_radius_mm) = 0.0;
};

/// The result of match_detections, indexed like its inputs.
struct DetectionMatch {
  /// One label per detection, in input order.
  std::vector<DetectionLabel> labels;
  /// Per detection: the finding it was matched to, -1 for a false positive. A true positive
  /// gives the first finding (input order) it is the best hit of; a duplicate the first
  /// included finding it hits; an excluded mark the first excluded finding it hits.
  std::vector<std::int64_t> matched_finding;
  /// Per finding: the highest score of its hits; NaN when no detection hits it and for
  /// excluded findings.
  std::vector<double> finding_scores;
  /// Per finding: the index of the detection that gave finding_scores, -1 when none did.
  std::vector<std::int64_t> finding_detection;
};

/// Matches detections to findings with LUNA16's rule (see the top of this header). Hits are
/// only looked for within the same case_id; a detection may be the best hit of several
/// overlapping findings, as in LUNA16.
/// @throws ArgumentError for a non-finite score or centre, a negative or non-finite diameter,
///         or options outside their ranges.
MEDIMG_API DetectionMatch match_detections(const std::vector<Detection>& detections,
                                           const std::vector<Finding>& ground_truth,
                                           const DetectionMatchOptions& options = {});

/// A FROC curve: one point per distinct score threshold, thresholds decreasing. Point i counts
/// the marks with score >= thresholds[i]; point 0 is (0, 0) at threshold +infinity.
struct FrocCurve {
  std::vector<double> fp_per_case;       ///< false positives / num_cases; non-decreasing
  std::vector<double> sensitivity;       ///< detected included findings / all included findings;
                                         ///< non-decreasing; NaN everywhere when there are none
  std::vector<double> thresholds;        ///< +inf, then the distinct scores, decreasing
  std::int64_t num_cases = 0;            ///< scans evaluated (the FP divisor)
  std::int64_t num_findings = 0;         ///< included findings (the sensitivity divisor)
  std::int64_t num_detected = 0;         ///< included findings hit by any detection
  std::int64_t num_false_positives = 0;  ///< detections labelled FalsePositive
};

/// The FROC curve of LUNA16's evaluation (noduleCADEvaluationLUNA16.py): the candidates are
/// each detected finding with its best score and each false positive; duplicates and marks on
/// excluded findings are left out; undetected findings count in the sensitivity's divisor only.
/// Unlike scikit-learn's roc_curve, which LUNA16 calls, collinear points are kept (this changes
/// no interpolated value), the first threshold is +inf, and a system that detects no finding
/// has sensitivity 0 rather than NaN.
/// @param num_cases the number of scans evaluated, including scans without detections or
///        findings; at least 1 and at least the number of distinct case ids in detections and
///        ground_truth.
/// @throws ArgumentError as match_detections, and for num_cases out of range.
MEDIMG_API FrocCurve froc(const std::vector<Detection>& detections,
                          const std::vector<Finding>& ground_truth, std::int64_t num_cases,
                          const DetectionMatchOptions& options = {});

/// The sensitivity at `fp_per_case` false positives per scan, by linear interpolation of the
/// curve as numpy.interp does in LUNA16's script: at an FP rate the curve reaches several
/// times, the highest sensitivity; past the curve's end, its last sensitivity.
/// @throws ArgumentError when fp_per_case is negative or not finite, or the curve is empty or
///         its arrays differ in length.
MEDIMG_API double sensitivity_at_fp(const FrocCurve& curve, double fp_per_case);

/// The competition performance metric: the mean of sensitivity_at_fp over `fp_rates`, by
/// default LUNA16's 1/8, 1/4, 1/2, 1, 2, 4 and 8 false positives per scan. NaN when the
/// curve's sensitivity is NaN (no included finding).
/// @throws ArgumentError for an empty fp_rates, or as sensitivity_at_fp.
MEDIMG_API double cpm(const FrocCurve& curve,
                      const std::vector<double>& fp_rates = {0.125, 0.25, 0.5, 1, 2, 4, 8});

}  // namespace medimg

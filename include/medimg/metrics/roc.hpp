#pragma once

/// Score-based binary and one-vs-rest metrics: ROC curve, ROC-AUC, average precision
/// (PR-AUC) and sensitivity at a given specificity.
///
/// Arguments come in scikit-learn's order, (y_true, y_score). y_true is a 1D tensor (N,) of
/// bool or integer labels; y_score is (N,) for a binary problem (higher = more likely
/// positive) or (N, K) for K classes, of any real dtype (float32 and float64 are read as
/// they are, other dtypes are converted to float64). ±inf scores are allowed; NaN scores are
/// rejected. Ties are handled as scikit-learn does: tied scores form one threshold, so a
/// tie between a positive and a negative counts one half in ROC-AUC.
///
/// Undefined values: ROC-AUC, PR-AUC and sensitivity_at_specificity return NaN when y_true
/// holds one class only (no positives, or for ROC-AUC and sensitivity_at_specificity no
/// negatives), as MONAI does, instead of raising as scikit-learn does; a metric accumulator
/// or a bootstrap then skips that value. roc_curve returns NaN for the rate whose
/// denominator is zero, as scikit-learn does.
///
/// Every function sorts once: O(N log N) (an LSD radix sort, O(N) in practice).

#include <ATen/core/Tensor.h>

#include "medimg/export.hpp"

namespace medimg {

/// How one-vs-rest scores of K classes are combined into one number.
enum class Average {
  Macro,     ///< the unweighted mean over classes
  Weighted,  ///< the mean weighted by each class's number of true cases (prevalence)
};

/// A ROC curve: false positive rate, true positive rate and the threshold of each point,
/// all (M,) float64, thresholds decreasing. Point i counts the cases with score >= thresholds[i]
/// as positive. The first point is (0, 0) with threshold +inf.
struct RocCurve {
  at::Tensor fpr;
  at::Tensor tpr;
  at::Tensor thresholds;
};

/// The ROC curve of binary labels y_true (0/1 or bool) and scores y_score (N,), as
/// sklearn.metrics.roc_curve(y_true, y_score, drop_intermediate=...). With drop_intermediate
/// (the default, as in scikit-learn) points collinear with their neighbours are dropped: the
/// curve and its area are unchanged. The leading point's threshold is +inf, as in
/// scikit-learn >= 1.3 (scikit-learn 1.2 uses the largest score + 1); every other point
/// equals scikit-learn's. fpr is NaN when y_true has no negatives, tpr when it has no
/// positives (scikit-learn does the same and warns).
/// @throws ShapeError when y_true is not (N,), y_score not (N,); ArgumentError on an empty
///         input, labels other than 0/1, NaN scores; Unsupported for non-CPU tensors.
MEDIMG_API RocCurve roc_curve(const at::Tensor& y_true, const at::Tensor& y_score,
                              bool drop_intermediate = true);

/// The area under the ROC curve, in [0, 1].
/// Binary: y_score (N,) and labels 0/1 (or bool); equal to
/// sklearn.metrics.roc_auc_score(y_true, y_score); NaN when y_true holds one class only
/// (scikit-learn raises ValueError).
/// Multi-class: y_score (N, K) and class indices 0..K-1: the one-vs-rest AUC of each class
/// (its column against all others), combined by `average`; equal to
/// sklearn.metrics.roc_auc_score(y_true, y_score, multi_class="ovr", average=...). A class
/// absent from y_true has no defined AUC and is left out of the mean (its weight is zero
/// anyway in Average::Weighted); scikit-learn raises in that case. NaN when no class is
/// defined. Unlike scikit-learn, the rows of y_score need not sum to 1.
/// @throws ShapeError on ranks or lengths that do not match; ArgumentError on an empty
///         input, labels outside 0/1 (binary) or 0..K-1 (multi-class), NaN scores.
MEDIMG_API double roc_auc(const at::Tensor& y_true, const at::Tensor& y_score,
                          Average average = Average::Macro);

/// Average precision (the area under the precision-recall curve as a step function),
/// equal to sklearn.metrics.average_precision_score(y_true, y_score):
/// sum over thresholds of (R_n - R_{n-1}) * P_n. Binary only: labels 0/1, y_score (N,).
/// NaN when y_true has no positives (scikit-learn 1.2 returns 0 and warns); 1 when it has
/// no negatives.
/// @throws as roc_curve.
MEDIMG_API double pr_auc(const at::Tensor& y_true, const at::Tensor& y_score);

/// The highest sensitivity (true positive rate) of any threshold whose specificity
/// (true negatives / negatives) is at least `specificity`: a real operating point, read off
/// the ROC curve without interpolation (the curve's value at 1 - specificity rounded to the
/// conservative side). Thresholds are the distinct scores plus +inf, as in roc_curve.
/// NaN when y_true holds one class only.
/// @throws ArgumentError when specificity is outside [0, 1]; otherwise as roc_curve.
MEDIMG_API double sensitivity_at_specificity(const at::Tensor& y_true, const at::Tensor& y_score,
                                             double specificity);

}  // namespace medimg

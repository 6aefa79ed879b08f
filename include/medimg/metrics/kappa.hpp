#pragma once

/// Cohen's kappa: the agreement of two raters beyond chance.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

#include "medimg/export.hpp"

namespace medimg {

/// How a disagreement between class i and class j is penalised.
enum class KappaWeighting {
  Unweighted,  ///< every disagreement weighs 1 (plain kappa)
  Linear,      ///< |i - j|
  Quadratic,   ///< (i - j)^2: the quadratic weighted kappa of diabetic-retinopathy grading
};

/// Cohen's kappa of two label vectors (N,) of class indices 0..K-1 (bool or integer dtype):
/// 1 - sum(W * O) / sum(W * E), O the K x K confusion matrix and E its chance expectation
/// (outer product of the marginals over N). Weights use the class indices themselves, so a
/// grade missing from both raters still counts in the distance between its neighbours:
/// equal to sklearn.metrics.cohen_kappa_score(y1, y2, labels=range(K), weights=...), and to
/// scikit-learn's default whenever every class 0..K-1 occurs. K is `num_classes` when given,
/// else the largest label plus one. NaN when the expectation term is 0 (both raters always
/// give the same single class), as scikit-learn gives.
/// @throws ShapeError when y1, y2 are not 1D of equal length; ArgumentError on empty input,
///         labels that are negative or >= K or >= kMaxClasses, non-integer dtypes.
MEDIMG_API double cohen_kappa(const at::Tensor& y1, const at::Tensor& y2,
                              KappaWeighting weights = KappaWeighting::Unweighted,
                              std::optional<std::int64_t> num_classes = std::nullopt);

}  // namespace medimg

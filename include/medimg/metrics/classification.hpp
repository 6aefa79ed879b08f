#pragma once

/// Label-based classification metrics: confusion matrix, accuracy, balanced accuracy.
///
/// Arguments come in scikit-learn's order, (y_true, y_pred). Labels are 1D tensors (N,) of
/// bool or any integer dtype (uint8, int8, int16, int32, int64) in CPU memory, any strides.
/// Where a function counts per class (confusion_matrix, balanced_accuracy, cohen_kappa,
/// multi-class roc_auc), labels are class indices 0, 1, ..., K-1 with K <= kMaxClasses.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

#include "medimg/export.hpp"

namespace medimg {

/// The largest number of classes a per-class metric accepts: a guard against garbage labels
/// (a 10000 x 10000 int64 confusion matrix is already 800 MB).
inline constexpr std::int64_t kMaxClasses = 10000;

/// The (K, K) int64 confusion matrix: entry (i, j) counts the cases of true class i
/// predicted as class j (scikit-learn's layout: rows are truth, columns predictions).
/// K is `num_classes` when given, else the largest label in either argument plus one; equal
/// to sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(K)).
/// @throws ShapeError when the labels are not 1D or their lengths differ;
///         ArgumentError when they are empty, not bool/integer, negative, >= num_classes,
///         >= kMaxClasses, or when num_classes < 1; Unsupported for non-CPU tensors.
MEDIMG_API at::Tensor confusion_matrix(const at::Tensor& y_true, const at::Tensor& y_pred,
                                       std::optional<std::int64_t> num_classes = std::nullopt);

/// The fraction of cases with y_pred == y_true, in [0, 1]. Labels may be any integers here.
/// @throws as confusion_matrix (except for the class-index rules).
MEDIMG_API double accuracy(const at::Tensor& y_true, const at::Tensor& y_pred);

/// The mean over the classes present in y_true of each class's recall (sensitivity),
/// as sklearn.metrics.balanced_accuracy_score: a class that occurs only in y_pred is left out
/// of the mean (sklearn warns and does the same). Labels are class indices.
/// @throws as confusion_matrix.
MEDIMG_API double balanced_accuracy(const at::Tensor& y_true, const at::Tensor& y_pred);

}  // namespace medimg

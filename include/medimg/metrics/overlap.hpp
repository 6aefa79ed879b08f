#pragma once

/// Overlap metrics (Dice, IoU, sensitivity, specificity, precision, volume similarity) from
/// one pass of confusion counts over two label maps.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// Voxel counts of one class c: tp = pred c and ref c, fp = pred c and ref not c,
/// fn = pred not c and ref c, tn = neither.
struct ConfusionCounts {
  std::int64_t tp = 0, fp = 0, fn = 0, tn = 0;
};

/// Counts for every class 0..num_classes-1 in one parallel pass.
/// @param pred, ref label maps of equal shape (any rank), bool or integer dtype, CPU; every
///                  label in [0, num_classes). A binary mask is a label map with 2 classes.
/// @throws ShapeError on different shapes; ArgumentError on float dtypes, num_classes < 2 or
///         a label outside [0, num_classes) (naming it).
MEDIMG_API std::vector<ConfusionCounts> confusion_counts(const at::Tensor& pred,
                                                         const at::Tensor& ref,
                                                         std::int64_t num_classes);

enum class OverlapMetric {
  Dice,              ///< 2 tp / (2 tp + fp + fn)
  IoU,               ///< tp / (tp + fp + fn) (Jaccard)
  Sensitivity,       ///< tp / (tp + fn) (recall, true-positive rate)
  Specificity,       ///< tn / (tn + fp)
  Precision,         ///< tp / (tp + fp) (positive predictive value)
  VolumeSimilarity,  ///< 1 - |fp - fn| / (2 tp + fp + fn)
};

/// The metric of one class's counts; `empty_value` where its denominator is 0 (for Dice,
/// IoU and volume similarity: both masks empty). NaN by default, as MONAI does; pass 1.0 to
/// score "nothing predicted, nothing there" as perfect.
MEDIMG_API double overlap_score(const ConfusionCounts& counts, OverlapMetric metric,
                                double empty_value = std::numeric_limits<double>::quiet_NaN());

}  // namespace medimg

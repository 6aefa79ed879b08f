#pragma once

/// Training samples: augment's Sample{image, label} with the label either a label map on the
/// image's grid (segmentation) or a class label (classification).
///
/// A class label is an int64 Image of shape (L, 1, 1): L = 1 holds one class index, L > 1 the
/// 0/1 targets of a multi-label task (MedMNIST's ChestMNIST). Its spatial shape is all ones
/// and differs from the image's, which is how preprocessing, augmentation and collation tell
/// it from a label map: spatial steps leave it alone and the loader collates it to int64
/// (N) or (N, L).

#include <cstdint>
#include <vector>

#include "medimg/augment/transform.hpp"
#include "medimg/export.hpp"

namespace medimg::train {

/// The class label holding `values` (one class index, or one 0/1 value per label).
/// @throws ArgumentError when `values` is empty.
MEDIMG_API Image class_label(const std::vector<std::int64_t>& values);

/// True when sample.label is defined, its spatial sizes are all 1 and the image's spatial
/// shape is another one.
MEDIMG_API bool has_class_label(const Sample& sample);

/// Runs `body` on the sample with a class label set aside (spatial transforms would reject
/// it), then puts the label back. Label maps stay in the sample.
template <typename Body>
void without_class_label(Sample& sample, Body&& body) {
  if (!has_class_label(sample)) {
    body(sample);
    return;
  }
  Image label = sample.label;
  sample.label = Image();
  body(sample);
  sample.label = label;
}

}  // namespace medimg::train

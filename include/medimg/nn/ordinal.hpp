#pragma once

/// Ordinal (cumulative-link) outputs for K ordered classes, as CORAL (Cao, Mirjalili &
/// Raschka, "Rank consistent ordinal regression for neural networks with application to
/// age estimation", Pattern Recognition Letters 140, 2020): a network with K − 1 logits,
/// logit k modelling P(y > k). Used for the five diabetic-retinopathy grades.
///
/// Only ATen: usable on any network's output, autograd flows through ordinal_loss.

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "medimg/export.hpp"

namespace medimg::nn {

/// The cumulative targets [y > k] for k = 0 … K − 2: (N, K − 1) float32 of 0 and 1.
/// @param grades (N,) integer class indices in [0, num_classes).
/// @param num_classes K ≥ 2.
/// @throws ArgumentError for K < 2, non-integer grades or grades outside [0, K).
/// @throws ShapeError when grades is not 1-D.
MEDIMG_API at::Tensor ordinal_targets(const at::Tensor& grades, std::int64_t num_classes);

/// The mean binary cross-entropy of the (N, K − 1) logits against ordinal_targets(grades,
/// K): torch's binary_cross_entropy_with_logits averaged over the N · (K − 1) terms.
/// Differentiable in logits.
/// @throws ShapeError when logits is not (N, K − 1) with K − 1 ≥ 1 or grades not (N,);
///         ArgumentError for non-floating logits or grades outside [0, K).
MEDIMG_API at::Tensor ordinal_loss(const at::Tensor& logits, const at::Tensor& grades);

/// P(y > k) = sigmoid(logit k): (N, K − 1).
MEDIMG_API at::Tensor ordinal_exceedance(const at::Tensor& logits);

/// Class probabilities (N, K): P(y = 0) = 1 − P(y > 0), P(y = k) = P(y > k − 1) − P(y > k),
/// P(y = K − 1) = P(y > K − 2). Without rank consistency P(y > k) may exceed P(y > k − 1);
/// such negative differences are clipped at 0 and each row divided by its sum (the sum is
/// ≥ 1 − P(y > 0) + P(y > K − 2) > 0 whenever any term is positive; a row of zeros, which
/// clipping cannot produce from finite logits, would stay zero).
/// @throws ShapeError / ArgumentError as ordinal_loss for the logits.
MEDIMG_API at::Tensor ordinal_probabilities(const at::Tensor& logits);

/// The decoded class: the number of k with P(y > k) = sigmoid(logit k) > 0.5; (N,) int64.
MEDIMG_API at::Tensor ordinal_decode(const at::Tensor& logits);

}  // namespace medimg::nn

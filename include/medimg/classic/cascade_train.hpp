#pragma once

/// Training a Haar cascade the way opencv_traincascade does (which OpenCV 4 no longer ships):
/// Gentle AdaBoost with decision stumps per stage, each stage trained until it keeps
/// min_hit_rate of the positives and passes at most max_false_alarm_rate of the negatives,
/// each stage's negatives bootstrapped from background images (windows the cascade so far
/// still accepts). Guide: docs/classic_cascade.md.

#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <vector>

#include "medimg/classic/cascade.hpp"
#include "medimg/classic/haar_features.hpp"
#include "medimg/core/progress.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// opencv_traincascade's parameters (same names and defaults where it has them).
struct CascadeTrainOptions {
  /// Stages to train (-numStages); training may stop earlier (see Cascade's
  /// training_stop_reason).
  TORCH_ARG(int, num_stages) = 20;
  /// Positives per stage (-numPos): the first this many of the positives the cascade so far
  /// accepts; 0 = all of them.
  TORCH_ARG(std::int64_t, num_positives) = 0;
  /// Negative windows per stage (-numNeg), each one the cascade so far accepts, cut from the
  /// background images; >= 1.
  TORCH_ARG(std::int64_t, num_negatives) = 1000;
  /// Per-stage hit rate on its positives, in (0, 1) (-minHitRate).
  TORCH_ARG(float, min_hit_rate) = 0.995f;
  /// Per-stage false alarm rate to reach, in (0, 1) (-maxFalseAlarmRate).
  TORCH_ARG(float, max_false_alarm_rate) = 0.5f;
  /// Boosting trains each stump on the heaviest samples holding this fraction of the weight,
  /// in (0, 1] (-weightTrimRate).
  TORCH_ARG(double, weight_trim_rate) = 0.95;
  /// Most stumps per stage (-maxWeakCount), >= 1.
  TORCH_ARG(int, max_weak_count) = 100;
  /// Feature set (-mode).
  TORCH_ARG(HaarMode, mode) = HaarMode::Basic;
  /// Stop when the fraction of scanned negative windows the cascade accepts falls to this
  /// (-acceptanceRatioBreakValue); negative = never (training still stops at
  /// max_false_alarm_rate ^ num_stages, as opencv_traincascade does).
  TORCH_ARG(double, acceptance_ratio_break_value) = -1;
  /// Memory for presorted feature values in MB (-precalcValBufSize + -precalcIdxBufSize):
  /// 6 bytes per feature and sample (8 beyond 65,535 samples); features beyond it are
  /// computed and sorted again for every stump (slow). >= 0.
  TORCH_ARG(double, precalc_buffer_mb) = 1024;
};

/// Trains a cascade from window-sized positive samples and background images.
///
/// Each stage takes the positives and num_negatives negative windows that the stages so far
/// accept (with detect's exact evaluation, including its rejection of low-contrast windows:
/// positives with a normalisation std below about 10 grey levels can never be detected and
/// are left out). Negative windows are scanned as opencv_traincascade's NegReader does: each
/// background image from the smallest scale at which it holds one window up to full size in
/// steps of √2, windows half a window apart, and on each new pass over the images the grid
/// starts at another offset. A stage adds stumps (Gentle AdaBoost, exact search over every
/// feature on presorted values, in parallel) until its false alarm rate at the threshold
/// keeping min_hit_rate of the positives is at most max_false_alarm_rate. Deterministic: the
/// same inputs give the same cascade at any thread count.
///
/// @param positives (N, H, W) uint8 windows showing the object; (H, W) becomes the window
///                  (3 <= H, W <= 512)
/// @param negatives background images without the object, each (Y, X) uint8 with Y >= H and
///                  X >= W (smaller ones are skipped)
/// @param progress  called after each stage, stage "train_cascade", total = num_stages
/// @return the cascade, with training_stats per stage and training_stop_reason
/// @throws ShapeError / ArgumentError for bad shapes, dtypes or options, no usable positive
///         or no usable background image.
MEDIMG_API Cascade train_cascade(const at::Tensor& positives,
                                 const std::vector<at::Tensor>& negatives,
                                 const CascadeTrainOptions& options = {},
                                 const ProgressCallback& progress = {});

}  // namespace medimg

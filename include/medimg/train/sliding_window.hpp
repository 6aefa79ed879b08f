#pragma once

/// Sliding-window inference: a predictor trained on fixed-size patches applied to a whole 2D
/// or 3D volume, window by window, the overlapping predictions blended into one. Window
/// placement, padding and blending follow MONAI's `sliding_window_inference`; the Gaussian
/// weights are nnU-Net's `compute_gaussian` (docs/train_inference.md).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/core/progress.hpp"
#include "medimg/export.hpp"

namespace medimg::train {

/// How overlapping window predictions are weighted.
enum class BlendMode {
  Constant,  ///< every voxel of a window counts the same: a plain average
  Gaussian,  ///< nnU-Net's Gaussian (gaussian_importance_map): window borders count less
};

/// What sliding_window_predict returns per voxel.
enum class PredictionOutput {
  Logits,         ///< the blended predictor output as it is, K channels, float
  Probabilities,  ///< softmax over the K channels (sigmoid when K == 1), float
  Labels,         ///< argmax over the K channels (sigmoid > 0.5 when K == 1), one channel
};

/// "constant" or "gaussian". @throws ArgumentError for any other name.
MEDIMG_API BlendMode parse_blend_mode(const std::string& name);
/// "logits", "probabilities" or "labels". @throws ArgumentError for any other name.
MEDIMG_API PredictionOutput parse_prediction_output(const std::string& name);

/// Options of sliding_window_inference. Fields are plain values, read once per call.
struct SlidingWindowOptions {
  /// Window size per spatial axis in array order ((Z, Y, X) or (Y, X)); an entry <= 0 means
  /// "the whole axis" (MONAI). Required: its length must equal the input's spatial rank.
  std::vector<std::int64_t> roi_size;
  /// Windows per predictor call, >= 1.
  std::int64_t sw_batch_size = 1;
  /// Fraction of a window shared with its neighbour, in [0, 1): windows start every
  /// max(1, int(roi * (1 - overlap))) voxels, the last one moved back to end at the border.
  double overlap = 0.25;
  BlendMode mode = BlendMode::Constant;
  /// Gaussian sigma per axis = sigma_scale * roi (nnU-Net's 1/8); > 0. Gaussian mode only.
  double sigma_scale = 0.125;
  /// How inputs smaller than the window are padded (symmetrically, the odd voxel after):
  /// "constant" (cval), "reflect" (d c b | a b c d | c b a), "replicate" (a a | a b c d |
  /// d d, numpy's "edge") or "circular" (c d | a b c d | a b), as torch.nn.functional.pad.
  std::string padding_mode = "constant";
  double cval = 0.0;
  /// Test-time augmentation as nnU-Net's mirroring: every window is also predicted flipped
  /// along each non-empty subset of the spatial axes, flipped back, and the 2^D predictions
  /// averaged before blending (2^D predictor calls per batch).
  bool flip_tta = false;
  /// Called after each predictor batch with done/total counted in windows (stage "sliding
  /// window"); throwing from it cancels the inference. Empty: no reporting.
  ProgressCallback progress;
};

/// Maps a batch of windows (B, C, *roi) to predictions (B, K, *roi): a network's forward, a
/// lambda around a TorchScript module, anything. K may differ from C; the batch and spatial
/// sizes must be kept. Called under c10::InferenceMode.
using WindowPredictor = std::function<at::Tensor(const at::Tensor& windows)>;

/// MONAI's sliding_window_inference: the blended prediction of `predictor` over `inputs`.
///
/// The input is padded symmetrically (floor before, ceil after) to at least roi_size per
/// axis; windows tile it at MONAI's scan interval, first axis slowest, batch item slowest of
/// all, and are sent `sw_batch_size` at a time (the last batch may be smaller). Each output
/// voxel is sum(w * prediction) / sum(w) over the windows covering it, w being 1 (Constant)
/// or the Gaussian importance map; the padding is cropped away again. The accumulators are
/// float32, or float64 when the predictor returns float64; they live on the input's device.
/// Gradients are off throughout.
///
/// @param inputs (N, C, Y, X) or (N, C, Z, Y, X), any real dtype (windows keep it)
/// @return (N, K, *spatial) float32 or float64, the input's spatial size
/// @throws ShapeError for another rank, an empty axis, or a predictor output whose batch or
///         spatial size differs from its windows' (or whose K changes between calls);
///         ArgumentError for a roi_size of the wrong length, sw_batch_size < 1, overlap
///         outside [0, 1), sigma_scale <= 0, an unknown padding_mode, reflect/circular padding
///         wider than the axis, an empty predictor or one returning an undefined tensor.
MEDIMG_API at::Tensor sliding_window_inference(const at::Tensor& inputs,
                                               const WindowPredictor& predictor,
                                               const SlidingWindowOptions& options);

/// sliding_window_inference on one Image, the result on the image's grid: same spatial
/// shape, geometry and metadata. Integer voxels are converted to float32 first (float
/// dtypes are kept); the image is predicted as a batch of one.
///
/// @param output Logits: (K, *spatial) float; Probabilities: softmax over the channels, or
///        sigmoid when K == 1; Labels: (1, *spatial) argmax (K > 1) or sigmoid > 0.5 (K == 1),
///        uint8 when K <= 256, else int64.
/// @throws as sliding_window_inference; ArgumentError for an empty image.
MEDIMG_API Image sliding_window_predict(const Image& image, const WindowPredictor& predictor,
                                        const SlidingWindowOptions& options,
                                        PredictionOutput output = PredictionOutput::Probabilities);

/// nnU-Net's Gaussian importance map (compute_gaussian): a unit impulse at roi // 2 blurred
/// by scipy.ndimage.gaussian_filter with sigma = sigma_scale * roi per axis (truncated at 4
/// sigma, zero beyond), divided by its maximum, cast to float32, and every zero replaced by
/// the smallest non-zero value (so that no voxel has weight 0).
///
/// @param roi window size per axis (usually 2 or 3 axes), each >= 1
/// @return float32 CPU tensor of shape roi, maximum 1 at roi // 2
/// @throws ArgumentError for no axis, a size < 1 or sigma_scale <= 0 (or not finite).
MEDIMG_API at::Tensor gaussian_importance_map(const std::vector<std::int64_t>& roi,
                                              double sigma_scale = 0.125);

}  // namespace medimg::train

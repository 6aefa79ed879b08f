#pragma once

/// Intensity windows (CT presets, DICOM VOI LINEAR / LINEAR_EXACT) and per-channel
/// normalisation (min-max, z-score, percentile clipping). Guide: docs/preprocess_intensity.md.

#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// How window() maps an intensity x to t in [0, 1] (then to the output range). All three
/// are the same straight line clamped to [0, 1]; they differ in where the line lies:
///
///   LinearClip   t = clamp((x − (c − w/2)) / w, 0, 1)          clip to [c − w/2, c + w/2]
///   Linear       t = clamp((x − (c − 0.5)) / (w − 1) + 0.5, 0, 1)  DICOM PS3.3 C.11.2.1.2.1
///   LinearExact  t = clamp((x − c) / w + 0.5, 0, 1)                DICOM PS3.3 C.11.2.1.3.2
///
/// Linear needs w >= 1; with w == 1 it is a step: x <= c − 0.5 gives 0, anything above 1.
enum class WindowMode { LinearClip, Linear, LinearExact };

struct WindowOptions {
  /// Which line (see WindowMode); can be changed at any time.
  TORCH_ARG(WindowMode, mode) = WindowMode::LinearClip;
  /// The value t = 0 maps to (finite). May exceed output_max to invert the ramp.
  TORCH_ARG(double, output_min) = 0.0;
  /// The value t = 1 maps to (finite).
  TORCH_ARG(double, output_max) = 1.0;
};

/// Windows x: y = output_min + t * (output_max − output_min), t as in WindowMode.
///
/// Arithmetic is float32 (float64 for float64 input, rounded to float32 at the end), with
/// the parameters rounded once: for LinearClip t = clamp((float(x) − float(c − w/2)) /
/// float(w), 0, 1), exactly what numpy computes for the same expression. NaN voxels stay NaN.
///
/// @param x      any shape and any real or bool dtype (core/dispatch.hpp), CPU
/// @param center window centre c (finite), in the units of x (HU for CT)
/// @param width  window width w: > 0, and >= 1 for WindowMode::Linear
/// @return float32 tensor of x's shape (a new, contiguous tensor; from 4 MiB on allocated by
///         empty_large, core/large_allocation.hpp, so that a loop over volumes reuses the
///         memory of the previous result instead of faulting in new pages)
/// @throws ArgumentError for a bad centre, width or output range; ShapeError for an empty
///         tensor; Unsupported for a non-CPU tensor or dtype.
MEDIMG_API at::Tensor window(const at::Tensor& x, double center, double width,
                             const WindowOptions& options = {});

/// window() into `out` (float32, x's shape, contiguous, CPU), e.g. a buffer reused across
/// volumes or a slice of a larger array.
/// @throws as window(); ShapeError/ArgumentError when `out` does not fit.
MEDIMG_API void window_out(at::Tensor& out, const at::Tensor& x, double center, double width,
                           const WindowOptions& options = {});

/// window() of an Image's voxels; the geometry and metadata are kept.
MEDIMG_API Image window(const Image& image, double center, double width,
                        const WindowOptions& options = {});

/// (center, width) in HU of a named CT window: lung (−600, 1500), mediastinum (40, 400),
/// bone (400, 1800), brain (40, 80), abdomen (50, 400), liver (60, 160).
/// @throws ArgumentError for any other name, listing the known ones.
MEDIMG_API std::pair<double, double> window_preset(const std::string& name);

/// The preset names in the order above.
MEDIMG_API std::vector<std::string> window_preset_names();

/// Windows an image with its own DICOM WindowCenter / WindowWidth (the first value of each
/// when the attribute is multi-valued), as io/dicom stores them in meta(). They are in the
/// units after the Modality LUT, which is what read_dicom returns by default (not with
/// keep_stored_values). The default mode here is DICOM's own, WindowMode::Linear.
/// @throws ArgumentError when either attribute is absent, empty or not numeric.
MEDIMG_API Image window_from_metadata(
    const Image& image, const WindowOptions& options = WindowOptions().mode(WindowMode::Linear));

// ---- normalisation, per channel ----------------------------------------------------------
//
// Every function below works channel by channel on (C, [Z,] Y, X) images, returns float32
// (float64 for float64 input), keeps the geometry, and computes in float64: the result is
// float32(formula in float64), so it equals numpy's float64 expression rounded to float32.
// Non-finite voxels (NaN, ±inf) raise ArgumentError naming the channel: a single NaN would
// otherwise turn a whole channel's statistics into NaN.
//
// A `mask` selects the voxels whose statistics count: bool (or non-zero numbers) of shape
// (Y, X) / (Z, Y, X) shared by all channels, or (1 or C, [Z,] Y, X). It must select at least
// one voxel in every channel.

/// Min-max scaling: (x − min) / (max − min) * (output_max − output_min) + output_min, min and
/// max per channel. A constant channel becomes output_min (0 by default), not NaN.
/// @throws ArgumentError for a non-finite output range or non-finite voxels.
MEDIMG_API Image normalize_minmax(const Image& image, double output_min = 0.0,
                                  double output_max = 1.0);

/// An intensity interval [first, second].
using IntensityRange = std::pair<double, double>;

struct ZScoreOptions {
  /// Statistics only over these voxels (see above); every voxel is then normalised with
  /// them (as torchio's ZNormalization). Undefined: all voxels.
  TORCH_ARG(at::Tensor, mask) = {};
  /// MONAI's NormalizeIntensity(nonzero=True): statistics over the non-zero voxels, and only
  /// they are normalised; zeros stay 0. A channel without non-zero voxels stays all zeros.
  TORCH_ARG(bool, nonzero) = false;
  /// nnU-Net's CT normalisation clips to the dataset's 0.5 and 99.5 percentiles first: when
  /// set, x is clamped to [clip.first, clip.second] before everything else.
  TORCH_ARG(std::optional<IntensityRange>, clip) = std::nullopt;
  /// Given statistics (e.g. the dataset's, as nnU-Net): one value for every channel or one
  /// per channel. Empty: computed from the image. Set both mean and stddev, or neither.
  TORCH_ARG(std::vector<double>, mean) = {};
  /// Given standard deviations, each > 0 (see mean).
  TORCH_ARG(std::vector<double>, stddev) = {};
};

/// Z-score: (x − mean) / std per channel, with the population standard deviation (ddof 0,
/// as numpy, MONAI and nnU-Net). A computed std of 0 is replaced by 1 (MONAI's rule), so a
/// constant channel becomes zeros, not NaN.
/// @throws ArgumentError for an empty mask, bad given statistics, a bad clip range or
///         non-finite voxels; ShapeError when the mask's shape does not fit.
MEDIMG_API Image normalize_zscore(const Image& image, const ZScoreOptions& options = {});

/// Per-channel percentiles (numpy's default "linear" rule, in float64: equal to
/// np.percentile(values.astype(np.float64), q)) of the voxels a mask selects (all voxels when
/// `mask` is undefined; the non-zero ones when `nonzero`). Returns {lower, upper} per channel.
/// @throws ArgumentError unless 0 <= lower <= upper <= 100, for an empty selection or
///         non-finite voxels; ShapeError for a misfit mask.
MEDIMG_API std::vector<IntensityRange> channel_percentiles(const Image& image, double lower,
                                                           double upper,
                                                           const at::Tensor& mask = {},
                                                           bool nonzero = false);

/// Clips every channel to its own [lower, upper] percentiles (channel_percentiles), e.g.
/// 0.5 and 99.5 as nnU-Net does for CT; follow with normalize_zscore for nnU-Net's scheme.
/// @throws as channel_percentiles.
MEDIMG_API Image clip_percentile(const Image& image, double lower = 0.5, double upper = 99.5,
                                 const at::Tensor& mask = {}, bool nonzero = false);

}  // namespace medimg

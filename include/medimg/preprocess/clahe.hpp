#pragma once

/// Contrast limited adaptive histogram equalisation: scikit-image's (2D and 3D, float
/// output) and OpenCV's (2D, 8/16-bit output). Guide: docs/preprocess_intensity.md.

#include <torch/arg.h>

#include <array>
#include <cstdint>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

struct ClaheOptions {
  /// Clip limit as a fraction of a contextual region's voxel count, in [0, 1]; the bin
  /// limit is max(1, int(clip_limit * prod(kernel_size))). 0 (or 1) means no clipping (plain
  /// adaptive equalisation), as in skimage.
  TORCH_ARG(double, clip_limit) = 0.01;
  /// Size of the contextual regions in voxels, in array order ((Y, X) or (Z, Y, X)), each
  /// >= 1; one value applies to every axis. Empty: max(1, size / 8) per axis (skimage's
  /// default). Even sizes are fine (the default usually is one).
  TORCH_ARG(std::vector<std::int64_t>, kernel_size) = {};
  /// Grey-level bins of the regional histograms, >= 2 (skimage's nbins).
  TORCH_ARG(int, nbins) = 256;
};

/// skimage.exposure.equalize_adapthist(channel, kernel_size, clip_limit, nbins) (scikit-image
/// 0.19) for every channel of a 2D or 3D image, with the same steps: the
/// channel is converted to 16 bits as img_as_uint does, stretched to 14 bits (rescale_intensity
/// and np.round), binned, padded by reflection (numpy.pad's "reflect", also when the padding
/// exceeds the image), equalised per contextual region with skimage's clipping and
/// redistribution, interpolated (multi-)linearly between region mappings in float32 and
/// finally rescaled to [0, 1]. Every bin is skimage's; the float32 interpolation may
/// truncate to a neighbouring 14-bit level where skimage's own float32 sum lies within a few
/// ulps of an integer (mean absolute difference below 1e-4, at most about two levels; see
/// docs/preprocess_intensity.md).
///
/// What img_as_uint implies, per dtype: uint8 x → 257 x; int8 and int16: negative values
/// become 0 (so window CT first); bool → 0 / 65535; float values must lie in [−1, 1] in
/// skimage (negative → 0) — medimg instead rescales a float channel outside [−1, 1] with
/// (x − min) / (max − min) first, which equals skimage on rescale_intensity(x, out_range=(0,
/// 1)); int32/int64 (how medimg holds uint16/uint32 data) in [0, 65535] are used as they are
/// (skimage's uint16 path), larger ones are divided by 2^15 (int32) or 2^47 (int64) as
/// skimage intends (skimage itself overflows int16 there), negatives become 0.
///
/// @param image (C, Y, X) or (C, Z, Y, X), any dtype of core/dispatch.hpp, CPU
/// @return float32 (float64 for float64 input) image in [0, 1], same geometry
/// @throws ArgumentError for clip_limit outside [0, 1], a kernel size < 1 or of the wrong
///         length, nbins < 2, too many regions (regions x nbins > 2^27), non-finite voxels.
MEDIMG_API Image clahe(const Image& image, const ClaheOptions& options = {});

/// OpenCV's CLAHE, cv::createCLAHE(clip_limit, Size(tiles x, tiles y))->apply(), on every
/// channel of a 2D image: OpenCV's exact output.
///
/// @param image      (C, Y, X) uint8, or int32 holding uint16 values (0 ... 65535; medimg's
///                   form of uint16 data, which LibTorch lacks)
/// @param clip_limit OpenCV's clip limit (>= 0; 0 = no clipping), relative to a uniform
///                   histogram: 40 means 40 times the mean bin count
/// @param tile_grid  number of tiles in array order (rows, columns), i.e. OpenCV's
///                   tileGridSize (width, height) reversed; each >= 1 and <= the image size
/// @return the same dtype and geometry
/// @throws ArgumentError for another dtype, int32 values outside [0, 65535], a negative clip
///         limit or a bad tile grid; ShapeError for a 3D image.
MEDIMG_API Image clahe_uint8(const Image& image, double clip_limit = 40.0,
                             std::array<std::int64_t, 2> tile_grid = {8, 8});

}  // namespace medimg

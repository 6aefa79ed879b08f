#pragma once

/// Cropping and padding Images on their own grid. The geometry follows: the origin moves to
/// the world position of the new voxel 0, so every voxel keeps its world position.
/// Per-axis arguments are in array order and count spatial axes only (never the channels).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// numpy.pad's modes, by numpy's names (numpy's 'reflect' is BorderMode::Mirror and its
/// 'symmetric' is BorderMode::Reflect).
enum class PadMode {
  Constant,   ///< k k | a b c d | k k
  Edge,       ///< a a | a b c d | d d
  Reflect,    ///< c b | a b c d | c b   (the edge voxel is not repeated)
  Symmetric,  ///< b a | a b c d | d c
  Wrap,       ///< c d | a b c d | a b
};

/// A box of voxels: start (inclusive) and stop (exclusive) per spatial axis.
struct MEDIMG_API IndexBox {
  std::vector<std::int64_t> start;
  std::vector<std::int64_t> stop;
  bool empty() const;
};

/// The voxels [start, stop) of every spatial axis, as a view sharing memory with `image` (as
/// numpy slicing).
/// @throws ShapeError for wrong lengths; ArgumentError unless 0 <= start < stop <= size.
MEDIMG_API Image crop(const Image& image, const std::vector<std::int64_t>& start,
                      const std::vector<std::int64_t>& stop);

/// numpy.pad(voxels, ((0, 0), (before[0], after[0]), ...), mode, constant_values=value):
/// a new tensor of the same dtype. One value in `before` or `after` applies to every axis.
/// @throws ArgumentError for negative widths or a value the dtype cannot hold.
MEDIMG_API Image pad(const Image& image, const std::vector<std::int64_t>& before,
                     const std::vector<std::int64_t>& after, PadMode mode = PadMode::Constant,
                     double value = 0.0);

/// `image` centred in `shape`, as MONAI's ResizeWithPadOrCrop: an axis longer than the target
/// is cropped from start = n / 2 - t / 2 (CenterSpatialCrop), a shorter one padded with
/// (t - n) / 2 voxels before and the rest after (SpatialPad, method "symmetric"), / being
/// integer division. A view when nothing is padded, else a new tensor.
MEDIMG_API Image crop_or_pad(const Image& image, const std::vector<std::int64_t>& shape,
                             PadMode mode = PadMode::Constant, double value = 0.0);

/// The smallest box holding every voxel (of any channel) whose value is > threshold; an empty
/// box (all zeros) when there is none. NaN voxels are never foreground.
/// @param voxels (C, Y, X) or (C, Z, Y, X), any dtype of core/dispatch.hpp
MEDIMG_API IndexBox foreground_box(const at::Tensor& voxels, double threshold = 0.0);

/// MONAI's CropForeground: crop to foreground_box(image, threshold) grown by `margin` voxels
/// per axis (one value for all allowed) and clipped to the image. Without foreground the
/// image is returned unchanged (MONAI would return an empty image, which medimg has no
/// use for).
MEDIMG_API Image crop_foreground(const Image& image, double threshold = 0.0,
                                 const std::vector<std::int64_t>& margin = {0});

/// crop_foreground with the box of `mask` > 0: mask is (Y, X) / (Z, Y, X), or channel-first
/// with any number of channels, with the image's spatial shape.
MEDIMG_API Image crop_foreground(const Image& image, const at::Tensor& mask,
                                 const std::vector<std::int64_t>& margin = {0});

}  // namespace medimg

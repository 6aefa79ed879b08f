#pragma once

/// Zero-copy bridges between 2D Images and cv::Mat.
///
/// cv::Mat stores channels interleaved (Y, X, C); Image is channel first (C, Y, X). A
/// multi-channel Mat therefore becomes a channel-first *view* with channels-last strides,
/// and only such layouts (or a single channel) can be seen as a Mat without a copy.

#include <opencv2/core/mat.hpp>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// A cv::Mat over the voxels of a 2D image, sharing memory: writes through either side are
/// seen by the other. The Mat does not own the memory: keep `image` (or a copy of it) alive.
/// Requirements: CPU, dtype uint8/int8/int16/int32/float32/float64, 1 to 4 channels, unit
/// stride along x (one channel) or channels-last strides (several channels).
/// @throws ShapeError for a 3D image or an incompatible layout; Unsupported for other dtypes.
MEDIMG_API cv::Mat mat_view(const Image& image);

/// A 2D Image of shape (mat.channels(), rows, cols) sharing `mat`'s buffer: the buffer stays
/// alive as long as the tensor does. 16-bit unsigned Mats are copied into int32, since
/// LibTorch has no uint16 dtype.
/// @throws ShapeError for an empty or non-2D Mat; Unsupported for CV_16F.
MEDIMG_API Image image_from_mat(const cv::Mat& mat, const Geometry& geometry = Geometry(2));

}  // namespace medimg

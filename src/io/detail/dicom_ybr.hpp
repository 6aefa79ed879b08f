#pragma once

// Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): two luminance samples share one chrominance pair;
// medimg upsamples it to YBR_FULL and converts that to RGB, as pydicom does.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace medimg::detail {

/// Each 4 bytes Y1 Y2 Cb Cr of `raw` (8-bit YBR_FULL_422, `pixels` pixels in all, an even
/// number per row) become the two interleaved pixels Y1 Cb Cr Y2 Cb Cr: uint8, 3 * pixels.
at::Tensor upsample_ybr_422(const at::Tensor& raw, std::int64_t pixels);

/// 8-bit YBR_FULL -> RGB (the ITU-T T.871 equations DICOM references, chrominance centred
/// on 128), rounded half up and clamped to 0..255, computed in float32 like pydicom's
/// convert_color_space. `ybr` is uint8 with the 3 samples last; returns the same shape.
at::Tensor ybr_full_to_rgb(const at::Tensor& ybr);

}  // namespace medimg::detail

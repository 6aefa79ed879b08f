#pragma once

// Decoded DICOM pixels as a tensor, and the Modality LUT.

#include <ATen/core/Tensor.h>
#include <gdcmImage.h>

#include <cstdint>
#include <filesystem>

namespace medimg::detail {

/// Stored values, shape (frames, rows, cols, samples): BitsStored < BitsAllocated masked and
/// sign-extended, 16/32-bit unsigned widened to int32/int64, single-bit unpacked to uint8.
struct DicomPixels {
  at::Tensor voxels;
  std::int64_t frames = 1, rows = 0, cols = 0, samples = 1;
  int bits_stored = 0;
  bool is_signed = false;
};

/// @throws FormatError when the pixel data cannot be decoded or is shorter than the header
///         says; Unsupported for float16 pixels.
DicomPixels decode_pixels(const gdcm::Image& image, const std::filesystem::path& path);

/// float32 real-world values slope * stored + intercept; with invert_monochrome1 the values
/// are mirrored within the range the stored bits can represent, so larger means brighter.
at::Tensor apply_modality_lut(const DicomPixels& pixels, double slope, double intercept,
                              bool invert_monochrome1);

}  // namespace medimg::detail

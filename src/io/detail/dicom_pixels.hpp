#pragma once

// Decoded DICOM pixels as a tensor, and the Modality LUT.

#include <ATen/core/Tensor.h>
#include <gdcmImage.h>

#include <gdcmFile.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace medimg::detail {

/// Larger pixel data is refused before allocating: no real image is that large, a corrupted
/// header can claim anything.
inline constexpr std::int64_t kMaxPixelBytes = std::int64_t{16} << 30;

/// The Image Pixel module as the header states it, read without GDCM's ImageHelper (which
/// asserts on some files, e.g. RT Dose without NumberOfFrames). Absent attributes take their
/// defaults: 1 frame, 1 sample, BitsStored = BitsAllocated, HighBit = BitsStored - 1.
struct PixelHeader {
  std::int64_t rows = 0, cols = 0, frames = 1, samples = 1;
  int bits_allocated = 0, bits_stored = 0, high_bit = 0;
  bool is_signed = false;
  int planar_configuration = 0;  // 1: each frame stores its colour planes one after another
  std::string photometric;       // PhotometricInterpretation
};

PixelHeader pixel_header(const gdcm::File& file);

/// The container type of one stored integer sample: kBool for packed single bits, else the
/// (un)signed integer of BitsAllocated (8, 16 or 32) bits; unsigned 16/32-bit as kShort/kInt,
/// which stored_pixels widens.
at::ScalarType integer_container(int bits_allocated, bool is_signed);

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

/// Finishes raw little-endian pixel bytes (interleaved samples) into DicomPixels: `p` gives
/// the shape and bits; `dtype` is the container type of one sample (kBool for packed single
/// bits). Masks and sign-extends BitsStored, widens unsigned 16/32-bit values.
DicomPixels stored_pixels(DicomPixels p, const at::Tensor& raw, at::ScalarType dtype,
                          int high_bit);

/// float32 real-world values slope * stored + intercept; with invert_monochrome1 the values
/// are mirrored within the range the stored bits can represent, so larger means brighter.
at::Tensor apply_modality_lut(const DicomPixels& pixels, double slope, double intercept,
                              bool invert_monochrome1);

/// A Modality LUT Sequence (PS3.3 C.11.1): stored value v maps to
/// values[clamp(v - first_mapped, 0, size - 1)].
struct LutTable {
  std::int64_t first_mapped = 0;
  std::vector<double> values;
};

/// The file's Modality LUT Sequence, if it has one instead of RescaleSlope/Intercept.
/// @throws FormatError when the sequence is malformed.
std::optional<LutTable> modality_lut_table(const gdcm::File& file,
                                           const std::filesystem::path& path);

/// float32 values of the table; with invert_monochrome1, mirrored within the table's range.
at::Tensor apply_lut_table(const DicomPixels& pixels, const LutTable& table,
                           bool invert_monochrome1);

}  // namespace medimg::detail

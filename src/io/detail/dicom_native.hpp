#pragma once

// Uncompressed pixel data decoded by medimg where GDCM mishandles it: 32-bit explicit big
// endian (GDCM swaps 16-bit words), RT Dose without NumberOfFrames (GDCM asserts), pixels
// over 16 bits with BitsStored below BitsAllocated (GDCM asserts), native YBR_FULL_422 (GDCM cannot convert it) and Float / Double Float Pixel Data (GDCM 3.0's
// image reader ignores them).

#include <gdcmFile.h>

#include <filesystem>

#include "dicom_pixels.hpp"

namespace medimg::detail {

/// An RT Dose object without NumberOfFrames: GDCM's image reader asserts on it, whatever
/// its transfer syntax.
bool is_rt_dose_without_frames(const gdcm::File& file);

/// Pixels wider than 16 bits whose BitsStored is below BitsAllocated: GDCM's codecs mask the
/// unused bits of 16-bit pixels only and assert on these (ImageCodec::DoOverlayCleanup).
bool has_unused_bits_over_16(const PixelHeader& h);

/// True when the Pixel Data of `file` is uncompressed (native or deflated) and needs
/// medimg's own decoder (see above); Float and Double Float Pixel Data always do.
bool needs_own_native_decoder(const gdcm::File& file);

/// The stored values of uncompressed pixel data, read from the element bytes: explicit big
/// endian values swapped per BitsAllocated (each value is big endian, as pydicom reads it),
/// planar colour interleaved, BitsStored masked and sign-extended (stored_pixels), a missing
/// NumberOfFrames taken as 1, YBR_FULL_422 upsampled and converted to RGB; Float Pixel Data
/// gives float32 and Double Float Pixel Data float64 values.
/// @throws FormatError when the pixel data is missing or shorter than the header says;
///         Unsupported for encodings it does not handle (e.g. 16-bit YBR_FULL_422).
DicomPixels decode_native(const gdcm::File& file, const std::filesystem::path& path);

}  // namespace medimg::detail

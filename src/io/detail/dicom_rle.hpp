#pragma once

// DICOM RLE Lossless (PS3.5 Annex G), decoded by medimg for what GDCM gets wrong: colour at
// 16 or 32 bits per sample (GDCM orders the byte planes wrongly) and single-bit frames (GDCM
// asserts).

#include <gdcmFile.h>

#include <filesystem>

#include "dicom_pixels.hpp"

namespace medimg::detail {

/// True when `file` is RLE and needs medimg's own decoder (see above).
bool needs_own_rle_decoder(const gdcm::File& file);

/// The stored values of an RLE-compressed file, one fragment per frame.
/// @throws FormatError for missing or malformed fragments, segment tables or runs.
DicomPixels decode_rle(const gdcm::File& file, const std::filesystem::path& path);

}  // namespace medimg::detail

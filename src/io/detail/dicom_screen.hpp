#pragma once

// Header screening before any pixels are decoded: Debian's GDCM is built with assertions, so
// some inputs abort the whole process inside it and some decode to wrong pixels. The header
// (read without the pixel values) decides who decodes the pixels, or refuses the file.

#include <filesystem>

namespace medimg::detail {

/// Who decodes a file's pixels: GDCM, or medimg itself where GDCM gets them wrong
/// (dicom_rle.hpp, dicom_native.hpp).
enum class PixelDecoder { gdcm, own_rle, own_native };

/// Reads the header of `path` up to its pixel data (Pixel Data, Float or Double Float Pixel
/// Data) and picks the decoder.
/// @throws FormatError when it is not DICOM, or its uncompressed pixel data is truncated
///         (GDCM would pad it with zeros or assert); Unsupported for what GDCM cannot decode
///         and medimg does not either (compressed data with BitsAllocated not a multiple of
///         8 other than RLE, compressed RT Dose without NumberOfFrames).
PixelDecoder screen_dicom_header(const std::filesystem::path& path);

}  // namespace medimg::detail

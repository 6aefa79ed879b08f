#pragma once

/// Raster images (PNG, JPEG, TIFF, BMP) through OpenCV.

#include <filesystem>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// Reads a PNG/JPEG/TIFF/BMP file as a 2D Image (C, Y, X): 1 channel for grey, 3 (R, G, B)
/// or 4 (R, G, B, A) for colour. 8-bit files give uint8; 16-bit files give int32 (LibTorch
/// has no uint16). Raster files carry no geometry: spacing is 1 mm, origin 0, identity
/// direction.
/// @throws IoError when the path does not exist or is not a regular file;
///         FormatError when OpenCV cannot decode it.
MEDIMG_API Image read_raster(const std::filesystem::path& path);

/// Writes a 2D image with 1, 3 (RGB) or 4 (RGBA) channels as PNG, atomically
/// (core/atomic_file.hpp). uint8 and bool (0/255) give 8-bit files; int16/int32/int64 with
/// every value in [0, 65535] give 16-bit files. Geometry is not stored.
/// @throws ShapeError for 3D images or other channel counts; ArgumentError for a path not
///         ending in .png (any case), float images (window them to uint8 first) or integers
///         outside [0, 65535]; IoError when the file cannot be written.
MEDIMG_API void write_png(const std::filesystem::path& path, const Image& image);

}  // namespace medimg

#pragma once

/// One entry point for every image format medimg reads, chosen from the content.

#include <filesystem>
#include <string>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

enum class ImageFormat { DicomSeries, Dicom, Nifti, Raster, Npz, Unknown };

/// The format of `path` from its content, not its name: a folder is a DICOM series; then
/// the DICOM preamble ("DICM" at byte 128), the NIfTI magic ("n+1"/"ni1" at byte 344,
/// "n+2"/"ni2" at byte 4, also inside gzip), the PNG/JPEG/TIFF/BMP signatures and the zip
/// signature of NPZ. Files without a preamble that GDCM parses as DICOM are Dicom too.
/// @throws IoError when the path does not exist.
MEDIMG_API ImageFormat detect_format(const std::filesystem::path& path);

/// "dicom-series", "dicom", "nifti", "raster", "npz" or "unknown".
MEDIMG_API std::string format_name(ImageFormat format);

/// Reads a DICOM folder or file, a NIfTI file or a raster image with the matching reader
/// and its default options.
/// @throws IoError for a missing path; FormatError for unknown content, or for an NPZ
///         archive (several arrays: use read_npz or read_medmnist).
MEDIMG_API Image read_image(const std::filesystem::path& path);

}  // namespace medimg

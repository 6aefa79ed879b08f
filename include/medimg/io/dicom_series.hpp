#pragma once

/// DICOM series (GDCM): a folder or list of single-frame slices into one 3D Image, sorted and
/// spaced by patient position, with every inconsistency reported instead of guessed.

#include <torch/arg.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/core/progress.hpp"
#include "medimg/export.hpp"
#include "medimg/io/dicom.hpp"

namespace medimg {

/// One series found by list_dicom_series: what its files' headers say.
struct DicomSeriesInfo {
  /// SeriesInstanceUID (0020,000E); "" for files without one (grouped together).
  std::string series_uid;
  /// Modality (0008,0060), SeriesDescription (0008,103E); "" when absent.
  std::string modality;
  std::string description;
  /// SeriesNumber (0020,0011); -1 when absent.
  std::int64_t series_number = -1;
  /// Rows and Columns of the series' first file (y, x).
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  /// ImageOrientationPatient of the first file (row cosine, column cosine); zeros when absent.
  std::array<double, 6> orientation{};
  /// The series' files, in path order (not slice order).
  std::vector<std::filesystem::path> files;

  std::int64_t file_count() const noexcept { return static_cast<std::int64_t>(files.size()); }
};

/// What list_dicom_series found in a folder.
struct DicomSeriesList {
  /// One record per SeriesInstanceUID, ordered by SeriesNumber, then UID.
  std::vector<DicomSeriesInfo> series;
  /// Files that are not DICOM (no "DICM" preamble and no leading group 0008 element, or a
  /// header GDCM cannot parse) or DICOM without pixel data; skipped, in path order.
  std::vector<std::filesystem::path> skipped_files;
};

/// Lists the DICOM series under `dir`, reading headers only (up to PixelData), in parallel
/// on medimg's thread pool. Hidden files (names starting with '.') are ignored.
/// @param recursive  also look in sub-folders
/// @throws IoError when `dir` is missing or not a folder.
MEDIMG_API DicomSeriesList list_dicom_series(const std::filesystem::path& dir,
                                             bool recursive = true);

struct DicomSeriesOptions {
  /// The SeriesInstanceUID to read; "" accepts a folder holding exactly one series.
  TORCH_ARG(std::string, series_uid) = "";
  /// Look for files in sub-folders of a folder argument.
  TORCH_ARG(bool, recursive) = true;
  /// How each slice is decoded (keep_stored_values, invert_monochrome1,
  /// include_patient_tags); see read_dicom. With keep_stored_values every slice must share
  /// one RescaleSlope/Intercept, else the stored integers would not be comparable.
  TORCH_ARG(DicomReadOptions, file_options) = {};
  /// Keep only the slices of this AcquisitionNumber (0020,0012).
  TORCH_ARG(std::optional<std::int64_t>, acquisition_number) = std::nullopt;
  /// When several slices share a position and each AcquisitionNumber alone has distinct
  /// positions, keep the acquisition with the smallest number (recorded in meta
  /// "DroppedSlices"); otherwise duplicate positions are an error.
  TORCH_ARG(bool, accept_duplicate_positions) = false;
  /// Largest accepted deviation of one gap between neighbouring slices from the median gap,
  /// relative to the median gap (0.01 = 1%); any gap within 0.01 mm of the median is
  /// accepted too. The same bound limits how far a slice position may stray sideways from
  /// the slice normal (gantry tilt).
  TORCH_ARG(double, spacing_tolerance) = 0.01;
  /// Called with stage "scan" (headers, per file) and "read" (pixels, per slice).
  TORCH_ARG(ProgressCallback, progress) = nullptr;
};

/// Reads a series of single-frame DICOM slices as one 3D image (C, Z, Y, X).
///
/// `path` is a folder (scanned like list_dicom_series; non-DICOM files are skipped and
/// counted in meta "SkippedFiles") or one file of the series (its folder is read, keeping the
/// file's series). A series whose only file is a multi-frame object or a Siemens mosaic is
/// read by read_dicom (frames placed from the functional groups, mosaics split with the CSA
/// header), plus meta "NumberOfSlices".
///
/// Slices are sorted by the projection of ImagePositionPatient on the slice normal (row
/// cosine × column cosine), ascending; the z spacing is (last − first) / (n − 1) of those
/// projections, never SliceThickness. Geometry: origin = ImagePositionPatient of the first
/// sorted slice, direction columns = row cosine, column cosine and the unit vector along
/// increasing slice positions (the normal, so the frame is right-handed), spacing (dz, dy,
/// dx). A single slice gets dz from SpacingBetweenSlices, else SliceThickness, else 1 mm.
///
/// Each slice goes through read_dicom, so a RescaleSlope/Intercept that differs between
/// slices is honoured; the result is float32 (the stored dtype with keep_stored_values).
/// Metadata are those of the first sorted slice plus "NumberOfSlices", "SliceSpacing",
/// "SkippedFiles" (folders) and "DroppedSlices" (duplicates accepted). Files are decoded in
/// parallel on medimg's thread pool; options.progress is called as documented there.
///
/// @throws IoError for a missing path; FormatError naming the folder or files when there is
///         no DICOM series, several series and no series_uid (the message lists UIDs,
///         descriptions and file counts), an unknown series_uid, slices without position or
///         orientation, mixed orientation, size or pixel spacing, duplicate positions, a
///         missing slice, uneven spacing, or gantry tilt (positions not along the normal);
///         Unsupported for series of several multi-frame files or several mosaics (pick
///         one volume with acquisition_number).
MEDIMG_API Image read_dicom_series(const std::filesystem::path& path,
                                   const DicomSeriesOptions& options = {});

/// The same for an explicit list of files (all of one series unless series_uid picks one).
/// @throws IoError when a file is missing; FormatError as above, naming the first file.
MEDIMG_API Image read_dicom_series(const std::vector<std::filesystem::path>& files,
                                   const DicomSeriesOptions& options = {});

}  // namespace medimg

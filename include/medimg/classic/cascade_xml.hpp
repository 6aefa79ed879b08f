#pragma once

/// Cascades in OpenCV's XML format: the "opencv_storage/cascade" files opencv_traincascade
/// writes and cv::CascadeClassifier reads (stageType BOOST, featureType HAAR), including the
/// Haar cascades OpenCV ships (Debian's opencv-data: /usr/share/opencv4/haarcascades).
/// Guide: docs/classic_cascade.md.

#include <filesystem>
#include <string>

#include "medimg/classic/cascade.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// Reads an OpenCV cascade XML file.
/// @throws IoError when the file cannot be read; FormatError when it is not a well-formed
///         new-format cascade or is inconsistent; Unsupported for LBP/HOG cascades and for
///         the old "opencv-haar-classifier" format (OpenCV evaluates those with its legacy C
///         detector).
MEDIMG_API Cascade load_cascade(const std::filesystem::path& path);

/// Parses the text of an OpenCV cascade XML file; `source` names it in errors.
MEDIMG_API Cascade cascade_from_xml(const std::string& xml, const std::string& source = "<xml>");

/// The XML opencv_traincascade would write for `cascade` (numbers printed so that they read
/// back to the same floats).
/// @throws ArgumentError from check_cascade.
MEDIMG_API std::string cascade_to_xml(const Cascade& cascade);

/// Writes cascade_to_xml(cascade) to `path` atomically (core/atomic_file.hpp).
/// @throws IoError when the file cannot be written.
MEDIMG_API void save_cascade(const Cascade& cascade, const std::filesystem::path& path);

}  // namespace medimg

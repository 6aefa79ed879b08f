#pragma once

// The signatures of the raster formats medimg reads (PNG, JPEG, TIFF, BMP), shared by
// detect_format and read_raster (src only, not installed).

#include <cstddef>
#include <string_view>

namespace medimg::detail {

/// The longest signature checked, in bytes.
constexpr std::size_t kRasterSignatureBytes = 4;

/// Whether `leading` (a file's first bytes) starts like a PNG, JPEG, TIFF or BMP file.
/// read_raster refuses anything else before OpenCV sees it: cv::imread would hand other
/// content to whichever decoder claims it, GDCM among them ("DICM" at byte 128), whose
/// asserts abort the process (found by fuzz_raster).
inline bool has_raster_signature(std::string_view leading) {
  using namespace std::string_view_literals;
  for (const std::string_view magic :
       {"\x89PNG"sv, "\xFF\xD8\xFF"sv, "II*\0"sv, "MM\0*"sv, "BM"sv}) {
    if (leading.substr(0, magic.size()) == magic) return true;
  }
  return false;
}

}  // namespace medimg::detail

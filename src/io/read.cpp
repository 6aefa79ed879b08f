#include "medimg/io/read.hpp"

#include <gdcmReader.h>
#include <zlib.h>

#include <array>
#include <cstring>
#include <fstream>
#include <system_error>

#include "detail/dicom_structure.hpp"
#include "detail/raster_signature.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/dicom.hpp"
#include "medimg/io/dicom_series.hpp"
#include "medimg/io/nifti.hpp"
#include "medimg/io/raster.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

// The first bytes of a file, through gzip when it is compressed (NIfTI .nii.gz); a short
// file gives fewer bytes.
std::string leading_bytes(const fs::path& path, std::size_t count) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files unchanged
  if (file == nullptr) return {};
  std::string bytes(count, '\0');
  const int got = gzread(file, bytes.data(), static_cast<unsigned>(count));
  gzclose(file);
  bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return bytes;
}

bool starts_with(const std::string& bytes, std::size_t at, const char* magic, std::size_t n) {
  return bytes.size() >= at + n && std::memcmp(bytes.data() + at, magic, n) == 0;
}

bool parses_as_dicom(const fs::path& path) {
  if (!detail::dicom_structure_fault(path).empty()) return false;  // GDCM would assert
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  const gdcm::Tag pixel_data(0x7FE0, 0x0010);
  return reader.ReadUpToTag(pixel_data, {pixel_data});
}

}  // namespace

ImageFormat detect_format(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path, "no such file or folder");
  if (fs::is_directory(path, ec)) return ImageFormat::DicomSeries;
  const std::string bytes = leading_bytes(path, 348);
  if (starts_with(bytes, 128, "DICM", 4)) return ImageFormat::Dicom;
  if (starts_with(bytes, 344, "n+1\0", 4) || starts_with(bytes, 344, "ni1\0", 4) ||
      starts_with(bytes, 4, "n+2\0", 4) || starts_with(bytes, 4, "ni2\0", 4)) {
    return ImageFormat::Nifti;
  }
  if (starts_with(bytes, 0, "PK\x03\x04", 4)) return ImageFormat::Npz;
  if (detail::has_raster_signature(bytes)) return ImageFormat::Raster;
  if (parses_as_dicom(path)) return ImageFormat::Dicom;  // DICOM without a preamble
  return ImageFormat::Unknown;
}

std::string format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::DicomSeries: return "dicom-series";
    case ImageFormat::Dicom: return "dicom";
    case ImageFormat::Nifti: return "nifti";
    case ImageFormat::Raster: return "raster";
    case ImageFormat::Npz: return "npz";
    case ImageFormat::Unknown: return "unknown";
  }
  return "unknown";
}

Image read_image(const fs::path& path) {
  switch (detect_format(path)) {
    case ImageFormat::DicomSeries: return read_dicom_series(path);
    case ImageFormat::Dicom: return read_dicom(path);
    case ImageFormat::Nifti: return read_nifti(path);
    case ImageFormat::Raster: return read_raster(path);
    case ImageFormat::Npz:
      throw FormatError(path, "an NPZ archive holds several arrays, not one image: use "
                              "read_npz or read_medmnist");
    case ImageFormat::Unknown: break;
  }
  throw FormatError(path, "not an image format medimg reads (DICOM, NIfTI, PNG, JPEG, TIFF, "
                          "BMP)");
}

}  // namespace medimg

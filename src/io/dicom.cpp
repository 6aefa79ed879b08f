#include "medimg/io/dicom.hpp"

#include <ATen/ops/empty.h>
#include <gdcmImageApplyLookupTable.h>
#include <gdcmImageChangePhotometricInterpretation.h>
#include <gdcmImageChangePlanarConfiguration.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageHelper.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmSplitMosaicFilter.h>
#include <gdcmTrace.h>

#include <system_error>
#include <utility>
#include <vector>

#include "detail/dicom_metadata.hpp"
#include "detail/dicom_geometry.hpp"
#include "detail/dicom_native.hpp"
#include "detail/dicom_pixels.hpp"
#include "detail/dicom_rle.hpp"
#include "detail/dicom_screen.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

// GDCM's settings are process-wide: set once, before the first read (series readers call
// read_dicom from several threads). Rescale attributes are read whatever the SOP class (GDCM
// ignores them for some MR), and GDCM's diagnostics stay off stderr: every failure reaches
// the caller as an exception.
void configure_gdcm_once() {
  static const bool configured = [] {
    gdcm::ImageHelper::SetForceRescaleInterceptSlope(true);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    return true;
  }();
  (void)configured;
}

// Why GDCM's ImageReader failed: not DICOM at all, or DICOM without pixels.
[[noreturn]] void explain_failure(const fs::path& path) {
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.Read()) throw FormatError(path, "not a DICOM file, or truncated");
  const gdcm::File& file = reader.GetFile();
  if (!file.GetDataSet().FindDataElement(gdcm::Tag(0x7FE0, 0x0010))) {
    const auto sop = detail::dicom_string(file, 0x0008, 0x0016);
    throw FormatError(path, "DICOM file without pixel data (SOP class " +
                                sop.value_or("unknown") + "), e.g. a structured report");
  }
  throw FormatError(path, "GDCM cannot decode its pixel data");
}

// GDCM's image with palette colour expanded, YBR turned into RGB and samples interleaved.
// GDCM filters hold their input through an intrusive SmartPointer, so every image handed
// to one must live on the heap.
gdcm::SmartPointer<gdcm::Image> normalised_colour(const gdcm::Image& image,
                                                  const fs::path& path) {
  gdcm::SmartPointer<gdcm::Image> current = new gdcm::Image(image);
  using PI = gdcm::PhotometricInterpretation;
  // Decompress first: GDCM's codecs turn JPEG's YBR into RGB and RLE's colour planes into
  // the declared layout only on this path, and the colour filters work on native pixels.
  if (current->GetTransferSyntax().IsEncapsulated() &&
      current->GetPixelFormat().GetSamplesPerPixel() > 1) {
    {
      // GDCM 3.0's ImageChangeTransferSyntax leaks its copy of the pixel data when the codec
      // fails (fuzz_dicom found it on a damaged RLE frame), so the image is decoded once
      // first, and a failure reported before the filter runs.
      std::vector<char> probe(current->GetBufferLength());
      if (!current->GetBuffer(probe.data())) {
        throw FormatError(path, "cannot decode its colour pixel data");
      }
    }
    gdcm::ImageChangeTransferSyntax decompress;
    decompress.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    decompress.SetInput(*current);
    if (!decompress.Change()) throw FormatError(path, "cannot decode its colour pixel data");
    current = new gdcm::Image(decompress.GetOutput());
  }
  if (current->GetPhotometricInterpretation() == PI::PALETTE_COLOR) {
    gdcm::ImageApplyLookupTable lut;
    lut.SetInput(*current);
    if (!lut.Apply()) throw FormatError(path, "cannot apply its palette colour lookup table");
    current = new gdcm::Image(lut.GetOutput());
  }
  const PI::PIType pi = current->GetPhotometricInterpretation();
  if (pi == PI::YBR_FULL || pi == PI::YBR_FULL_422) {
    gdcm::ImageChangePhotometricInterpretation to_rgb;
    to_rgb.SetPhotometricInterpretation(PI::RGB);
    to_rgb.SetInput(*current);
    if (!to_rgb.Change()) {
      throw Unsupported(path.string() + ": cannot convert its " +
                        PI::GetPIString(pi) + " pixels to RGB");
    }
    current = new gdcm::Image(to_rgb.GetOutput());
  }
  if (current->GetPixelFormat().GetSamplesPerPixel() > 1 &&
      current->GetPlanarConfiguration() != 0) {
    gdcm::ImageChangePlanarConfiguration interleave;
    interleave.SetPlanarConfiguration(0);
    interleave.SetInput(*current);
    if (!interleave.Change()) throw FormatError(path, "cannot interleave its colour planes");
    current = new gdcm::Image(interleave.GetOutput());
  }
  return current;
}

// A Siemens mosaic: the slices of one volume tiled into a single frame, with their count in
// the CSA header.
bool is_mosaic(const gdcm::File& file) {
  const auto type = detail::dicom_string(file, 0x0008, 0x0008).value_or("");
  return type.find("MOSAIC") != std::string::npos &&
         gdcm::SplitMosaicFilter::GetNumberOfImagesInMosaic(file) > 0;
}

// How a Siemens mosaic is tiled, from its CSA header: tile size, slice count and the slice
// normal, with its sign: tiles are stored in the order of increasing position along it.
struct MosaicLayout {
  std::int64_t tile_rows = 0, tile_cols = 0, slices = 0;
  Eigen::Vector3d normal;
};

MosaicLayout mosaic_layout(gdcm::Image& image, const gdcm::File& file, const fs::path& path) {
  gdcm::SplitMosaicFilter split;
  split.SetImage(image);
  split.SetFile(file);
  unsigned int dims[3] = {};
  double n[3] = {};
  MosaicLayout layout;
  bool inverted = false;  // GDCM's normal already carries the sign
  if (!split.ComputeMOSAICDimensions(dims) || !split.ComputeMOSAICSliceNormal(n, inverted)) {
    throw FormatError(path, "cannot read the layout of its Siemens mosaic (CSA header)");
  }
  layout.tile_cols = dims[0];
  layout.tile_rows = dims[1];
  layout.slices = dims[2];
  layout.normal = Eigen::Vector3d(n[0], n[1], n[2]);
  return layout;
}

// The tiles of a decoded mosaic frame as frames, in tile order (row by row).
void untile(detail::DicomPixels& pixels, const MosaicLayout& layout, const fs::path& path) {
  const std::int64_t across = layout.tile_cols > 0 ? pixels.cols / layout.tile_cols : 0;
  const std::int64_t down = layout.tile_rows > 0 ? pixels.rows / layout.tile_rows : 0;
  MEDIMG_CHECK_FILE(pixels.frames == 1 && across * layout.tile_cols == pixels.cols &&
                        down * layout.tile_rows == pixels.rows && layout.slices >= 1 &&
                        layout.slices <= across * down,
                    FormatError, path, "mosaic of ", pixels.rows, " x ", pixels.cols,
                    " does not hold ", layout.slices, " tiles of ", layout.tile_rows, " x ",
                    layout.tile_cols);
  pixels.voxels = pixels.voxels
                      .reshape({down, layout.tile_rows, across, layout.tile_cols, pixels.samples})
                      .permute({0, 2, 1, 3, 4})
                      .reshape({down * across, layout.tile_rows, layout.tile_cols, pixels.samples})
                      .slice(0, 0, layout.slices);
  pixels.frames = layout.slices;
  pixels.rows = layout.tile_rows;
  pixels.cols = layout.tile_cols;
}

// RescaleSlope/Intercept from the file's own attributes; an enhanced object keeps them in
// its functional groups, which GDCM reads. Absent: the identity.
std::pair<double, double> rescale(const gdcm::File& file) {
  const auto intercept = detail::dicom_numbers(file, 0x0028, 0x1052);
  const auto slope = detail::dicom_numbers(file, 0x0028, 0x1053);
  if (!intercept.empty() || !slope.empty()) {
    return {slope.empty() ? 1.0 : slope[0], intercept.empty() ? 0.0 : intercept[0]};
  }
  if (file.GetDataSet().FindDataElement(gdcm::Tag(0x5200, 0x9229))) {
    const auto intercept_slope = gdcm::ImageHelper::GetRescaleInterceptSlopeValue(file);
    return {intercept_slope.at(1), intercept_slope.at(0)};
  }
  return {1.0, 0.0};
}

}  // namespace

Image read_dicom(const fs::path& path, const DicomReadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path, "no such file");
  if (!fs::is_regular_file(path, ec)) throw IoError(path, "not a regular file");
  configure_gdcm_once();
  const detail::PixelDecoder decoder = detail::screen_dicom_header(path);
  const bool own_decoder = decoder != detail::PixelDecoder::gdcm;
  gdcm::ImageReader reader;
  reader.SetFileName(path.c_str());
  gdcm::Reader own_decoder_reader;  // the files medimg decodes itself: no GDCM image
  own_decoder_reader.SetFileName(path.c_str());
  detail::DicomPixels pixels;
  bool monochrome1 = false, mosaic = false;
  MosaicLayout layout;
  if (own_decoder) {
    if (!own_decoder_reader.Read()) throw FormatError(path, "not a DICOM file, or truncated");
    const gdcm::File& own_file = own_decoder_reader.GetFile();
    pixels = decoder == detail::PixelDecoder::own_rle ? detail::decode_rle(own_file, path)
                                              : detail::decode_native(own_file, path);
    monochrome1 = detail::dicom_string(own_file, 0x0028, 0x0004).value_or("") == "MONOCHROME1";
  } else {
    if (!reader.Read()) explain_failure(path);
    const gdcm::SmartPointer<gdcm::Image> decoded = normalised_colour(reader.GetImage(), path);
    pixels = detail::decode_pixels(*decoded, path);
    monochrome1 = decoded->GetPhotometricInterpretation() ==
                  gdcm::PhotometricInterpretation::MONOCHROME1;
    mosaic = is_mosaic(reader.GetFile());
    if (mosaic) {
      layout = mosaic_layout(reader.GetImage(), reader.GetFile(), path);
      untile(pixels, layout, path);
    }
  }
  const gdcm::File& file = own_decoder ? own_decoder_reader.GetFile() : reader.GetFile();
  Metadata meta = detail::dicom_metadata(file, options.include_patient_tags());
  const bool grey = pixels.samples == 1;
  // Float and Double Float Pixel Data hold real-world values already (parametric maps).
  const bool real_valued = at::isFloatingType(pixels.voxels.scalar_type());
  if (grey && !real_valued && !options.keep_stored_values()) {
    const bool invert = options.invert_monochrome1() && monochrome1;
    if (const auto lut = detail::modality_lut_table(file, path)) {
      pixels.voxels = detail::apply_lut_table(pixels, *lut, invert);
    } else {
      const auto [slope, intercept] = rescale(file);
      pixels.voxels = detail::apply_modality_lut(pixels, slope, intercept, invert);
    }
    if (invert) meta["InvertedMonochrome1"] = std::int64_t{1};
  }
  Geometry geometry = detail::dicom_geometry(file, pixels.frames > 1, meta);
  if (mosaic) {
    geometry = detail::mosaic_geometry(geometry, file, pixels.rows, pixels.cols, layout.normal,
                                       meta);
    meta["MosaicSlices"] = pixels.frames;
  }
  // (frames, rows, cols, samples) -> (C, [Z,] Y, X)
  at::Tensor voxels = pixels.voxels.permute({3, 0, 1, 2});
  if (pixels.frames == 1) voxels = voxels.squeeze(1);
  return Image(voxels.contiguous(), geometry, std::move(meta));
}

}  // namespace medimg

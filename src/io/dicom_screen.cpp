#include "detail/dicom_screen.hpp"

#include <gdcmMediaStorage.h>
#include <gdcmReader.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <system_error>

#include "detail/dicom_metadata.hpp"
#include "detail/dicom_native.hpp"
#include "detail/dicom_rle.hpp"
#include "detail/dicom_structure.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

const gdcm::Tag kPixelData(0x7FE0, 0x0010);
const gdcm::Tag kFloatPixelData(0x7FE0, 0x0008);
const gdcm::Tag kDoubleFloatPixelData(0x7FE0, 0x0009);
// Their values are skipped when screening: a truncated value makes GDCM assert.
const std::set<gdcm::Tag> kPixelElements = {kFloatPixelData, kDoubleFloatPixelData, kPixelData};

// True when the 4 bytes just before the value at `offset` are `tag`, in the file's byte
// order: then `offset` is where that element's value starts.
bool value_starts_at(const fs::path& path, std::size_t offset, const gdcm::TransferSyntax& syntax,
                     const gdcm::Tag& tag) {
  const std::size_t header = syntax.IsImplicit() ? 8 : 12;
  if (offset < header || offset == static_cast<std::size_t>(-1)) return false;
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset - header));
  unsigned char found[4] = {};
  if (!in.read(reinterpret_cast<char*>(found), 4)) return false;
  const bool big = syntax == gdcm::TransferSyntax::ExplicitVRBigEndian;
  const auto byte = [](unsigned value) { return static_cast<unsigned char>(value & 0xFF); };
  const unsigned g = tag.GetGroup(), e = tag.GetElement();
  const unsigned char little[4] = {byte(g), byte(g >> 8), byte(e), byte(e >> 8)};
  const unsigned char big_endian[4] = {little[1], little[0], little[3], little[2]};
  return std::memcmp(found, big ? big_endian : little, 4) == 0;
}

// Uncompressed pixel data must fit in the file: GDCM pads a truncated file with zeros, or
// asserts when a value it reads runs past the end.
void check_native_pixels_fit(const gdcm::File& file, std::size_t value_offset,
                             const fs::path& path) {
  const auto number = [&](unsigned short g, unsigned short e, double fallback) {
    return dicom_number(file, g, e).value_or(fallback);
  };
  const double bits = number(0x0028, 0x0010, 0) * number(0x0028, 0x0011, 0) *
                      number(0x0028, 0x0008, 1) * number(0x0028, 0x0002, 1) *
                      number(0x0028, 0x0100, 0);
  // YBR_FULL_422 stores two luminance and two chrominance samples per two pixels.
  const bool subsampled = dicom_string(file, 0x0028, 0x0004).value_or("") == "YBR_FULL_422";
  const double bytes = std::ceil(bits / 8.0) * (subsampled ? 2.0 / 3.0 : 1.0);
  std::error_code ec;
  const auto size = static_cast<double>(fs::file_size(path, ec));
  MEDIMG_CHECK_FILE(ec || static_cast<double>(value_offset) + bytes <= size, FormatError,
                    path, "is truncated: its header needs ", bytes,
                    " bytes of pixel data, the file ends before them");
}

// Where the value of Float or Double Float Pixel Data starts in a file without Pixel Data;
// -1 when it has neither (e.g. a structured report).
std::size_t float_pixels_offset(const fs::path& path, const gdcm::TransferSyntax& syntax) {
  for (const gdcm::Tag& tag : {kFloatPixelData, kDoubleFloatPixelData}) {
    gdcm::Reader reader;
    reader.SetFileName(path.c_str());
    if (reader.ReadUpToTag(tag, kPixelElements) &&
        value_starts_at(path, reader.GetStreamCurrentPosition(), syntax, tag)) {
      return reader.GetStreamCurrentPosition();
    }
  }
  return static_cast<std::size_t>(-1);
}

// A deflated file's offsets are in the inflated stream: only a full read tells whether it
// has floating-point pixel data.
bool deflated_has_float_pixels(const fs::path& path) {
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.Read()) return false;
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  return ds.FindDataElement(kFloatPixelData) || ds.FindDataElement(kDoubleFloatPixelData);
}

// GDCM's image reader asserts (PixmapReader::Read, "ts != TS_END && ms == MS_END") when
// the file meta information names no image SOP class and the data set names none it knows
// (missing or unknown SOP Class UID), unless it can take the file for ACR-NEMA: on a known
// non-image SOP class, or on an unknown transfer syntax. Those files are refused here.
void check_sop_class_readable(const gdcm::File& file, const gdcm::TransferSyntax& syntax,
                              const fs::path& path) {
  const gdcm::FileMetaInformation& header = file.GetHeader();
  const gdcm::MediaStorage declared = header.GetMediaStorage();
  if (gdcm::MediaStorage::IsImage(declared) ||
      file.GetDataSet().GetMediaStorage() != gdcm::MediaStorage::MS_END ||
      declared == gdcm::MediaStorage::MediaStorageDirectoryStorage || header.IsEmpty() ||
      syntax == gdcm::TransferSyntax::ImplicitVRBigEndianACRNEMA) {
    return;
  }
  if (declared != gdcm::MediaStorage::MS_END) {
    throw FormatError(path, detail::concat("is not an image: its file meta information names ",
                                           "the SOP class ", declared.GetString(),
                                           ", and its data set no SOP class GDCM knows"));
  }
  if (syntax == gdcm::TransferSyntax::TS_END) {
    throw FormatError(path, "names neither a SOP class nor a transfer syntax GDCM knows");
  }
}

}  // namespace

PixelDecoder screen_dicom_header(const fs::path& path) {
  const std::string fault = dicom_structure_fault(path);
  if (fault.rfind(kNotDicom, 0) == 0) throw FormatError(path, fault);
  if (!fault.empty()) throw FormatError(path, "is truncated or damaged: " + fault);
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.ReadUpToTag(kPixelData, kPixelElements)) {
    throw FormatError(path, "not a DICOM file, or truncated");
  }
  const gdcm::File& file = reader.GetFile();
  const gdcm::TransferSyntax syntax = file.GetHeader().GetDataSetTransferSyntax();
  check_sop_class_readable(file, syntax, path);
  const bool deflated = syntax == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian;
  // The reader stopped after the pixel data element's header, where its value starts (the
  // value itself is skipped).
  const std::size_t offset = reader.GetStreamCurrentPosition();
  if (!deflated && !value_starts_at(path, offset, syntax, kPixelData)) {
    // No Pixel Data: floating-point pixels are medimg's to decode; without those either,
    // the caller explains that the file has no pixels.
    const std::size_t float_offset = float_pixels_offset(path, syntax);
    if (float_offset == static_cast<std::size_t>(-1)) {
      // An element out of tag order stops the header read early, so the pixel data, the SOP
      // class and the pixel attributes may still follow. GDCM's image reader, which reads
      // the whole file, asserts on an RT Dose without NumberOfFrames and on the encodings
      // medimg decodes itself: only a whole read tells which decoder the file needs.
      if (is_rt_dose_without_frames(file)) return PixelDecoder::own_native;
      gdcm::Reader whole;
      whole.SetFileName(path.c_str());
      if (!whole.Read()) return PixelDecoder::gdcm;  // GDCM's image reader reports it
      const gdcm::File& all = whole.GetFile();
      if (needs_own_rle_decoder(all)) return PixelDecoder::own_rle;
      return is_rt_dose_without_frames(all) || needs_own_native_decoder(all)
                 ? PixelDecoder::own_native
                 : PixelDecoder::gdcm;
    }
    check_native_pixels_fit(file, float_offset, path);
    return PixelDecoder::own_native;
  }
  // A deflated file without Pixel Data is read to its end.
  if (deflated && offset == static_cast<std::size_t>(-1) && deflated_has_float_pixels(path)) {
    return PixelDecoder::own_native;
  }
  const auto bits = dicom_numbers(file, 0x0028, 0x0100);
  const int bits_allocated = bits.empty() ? 0 : static_cast<int>(bits[0]);
  const bool rle = syntax == gdcm::TransferSyntax::RLELossless;
  if (syntax.IsEncapsulated() && !rle && bits_allocated % 8 != 0) {
    throw Unsupported(path.string() + ": compressed " + std::to_string(bits_allocated) +
                      "-bit pixels are not supported (GDCM cannot decode them)");
  }
  const bool rt_dose_without_frames = is_rt_dose_without_frames(file);
  if (rt_dose_without_frames && syntax.IsEncapsulated() && !rle) {
    throw Unsupported(path.string() + ": compressed RT Dose without NumberOfFrames is not "
                      "supported (GDCM asserts on it)");
  }
  // With no Rows/Columns the check asks for nothing.
  if (!syntax.IsEncapsulated() && !deflated) check_native_pixels_fit(file, offset, path);
  if (rle && (rt_dose_without_frames || needs_own_rle_decoder(file))) return PixelDecoder::own_rle;
  return needs_own_native_decoder(file) ? PixelDecoder::own_native : PixelDecoder::gdcm;
}

}  // namespace medimg::detail

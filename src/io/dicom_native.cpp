#include "detail/dicom_native.hpp"

#include <ATen/ops/empty.h>
#include <gdcmMediaStorage.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "detail/dicom_metadata.hpp"
#include "detail/dicom_ybr.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

const gdcm::Tag kPixelData(0x7FE0, 0x0010);
const gdcm::Tag kFloatPixelData(0x7FE0, 0x0008);
const gdcm::Tag kDoubleFloatPixelData(0x7FE0, 0x0009);

bool has_float_pixels(const gdcm::DataSet& ds) {
  return !ds.FindDataElement(kPixelData) &&
         (ds.FindDataElement(kFloatPixelData) || ds.FindDataElement(kDoubleFloatPixelData));
}

// Reverses the bytes of each `unit`-byte group (unit 0 or 1: nothing to do).
void reverse_each(std::uint8_t* bytes, std::int64_t size, std::int64_t unit) {
  if (unit <= 1) return;
  for (std::int64_t i = 0; i + unit <= size; i += unit) std::reverse(bytes + i, bytes + i + unit);
}

// The element's first `needed` bytes with every value little endian. GDCM reverses each
// unit of the element's VR size (2 for OW, 4 for OF) when it reads explicit big endian, which
// is right only when that size is the value size: reversing the VR units again restores the
// file's bytes, reversing each `value_bytes` value then makes it little endian.
at::Tensor little_endian_bytes(const gdcm::DataElement& element, std::int64_t needed,
                               std::int64_t value_bytes, bool big_endian) {
  const gdcm::ByteValue* value = element.GetByteValue();
  const auto length = static_cast<std::int64_t>(value->GetLength());
  const std::int64_t vr_unit =
      big_endian ? std::max<std::int64_t>(element.GetVR().GetSize(), 1) : 1;
  // Whole VR units, so that the last value is restored too.
  const std::int64_t rounded = (needed + vr_unit - 1) / vr_unit * vr_unit;
  const std::int64_t copied = rounded <= length ? rounded : needed;
  at::Tensor raw = at::empty({copied}, at::kByte);
  auto* bytes = raw.data_ptr<std::uint8_t>();
  std::memcpy(bytes, value->GetPointer(), static_cast<std::size_t>(copied));
  if (big_endian) {
    reverse_each(bytes, copied, vr_unit);
    reverse_each(bytes, needed, value_bytes);
  }
  return raw.narrow(0, 0, needed);
}

// Planar configuration 1 stores, per frame, all of the first sample, then the second, ...:
// interleave them as (frames, rows, cols, samples).
at::Tensor interleave_planes(const at::Tensor& raw, const PixelHeader& h,
                             std::int64_t value_bytes) {
  return raw.view({h.frames, h.samples, h.rows * h.cols, value_bytes})
      .permute({0, 2, 1, 3})
      .contiguous()
      .view({-1});
}

}  // namespace

bool is_rt_dose_without_frames(const gdcm::File& file) {
  // The SOP class as GDCM's image reader decides it (file meta information first, then the
  // data set): it asserts on every file it takes for an RT Dose without NumberOfFrames.
  gdcm::MediaStorage storage;
  storage.SetFromFile(file);
  return storage == gdcm::MediaStorage::RTDoseStorage &&
         !file.GetDataSet().FindDataElement(gdcm::Tag(0x0028, 0x0008));
}

bool has_unused_bits_over_16(const PixelHeader& h) {
  return h.bits_allocated > 16 && h.bits_stored != h.bits_allocated;
}

bool needs_own_native_decoder(const gdcm::File& file) {
  const gdcm::TransferSyntax syntax = file.GetHeader().GetDataSetTransferSyntax();
  if (syntax.IsEncapsulated()) return false;
  const PixelHeader h = pixel_header(file);
  return (syntax == gdcm::TransferSyntax::ExplicitVRBigEndian && h.bits_allocated > 16) ||
         h.photometric == "YBR_FULL_422" || has_unused_bits_over_16(h) ||
         is_rt_dose_without_frames(file);
}

DicomPixels decode_native(const gdcm::File& file, const fs::path& path) {
  const PixelHeader h = pixel_header(file);
  const gdcm::DataSet& ds = file.GetDataSet();
  const bool floating = has_float_pixels(ds);
  const bool single = floating && ds.FindDataElement(kFloatPixelData);
  const gdcm::Tag tag = !floating ? kPixelData : single ? kFloatPixelData : kDoubleFloatPixelData;
  MEDIMG_CHECK_FILE(ds.FindDataElement(tag), FormatError, path, "has no pixel data");
  MEDIMG_CHECK_FILE(h.rows > 0 && h.cols > 0 && h.frames > 0 && h.samples > 0, FormatError, path,
                    "has an empty image: ", h.frames, " frames of ", h.rows, " x ", h.cols, " x ",
                    h.samples);
  const int bits = h.bits_allocated;
  if (floating) {
    MEDIMG_CHECK_FILE(bits == (single ? 32 : 64), FormatError, path, "has ",
                      single ? "Float" : "Double Float", " Pixel Data with BitsAllocated ", bits,
                      ", expected ", single ? 32 : 64);
  } else if (bits != 1 && bits != 8 && bits != 16 && bits != 32) {
    throw Unsupported(path.string() + ": BitsAllocated " + std::to_string(bits) +
                      " is not supported (1, 8, 16 or 32)");
  }
  const bool ybr_422 = h.photometric == "YBR_FULL_422";
  if (ybr_422 && !(h.samples == 3 && bits == 8 && h.cols % 2 == 0)) {
    throw Unsupported(path.string() + ": YBR_FULL_422 is supported with 3 samples of 8 bits " +
                      "and an even number of columns, not " + std::to_string(h.samples) +
                      " of " + std::to_string(bits) + " bits and " + std::to_string(h.cols) +
                      " columns");
  }
  if (h.samples > 1 && bits == 1) {
    throw Unsupported(path.string() + ": single-bit pixels with several samples are not supported");
  }
  // In double first: a corrupted header must not overflow the byte count.
  const double claimed = static_cast<double>(h.frames) * static_cast<double>(h.rows) *
                         static_cast<double>(h.cols) * static_cast<double>(h.samples) * bits / 8;
  MEDIMG_CHECK_FILE(claimed <= static_cast<double>(kMaxPixelBytes), FormatError, path, "claims ",
                    claimed, " bytes of pixels, more than medimg accepts");
  const std::int64_t count = h.frames * h.rows * h.cols * h.samples;
  const std::int64_t value_bytes = bits / 8;  // 0 for packed single bits
  // YBR_FULL_422 stores 4 bytes (Y1 Y2 Cb Cr) per 2 pixels.
  const std::int64_t needed = bits == 1   ? (count + 7) / 8
                              : ybr_422   ? count / 3 * 2
                                          : count * value_bytes;
  const gdcm::DataElement& element = ds.GetDataElement(tag);
  const gdcm::ByteValue* value = element.GetByteValue();
  MEDIMG_CHECK_FILE(value != nullptr, FormatError, path, "has no uncompressed pixel data");
  MEDIMG_CHECK_FILE(static_cast<std::int64_t>(value->GetLength()) >= needed, FormatError, path,
                    "holds ", value->GetLength(), " bytes of pixel data, its header needs ", needed,
                    " (truncated)");
  const bool big_endian =
      file.GetHeader().GetDataSetTransferSyntax() == gdcm::TransferSyntax::ExplicitVRBigEndian;
  at::Tensor raw = little_endian_bytes(element, needed, value_bytes, big_endian);
  if (ybr_422) {
    raw = upsample_ybr_422(raw, count / 3);
  } else if (h.samples > 1 && h.planar_configuration == 1) {
    raw = interleave_planes(raw, h, value_bytes);
  }
  DicomPixels p;
  p.frames = h.frames;
  p.rows = h.rows;
  p.cols = h.cols;
  p.samples = h.samples;
  p.bits_stored = floating ? bits : h.bits_stored;
  p.is_signed = !floating && h.is_signed;
  const at::ScalarType dtype =
      !floating ? integer_container(bits, h.is_signed) : single ? at::kFloat : at::kDouble;
  p = stored_pixels(std::move(p), raw, dtype, floating ? bits - 1 : h.high_bit);
  if (ybr_422) p.voxels = ybr_full_to_rgb(p.voxels);
  return p;
}

}  // namespace medimg::detail

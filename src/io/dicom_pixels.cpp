#include "detail/dicom_pixels.hpp"

#include <ATen/ops/empty.h>

#include <gdcmSequenceOfItems.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include <gdcmImageHelper.h>

#include "detail/dicom_metadata.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

// Keeps bits [high_bit - bits_stored + 1, high_bit] of each value, sign-extended for signed
// data, as the DICOM standard defines the stored value.
template <typename Unsigned>
void mask_stored_bits(Unsigned* values, std::int64_t n, int bits_stored, int high_bit,
                      bool is_signed) {
  constexpr int kBits = static_cast<int>(sizeof(Unsigned) * 8);
  using Signed = std::make_signed_t<Unsigned>;
  if (bits_stored >= kBits || bits_stored <= 0 || high_bit >= kBits) return;
  const int low = high_bit + 1 - bits_stored;
  if (low < 0) return;  // inconsistent header: keep what GDCM gave
  const Unsigned mask = static_cast<Unsigned>((Unsigned{1} << bits_stored) - 1);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto stored = static_cast<Unsigned>((values[i] >> low) & mask);
    if (is_signed) {
      // Move the sign bit to the top, then shift back arithmetically.
      const auto top = static_cast<Signed>(static_cast<Unsigned>(stored << (kBits - bits_stored)));
      values[i] = static_cast<Unsigned>(static_cast<Signed>(top >> (kBits - bits_stored)));
    } else {
      values[i] = stored;
    }
  }
}

at::ScalarType raw_dtype(gdcm::PixelFormat::ScalarType type, const std::filesystem::path& path) {
  switch (type) {
    case gdcm::PixelFormat::UINT8: return at::kByte;
    case gdcm::PixelFormat::INT8: return at::kChar;
    case gdcm::PixelFormat::UINT12:
    case gdcm::PixelFormat::UINT16:
    case gdcm::PixelFormat::INT12:
    case gdcm::PixelFormat::INT16: return at::kShort;
    case gdcm::PixelFormat::UINT32:
    case gdcm::PixelFormat::INT32: return at::kInt;
    case gdcm::PixelFormat::FLOAT32: return at::kFloat;
    case gdcm::PixelFormat::FLOAT64: return at::kDouble;
    case gdcm::PixelFormat::SINGLEBIT: return at::kByte;
    default:
      throw Unsupported(path.string() + ": pixel format " +
                        gdcm::PixelFormat(type).GetScalarTypeAsString() + " is not supported");
  }
}

}  // namespace

PixelHeader pixel_header(const gdcm::File& file) {
  const auto number = [&](unsigned short element, double fallback) {
    return dicom_number(file, 0x0028, element).value_or(fallback);
  };
  PixelHeader h;
  h.rows = static_cast<std::int64_t>(number(0x0010, 0));
  h.cols = static_cast<std::int64_t>(number(0x0011, 0));
  h.frames = static_cast<std::int64_t>(number(0x0008, 1));
  h.samples = static_cast<std::int64_t>(number(0x0002, 1));
  h.bits_allocated = static_cast<int>(number(0x0100, 0));
  h.bits_stored = static_cast<int>(number(0x0101, h.bits_allocated));
  h.high_bit = static_cast<int>(number(0x0102, h.bits_stored - 1));
  h.is_signed = number(0x0103, 0) == 1;
  h.planar_configuration = static_cast<int>(number(0x0006, 0));
  h.photometric = dicom_string(file, 0x0028, 0x0004).value_or("");
  return h;
}

at::ScalarType integer_container(int bits_allocated, bool is_signed) {
  switch (bits_allocated) {
    case 1: return at::kBool;
    case 8: return is_signed ? at::kChar : at::kByte;
    case 16: return at::kShort;
    default: return at::kInt;
  }
}

DicomPixels decode_pixels(const gdcm::Image& image, const std::filesystem::path& path) {
  const gdcm::PixelFormat format = image.GetPixelFormat();
  DicomPixels p;
  p.cols = image.GetDimension(0);
  p.rows = image.GetDimension(1);
  p.frames = image.GetNumberOfDimensions() == 3 ? image.GetDimension(2) : 1;
  p.samples = format.GetSamplesPerPixel();
  p.bits_stored = format.GetBitsStored();
  p.is_signed = format.GetPixelRepresentation() == 1;
  const auto type = format.GetScalarType();
  MEDIMG_CHECK_FILE(p.cols > 0 && p.rows > 0 && p.frames > 0 && p.samples > 0, FormatError, path,
               "has an empty image: ", p.frames, " frames of ", p.rows, " x ", p.cols);
  const at::ScalarType dtype = raw_dtype(type, path);
  const std::int64_t count = p.frames * p.rows * p.cols * p.samples;
  const bool single_bit = type == gdcm::PixelFormat::SINGLEBIT;
  const std::int64_t expected = single_bit ? (count + 7) / 8 : count * at::elementSize(dtype);
  MEDIMG_CHECK_FILE(expected <= kMaxPixelBytes, FormatError, path, "claims ", expected,
               " bytes of pixels, more than medimg accepts");
  MEDIMG_CHECK_FILE(static_cast<std::int64_t>(image.GetBufferLength()) == expected, FormatError, path,
               "pixel buffer of ", image.GetBufferLength(), " bytes, expected ", expected);

  // Native pixel data must hold every pixel; GDCM would pad a truncated file silently.
  if (!image.GetTransferSyntax().IsEncapsulated()) {
    const gdcm::ByteValue* bytes = image.GetDataElement().GetByteValue();
    const std::int64_t stored = bytes ? static_cast<std::int64_t>(bytes->GetLength()) : 0;
    MEDIMG_CHECK_FILE(stored >= expected, FormatError, path, "holds ", stored,
                      " bytes of pixel data, its header needs ", expected, " (truncated)");
  }
  at::Tensor raw = at::empty({expected}, at::kByte);
  if (!image.GetBuffer(static_cast<char*>(raw.data_ptr()))) {
    throw FormatError(path, "cannot decode its pixel data (truncated or corrupt)");
  }
  return stored_pixels(std::move(p), raw, single_bit ? at::kBool : dtype, format.GetHighBit());
}

DicomPixels stored_pixels(DicomPixels p, const at::Tensor& raw, at::ScalarType dtype,
                          int high_bit) {
  const std::int64_t count = p.frames * p.rows * p.cols * p.samples;
  if (dtype == at::kBool) {
    // DICOM packs the first pixel into the lowest bit of the first byte.
    at::Tensor unpacked = at::empty({count}, at::kByte);
    const auto* bytes = raw.data_ptr<std::uint8_t>();
    auto* out = unpacked.data_ptr<std::uint8_t>();
    for (std::int64_t i = 0; i < count; ++i) out[i] = (bytes[i / 8] >> (i % 8)) & 1;
    p.voxels = unpacked.view({p.frames, p.rows, p.cols, p.samples});
    return p;
  }
  at::Tensor values = raw.view(dtype).view({p.frames, p.rows, p.cols, p.samples});
  switch (at::elementSize(dtype)) {
    case 1:
      mask_stored_bits(raw.data_ptr<std::uint8_t>(), count, p.bits_stored, high_bit, p.is_signed);
      break;
    case 2:
      mask_stored_bits(static_cast<std::uint16_t*>(raw.data_ptr()), count, p.bits_stored,
                       high_bit, p.is_signed);
      break;
    case 4:
      if (!at::isFloatingType(dtype)) {
        mask_stored_bits(static_cast<std::uint32_t*>(raw.data_ptr()), count, p.bits_stored,
                         high_bit, p.is_signed);
      }
      break;
    default:
      break;
  }
  // LibTorch has no uint16/uint32: widen losslessly.
  if (!p.is_signed && dtype == at::kShort) {
    values = values.to(at::kInt).bitwise_and_(0xFFFF);
  } else if (!p.is_signed && dtype == at::kInt) {
    values = values.to(at::kLong).bitwise_and_(std::int64_t{0xFFFFFFFF});
  }
  p.voxels = values;
  return p;
}

at::Tensor apply_modality_lut(const DicomPixels& p, double slope, double intercept,
                              bool invert_monochrome1) {
  at::Tensor real = p.voxels.to(at::kDouble).mul_(slope).add_(intercept);
  if (invert_monochrome1 && p.bits_stored > 0 && p.bits_stored < 63) {
    const double span = static_cast<double>(std::int64_t{1} << p.bits_stored);
    const double lo = p.is_signed ? -span / 2 : 0.0;
    const double hi = p.is_signed ? span / 2 - 1 : span - 1;
    // v' = lut(lo) + lut(hi) - v
    real = real.neg_().add_(lo * slope + intercept + hi * slope + intercept);
  }
  return real.to(at::kFloat);
}

}  // namespace medimg::detail

namespace medimg::detail {
namespace {

// The 16-bit words of an element in a little-endian data set (US/SS/OW values).
std::vector<std::uint16_t> words_of(const gdcm::DataSet& item, const gdcm::Tag& tag) {
  if (!item.FindDataElement(tag)) return {};
  const gdcm::ByteValue* bytes = item.GetDataElement(tag).GetByteValue();
  if (bytes == nullptr) return {};
  std::vector<std::uint16_t> words(bytes->GetLength() / 2);
  std::memcpy(words.data(), bytes->GetPointer(), words.size() * 2);
  return words;
}

}  // namespace

std::optional<LutTable> modality_lut_table(const gdcm::File& file,
                                           const std::filesystem::path& path) {
  const gdcm::Tag sequence_tag(0x0028, 0x3000);
  const gdcm::DataSet& ds = file.GetDataSet();
  if (!ds.FindDataElement(sequence_tag)) return std::nullopt;
  if (file.GetHeader().GetDataSetTransferSyntax() == gdcm::TransferSyntax::ExplicitVRBigEndian) {
    throw Unsupported(path.string() + ": a big-endian Modality LUT Sequence is not supported");
  }
  const gdcm::SmartPointer<gdcm::SequenceOfItems> items =
      ds.GetDataElement(sequence_tag).GetValueAsSQ();
  MEDIMG_CHECK_FILE(items && items->GetNumberOfItems() >= 1, FormatError, path,
                    "has an empty Modality LUT Sequence");
  const gdcm::DataSet& item = items->GetItem(1).GetNestedDataSet();
  const auto descriptor = words_of(item, gdcm::Tag(0x0028, 0x3002));
  const auto data = words_of(item, gdcm::Tag(0x0028, 0x3006));
  MEDIMG_CHECK_FILE(descriptor.size() == 3, FormatError, path,
                    "Modality LUT descriptor needs 3 values, has ", descriptor.size());
  const std::size_t entries = descriptor[0] == 0 ? 65536 : descriptor[0];
  MEDIMG_CHECK_FILE(data.size() >= entries, FormatError, path, "Modality LUT holds ",
                    data.size(), " entries, its descriptor says ", entries);
  LutTable table;
  // The first mapped value is signed when the pixels are (PixelRepresentation 1).
  const auto representation = ds.FindDataElement(gdcm::Tag(0x0028, 0x0103))
                                  ? gdcm::ImageHelper::GetPixelFormatValue(file).GetPixelRepresentation()
                                  : 0;
  table.first_mapped = representation == 1 ? static_cast<std::int16_t>(descriptor[1])
                                           : static_cast<std::int64_t>(descriptor[1]);
  table.values.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(entries));
  return table;
}

at::Tensor apply_lut_table(const DicomPixels& pixels, const LutTable& table,
                           bool invert_monochrome1) {
  const at::Tensor stored = pixels.voxels.to(at::kLong).contiguous();
  at::Tensor out = at::empty(stored.sizes(), at::TensorOptions().dtype(at::kFloat));
  const auto* v = stored.data_ptr<std::int64_t>();
  auto* o = out.data_ptr<float>();
  const auto last = static_cast<std::int64_t>(table.values.size()) - 1;
  const auto [lo, hi] = std::minmax_element(table.values.begin(), table.values.end());
  const double mirror = *lo + *hi;
  for (std::int64_t i = 0; i < stored.numel(); ++i) {
    const double value = table.values[std::clamp<std::int64_t>(v[i] - table.first_mapped, 0, last)];
    o[i] = static_cast<float>(invert_monochrome1 ? mirror - value : value);
  }
  return out;
}

}  // namespace medimg::detail

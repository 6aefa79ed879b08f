#include "detail/dicom_rle.hpp"

#include <ATen/ops/empty.h>
#include <gdcmSequenceOfFragments.h>

#include <cstring>
#include <vector>

#include "detail/dicom_native.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

// One PackBits segment into exactly out.size() bytes: a control byte n >= 0 copies n + 1
// literal bytes, -127..-1 repeats the next byte 1 - n times, -128 does nothing.
void unpack_segment(const std::uint8_t* in, std::size_t size, std::vector<std::uint8_t>& out,
                    const std::filesystem::path& path) {
  std::size_t i = 0, o = 0;
  while (o < out.size() && i < size) {
    const auto n = static_cast<std::int8_t>(in[i++]);
    if (n >= 0) {
      const std::size_t count = static_cast<std::size_t>(n) + 1;
      MEDIMG_CHECK_FILE(i + count <= size && o + count <= out.size(), FormatError, path,
                        "has an RLE literal run past the end of its segment");
      std::memcpy(out.data() + o, in + i, count);
      i += count;
      o += count;
    } else if (n != -128) {
      const std::size_t count = static_cast<std::size_t>(1 - n);
      MEDIMG_CHECK_FILE(i < size && o + count <= out.size(), FormatError, path,
                        "has an RLE repeat run past the end of its segment");
      std::memset(out.data() + o, in[i++], count);
      o += count;
    }
  }
  MEDIMG_CHECK_FILE(o == out.size(), FormatError, path, "has an RLE segment of ", o,
                    " bytes, the image needs ", out.size());
}

std::uint32_t little_endian_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

bool needs_own_rle_decoder(const gdcm::File& file) {
  if (file.GetHeader().GetDataSetTransferSyntax() != gdcm::TransferSyntax::RLELossless) {
    return false;
  }
  const PixelHeader h = pixel_header(file);
  return h.bits_allocated % 8 != 0 || (h.samples > 1 && h.bits_allocated > 8) ||
         has_unused_bits_over_16(h);
}

DicomPixels decode_rle(const gdcm::File& file, const std::filesystem::path& path) {
  const PixelHeader h = pixel_header(file);
  MEDIMG_CHECK_FILE(h.rows > 0 && h.cols > 0 && h.frames > 0 && h.samples > 0 &&
                        (h.bits_allocated == 1 || h.bits_allocated == 8 ||
                         h.bits_allocated == 16 || h.bits_allocated == 32),
                    FormatError, path, "has an RLE image of ", h.frames, " x ", h.rows, " x ",
                    h.cols, " x ", h.samples, " at ", h.bits_allocated, " bits");
  const gdcm::DataSet& ds = file.GetDataSet();
  const gdcm::Tag pixel_data(0x7FE0, 0x0010);
  const gdcm::SequenceOfFragments* fragments =
      ds.FindDataElement(pixel_data) ? ds.GetDataElement(pixel_data).GetSequenceOfFragments()
                                     : nullptr;
  MEDIMG_CHECK_FILE(fragments != nullptr &&
                        fragments->GetNumberOfFragments() >= static_cast<std::size_t>(h.frames),
                    FormatError, path, "needs one RLE fragment per frame (", h.frames, ")");
  const bool single_bit = h.bits_allocated == 1;
  const std::int64_t bytes_per_sample = single_bit ? 1 : h.bits_allocated / 8;
  const std::int64_t pixels = h.rows * h.cols;
  // Bytes per segment: packed bits for single-bit frames, else one byte per pixel.
  const std::int64_t plane = single_bit ? (pixels + 7) / 8 : pixels;
  const std::int64_t segments = h.samples * bytes_per_sample;
  const std::int64_t frame_bytes = single_bit ? plane : pixels * segments;
  at::Tensor raw = at::empty({h.frames * frame_bytes}, at::kByte);
  auto* out = raw.data_ptr<std::uint8_t>();
  std::vector<std::uint8_t> decoded(static_cast<std::size_t>(plane));
  for (std::int64_t f = 0; f < h.frames; ++f) {
    const gdcm::ByteValue* value = fragments->GetFragment(static_cast<unsigned>(f)).GetByteValue();
    MEDIMG_CHECK_FILE(value != nullptr && value->GetLength() >= 64, FormatError, path,
                      "has an RLE fragment without its 64-byte segment table");
    const auto* fragment = reinterpret_cast<const std::uint8_t*>(value->GetPointer());
    const std::size_t size = value->GetLength();
    MEDIMG_CHECK_FILE(little_endian_u32(fragment) == static_cast<std::uint32_t>(segments),
                      FormatError, path, "has ", little_endian_u32(fragment),
                      " RLE segments per frame, expected ", segments);
    for (std::int64_t s = 0; s < segments; ++s) {
      const std::size_t begin = little_endian_u32(fragment + 4 + 4 * s);
      const std::size_t end =
          s + 1 < segments ? little_endian_u32(fragment + 8 + 4 * s) : size;
      MEDIMG_CHECK_FILE(begin >= 64 && begin <= end && end <= size, FormatError, path,
                        "has an RLE segment outside its fragment");
      unpack_segment(fragment + begin, end - begin, decoded, path);
      std::uint8_t* frame = out + f * frame_bytes;
      if (single_bit) {
        std::memcpy(frame, decoded.data(), decoded.size());
        continue;
      }
      // Segment s holds byte (most significant first) s % bytes of sample s / bytes; the
      // little-endian, sample-interleaved result puts it at that byte's offset.
      const std::int64_t sample = s / bytes_per_sample;
      const std::int64_t byte = bytes_per_sample - 1 - s % bytes_per_sample;
      for (std::int64_t p = 0; p < pixels; ++p) {
        frame[(p * h.samples + sample) * bytes_per_sample + byte] = decoded[p];
      }
    }
  }
  DicomPixels result;
  result.frames = h.frames;
  result.rows = h.rows;
  result.cols = h.cols;
  result.samples = h.samples;
  result.bits_stored = h.bits_stored;
  result.is_signed = h.is_signed;
  return stored_pixels(std::move(result), raw, integer_container(h.bits_allocated, h.is_signed),
                       h.high_bit);
}

}  // namespace medimg::detail

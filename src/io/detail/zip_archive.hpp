#pragma once

// The zip container of .npz files: the central directory (Zip64 included) and a streaming
// reader for stored and deflated members that checks sizes and CRC-32. Private to libmedimg.

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace medimg::detail {

/// One member as the central directory describes it.
struct ZipMember {
  std::string name;  // UTF-8: decoded from CP437 unless the member's UTF-8 flag is set
  std::uint16_t method = 0;  // 0 stored, 8 deflate
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t size = 0;  // uncompressed
  std::uint64_t local_header_offset = 0;
};

/// `bytes` with every byte outside printable ASCII written as \xNN, for error messages
/// (Python decodes them as UTF-8).
std::string escaped(const std::string& bytes);

/// The members of the zip archive at `path`, in central-directory order. Every member's
/// compressed bytes are checked to lie inside the file, so no later read runs past its end.
/// @throws IoError when the file cannot be opened; FormatError when it is not a zip archive or
///         is truncated or inconsistent; Unsupported for multi-disk archives, encryption and
///         compression methods other than stored and deflate.
std::vector<ZipMember> read_zip_directory(const std::filesystem::path& path);

/// Streams the uncompressed bytes of one member. read() fills exactly the bytes asked for;
/// finish() checks that the member ends at its declared size with its declared CRC-32.
class ZipMemberReader {
 public:
  /// @throws IoError, FormatError when the local header is missing or disagrees with `member`.
  ZipMemberReader(const std::filesystem::path& path, const ZipMember& member);
  ~ZipMemberReader();
  ZipMemberReader(const ZipMemberReader&) = delete;
  ZipMemberReader& operator=(const ZipMemberReader&) = delete;

  /// Uncompressed bytes not yet read.
  std::uint64_t remaining() const noexcept { return member_.size - produced_; }

  /// Fills out[0, n). @throws FormatError when n > remaining() or the data is corrupt.
  void read(void* out, std::uint64_t n);

  /// Reads and discards what remains, then checks the end of the stream and the CRC-32.
  /// @throws FormatError on a mismatch.
  void finish();

 private:
  [[noreturn]] void fail(const std::string& message) const;
  void inflate_into(unsigned char* out, std::uint64_t n);
  void refill_input();

  std::filesystem::path path_;
  ZipMember member_;
  std::ifstream file_;
  std::uint64_t produced_ = 0;
  std::uint64_t compressed_left_ = 0;
  std::uint32_t crc_ = 0;
  std::vector<unsigned char> input_;
  z_stream stream_{};
  bool inflating_ = false;
  bool stream_ended_ = false;
};

}  // namespace medimg::detail

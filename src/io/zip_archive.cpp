#include "detail/zip_archive.hpp"

#include <algorithm>
#include <limits>
#include <system_error>

#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndOfDirectorySize = 56;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kMaxCommentSize = 0xffff;
// Deflate cannot expand its input by more than 1032:1 (a 258-byte match per 2 bits).
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::size_t kInputChunk = std::size_t{1} << 18;

std::uint16_t u16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(u16(p)) | (static_cast<std::uint32_t>(u16(p + 2)) << 16);
}
std::uint64_t u64(const unsigned char* p) {
  return static_cast<std::uint64_t>(u32(p)) | (static_cast<std::uint64_t>(u32(p + 4)) << 32);
}

std::string method_name(std::uint16_t method) {
  switch (method) {
    case 9: return "deflate64 (9)";
    case 12: return "bzip2 (12)";
    case 14: return "lzma (14)";
    case 93: return "zstd (93)";
    default: return detail::concat("method ", method);
  }
}

// Code points of CP437 bytes 0x80-0xff, the zip default for names without the UTF-8 flag.
constexpr char16_t kCp437[128] = {
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8,
    0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5, 0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2,
    0x00fb, 0x00f9, 0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192, 0x00e1,
    0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba, 0x00bf, 0x2310, 0x00ac, 0x00bd,
    0x00bc, 0x00a1, 0x00ab, 0x00bb, 0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562,
    0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510, 0x2514, 0x2534,
    0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f, 0x255a, 0x2554, 0x2569, 0x2566, 0x2560,
    0x2550, 0x256c, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
    0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580, 0x03b1, 0x00df, 0x0393,
    0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4, 0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6,
    0x03b5, 0x2229, 0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248, 0x00b0,
    0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0};

std::string utf8_from_cp437(const std::string& bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out += c;
      continue;
    }
    const char16_t code = kCp437[byte - 0x80];
    if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
    } else {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    }
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
  return out;
}

bool is_utf8(const std::string& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[at]);
    const std::size_t extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xe ? 2
                              : (lead >> 3) == 0x1e ? 3 : 4;
    if (extra == 4 || bytes.size() - at <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(bytes[at + k]) >> 6) != 0x2) return false;
    }
    at += extra + 1;
  }
  return true;
}

// The file opened for binary reading, with its size.
class InputFile {
 public:
  explicit InputFile(const fs::path& path) : path_(path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw IoError(path, "no such file");
    if (!fs::is_regular_file(path, ec)) throw IoError(path, "not a regular file");
    size_ = fs::file_size(path, ec);
    if (ec) throw IoError(path, "cannot read the file size: " + ec.message());
    file_.open(path, std::ios::binary);
    if (!file_) throw IoError(path, "cannot open the file for reading");
  }

  std::uint64_t size() const { return size_; }

  std::vector<unsigned char> bytes(std::uint64_t offset, std::uint64_t n) {
    if (offset > size_ || n > size_ - offset) {
      throw FormatError(path_, detail::concat("truncated zip archive: needs bytes [", offset, ", ",
                                              offset + n, ") of a ", size_, "-byte file"));
    }
    std::vector<unsigned char> out(static_cast<std::size_t>(n));
    file_.seekg(static_cast<std::streamoff>(offset));
    file_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
    if (!file_) {
      throw IoError(path_, detail::concat("cannot read ", n, " bytes at offset ", offset));
    }
    return out;
  }

 private:
  fs::path path_;
  std::ifstream file_;
  std::uint64_t size_ = 0;
};

struct Directory {
  std::uint64_t entries = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  std::uint64_t end = 0;  // where the directory must end: the first end record
};

Directory find_directory(InputFile& file, const fs::path& path) {
  const std::uint64_t size = file.size();
  if (size < kEndOfDirectorySize) {
    throw FormatError(path, detail::concat("not a zip archive: ", size,
                                           " bytes, fewer than an end-of-directory record"));
  }
  const std::uint64_t tail_size =
      std::min<std::uint64_t>(size, kEndOfDirectorySize + kMaxCommentSize);
  const std::uint64_t tail_offset = size - tail_size;
  const std::vector<unsigned char> tail = file.bytes(tail_offset, tail_size);
  // The last record whose comment fits in the file: a comment may contain the signature.
  std::size_t at = tail.size() - kEndOfDirectorySize + 1;
  bool found = false;
  while (!found && at > 0) {
    --at;
    found = u32(&tail[at]) == kEndOfDirectory &&
            at + kEndOfDirectorySize + u16(&tail[at + 20]) <= tail.size();
  }
  if (!found) throw FormatError(path, "not a zip archive: no end-of-central-directory record");
  const unsigned char* end = &tail[at];
  const std::uint64_t end_offset = tail_offset + at;
  if (u16(end + 4) != 0 || u16(end + 6) != 0 || u16(end + 8) != u16(end + 10)) {
    throw Unsupported(path.string() + ": multi-disk (split) zip archives are not supported");
  }
  Directory d{u16(end + 10), u32(end + 12), u32(end + 16), end_offset};
  const bool zip64 = d.entries == 0xffff || d.size == 0xffffffff || d.offset == 0xffffffff;
  if (zip64 || (end_offset >= kZip64LocatorSize &&
                u32(file.bytes(end_offset - kZip64LocatorSize, 4).data()) == kZip64Locator)) {
    if (end_offset < kZip64LocatorSize) {
      throw FormatError(path,
                        "truncated zip archive: the Zip64 end-of-directory locator is missing");
    }
    const auto locator = file.bytes(end_offset - kZip64LocatorSize, kZip64LocatorSize);
    if (u32(locator.data()) != kZip64Locator) {
      throw FormatError(path, "corrupt zip archive: the Zip64 end-of-directory locator is missing");
    }
    if (u32(&locator[4]) != 0 || u32(&locator[16]) > 1) {
      throw Unsupported(path.string() + ": multi-disk (split) zip archives are not supported");
    }
    const std::uint64_t record_offset = u64(&locator[8]);
    if (record_offset > end_offset - kZip64LocatorSize ||
        end_offset - kZip64LocatorSize - record_offset < kZip64EndOfDirectorySize) {
      throw FormatError(path, detail::concat("corrupt zip archive: the Zip64 end-of-directory "
                                             "record at ", record_offset, " is out of place"));
    }
    const auto record = file.bytes(record_offset, kZip64EndOfDirectorySize);
    if (u32(record.data()) != kZip64EndOfDirectory) {
      throw FormatError(path, "corrupt zip archive: no Zip64 end-of-directory record");
    }
    if (u32(&record[16]) != 0 || u32(&record[20]) != 0 || u64(&record[24]) != u64(&record[32])) {
      throw Unsupported(path.string() + ": multi-disk (split) zip archives are not supported");
    }
    d = {u64(&record[32]), u64(&record[40]), u64(&record[48]), record_offset};
  }
  if (d.offset > d.end || d.size > d.end - d.offset) {
    throw FormatError(path, detail::concat("corrupt or truncated zip archive: the central "
                                           "directory [", d.offset, ", +", d.size,
                                           ") does not end before its end record at ", d.end));
  }
  // Each entry takes at least 46 bytes: a count the directory cannot hold is corrupt.
  if (d.entries > d.size / kCentralHeaderSize) {
    throw FormatError(path, detail::concat("corrupt zip archive: ", d.entries,
                                           " entries do not fit a ", d.size,
                                           "-byte central directory"));
  }
  return d;
}

// Replaces the 32-bit fields saturated at 0xffffffff with their Zip64 extra-field values.
void apply_zip64_extra(const unsigned char* extra, std::size_t extra_size, ZipMember& member,
                       std::uint32_t size32, std::uint32_t compressed32, std::uint32_t offset32,
                       const fs::path& path) {
  std::size_t at = 0;
  while (at + 4 <= extra_size) {
    const std::uint16_t id = u16(extra + at), length = u16(extra + at + 2);
    if (at + 4 + length > extra_size) break;
    if (id == 0x0001) {
      const unsigned char* field = extra + at + 4;
      std::size_t left = length;
      auto next = [&](std::uint64_t& value) {
        if (left < 8) {
          throw FormatError(path, "corrupt zip archive: member '" + member.name +
                                      "' has a short Zip64 extra field");
        }
        value = u64(field);
        field += 8;
        left -= 8;
      };
      if (size32 == 0xffffffff) next(member.size);
      if (compressed32 == 0xffffffff) next(member.compressed_size);
      if (offset32 == 0xffffffff) next(member.local_header_offset);
      return;
    }
    at += 4 + length;
  }
  if (size32 == 0xffffffff || compressed32 == 0xffffffff || offset32 == 0xffffffff) {
    throw FormatError(path, "corrupt zip archive: member '" + member.name +
                                "' needs a Zip64 extra field and has none");
  }
}

void check_member(const ZipMember& member, std::uint16_t flags, const Directory& d,
                  const fs::path& path) {
  const std::string what = "member '" + member.name + "'";
  if (flags & 0x41) throw Unsupported(path.string() + ": " + what + " is encrypted");
  if (member.method != 0 && member.method != 8) {
    throw Unsupported(path.string() + ": " + what + " is compressed with " +
                      method_name(member.method) + "; only stored and deflate are supported");
  }
  if (member.method == 0 && member.size != member.compressed_size) {
    throw FormatError(path, detail::concat("corrupt zip archive: stored ", what, " has ",
                                           member.compressed_size, " bytes but declares ",
                                           member.size));
  }
  const std::uint64_t ceiling =
      member.compressed_size > std::numeric_limits<std::uint64_t>::max() / kMaxDeflateRatio
          ? std::numeric_limits<std::uint64_t>::max()
          : member.compressed_size * kMaxDeflateRatio + 64;
  if (member.method == 8 && member.size > ceiling) {
    throw FormatError(path, detail::concat("corrupt zip archive: ", what, " declares ",
                                           member.size, " bytes, more than deflate can expand ",
                                           member.compressed_size, " bytes to"));
  }
  // Members lie before the central directory; the local header takes at least 30 bytes.
  if (member.local_header_offset > d.offset ||
      member.compressed_size > d.offset - member.local_header_offset ||
      d.offset - member.local_header_offset - member.compressed_size < kLocalHeaderSize) {
    throw FormatError(path, detail::concat("corrupt or truncated zip archive: ", what, " (",
                                           member.compressed_size, " bytes at ",
                                           member.local_header_offset,
                                           ") does not fit before the central directory at ",
                                           d.offset));
  }
}

}  // namespace

std::string escaped(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  return out;
}

std::vector<ZipMember> read_zip_directory(const fs::path& path) {
  InputFile file(path);
  const Directory d = find_directory(file, path);
  const std::vector<unsigned char> bytes = file.bytes(d.offset, d.size);
  std::vector<ZipMember> members;
  members.reserve(static_cast<std::size_t>(d.entries));
  std::size_t at = 0;
  for (std::uint64_t i = 0; i < d.entries; ++i) {
    if (bytes.size() - at < kCentralHeaderSize || u32(&bytes[at]) != kCentralHeader) {
      throw FormatError(path, detail::concat("corrupt zip archive: central directory entry ", i,
                                             " of ", d.entries, " is missing"));
    }
    const unsigned char* h = &bytes[at];
    const std::size_t name_size = u16(h + 28), extra_size = u16(h + 30), comment_size = u16(h + 32);
    if (bytes.size() - at - kCentralHeaderSize < name_size + extra_size + comment_size) {
      throw FormatError(path, detail::concat("corrupt zip archive: central directory entry ", i,
                                             " runs past the directory"));
    }
    ZipMember member;
    member.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), name_size);
    if (!(u16(h + 8) & 0x800)) {
      member.name = utf8_from_cp437(member.name);
    } else if (!is_utf8(member.name)) {
      throw FormatError(path, "corrupt zip archive: the name of member " + std::to_string(i) +
                                  " is flagged UTF-8 but is not: " + escaped(member.name));
    }
    member.method = u16(h + 10);
    member.crc32 = u32(h + 16);
    member.compressed_size = u32(h + 20);
    member.size = u32(h + 24);
    member.local_header_offset = u32(h + 42);
    if (u16(h + 34) != 0 && u16(h + 34) != 0xffff) {
      throw Unsupported(path.string() + ": multi-disk (split) zip archives are not supported");
    }
    apply_zip64_extra(h + kCentralHeaderSize + name_size, extra_size, member, u32(h + 24),
                      u32(h + 20), u32(h + 42), path);
    check_member(member, u16(h + 8), d, path);
    members.push_back(std::move(member));
    at += kCentralHeaderSize + name_size + extra_size + comment_size;
  }
  return members;
}

ZipMemberReader::ZipMemberReader(const fs::path& path, const ZipMember& member)
    : path_(path), member_(member), compressed_left_(member.compressed_size) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw IoError(path, "no such file");
  file_.open(path, std::ios::binary);
  if (!file_) throw IoError(path, "cannot open the file for reading");
  unsigned char header[kLocalHeaderSize];
  file_.seekg(static_cast<std::streamoff>(member.local_header_offset));
  file_.read(reinterpret_cast<char*>(header), kLocalHeaderSize);
  if (!file_ || u32(header) != kLocalHeader) fail("its local header is missing");
  const std::size_t name_size = u16(header + 26), extra_size = u16(header + 28);
  std::string name(name_size, '\0');
  file_.read(name.data(), static_cast<std::streamsize>(name_size));
  if (!(u16(header + 6) & 0x800)) name = utf8_from_cp437(name);
  if (!file_ || name != member.name) {
    fail("the local header names '" + escaped(name) + "', the central directory '" +
         member.name + "'");
  }
  const std::uint64_t data_offset = member.local_header_offset + kLocalHeaderSize + name_size +
                                    extra_size;
  const std::uint64_t file_size = fs::file_size(path, ec);
  if (ec || data_offset > file_size || member.compressed_size > file_size - data_offset) {
    fail(detail::concat("truncated: its ", member.compressed_size, " bytes at ", data_offset,
                        " run past the end of the ", file_size, "-byte file"));
  }
  file_.seekg(static_cast<std::streamoff>(data_offset));
  if (member.method == 8) {
    if (inflateInit2(&stream_, -MAX_WBITS) != Z_OK) {
      throw Error("zlib cannot start inflating: out of memory");
    }
    inflating_ = true;
    input_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kInputChunk, compressed_left_)));
  }
}

ZipMemberReader::~ZipMemberReader() {
  if (inflating_) inflateEnd(&stream_);
}

void ZipMemberReader::fail(const std::string& message) const {
  throw FormatError(path_, "member '" + member_.name + "': " + message);
}

void ZipMemberReader::refill_input() {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(input_.size(), compressed_left_));
  file_.read(reinterpret_cast<char*>(input_.data()), static_cast<std::streamsize>(n));
  if (!file_) throw IoError(path_, "cannot read member '" + member_.name + "'");
  compressed_left_ -= n;
  stream_.next_in = input_.data();
  stream_.avail_in = static_cast<uInt>(n);
}

void ZipMemberReader::inflate_into(unsigned char* out, std::uint64_t n) {
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::uint64_t>(n, std::uint64_t{1} << 30));
    stream_.next_out = out;
    stream_.avail_out = chunk;
    while (stream_.avail_out > 0) {
      if (stream_ended_) {
        fail(detail::concat("the deflate stream ends after ",
                            produced_ + (chunk - stream_.avail_out),
                            " bytes, the directory declares ", member_.size));
      }
      if (stream_.avail_in == 0) {
        if (compressed_left_ == 0) {
          fail(detail::concat("truncated deflate stream after ",
                              produced_ + (chunk - stream_.avail_out), " of ", member_.size,
                              " bytes"));
        }
        refill_input();
      }
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        stream_ended_ = true;
      } else if (status == Z_MEM_ERROR) {
        throw Error("zlib ran out of memory inflating " + path_.string());
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        fail(std::string("corrupt deflate data: ") + (stream_.msg ? stream_.msg : "zlib error"));
      }
    }
    out += chunk;
    n -= chunk;
    produced_ += chunk;
  }
}

void ZipMemberReader::read(void* out, std::uint64_t n) {
  if (n > remaining()) {
    fail(detail::concat("needs ", n, " more bytes, the member holds ", remaining()));
  }
  auto* bytes = static_cast<unsigned char*>(out);
  if (inflating_) {
    inflate_into(bytes, n);
  } else {
    file_.read(reinterpret_cast<char*>(bytes), static_cast<std::streamsize>(n));
    if (!file_) throw IoError(path_, "cannot read member '" + member_.name + "'");
    produced_ += n;
  }
  // Not for n == 0: crc32_z(crc, nullptr, 0) returns the initial value, not crc.
  if (n > 0) crc_ = static_cast<std::uint32_t>(crc32_z(crc_, bytes, static_cast<z_size_t>(n)));
}

void ZipMemberReader::finish() {
  std::vector<unsigned char> scratch;
  while (remaining() > 0) {
    scratch.resize(static_cast<std::size_t>(std::min<std::uint64_t>(remaining(), kInputChunk)));
    read(scratch.data(), scratch.size());
  }
  if (inflating_ && !stream_ended_) {
    // All declared bytes are out: the stream must end here, without one byte more.
    unsigned char extra = 0;
    stream_.next_out = &extra;
    stream_.avail_out = 1;
    while (!stream_ended_ && stream_.avail_out == 1) {
      if (stream_.avail_in == 0) {
        if (compressed_left_ == 0) fail("truncated deflate stream: its end is missing");
        refill_input();
      }
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        stream_ended_ = true;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        fail(std::string("corrupt deflate data: ") + (stream_.msg ? stream_.msg : "zlib error"));
      }
    }
    if (stream_.avail_out == 0) {
      fail(detail::concat("the deflate stream holds more than the ", member_.size,
                          " bytes the directory declares"));
    }
  }
  if (crc_ != member_.crc32) {
    fail(detail::concat("CRC-32 mismatch: the data gives 0x", std::hex, crc_,
                        ", the directory declares 0x", member_.crc32));
  }
}

}  // namespace medimg::detail

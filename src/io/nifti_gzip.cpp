#include "detail/nifti_gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

// gzread takes an unsigned length: read in chunks well below 4 GiB.
constexpr std::int64_t kChunk = std::int64_t{1} << 30;

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_gz(const fs::path& path, const char* mode) {
  GzFile file(gzopen(path.c_str(), mode));
  if (!file) throw IoError(path, std::string("cannot open: ") + std::strerror(errno));
  return file;
}

// `size` bytes at `data` as one gzip member (RFC 1952) at `level`.
std::string gzip_member(const char* data, std::int64_t size, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("zlib cannot start a gzip stream");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(size)), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw Error("zlib could not compress a block");
  return out;
}

}  // namespace

bool is_gzip(const fs::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  unsigned char magic[2] = {0, 0};
  const bool gz = std::fread(magic, 1, 2, file) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::fclose(file);
  return gz;
}

// zlib reads plain files as they are.
std::vector<char> read_prefix(const fs::path& path, std::size_t size) {
  GzFile file = open_gz(path, "rb");
  std::vector<char> bytes(size);
  const int got = gzread(file.get(), bytes.data(), static_cast<unsigned>(size));
  if (got < 0) throw FormatError(path, "cannot decompress the header (corrupt gzip stream)");
  bytes.resize(static_cast<std::size_t>(got));
  return bytes;
}

void read_file_range(const fs::path& file, bool gz, std::int64_t offset, std::int64_t nbytes,
                     void* out) {
  auto* dst = static_cast<char*>(out);
  if (!gz) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) throw IoError(file, std::string("cannot open: ") + std::strerror(errno));
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(f, &std::fclose);
    if (::fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0) {
      throw FormatError(file, detail::concat("cannot seek to the voxels at byte ", offset));
    }
    const std::size_t got = std::fread(dst, 1, static_cast<std::size_t>(nbytes), f);
    if (static_cast<std::int64_t>(got) != nbytes) {
      throw FormatError(file, detail::concat("truncated: the header describes ", nbytes,
                                             " voxel bytes, the file holds ", got));
    }
    return;
  }
  GzFile f = open_gz(file, "rb");
  gzbuffer(f.get(), 1 << 18);
  if (gzseek(f.get(), static_cast<z_off_t>(offset), SEEK_SET) != static_cast<z_off_t>(offset)) {
    throw FormatError(
        file, detail::concat("truncated: the file ends before the voxels at byte ", offset));
  }
  std::int64_t done = 0;
  while (done < nbytes) {
    const auto want = static_cast<unsigned>(std::min(kChunk, nbytes - done));
    const int got = gzread(f.get(), dst + done, want);
    if (got < 0) {
      int code = 0;
      throw FormatError(file, std::string("corrupt gzip stream: ") + gzerror(f.get(), &code));
    }
    if (got == 0) break;
    done += got;
  }
  if (done != nbytes) {
    throw FormatError(file, detail::concat("truncated: the header describes ", nbytes,
                                           " voxel bytes, the file holds ", done));
  }
}

// The gzip file is a series of independent members of kMemberBytes each, compressed in
// parallel; their concatenation is one valid gzip file (RFC 1952, section 2.2) that zlib,
// nifticlib, ITK and Python's gzip (nibabel) read as a single stream, as they read bgzip's
// and pigz --independent's output.
void write_file_bytes(const fs::path& file, const fs::path& reported, bool gz, int level,
                      const std::vector<char>& header, const at::Tensor& voxels) {
  constexpr std::int64_t kMemberBytes = std::int64_t{4} << 20;
  const auto* data = static_cast<const char*>(voxels.data_ptr());
  const auto nbytes = static_cast<std::int64_t>(voxels.numel() * voxels.element_size());
  std::vector<std::string> members;
  if (gz) {
    const std::int64_t first = header.empty() ? 0 : 1;  // a pair's .img has no header
    members.resize(static_cast<std::size_t>(first + (nbytes + kMemberBytes - 1) / kMemberBytes));
    if (first == 1) {
      members[0] = gzip_member(header.data(), static_cast<std::int64_t>(header.size()), level);
    }
    parallel_for(first, static_cast<std::int64_t>(members.size()), 1,
                 [&](std::int64_t begin, std::int64_t end) {
                   for (std::int64_t m = begin; m < end; ++m) {
                     const std::int64_t start = (m - first) * kMemberBytes;
                     members[static_cast<std::size_t>(m)] =
                         gzip_member(data + start, std::min(kMemberBytes, nbytes - start), level);
                   }
                 });
    if (members.empty()) members.push_back(gzip_member(data, 0, level));  // still gzip
  }
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr) throw IoError(reported, std::string("cannot create: ") + std::strerror(errno));
  bool ok = true;
  if (gz) {
    for (const std::string& member : members) {
      ok = ok && std::fwrite(member.data(), 1, member.size(), f) == member.size();
    }
  } else {
    // A pair's .img has no header and its .hdr no voxels: fwrite's pointer may not be null,
    // even for 0 bytes.
    ok = (header.empty() || std::fwrite(header.data(), 1, header.size(), f) == header.size()) &&
         (nbytes == 0 || std::fwrite(data, 1, static_cast<std::size_t>(nbytes), f) ==
                             static_cast<std::size_t>(nbytes));
  }
  const int saved_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw IoError(reported, std::string("cannot write: ") + std::strerror(saved_errno));
}

}  // namespace medimg::detail

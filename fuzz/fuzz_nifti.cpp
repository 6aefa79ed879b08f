// read_nifti on the fuzzed bytes. The first byte picks the container:
//   0: the rest as a .nii file;
//   1: the rest as a .nii.gz file, written as is (fuzzes the gzip layer);
//   2: the rest gzipped by the harness into a .nii.gz (fuzzes the header and voxels through
//      the gzip reader).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "medimg/io/nifti.hpp"

namespace {

std::string gzip(std::string_view bytes) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper; level 1 keeps the harness fast.
  if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace medimg::fuzz;
  if (size == 0) return 0;
  static const auto plain = scratch_dir() / "input.nii";
  static const auto gzipped = scratch_dir() / "input.nii.gz";
  const std::string_view rest = as_chars(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      write_file(plain, rest);
      expect_medimg_errors_only([&] { medimg::read_nifti(plain); });
      break;
    case 1:
      write_file(gzipped, rest);
      expect_medimg_errors_only([&] { medimg::read_nifti(gzipped); });
      break;
    default:
      write_file(gzipped, gzip(rest));
      expect_medimg_errors_only([&] { medimg::read_nifti(gzipped); });
      break;
  }
  return 0;
}

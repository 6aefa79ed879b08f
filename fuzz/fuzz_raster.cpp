// read_raster on the fuzzed bytes (OpenCV picks the decoder from the content: PNG, JPEG,
// TIFF, BMP, ...).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "medimg/io/raster.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace medimg::fuzz;
  static const auto path = scratch_dir() / "input.img";
  write_file(path, as_chars(data, size));
  expect_medimg_errors_only([&] { medimg::read_raster(path); });
  return 0;
}

// read_dicom_series on a folder of 1-3 files cut from the fuzzed bytes at kSplitMarker (the
// seeds are real series joined that way), then the same files through list_dicom_series.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "fuzz_common.hpp"
#include "medimg/io/dicom_series.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace medimg::fuzz;
  namespace fs = std::filesystem;
  static const fs::path folder = scratch_dir() / "series";
  std::error_code ec;
  fs::remove_all(folder, ec);
  fs::create_directories(folder);
  const auto parts = split_parts(as_chars(data, size), 3);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    write_file(folder / ("slice" + std::to_string(i) + ".dcm"), parts[i]);
  }
  expect_medimg_errors_only([&] { medimg::read_dicom_series(folder); });
  expect_medimg_errors_only([&] { medimg::list_dicom_series(folder); });
  return 0;
}

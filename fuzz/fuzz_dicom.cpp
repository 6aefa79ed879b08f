// read_dicom on one file holding the fuzzed bytes (GDCM reads files, not memory).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "medimg/io/dicom.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace medimg::fuzz;
  static const auto path = scratch_dir() / "input.dcm";
  write_file(path, as_chars(data, size));
  expect_medimg_errors_only([&] { medimg::read_dicom(path); });
  // The stored-value path skips the Modality LUT and the MONOCHROME1 inversion.
  expect_medimg_errors_only([&] {
    medimg::read_dicom(path, medimg::DicomReadOptions().keep_stored_values(true));
  });
  return 0;
}

// Truncated DICOM files: Debian's GDCM asserts (aborts the process) on a value that runs
// past the end of the file, so medimg checks the element structure first
// (src/io/dicom_structure.cpp). Every cut of a file's header must give a medimg error,
// never an abort; this file used to die at most cut points inside an element.
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "medimg/core/error.hpp"
#include "medimg/io/dicom.hpp"
#include "medimg/io/dicom_series.hpp"
#include "medimg/io/read.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kDicomDir = fs::path(MEDIMG_TEST_DATA_DIR) / "dicom";

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Every cut in the first `head` bytes (the header), then the last 64 and the middle one.
std::vector<std::size_t> cut_points(std::size_t size, std::size_t head) {
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n < std::min(size, head); ++n) cuts.push_back(n);
  for (std::size_t n = size > 64 ? size - 64 : 0; n < size; ++n) cuts.push_back(n);
  cuts.push_back(size / 2);
  return cuts;
}

// read_dicom of each cut of `bytes` either reads or throws a medimg error.
void check_every_cut(const std::string& bytes, const medimg::test::ScratchDir& dir,
                     std::size_t head) {
  for (const std::size_t n : cut_points(bytes.size(), head)) {
    const fs::path cut = dir / ("cut_" + std::to_string(n) + ".dcm");
    write_bytes(cut, bytes.substr(0, n));
    INFO("cut after " << n << " of " << bytes.size() << " bytes");
    try {
      (void)medimg::read_dicom(cut);
    } catch (const medimg::Error&) {
    }
    CHECK_NOTHROW(medimg::detect_format(cut));
    fs::remove(cut);
  }
}

}  // namespace

TEST_CASE("every cut of a DICOM file gives an error, not an abort", "[dicom]") {
  medimg::test::ScratchDir dir("dicom-cuts");
  for (const char* name : {"CT_small.dcm", "rtdose_expb.dcm", "rtdose_rle_1frame.dcm"}) {
    INFO(name);
    check_every_cut(file_bytes(kDicomDir / name), dir, 1600);
  }
}

TEST_CASE("every cut of a DICOM data set without preamble gives an error, not an abort",
          "[dicom]") {
  medimg::test::ScratchDir dir("dicom-cuts-raw");
  const std::string whole = file_bytes(kDicomDir / "CT_small.dcm");
  // Skip the preamble, "DICM" and the meta group (its length is the value of (0002,0000)).
  const auto* length = reinterpret_cast<const unsigned char*>(whole.data() + 140);
  const std::size_t meta_end =
      144 + (length[0] | length[1] << 8 | length[2] << 16 | std::uint32_t{length[3]} << 24);
  check_every_cut(whole.substr(meta_end), dir, 1400);
}

TEST_CASE("a DICOM file cut inside its header is a FormatError that says so", "[dicom]") {
  medimg::test::ScratchDir dir("dicom-cut-header");
  const std::string whole = file_bytes(kDicomDir / "CT_small.dcm");
  write_bytes(dir / "meta.dcm", whole.substr(0, 300));
  CHECK_THROWS_AS(medimg::read_dicom(dir / "meta.dcm"), medimg::FormatError);
  CHECK_THROWS_WITH(medimg::read_dicom(dir / "meta.dcm"),
                    Catch::Contains("is truncated or damaged"));
  write_bytes(dir / "data.dcm", whole.substr(0, 1000));
  CHECK_THROWS_WITH(medimg::read_dicom(dir / "data.dcm"), Catch::Contains("the file ends"));
}

TEST_CASE("series listing skips truncated files instead of aborting", "[dicom]") {
  medimg::test::ScratchDir dir("dicom-cut-series");
  const std::string whole = file_bytes(kDicomDir / "CT_small.dcm");
  write_bytes(dir / "whole.dcm", whole);
  for (const std::size_t n : {133, 300, 1000, 1201}) {
    write_bytes(dir / ("cut_" + std::to_string(n) + ".dcm"), whole.substr(0, n));
  }
  const medimg::DicomSeriesList list = medimg::list_dicom_series(dir.path());
  REQUIRE(list.series.size() == 1);
  CHECK(list.series[0].files.size() == 1);
  CHECK(list.skipped_files.size() == 4);
}

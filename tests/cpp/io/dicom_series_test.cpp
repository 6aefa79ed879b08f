#include "medimg/io/dicom_series.hpp"

#include <Eigen/Geometry>
#include <Eigen/LU>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

// tests/data/dicom_series: two small series from ../shared/data (see its README.md).
fs::path series_dir(const std::string& name) {
  return fs::path(MEDIMG_DATA_DIR).parent_path() / "tests" / "data" / "dicom_series" / name;
}

void copy_series(const std::string& name, const fs::path& target) {
  fs::create_directories(target);
  for (const auto& entry : fs::directory_iterator(series_dir(name))) {
    fs::copy_file(entry.path(), target / entry.path().filename());
  }
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const medimg::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a series stored in descending position order is sorted along the slice normal") {
  const medimg::Image image = medimg::read_dicom_series(series_dir("hitachi"));
  CHECK(image.tensor().sizes() == at::IntArrayRef{1, 4, 64, 64});
  CHECK(image.dtype() == at::kFloat);
  const medimg::Geometry& g = image.geometry();
  // pydicom: positions projected on the normal are 97.476 (001.dcm) ... 85.476 (004.dcm).
  CHECK(g.spacing()[0] == Approx(4.0).margin(1e-4));
  CHECK(g.spacing()[1] == Approx(2.34375));
  CHECK(g.spacing()[2] == Approx(2.34375));
  CHECK(g.origin().isApprox(Eigen::Vector3d(-136.2682, -50.12272, 36.6436), 1e-9));
  const Eigen::Vector3d row(0.60883, 0.790737, 0.063724), column(-0.142762, 0.188227, -0.971694);
  CHECK(g.direction().col(0).isApprox(row.normalized(), 1e-9));
  CHECK(g.direction().col(1).isApprox(column.normalized(), 1e-9));
  CHECK(g.direction().col(2).isApprox(row.cross(column).normalized(), 1e-6));
  CHECK(g.direction().determinant() == Approx(1.0).margin(1e-6));
  // The last sorted slice is 001.dcm, lying at origin + 3 * dz * normal.
  const Eigen::Vector3d last = g.index_to_world(Eigen::Vector3d(3, 0, 0));
  CHECK(last.isApprox(Eigen::Vector3d(-145.6324, -43.13273, 39.37342), 1e-6));
  // The voxels of each z are those of the file at that position.
  const medimg::Image first_file = medimg::read_dicom(series_dir("hitachi") / "004.dcm");
  const medimg::Image last_file = medimg::read_dicom(series_dir("hitachi") / "001.dcm");
  CHECK(image.tensor().select(1, 0).equal(first_file.tensor()));
  CHECK(image.tensor().select(1, 3).equal(last_file.tensor()));
  CHECK(std::get<std::int64_t>(image.meta().at("NumberOfSlices")) == 4);
  CHECK(std::get<double>(image.meta().at("SliceSpacing")) == Approx(4.0).margin(1e-4));
  CHECK(std::get<std::int64_t>(image.meta().at("InstanceNumber")) == 11);
  CHECK(std::get<std::int64_t>(image.meta().at("SkippedFiles")) == 0);
}

TEST_CASE("per-slice RescaleSlope and RescaleIntercept are honoured") {
  const medimg::Image image = medimg::read_dicom_series(series_dir("non_isotropic"));
  REQUIRE(image.tensor().sizes() == at::IntArrayRef{1, 4, 28, 64});
  CHECK(image.geometry().spacing()[0] == Approx(0.5).margin(1e-6));
  const char* files[] = {"001.dcm", "002.dcm", "003.dcm", "004.dcm"};  // ascending positions
  for (std::int64_t z = 0; z < 4; ++z) {
    const medimg::Image slice = medimg::read_dicom(series_dir("non_isotropic") / files[z]);
    CHECK(image.tensor().select(1, z).equal(slice.tensor()));
  }
  CHECK_THROWS_AS(medimg::read_dicom_series(
                      series_dir("non_isotropic"),
                      medimg::DicomSeriesOptions().file_options(
                          medimg::DicomReadOptions().keep_stored_values(true))),
                  medimg::FormatError);
}

TEST_CASE("a file list in any order, one file and the folder give the same volume") {
  const medimg::Image folder = medimg::read_dicom_series(series_dir("hitachi"));
  const std::vector<fs::path> files = {series_dir("hitachi") / "003.dcm",
                                       series_dir("hitachi") / "001.dcm",
                                       series_dir("hitachi") / "004.dcm",
                                       series_dir("hitachi") / "002.dcm"};
  const medimg::Image listed = medimg::read_dicom_series(files);
  const medimg::Image one = medimg::read_dicom_series(series_dir("hitachi") / "002.dcm");
  for (const medimg::Image* other : {&listed, &one}) {
    CHECK(other->tensor().equal(folder.tensor()));
    CHECK(other->geometry().is_close(folder.geometry(), 1e-9));
  }
}

TEST_CASE("progress reports both stages and ends with done == total") {
  std::vector<medimg::Progress> calls;
  medimg::read_dicom_series(
      series_dir("hitachi"),
      medimg::DicomSeriesOptions().progress([&](const medimg::Progress& p) { calls.push_back(p); }));
  REQUIRE(!calls.empty());
  CHECK(calls.front().stage == "scan");
  CHECK(calls.back().stage == "read");
  CHECK(calls.back().done == 4);
  CHECK(calls.back().total == 4);
}

TEST_CASE("list_dicom_series reads headers and counts other files") {
  medimg::test::ScratchDir dir("dicom-series-list");
  copy_series("hitachi", dir / "a");
  copy_series("non_isotropic", dir / "b" / "deeper");
  std::ofstream(dir / "notes.txt") << "not DICOM";
  const medimg::DicomSeriesList list = medimg::list_dicom_series(dir.path());
  REQUIRE(list.series.size() == 2);
  CHECK(list.skipped_files == std::vector<fs::path>{dir / "notes.txt"});
  for (const auto& s : list.series) {
    CHECK(s.file_count() == 4);
    CHECK(s.modality == "MR");
  }
  const auto hitachi = list.series[0].rows == 64 ? list.series[0] : list.series[1];
  CHECK(hitachi.series_uid == "1.2.826.0.1.3680043.8.498.172569766509356122702857987");
  CHECK(hitachi.columns == 64);
  CHECK(hitachi.orientation[0] == Approx(0.60883));
  CHECK(medimg::list_dicom_series(dir.path(), false).series.empty());
  CHECK_THROWS_AS(medimg::list_dicom_series(dir / "absent"), medimg::IoError);
}

TEST_CASE("a folder with several series names them unless series_uid picks one") {
  medimg::test::ScratchDir dir("dicom-series-mixed");
  copy_series("hitachi", dir / "a");
  copy_series("non_isotropic", dir / "b");
  const std::string message = error_of([&] { medimg::read_dicom_series(dir.path()); });
  CHECK_THAT(message, Contains("holds 2 DICOM series; choose one with series_uid"));
  CHECK_THAT(message, Contains("1.2.826.0.1.3680043.8.498.172569766509356122702857987 (MR"));
  CHECK_THAT(message,
             Contains("1.2.826.0.1.3680043.8.498.69597760006836175184016920326015805567 (MR"));
  CHECK_THAT(message, Contains("4 files"));
  const medimg::Image chosen = medimg::read_dicom_series(
      dir.path(), medimg::DicomSeriesOptions().series_uid(
                      "1.2.826.0.1.3680043.8.498.172569766509356122702857987"));
  CHECK(chosen.tensor().equal(medimg::read_dicom_series(series_dir("hitachi")).tensor()));
}

TEST_CASE("a missing slice is reported with its neighbours") {
  medimg::test::ScratchDir dir("dicom-series-missing");
  copy_series("hitachi", dir.path());
  fs::remove(dir / "002.dcm");  // position 93.476, between 003.dcm and 001.dcm
  const std::string message = error_of([&] { medimg::read_dicom_series(dir.path()); });
  CHECK_THAT(message, Contains("missing slice: 1 slice(s) missing between 89.476 mm (003.dcm) "
                               "and 97.476 mm (001.dcm): gap 8.000 mm where slices are 4.000 mm"));
  CHECK_THAT(message, Contains(dir.path().string()));
}

TEST_CASE("duplicate positions without acquisitions to choose from are an error") {
  medimg::test::ScratchDir dir("dicom-series-duplicate");
  copy_series("hitachi", dir.path());
  fs::copy_file(dir / "003.dcm", dir / "003_copy.dcm");
  const std::string message = error_of([&] {
    medimg::read_dicom_series(dir.path(),
                              medimg::DicomSeriesOptions().accept_duplicate_positions(true));
  });
  CHECK_THAT(message, Contains("1 slice position(s) occur more than once: 89.476 mm in "
                               "003.dcm (acquisition 0) 003_copy.dcm (acquisition 0)"));
}

TEST_CASE("a folder without DICOM, a missing path and an empty list are errors") {
  medimg::test::ScratchDir dir("dicom-series-empty");
  std::ofstream(dir / "a.txt") << "text";
  CHECK_THAT(error_of([&] { medimg::read_dicom_series(dir.path()); }),
             Contains("no DICOM image files found (1 other files skipped)"));
  CHECK_THROWS_AS(medimg::read_dicom_series(dir / "absent"), medimg::IoError);
  CHECK_THROWS_AS(medimg::read_dicom_series(std::vector<fs::path>{}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::read_dicom_series(std::vector<fs::path>{dir / "a.txt"}),
                  medimg::FormatError);
}

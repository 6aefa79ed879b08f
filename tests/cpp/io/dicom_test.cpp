#include "medimg/io/dicom.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kCtSmall = fs::path(MEDIMG_TEST_DATA_DIR) / "dicom" / "CT_small.dcm";

}  // namespace

TEST_CASE("a CT slice reads in Hounsfield units with its patient geometry") {
  const medimg::Image ct = medimg::read_dicom(kCtSmall);
  CHECK(ct.tensor().sizes() == at::IntArrayRef{1, 128, 128});
  CHECK(ct.dtype() == at::kFloat);
  // Stored values 128..2191 (pydicom), RescaleIntercept -1024.
  CHECK(ct.tensor().min().item<float>() == -896.0f);
  CHECK(ct.tensor().max().item<float>() == 1167.0f);
  CHECK(ct.geometry().spacing()[0] == Catch::Detail::Approx(0.661468));
  CHECK(ct.geometry().origin().isApprox(Eigen::Vector3d(-158.135803, -179.035797, -75.699997)));
  CHECK(ct.geometry().direction().isIdentity(1e-9));
  CHECK(std::get<std::string>(ct.meta().at("Modality")) == "CT");
  CHECK(std::get<double>(ct.meta().at("RescaleIntercept")) == -1024.0);
  CHECK(ct.meta().count("PatientName") == 0);
}

TEST_CASE("stored values and patient tags on request") {
  const auto options = medimg::DicomReadOptions().keep_stored_values(true).include_patient_tags(true);
  const medimg::Image stored = medimg::read_dicom(kCtSmall, options);
  CHECK(stored.dtype() == at::kShort);
  CHECK(stored.tensor().min().item<int>() == 128);
  CHECK(stored.meta().count("PatientName") == 1);
}

TEST_CASE("bad DICOM input gives medimg errors") {
  medimg::test::ScratchDir dir("dicom");
  CHECK_THROWS_AS(medimg::read_dicom(dir / "missing.dcm"), medimg::IoError);
  std::ofstream(dir / "text.dcm") << "not a DICOM file";
  CHECK_THROWS_AS(medimg::read_dicom(dir / "text.dcm"), medimg::FormatError);
  // The first half of a real file: the pixel data is cut.
  std::ifstream in(kCtSmall, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "half.dcm", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  CHECK_THROWS_WITH(medimg::read_dicom(dir / "half.dcm"), Catch::Contains("truncated"));
}

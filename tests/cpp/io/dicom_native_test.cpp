// medimg's own decoding of uncompressed pixel data GDCM mishandles (src/io/dicom_native.cpp)
// and of RT Dose without NumberOfFrames in RLE. The expected values were read once with
// pydicom 2.3.1 (`pixel_array`; for YBR_FULL_422 followed by
// `convert_color_space(..., "YBR_FULL_422", "RGB")`) and written here as constants.

#include "medimg/io/dicom.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

// Copies of pydicom's test files (tests/data/dicom/README.md).
fs::path test_file(const std::string& name) {
  return fs::path(MEDIMG_TEST_DATA_DIR) / "dicom" / name;
}

const auto kStored = medimg::DicomReadOptions().keep_stored_values(true);

template <typename T>
T voxel(const medimg::Image& image, std::initializer_list<std::int64_t> index) {
  at::Tensor value = image.tensor();
  for (const std::int64_t i : index) value = value[i];
  return value.item<T>();
}

}  // namespace

TEST_CASE("RT Dose without NumberOfFrames reads as one 2D frame, native and RLE") {
  for (const char* name : {"rtdose_1frame.dcm", "rtdose_rle_1frame.dcm"}) {
    INFO(name);
    // 32-bit unsigned dose values: int64 when kept (LibTorch has no uint32).
    const medimg::Image dose = medimg::read_dicom(test_file(name), kStored);
    CHECK(dose.tensor().sizes() == at::IntArrayRef{1, 10, 10});
    CHECK(dose.dtype() == at::kLong);
    // pydicom: pixel_array[0, :4] = 1249000 1249000 1250000 1250000, min 795000,
    // max 1254000, sum 101378000.
    CHECK(voxel<std::int64_t>(dose, {0, 0, 0}) == 1249000);
    CHECK(voxel<std::int64_t>(dose, {0, 0, 2}) == 1250000);
    CHECK(dose.tensor().min().item<std::int64_t>() == 795000);
    CHECK(dose.tensor().max().item<std::int64_t>() == 1254000);
    CHECK(dose.tensor().sum().item<std::int64_t>() == 101378000);
    CHECK(dose.geometry().origin().isApprox(Eigen::Vector3d(189.43125, 199.43125, -761.87)));
    CHECK(dose.geometry().spacing()[0] == 10.0);
    CHECK(std::get<double>(dose.meta().at("DoseGridScaling")) == Catch::Detail::Approx(1e-6));
    // No rescale attributes: float32 with the same values.
    const medimg::Image real = medimg::read_dicom(test_file(name));
    CHECK(real.dtype() == at::kFloat);
    CHECK(voxel<float>(real, {0, 9, 9}) == 798000.0f);
  }
}

TEST_CASE("32-bit explicit big endian values are swapped per value, frames placed by offsets") {
  const medimg::Image dose = medimg::read_dicom(test_file("rtdose_expb.dcm"), kStored);
  CHECK(dose.tensor().sizes() == at::IntArrayRef{1, 15, 10, 10});
  // pydicom ('>u4'): frame 0 starts 1249000 1249000 1250000 1250000, frame 14 starts
  // 1249000 1250000 1251000; the sum of all is 1519910000.
  CHECK(voxel<std::int64_t>(dose, {0, 0, 0, 1}) == 1249000);
  CHECK(voxel<std::int64_t>(dose, {0, 0, 0, 3}) == 1250000);
  CHECK(voxel<std::int64_t>(dose, {0, 14, 0, 1}) == 1250000);
  CHECK(voxel<std::int64_t>(dose, {0, 14, 0, 2}) == 1251000);
  CHECK(dose.tensor().sum().item<std::int64_t>() == 1519910000);
  // GridFrameOffsetVector 0, 5, ..., 70 mm along the normal of an axial grid.
  CHECK(dose.geometry().spacing()[0] == Catch::Detail::Approx(5.0));
  CHECK(dose.meta().count("FrameSpacingWarning") == 0);
  const Eigen::Vector3d last = dose.geometry().index_to_world(Eigen::Vector3d(14, 0, 0));
  CHECK(last.isApprox(Eigen::Vector3d(189.43125, 199.43125, -761.87 + 70.0)));
}

TEST_CASE("uncompressed YBR_FULL_422 is upsampled and converted to RGB") {
  const medimg::Image image = medimg::read_dicom(test_file("SC_ybr_full_422_uncompressed.dcm"));
  CHECK(image.tensor().sizes() == at::IntArrayRef{3, 100, 100});
  CHECK(image.dtype() == at::kByte);
  // Stored Y1 Y2 Cb Cr = 76 76 85 255 -> RGB (254, 0, 0); pydicom's RGB at (50, 50) is
  // (125, 130, 255) and at (99, 99) (255, 255, 255); the sum of all is 3832000.
  CHECK(voxel<std::uint8_t>(image, {0, 0, 0}) == 254);
  CHECK(voxel<std::uint8_t>(image, {1, 0, 1}) == 0);
  CHECK(voxel<std::uint8_t>(image, {0, 50, 50}) == 125);
  CHECK(voxel<std::uint8_t>(image, {1, 50, 50}) == 130);
  CHECK(voxel<std::uint8_t>(image, {2, 50, 50}) == 255);
  CHECK(voxel<std::uint8_t>(image, {1, 99, 99}) == 255);
  CHECK(image.tensor().to(at::kLong).sum().item<std::int64_t>() == 3832000);
}

TEST_CASE("Float Pixel Data gives float32 values and functional-group geometry") {
  const medimg::Image map = medimg::read_dicom(test_file("parametric_map_float.dcm"));
  CHECK(map.tensor().sizes() == at::IntArrayRef{1, 128, 128});
  CHECK(map.dtype() == at::kFloat);
  // pydicom: pixel_array[0, :3] and the maximum, exactly (no rescale).
  CHECK(voxel<float>(map, {0, 0, 0}) == 0.920127809047699f);
  CHECK(voxel<float>(map, {0, 0, 2}) == 0.9242355227470398f);
  CHECK(map.tensor().max().item<float>() == 0.9415791630744934f);
  // GDCM does not know the Parametric Map SOP class; the functional groups give the
  // geometry: PixelSpacing 0.661468, the first frame's ImagePositionPatient.
  CHECK(map.geometry().spacing()[0] == Catch::Detail::Approx(0.661468));
  CHECK(map.geometry().origin().isApprox(Eigen::Vector3d(-158.135803, -179.035797, -75.699997)));
}

TEST_CASE("truncated Float Pixel Data is refused, not read by GDCM") {
  medimg::test::ScratchDir dir("dicom-native");
  std::ifstream in(test_file("parametric_map_float.dcm"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "cut.dcm", std::ios::binary) << bytes.substr(0, bytes.size() - 1000);
  CHECK_THROWS_WITH(medimg::read_dicom(dir / "cut.dcm"), Catch::Contains("truncated"));
}

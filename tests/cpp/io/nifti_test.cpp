#include "medimg/io/nifti.hpp"

#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

// tests/data/nifti: small files from ../shared/data (see its README.md).
fs::path nifti_file(const std::string& name) {
  return fs::path(MEDIMG_DATA_DIR).parent_path() / "tests" / "data" / "nifti" / name;
}

std::vector<char> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A little-endian NIfTI-1 header field at `offset` (the offsets of nifti1.h).
template <typename T>
T field(const std::vector<char>& bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("a big-endian NIfTI-1 file reads with nibabel's values and an LPS geometry") {
  const medimg::Image image = medimg::read_nifti(nifti_file("anatomical.nii"));
  // nibabel: shape (33, 41, 25) int16, affine [[-2,0,0,32],[0,2,0,-40],[0,0,2,-16]].
  CHECK(image.tensor().sizes() == at::IntArrayRef{1, 25, 41, 33});
  CHECK(image.dtype() == at::kShort);
  CHECK(image.tensor()[0][5][20][10].item<int>() == 8577);  // nibabel a[10, 20, 5]
  CHECK(image.tensor().min().item<int>() == -610);
  CHECK(image.tensor().max().item<int>() == 30393);
  // RAS i -> (-2, 0, 0) is LPS (2, 0, 0): image x runs along +x; j -> (0, 2, 0) is (0, -2, 0).
  Eigen::Matrix4d expected;
  expected << 0, 0, 2, -32,  //
      0, -2, 0, 40,          //
      2, 0, 0, -16,          //
      0, 0, 0, 1;
  CHECK(image.geometry().affine().isApprox(expected, 1e-12));
  CHECK(image.geometry().origin().isApprox(Eigen::Vector3d(-32, 40, -16)));
  CHECK(std::get<std::int64_t>(image.meta().at("sform_code")) == 2);
  CHECK(std::get<std::string>(image.meta().at("xyz_units")) == "mm");
}

TEST_CASE("4D files give one channel per volume; pairs and NIfTI-2 read too") {
  const medimg::Image series = medimg::read_nifti(nifti_file("example4d.nii.gz"));
  CHECK(series.tensor().sizes() == at::IntArrayRef{2, 24, 96, 128});
  CHECK(std::get<std::vector<double>>(series.meta().at("dim")) ==
        std::vector<double>{4, 128, 96, 24, 2, 1, 1, 1});
  const medimg::Image single = medimg::read_nifti(nifti_file("anatomical.nii"));
  for (const char* name : {"anatomical_pair.hdr", "anatomical_pair.img"}) {
    const medimg::Image pair = medimg::read_nifti(nifti_file(name));
    CHECK(pair.tensor().equal(single.tensor()));
    CHECK(pair.geometry() == single.geometry());
  }
  const medimg::Image two = medimg::read_nifti(nifti_file("example_nifti2.nii.gz"));
  CHECK(two.tensor().sizes() == at::IntArrayRef{2, 12, 20, 32});
  CHECK(std::get<std::int64_t>(two.meta().at("nifti_version")) == 2);
}

TEST_CASE("scl_slope and scl_inter are applied in double and returned as float32") {
  const medimg::Image stored = medimg::read_nifti(nifti_file("anatomical.nii"));
  const medimg::Image scaled = medimg::read_nifti(nifti_file("anatomical_scaled_int16.nii.gz"));
  REQUIRE(scaled.dtype() == at::kFloat);
  CHECK(std::get<double>(scaled.meta().at("scl_slope")) == 0.5);
  CHECK(std::get<double>(scaled.meta().at("scl_inter")) == 10.0);
  CHECK(scaled.tensor().equal(stored.tensor().to(at::kFloat).mul(0.5).add(10.0)));
}

TEST_CASE("write_nifti stores the RAS affine as sform and qform, checked byte by byte") {
  medimg::test::ScratchDir dir("nifti-header");
  Eigen::VectorXd spacing(3);
  spacing << 3.0, 2.0, 0.5;  // (z, y, x)
  const medimg::Geometry geometry(spacing, Eigen::Vector3d(10, 20, 30));
  medimg::write_nifti(dir / "x.nii", medimg::Image(at::zeros({1, 4, 5, 6}, at::kShort), geometry));
  const std::vector<char> h = read_bytes(dir / "x.nii");
  REQUIRE(h.size() == 352 + 4 * 5 * 6 * 2);
  CHECK(field<std::int32_t>(h, 0) == 348);
  CHECK(std::string(h.data() + 344) == "n+1");
  CHECK(field<std::int16_t>(h, 40) == 3);  // dim[0]
  CHECK(field<std::int16_t>(h, 42) == 6);  // dim[1] = X
  CHECK(field<std::int16_t>(h, 44) == 5);
  CHECK(field<std::int16_t>(h, 46) == 4);
  CHECK(field<std::int16_t>(h, 70) == 4);   // DT_INT16
  CHECK(field<float>(h, 80) == 0.5f);       // pixdim[1] = x spacing
  CHECK(field<float>(h, 88) == 3.0f);       // pixdim[3]
  CHECK(field<float>(h, 108) == 352.0f);    // vox_offset
  CHECK(field<std::int16_t>(h, 252) == 1);  // qform_code: scanner
  CHECK(field<std::int16_t>(h, 254) == 1);  // sform_code
  // LPS identity direction: RAS i = (-0.5, 0, 0), j = (0, -2, 0), k = (0, 0, 3); origin
  // (10, 20, 30) LPS = (-10, -20, 30) RAS.
  const float srow[3][4] = {{-0.5f, 0, 0, -10}, {0, -2, 0, -20}, {0, 0, 3, 30}};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) CHECK(field<float>(h, 280 + 16 * r + 4 * c) == srow[r][c]);
  }
  // The qform of that affine: a 180-degree turn about z, quaternion (0, 0, 0, 1).
  CHECK(field<float>(h, 256) == 0.0f);
  CHECK(field<float>(h, 264) == Approx(1.0f));
  CHECK(field<float>(h, 268) == -10.0f);  // qoffset_x
}

TEST_CASE("write_nifti then read_nifti round-trips voxels, geometry and dtype") {
  medimg::test::ScratchDir dir("nifti-round-trip");
  Eigen::Matrix3d direction;
  const double c = std::cos(0.3), s = std::sin(0.3);
  direction << c, -s, 0, s, c, 0, 0, 0, 1;
  Eigen::VectorXd spacing(3);
  spacing << 2.5, 0.7, 1.1;
  const medimg::Geometry geometry(spacing, Eigen::Vector3d(-5.5, 7.25, 100), direction);
  for (const auto dtype :
       {at::kByte, at::kChar, at::kShort, at::kInt, at::kLong, at::kFloat, at::kDouble}) {
    for (const char* name : {"x.nii", "x.nii.gz"}) {
      const at::Tensor voxels = at::randn({3, 4, 5, 6}).mul(50).to(dtype);
      medimg::write_nifti(dir / name, medimg::Image(voxels, geometry));
      const medimg::Image back = medimg::read_nifti(dir / name);
      CHECK(back.dtype() == dtype);
      CHECK(back.tensor().equal(voxels));
      CHECK(back.geometry().is_close(geometry, 1e-5));  // NIfTI-1: float32 sform
    }
  }
  const at::Tensor voxels = at::randn({1, 4, 5, 6}, at::kDouble);
  medimg::write_nifti(dir / "v2.nii", medimg::Image(voxels, geometry),
                      medimg::NiftiWriteOptions().version(2));
  const medimg::Image back = medimg::read_nifti(dir / "v2.nii");
  CHECK(back.geometry().is_close(geometry, 1e-12));  // NIfTI-2: float64 sform
  CHECK(std::get<std::int64_t>(back.meta().at("nifti_version")) == 2);
  CHECK(entries(dir.path()) == 3);
}

TEST_CASE("write_nifti writes .hdr/.img pairs as nibabel's Nifti1Pair does") {
  medimg::test::ScratchDir dir("nifti-pair");
  Eigen::VectorXd spacing(3);
  spacing << 3.0, 2.0, 0.5;
  const medimg::Geometry geometry(spacing, Eigen::Vector3d(10, 20, 30));
  const at::Tensor voxels = at::randn({2, 4, 5, 6}).mul(100).to(at::kShort);
  // Naming either file writes both.
  medimg::write_nifti(dir / "x.img", medimg::Image(voxels, geometry));
  const std::vector<char> h = read_bytes(dir / "x.hdr");
  REQUIRE(h.size() == 348);  // the header alone: no extension flag
  CHECK(std::string(h.data() + 344) == "ni1");
  CHECK(field<float>(h, 108) == 0.0f);      // vox_offset: the voxels start the .img
  CHECK(field<std::int16_t>(h, 40) == 4);   // dim[0]: channels as t
  CHECK(field<std::int16_t>(h, 48) == 2);   // dim[4]
  CHECK(field<float>(h, 280) == -0.5f);     // srow_x[0], as for a single file
  CHECK(read_bytes(dir / "x.img").size() == 2 * 4 * 5 * 6 * 2);
  for (const char* name : {"x.hdr", "x.img"}) {
    const medimg::Image back = medimg::read_nifti(dir / name);
    CHECK(back.tensor().equal(voxels));
    CHECK(back.geometry().is_close(geometry, 1e-12));
  }
  // Gzipped, NIfTI-2.
  medimg::write_nifti(dir / "y.hdr.gz", medimg::Image(voxels, geometry),
                      medimg::NiftiWriteOptions().version(2));
  const medimg::Image back = medimg::read_nifti(dir / "y.img.gz");
  CHECK(back.tensor().equal(voxels));
  CHECK(std::get<std::int64_t>(back.meta().at("nifti_version")) == 2);
  CHECK(entries(dir.path()) == 4);
}

TEST_CASE("bad NIfTI input gives medimg errors and never a crash") {
  medimg::test::ScratchDir dir("nifti-bad");
  CHECK_THROWS_AS(medimg::read_nifti(dir / "missing.nii"), medimg::IoError);
  CHECK_THROWS_WITH(medimg::read_nifti(dir / "missing.nii"), Catch::Contains("no such file"));
  CHECK_THROWS_WITH(medimg::read_nifti(nifti_file("nifti1.hdr")),
                    Catch::Contains("nifti1.img: no such file"));

  const std::vector<char> raw = read_bytes(nifti_file("anatomical.nii"));
  write_bytes(dir / "short.nii", {raw.begin(), raw.end() - 10});
  CHECK_THROWS_AS(medimg::read_nifti(dir / "short.nii"), medimg::FormatError);
  CHECK_THROWS_WITH(medimg::read_nifti(dir / "short.nii"), Catch::Contains("truncated"));
  for (std::size_t n : {0, 3, 100, 347, 351}) {
    write_bytes(dir / "cut.nii", {raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n)});
    CHECK_THROWS_AS(medimg::read_nifti(dir / "cut.nii"), medimg::FormatError);
  }

  // 10^4 x 10^4 x 10^4 float32 voxels claimed by a 1 kB file (big-endian header).
  std::vector<char> huge(raw.begin(), raw.begin() + 1000);
  for (int d = 1; d <= 3; ++d) {
    huge[40 + 2 * d] = static_cast<char>(10000 >> 8);
    huge[41 + 2 * d] = static_cast<char>(10000 & 0xff);
  }
  write_bytes(dir / "huge.nii", huge);
  CHECK_THROWS_WITH(medimg::read_nifti(dir / "huge.nii"),
                    Catch::Contains("2000000000000 voxel bytes"));

  std::vector<char> complex = raw;
  complex[70] = 0;
  complex[71] = 32;  // DT_COMPLEX64, big-endian
  write_bytes(dir / "complex.nii", complex);
  CHECK_THROWS_AS(medimg::read_nifti(dir / "complex.nii"), medimg::Unsupported);

  std::vector<char> nan_offset = raw;
  for (int b = 0; b < 4; ++b) nan_offset[108 + b] = static_cast<char>(b == 0 ? 0x7f : 0xff);
  write_bytes(dir / "complex.nii", nan_offset);  // vox_offset = NaN (big-endian float)
  CHECK_THROWS_WITH(medimg::read_nifti(dir / "complex.nii"), Catch::Contains("vox_offset"));

  const medimg::Image image(at::zeros({1, 2, 2, 2}, at::kFloat));
  CHECK_THROWS_AS(medimg::write_nifti(dir / "x.nii", image.to(at::kHalf)), medimg::Unsupported);
  CHECK_THROWS_AS(medimg::write_nifti(dir / "x.png", image), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::write_nifti(dir / "no" / "x.nii.gz", image), medimg::IoError);
  fs::create_directory(dir / "taken.nii");
  CHECK_THROWS_AS(medimg::write_nifti(dir / "taken.nii", image), medimg::IoError);
  // The files written above by this test, and nothing from the failed writes.
  CHECK(entries(dir.path()) == 5);
}

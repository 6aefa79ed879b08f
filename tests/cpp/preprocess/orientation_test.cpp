#include "medimg/preprocess/orientation.hpp"

#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

using medimg::Geometry;
using medimg::Image;

namespace {

Image oblique_volume() {
  Eigen::Matrix3d direction;  // columns: image x, y, z in LPS
  direction << 0.0, 0.0, -1.0,  //
      -0.96, 0.28, 0.0,         //
      0.28, 0.96, 0.0;
  return Image(medimg::test::ramp({2, 3, 4, 5}),
               Geometry(Eigen::Vector3d(2.0, 0.5, 1.5), Eigen::Vector3d(7, -3, 12), direction));
}

// Every voxel of `after` lies on a voxel of `before` with the same values in every channel.
void check_same_world_content(const Image& before, const Image& after) {
  const auto shape = after.spatial_shape();
  const int dims = after.spatial_dims();
  for (std::int64_t n = 0; n < after.tensor()[0].numel(); ++n) {
    Eigen::VectorXd j(dims);
    std::int64_t rest = n;
    for (int k = dims - 1; k >= 0; --k) {
      j[k] = static_cast<double>(rest % shape[k]);
      rest /= shape[k];
    }
    const Eigen::VectorXd i = before.geometry().world_to_index(after.geometry().index_to_world(j));
    at::Tensor a = after.tensor(), b = before.tensor();
    for (int k = 0; k < dims; ++k) {
      REQUIRE(i[k] == Catch::Detail::Approx(std::round(i[k])).margin(1e-9));
      a = a.select(1, static_cast<std::int64_t>(j[k]));
      b = b.select(1, std::llround(i[k]));
    }
    REQUIRE(a.equal(b));
  }
}

}  // namespace

TEST_CASE("flip reverses array axes and keeps world positions") {
  const Image image = oblique_volume();
  const Image out = medimg::flip(image, {-1, 0});
  CHECK(out.tensor()[1][0][1][0].item<float>() == image.tensor()[1][2][1][4].item<float>());
  check_same_world_content(image, out);
  check_same_world_content(image, medimg::flip(image));
  CHECK_THROWS_AS(medimg::flip(image, {1, -2}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::flip(image, {3}), medimg::ArgumentError);
}

TEST_CASE("rot90 turns from the first axis towards the second, as numpy") {
  // numpy.rot90([[0, 1, 2], [3, 4, 5]]) == [[2, 5], [1, 4], [0, 3]].
  const Image image(medimg::test::ramp({1, 2, 3}));
  const at::Tensor turned = medimg::rot90(image).tensor();
  CHECK(turned.sizes() == at::IntArrayRef({1, 3, 2}));
  CHECK(turned[0][0][0].item<float>() == 2.0f);
  CHECK(turned[0][0][1].item<float>() == 5.0f);
  CHECK(turned[0][2][0].item<float>() == 0.0f);
  CHECK(turned[0][2][1].item<float>() == 3.0f);
  const Image volume = oblique_volume();
  for (int k = 1; k < 4; ++k) {
    check_same_world_content(volume, medimg::rot90(volume, k, {0, 2}));
    check_same_world_content(volume, medimg::rot90(volume, k, {-1, -2}));
  }
  CHECK(medimg::rot90(volume, 8).tensor().data_ptr() == volume.tensor().data_ptr());
  CHECK_THROWS_AS(medimg::rot90(volume, 1, {1, 1}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::rot90(volume, 1, {0}), medimg::ArgumentError);
}

TEST_CASE("orientation codes name where each image axis points") {
  CHECK(medimg::orientation_code(Geometry(3)) == "LPS");
  Eigen::Matrix3d ras = Eigen::Vector3d(-1, -1, 1).asDiagonal();
  const Geometry ras_geometry(Eigen::Vector3d(1, 1, 1), Eigen::Vector3d::Zero(), ras);
  CHECK(medimg::orientation_code(ras_geometry) == "RAS");
  // x runs mostly along -y (A), y mostly along +z (S), z along -x (R).
  CHECK(medimg::orientation_code(oblique_volume().geometry()) == "ASR");
  CHECK(medimg::orientation_code(Geometry(2)) == "LP");
}

TEST_CASE("reorient permutes and flips to the requested code") {
  const Image image = oblique_volume();
  for (const char* code : {"LPS", "RAS", "SAL", "ipr"}) {
    const Image out = medimg::reorient(image, code);
    std::string upper = code;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(medimg::orientation_code(out.geometry()) == upper);
    check_same_world_content(image, out);
  }
  // An axis-aligned RAS volume becomes the identity direction under "LPS".
  Eigen::Matrix3d ras = Eigen::Vector3d(-1, -1, 1).asDiagonal();
  const Image aligned(medimg::test::ramp({1, 2, 3, 4}),
                      Geometry(Eigen::Vector3d(1, 2, 3), Eigen::Vector3d(1, 1, 1), ras));
  const Image lps = medimg::reorient(aligned, "LPS");
  CHECK(lps.geometry().direction().isApprox(Eigen::Matrix3d::Identity()));
  CHECK(lps.tensor()[0][0][0][0].item<float>() == aligned.tensor()[0][0][2][3].item<float>());
  CHECK_THROWS_AS(medimg::reorient(image, "LP"), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::reorient(image, "LPL"), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::reorient(image, "XPS"), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::reorient(Image(at::zeros({1, 2, 2})), "LS"), medimg::ArgumentError);
}

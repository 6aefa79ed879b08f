#include "medimg/preprocess/resample.hpp"

#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

using Catch::Detail::Approx;
using medimg::Geometry;
using medimg::Image;

namespace {

Image oblique(const at::Tensor& voxels, const Eigen::Vector3d& spacing) {
  Eigen::Matrix3d direction;
  direction << 0.6, 0.0, 0.8, 0.0, 1.0, 0.0, -0.8, 0.0, 0.6;
  return Image(voxels, Geometry(spacing, Eigen::Vector3d(10, -5, 3), direction));
}

}  // namespace

TEST_CASE("halving the shape averages voxel pairs (the grid-mode positions)") {
  // New voxel j samples old position (j + 0.5) * 2 - 0.5 = 2j + 0.5 along each axis.
  const at::Tensor voxels = medimg::test::ramp({1, 4, 6});
  const Image out = medimg::resample(Image(voxels), {}, {2, 3});
  const at::Tensor v = out.tensor();
  CHECK(v.sizes() == at::IntArrayRef({1, 2, 3}));
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) {
      const double expected = (2 * y + 0.5) * 6 + (2 * x + 0.5);
      CHECK(v[0][y][x].item<float>() == Approx(expected));
    }
  CHECK(out.geometry().spacing()[0] == Approx(2.0));
  // The centres coincide: old index 0.5 is the new voxel 0.
  CHECK(out.geometry().origin().x() == Approx(0.5));
  CHECK(out.geometry().origin().y() == Approx(0.5));
}

TEST_CASE("a new spacing rounds the shape and keeps the centre and world content") {
  const at::Tensor voxels = medimg::test::ramp({1, 5, 7, 9});
  const Image image = oblique(voxels, Eigen::Vector3d(2.0, 1.5, 0.7));
  const Image out = medimg::resample(image, {1.0, 2.0, 1.0});
  // round(5 * 2 / 1) = 10, round(7 * 1.5 / 2) = round(5.25) = 5, round(9 * 0.7) = round(6.3) = 6.
  CHECK(out.spatial_shape() == std::vector<std::int64_t>{10, 5, 6});
  CHECK(out.geometry().direction().isApprox(image.geometry().direction()));
  // The grid centres map to the same world point.
  const Eigen::Vector3d old_centre = image.geometry().index_to_world(Eigen::Vector3d(2, 3, 4));
  const Eigen::Vector3d new_centre = out.geometry().index_to_world(Eigen::Vector3d(4.5, 2, 2.5));
  CHECK((old_centre - new_centre).norm() < 1e-9);
  // A ramp is reproduced exactly by linear interpolation wherever no border is involved:
  // the value at a world point is the ramp at the old index of that point.
  const Eigen::Vector3d index(3, 2, 3);
  const Eigen::VectorXd old_index =
      image.geometry().world_to_index(out.geometry().index_to_world(index));
  const double expected = old_index[0] * 63 + old_index[1] * 9 + old_index[2];
  CHECK(out.tensor()[0][3][2][3].item<float>() == Approx(expected).epsilon(1e-5));
}

TEST_CASE("label resampling keeps the dtype; one-hot votes by linear weight") {
  // 0 0 1 2 upsampled by 4 (grid mode): position (j + 0.5) / 4 - 0.5.
  const at::Tensor labels = at::tensor({0, 0, 1, 2}, at::kLong).reshape({1, 1, 4});
  const Image nearest =
      medimg::resample_labels(Image(labels), {}, {1, 16}, medimg::LabelResampling::Nearest);
  CHECK(nearest.dtype() == at::kLong);
  const Image one_hot =
      medimg::resample_labels(Image(labels), {}, {1, 16}, medimg::LabelResampling::OneHot);
  // j = 10: position 2.125, between label 1 (weight 0.875) and 2 (0.125).
  CHECK(one_hot.tensor()[0][0][10].item<std::int64_t>() == 1);
  // j = 13: position 2.875: label 2 has weight 0.875.
  CHECK(one_hot.tensor()[0][0][13].item<std::int64_t>() == 2);
  // j = 6: position 1.125: label 0 (0.875) beats 1.
  CHECK(one_hot.tensor()[0][0][6].item<std::int64_t>() == 0);
  CHECK(nearest.tensor()[0][0][10].item<std::int64_t>() == 1);
  // Outside under Constant, the fill label takes the weight outside.
  const Image filled = medimg::resample_labels(Image(labels), {}, {1, 16},
                                               medimg::LabelResampling::OneHot,
                                               medimg::BorderMode::Constant, 5.0);
  CHECK(filled.tensor()[0][0][15].item<std::int64_t>() == 2);  // position 3.375: 2 weighs 0.625
  CHECK(filled.tensor()[0][0][0].item<std::int64_t>() == 0);
}

TEST_CASE("resample_to another grid goes through world coordinates") {
  const at::Tensor voxels = medimg::test::ramp({1, 4, 5, 6});
  const Image image(voxels, Geometry(Eigen::Vector3d(1, 1, 1), Eigen::Vector3d(0, 0, 0)));
  // A reference grid shifted by whole voxels (x +2 mm, y +1 mm, z +1 mm) samples shifted voxels.
  const Geometry reference(Eigen::Vector3d(1, 1, 1), Eigen::Vector3d(2, 1, 1));
  const Image out = medimg::resample_to(image, reference, {2, 3, 3});
  CHECK(out.geometry() == reference);
  for (int z = 0; z < 2; ++z)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x) {
        CHECK(out.tensor()[0][z][y][x].item<float>() ==
              voxels[0][z + 1][y + 1][x + 2].item<float>());
      }
  // Outside the image: the fill value (Constant by default).
  const Geometry far(Eigen::Vector3d(1, 1, 1), Eigen::Vector3d(50, 0, 0));
  CHECK(medimg::resample_to(image, far, {1, 1, 1}).tensor().abs().max().item<float>() == 0.0f);
  const Image labels = medimg::resample_labels_to(Image(voxels.to(at::kByte)), reference,
                                                  {2, 3, 3});
  CHECK(labels.dtype() == at::kByte);
  CHECK(labels.tensor()[0][1][2][2].item<std::uint8_t>() ==
        voxels[0][2][3][4].item<float>());
}

TEST_CASE("resample refuses bad arguments") {
  const Image image(at::zeros({1, 3, 4, 5}));
  CHECK_THROWS_AS(medimg::resample(image, {}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::resample(image, {1.0, 0.0, 1.0}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::resample(image, {-2.0}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::resample(image, {1.0, 2.0}), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::resample(image, {}, {3, 0, 2}), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::resample_to(image, Geometry(2), {3, 4}), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::resample_to(image, Geometry(3), {3, 4}), medimg::ShapeError);
}

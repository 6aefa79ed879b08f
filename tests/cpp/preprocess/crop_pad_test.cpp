#include "medimg/preprocess/crop_pad.hpp"

#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <vector>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

using medimg::Geometry;
using medimg::Image;
using medimg::PadMode;

namespace {

// The values of a padded 1 x 4 line as a vector.
std::vector<int> padded_line(PadMode mode, std::int64_t before, std::int64_t after) {
  const at::Tensor line = at::tensor({1, 2, 3, 4}, at::kInt).reshape({1, 1, 4});
  const Image out = medimg::pad(Image(line), {0, before}, {0, after}, mode, 9.0);
  const at::Tensor v = out.tensor().contiguous();
  return std::vector<int>(v.data_ptr<int>(), v.data_ptr<int>() + v.numel());
}

}  // namespace

TEST_CASE("numpy.pad's modes on a line, beyond one period too") {
  CHECK(padded_line(PadMode::Constant, 2, 1) == std::vector<int>{9, 9, 1, 2, 3, 4, 9});
  CHECK(padded_line(PadMode::Edge, 2, 2) == std::vector<int>{1, 1, 1, 2, 3, 4, 4, 4});
  // numpy 'reflect': the edge is not repeated.
  CHECK(padded_line(PadMode::Reflect, 5, 3) ==
        std::vector<int>{2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1});
  // numpy 'symmetric': the edge is repeated.
  CHECK(padded_line(PadMode::Symmetric, 5, 2) ==
        std::vector<int>{4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3});
  CHECK(padded_line(PadMode::Wrap, 5, 2) == std::vector<int>{4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2});
}

TEST_CASE("crop is a view and moves the origin") {
  const at::Tensor voxels = medimg::test::ramp({1, 4, 5, 6});
  const Image image(voxels, Geometry(Eigen::Vector3d(2.0, 1.0, 0.5), Eigen::Vector3d(1, 2, 3)));
  const Image out = medimg::crop(image, {1, 2, 3}, {3, 5, 4});
  CHECK(out.spatial_shape() == std::vector<std::int64_t>{2, 3, 1});
  CHECK(out.tensor()[0][0][0][0].item<float>() == voxels[0][1][2][3].item<float>());
  CHECK(out.tensor().data_ptr() == voxels[0][1][2][3].data_ptr());
  // x + 3 * 0.5, y + 2 * 1, z + 1 * 2.
  CHECK(out.geometry().origin().isApprox(Eigen::Vector3d(2.5, 4, 5)));
  CHECK_THROWS_AS(medimg::crop(image, {0, 0, 0}, {5, 5, 6}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::crop(image, {2, 0, 0}, {2, 5, 6}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::crop(image, {0, 0}, {2, 2}), medimg::ShapeError);
}

TEST_CASE("crop_or_pad centres as MONAI's ResizeWithPadOrCrop") {
  const at::Tensor voxels = medimg::test::ramp({1, 6, 5});
  const Image image(voxels);
  // y: 6 -> 3, crop from 6 / 2 - 3 / 2 = 2; x: 5 -> 8, pad (8 - 5) / 2 = 1 before, 2 after.
  const Image out = medimg::crop_or_pad(image, {3, 8});
  CHECK(out.spatial_shape() == std::vector<std::int64_t>{3, 8});
  CHECK(out.tensor()[0][0][0].item<float>() == 0.0f);  // padding
  CHECK(out.tensor()[0][0][1].item<float>() == voxels[0][2][0].item<float>());
  CHECK(out.tensor()[0][2][5].item<float>() == voxels[0][4][4].item<float>());
  CHECK(out.tensor()[0][2][7].item<float>() == 0.0f);
  CHECK(out.geometry().origin().isApprox(Eigen::Vector3d(-1, 2, 0)));
  // Crop only: a view.
  const Image cropped = medimg::crop_or_pad(image, {5});
  CHECK(cropped.spatial_shape() == std::vector<std::int64_t>{5, 5});
  CHECK(cropped.tensor().data_ptr() == voxels[0][1][0].data_ptr());
}

TEST_CASE("foreground boxes and crop_foreground with a margin") {
  at::Tensor voxels = at::zeros({2, 5, 6, 7});
  voxels[0][1][2][3] = 4.0f;
  voxels[1][3][4][1] = 1.0f;
  const medimg::IndexBox box = medimg::foreground_box(voxels);
  CHECK(box.start == std::vector<std::int64_t>{1, 2, 1});
  CHECK(box.stop == std::vector<std::int64_t>{4, 5, 4});
  CHECK(medimg::foreground_box(voxels, 2.0).stop == std::vector<std::int64_t>{2, 3, 4});
  CHECK(medimg::foreground_box(at::zeros({1, 3, 3})).empty());
  const Image out = medimg::crop_foreground(Image(voxels), 0.0, {1, 0, 9});
  CHECK(out.spatial_shape() == std::vector<std::int64_t>{5, 3, 7});
  at::Tensor mask = at::zeros({5, 6, 7}, at::kBool);
  mask[4][5][6] = true;
  CHECK(medimg::crop_foreground(Image(voxels), mask).spatial_shape() ==
        std::vector<std::int64_t>{1, 1, 1});
  CHECK(medimg::crop_foreground(Image(at::zeros({1, 3, 3}))).spatial_shape() ==
        std::vector<std::int64_t>{3, 3});
  CHECK_THROWS_AS(medimg::crop_foreground(Image(voxels), mask.narrow(0, 0, 2)),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::crop_foreground(Image(voxels), 0.0, {-1}), medimg::ArgumentError);
}

TEST_CASE("pad refuses negative widths and values the dtype cannot hold") {
  const Image image(at::zeros({1, 2, 2}, at::kByte));
  CHECK_THROWS_AS(medimg::pad(image, {-1}, {0}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::pad(image, {1}, {1}, PadMode::Constant, -3.0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::pad(image, {1, 1, 1}, {1}), medimg::ShapeError);
}

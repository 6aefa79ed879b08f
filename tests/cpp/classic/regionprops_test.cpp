#include "medimg/classic/regionprops.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;

namespace {

// Label 3 on rows 1..2, columns 2..5 of a 4 x 8 image.
at::Tensor rectangle() {
  at::Tensor labels = at::zeros({4, 8}, at::kInt);
  labels.narrow(0, 1, 2).narrow(1, 2, 4).fill_(3);
  return labels;
}

}  // namespace

TEST_CASE("regionprops of a rectangle in voxels", "[regionprops]") {
  const auto props = medimg::regionprops(rectangle(), at::arange(32, at::kFloat).reshape({4, 8}));
  REQUIRE(props.size() == 1);
  const medimg::RegionProps& p = props[0];
  CHECK(p.label == 3);
  CHECK(p.area == 8);
  CHECK(p.volume == Approx(8.0));
  CHECK(p.centroid == std::vector<double>{1.5, 3.5});
  CHECK(p.bbox == std::vector<std::int64_t>{1, 2, 3, 6});
  // Values 10..13 and 18..21.
  CHECK(p.intensity_mean == Approx(15.5));
  CHECK(p.intensity_min == 10.0);
  CHECK(p.intensity_max == 21.0);
  CHECK(p.equivalent_diameter == Approx(std::sqrt(4 * 8 / M_PI)));
  // Variances 0.25 (rows) and 1.25 (columns): 4 sqrt(variance), as scikit-image.
  CHECK(p.axis_major_length == Approx(4 * std::sqrt(1.25)));
  CHECK(p.axis_minor_length == Approx(2.0));
  CHECK(p.elongation == Approx(std::sqrt(5.0)));
}

TEST_CASE("regionprops in millimetres and world coordinates", "[regionprops]") {
  Eigen::VectorXd spacing(2);
  spacing << 2.0, 0.5;
  const medimg::Geometry geometry(spacing, Eigen::Vector3d(10, 20, 30));
  const auto props = medimg::regionprops(rectangle(), geometry);
  REQUIRE(props.size() == 1);
  const medimg::RegionProps& p = props[0];
  CHECK(p.volume == Approx(8.0 * 2.0 * 0.5));
  CHECK(p.centroid_world.x() == Approx(10 + 3.5 * 0.5));
  CHECK(p.centroid_world.y() == Approx(20 + 1.5 * 2.0));
  CHECK(p.centroid_world.z() == Approx(30));
  CHECK(p.axis_major_length == Approx(4.0));               // rows: 4 sqrt(0.25 * 2^2)
  CHECK(p.axis_minor_length == Approx(4 * std::sqrt(0.3125)));  // columns: 1.25 * 0.5^2
  CHECK(p.equivalent_diameter == Approx(std::sqrt(4 * 8.0 / M_PI)));
  CHECK(std::isnan(p.intensity_mean));
}

TEST_CASE("regionprops in 3D: a cube, a single voxel; labels ascending", "[regionprops]") {
  at::Tensor labels = at::zeros({4, 4, 4}, at::kLong);
  labels.narrow(0, 0, 2).narrow(1, 0, 2).narrow(2, 0, 2).fill_(5);
  labels[3][3][3] = 2;
  const auto props = medimg::regionprops(labels);
  REQUIRE(props.size() == 2);
  CHECK(props[0].label == 2);
  CHECK(props[0].area == 1);
  CHECK(props[0].axis_major_length == 0.0);
  CHECK(std::isnan(props[0].elongation));
  CHECK(props[1].label == 5);
  CHECK(props[1].centroid == std::vector<double>{0.5, 0.5, 0.5});
  CHECK(props[1].axis_major_length == Approx(std::sqrt(20 * 0.25)));
  CHECK(props[1].elongation == Approx(1.0));
  CHECK(props[1].equivalent_diameter == Approx(std::cbrt(6 * 8 / M_PI)));
  CHECK(props[1].bbox == std::vector<std::int64_t>{0, 0, 0, 2, 2, 2});
  CHECK(medimg::regionprops(at::zeros({3, 3}, at::kInt)).empty());
}

TEST_CASE("bad regionprops input is refused", "[regionprops]") {
  CHECK_THROWS_AS(medimg::regionprops(at::zeros({3, 3}, at::kBool)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::regionprops(at::zeros({3, 3}, at::kFloat)), medimg::ArgumentError);
  at::Tensor negative = at::zeros({3, 3}, at::kInt);
  negative[1][1] = -4;
  CHECK_THROWS_AS(medimg::regionprops(negative), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::regionprops(rectangle(), at::zeros({4, 7})), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::regionprops(rectangle(), medimg::Geometry(3)), medimg::ShapeError);
}

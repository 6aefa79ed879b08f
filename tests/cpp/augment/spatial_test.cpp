#include "medimg/augment/spatial.hpp"

#include <ATen/Functions.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

namespace {

medimg::AffineParams identity_params(int dims) {
  medimg::AffineParams p;
  const int planes = dims == 2 ? 1 : 3;
  p.angles.assign(planes, 0.0);
  p.shears.assign(planes, 0.0);
  p.scales.assign(dims, 1.0);
  p.translation.assign(dims, 0.0);
  return p;
}

}  // namespace

TEST_CASE("affine_matrix: a quarter turn on anisotropic voxels, by hand") {
  // Forward rotation by 90 degrees in the (y, x) plane: R = [[0, -1], [1, 0]] in mm. With
  // spacing (2, 1) the index map is S^-1 R^-1 S = [[0, 1/2], [-2, 0]], about centre (2, 2).
  auto p = identity_params(2);
  p.angles[0] = M_PI / 2;
  Eigen::VectorXd spacing(2);
  spacing << 2.0, 1.0;
  const Eigen::MatrixXd m = medimg::affine_matrix(p, {5, 5}, spacing);
  Eigen::MatrixXd expected(3, 3);
  expected << 0.0, 0.5, 2.0 - 0.5 * 2.0,  //
      -2.0, 0.0, 2.0 + 2.0 * 2.0,         //
      0.0, 0.0, 1.0;
  CHECK(m.isApprox(expected, 1e-12));
}

TEST_CASE("affine_matrix: translation and scale move content the documented way") {
  auto p = identity_params(3);
  p.translation = {1.0, -2.0, 3.0};
  p.scales = {2.0, 2.0, 2.0};
  const Eigen::MatrixXd m = medimg::affine_matrix(p, {5, 7, 9}, Eigen::VectorXd::Ones(3));
  // Forward: q = 2 (p - c) + c + t; so output index o samples c + (o - c - t) / 2.
  Eigen::VectorXd o(4);
  o << 4.0, 1.0, 7.0, 1.0;
  const Eigen::VectorXd i = m * o;
  CHECK(i[0] == Approx(2.0 + (4.0 - 2.0 - 1.0) / 2.0));
  CHECK(i[1] == Approx(3.0 + (1.0 - 3.0 + 2.0) / 2.0));
  CHECK(i[2] == Approx(4.0 + (7.0 - 4.0 - 3.0) / 2.0));
  CHECK(i[3] == 1.0);
}

TEST_CASE("RandAffine draws lie in the configured ranges") {
  medimg::RandAffineOptions options;
  options.rotation = {-15.0, 15.0};
  options.scale = {0.9, 1.1};
  options.translation = {-3.0, 3.0};
  const medimg::RandAffine affine(options);
  medimg::Random random(5);
  for (int i = 0; i < 1000; ++i) {
    const auto p = affine.sample(random, {8, 8, 8});
    REQUIRE(p.angles.size() == 3);
    for (double a : p.angles) CHECK(std::abs(a) <= 15.0 * M_PI / 180.0);
    CHECK((p.scales[0] >= 0.9 && p.scales[0] <= 1.1));
    CHECK((p.scales[0] == p.scales[1] && p.scales[1] == p.scales[2]));  // isotropic by default
    for (double t : p.translation) CHECK(std::abs(t) <= 3.0);
  }
}

TEST_CASE("flip and quarter turn move image and label together") {
  medimg::Sample sample;
  sample.image = medimg::Image(at::arange(6, at::kFloat).reshape({1, 2, 3}));
  sample.label = medimg::Image(at::arange(6, at::kLong).reshape({1, 2, 3}));
  medimg::RandFlip().apply(sample, {false, true});
  CHECK(at::equal(sample.image.tensor().to(at::kLong), sample.label.tensor()));
  CHECK(sample.label.tensor()[0][0][0].item<long>() == 2);

  Eigen::VectorXd spacing(2);
  spacing << 3.0, 1.0;
  medimg::Geometry geometry(spacing);
  sample.image.set_geometry(geometry);
  medimg::RandRot90().apply(sample, 1);
  CHECK(sample.image.tensor().sizes() == at::IntArrayRef({1, 3, 2}));
  CHECK(sample.image.geometry().spacing()[0] == 1.0);
  CHECK(sample.image.geometry().spacing()[1] == 3.0);
  CHECK(at::equal(sample.image.tensor().to(at::kLong), sample.label.tensor()));
}

TEST_CASE("spatial options are checked") {
  medimg::RandAffineOptions bad;
  bad.scale = {0.0, 1.0};
  CHECK_THROWS_AS(medimg::RandAffine(bad), medimg::ArgumentError);
  medimg::RandRot90Options plane;
  plane.plane = {0};
  CHECK_THROWS_AS(medimg::RandRot90(plane), medimg::ArgumentError);
  medimg::RandElasticOptions elastic;
  elastic.sigma = {0.0, 1.0};
  CHECK_THROWS_AS(medimg::RandElastic(elastic), medimg::ArgumentError);
  auto p = identity_params(2);
  p.scales = {1.0};
  CHECK_THROWS_AS(medimg::affine_matrix(p, {4, 4}, Eigen::VectorXd::Ones(2)), medimg::ShapeError);
}

#include "medimg/preprocess/interpolation.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/full.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "test_helpers.hpp"

using Catch::Detail::Approx;
using medimg::BorderMode;
using medimg::Interpolation;
using medimg::SampleOptions;

namespace {

SampleOptions options(Interpolation interpolation, BorderMode border, double fill = 0.0) {
  SampleOptions o;
  o.interpolation = interpolation;
  o.border = border;
  o.fill_value = fill;
  return o;
}

// The line 1 2 4 8 as a (1, 1, 4) image, sampled along x at `x`.
double sample_line(double x, Interpolation interpolation, BorderMode border, double fill = 0.0) {
  const at::Tensor line = at::tensor({1.0, 2.0, 4.0, 8.0}, at::kDouble).reshape({1, 1, 4});
  const at::Tensor coordinates = at::tensor({0.0, x}, at::kDouble).reshape({2, 1});
  return medimg::map_coordinates(line, coordinates, options(interpolation, border, fill))[0][0]
      .item<double>();
}

}  // namespace

TEST_CASE("linear sampling between and beyond the samples, for every border mode") {
  CHECK(sample_line(1.25, Interpolation::Linear, BorderMode::Constant) == Approx(2.5));
  // Half a voxel outside: the edge voxel blends with what the border puts beyond it.
  CHECK(sample_line(-0.5, Interpolation::Linear, BorderMode::Constant, 10.0) == Approx(5.5));
  CHECK(sample_line(-0.5, Interpolation::Linear, BorderMode::Edge) == Approx(1.0));
  CHECK(sample_line(-0.5, Interpolation::Linear, BorderMode::Reflect) == Approx(1.0));
  CHECK(sample_line(-0.5, Interpolation::Linear, BorderMode::Mirror) == Approx(1.5));
  CHECK(sample_line(-0.5, Interpolation::Linear, BorderMode::Wrap) == Approx(4.5));
  // One voxel outside: d c b a | a b c d, d c b | a b c d, a b c d | a b c d.
  CHECK(sample_line(-1.0, Interpolation::Linear, BorderMode::Constant, 10.0) == Approx(10.0));
  CHECK(sample_line(-1.0, Interpolation::Linear, BorderMode::Reflect) == Approx(1.0));
  CHECK(sample_line(-1.0, Interpolation::Linear, BorderMode::Mirror) == Approx(2.0));
  CHECK(sample_line(-1.0, Interpolation::Linear, BorderMode::Wrap) == Approx(8.0));
  CHECK(sample_line(5.0, Interpolation::Linear, BorderMode::Reflect) == Approx(4.0));
  CHECK(sample_line(5.0, Interpolation::Linear, BorderMode::Mirror) == Approx(2.0));
  CHECK(sample_line(13.0, Interpolation::Linear, BorderMode::Wrap) == Approx(2.0));
  CHECK(sample_line(25.0, Interpolation::Linear, BorderMode::Edge) == Approx(8.0));
}

TEST_CASE("nearest rounds halves up and B-splines pass through the samples") {
  CHECK(sample_line(1.5, Interpolation::Nearest, BorderMode::Constant) == 4.0);
  CHECK(sample_line(1.49, Interpolation::Nearest, BorderMode::Constant) == 2.0);
  CHECK(sample_line(-0.5, Interpolation::Nearest, BorderMode::Constant, 7.0) == 1.0);
  CHECK(sample_line(-0.51, Interpolation::Nearest, BorderMode::Constant, 7.0) == 7.0);
  for (auto border : {BorderMode::Constant, BorderMode::Edge, BorderMode::Reflect,
                      BorderMode::Mirror, BorderMode::Wrap}) {
    CHECK(sample_line(0.0, Interpolation::BSpline3, border) == Approx(1.0).margin(1e-12));
    CHECK(sample_line(2.0, Interpolation::BSpline3, border) == Approx(4.0).margin(1e-12));
    CHECK(sample_line(3.0, Interpolation::BSpline3, border) == Approx(8.0).margin(1e-12));
  }
}

TEST_CASE("cubic B-splines reproduce a straight line away from the borders") {
  const at::Tensor ramp = at::arange(60, at::kDouble).mul(0.5).add(3.0).reshape({1, 1, 60});
  const at::Tensor coordinates =
      at::tensor({0.0, 0.0, 0.0, 29.3, 30.5, 31.77}, at::kDouble).reshape({2, 3});
  const at::Tensor out = medimg::map_coordinates(
      ramp, coordinates, options(Interpolation::BSpline3, BorderMode::Mirror));
  CHECK(out[0][0].item<double>() == Approx(3.0 + 0.5 * 29.3).margin(1e-9));
  CHECK(out[0][1].item<double>() == Approx(3.0 + 0.5 * 30.5).margin(1e-9));
  CHECK(out[0][2].item<double>() == Approx(3.0 + 0.5 * 31.77).margin(1e-9));
}

TEST_CASE("spline_filter keeps a constant volume and makes float32 of integers") {
  const at::Tensor flat = at::full({2, 5, 6, 7}, 3, at::kShort);
  for (auto border : {BorderMode::Constant, BorderMode::Edge, BorderMode::Reflect,
                      BorderMode::Mirror, BorderMode::Wrap}) {
    const at::Tensor c = medimg::spline_filter(flat, border);
    CHECK(c.scalar_type() == at::kFloat);
    CHECK(c.sub(3.0).abs().max().item<double>() < 1e-5);
  }
}

TEST_CASE("affine_transform: identity, integer shifts and output dtypes") {
  const at::Tensor voxels = medimg::test::ramp({2, 3, 4, 5});
  Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(4, 4);
  for (auto interpolation : {Interpolation::Nearest, Interpolation::Linear,
                             Interpolation::BSpline3}) {
    const at::Tensor same = medimg::affine_transform(voxels, identity, {3, 4, 5},
                                                     options(interpolation, BorderMode::Mirror));
    CHECK(same.scalar_type() == at::kFloat);
    CHECK(same.sub(voxels).abs().max().item<double>() < 1e-4);
  }
  // Output voxel (z, y, x) samples input (z, y, x + 2): a shift by two with fill -1.
  Eigen::MatrixXd shift = identity;
  shift(2, 3) = 2.0;
  const at::Tensor labels = voxels.to(at::kInt);
  const at::Tensor shifted = medimg::affine_transform(
      labels, shift, {3, 4, 5}, options(Interpolation::Nearest, BorderMode::Constant, -1.0));
  CHECK(shifted.scalar_type() == at::kInt);
  CHECK(shifted[1][2][3][0].item<int>() == labels[1][2][3][2].item<int>());
  CHECK(shifted[1][2][3][2].item<int>() == labels[1][2][3][4].item<int>());
  CHECK(shifted[1][2][3][3].item<int>() == -1);
  // Float64 stays float64 under linear interpolation.
  CHECK(medimg::affine_transform(voxels.to(at::kDouble), shift, {3, 4, 5}).scalar_type() ==
        at::kDouble);
}

TEST_CASE("map_coordinates takes any output shape and gives the fill value at NaN") {
  const at::Tensor voxels = medimg::test::ramp({1, 4, 4});
  at::Tensor coordinates = at::zeros({2, 2, 3}, at::kFloat);
  coordinates[0][1][2] = std::numeric_limits<float>::quiet_NaN();
  coordinates[1][0][1] = 3.0f;
  const at::Tensor out = medimg::map_coordinates(
      voxels, coordinates, options(Interpolation::Linear, BorderMode::Edge, -5.0));
  CHECK(out.sizes() == at::IntArrayRef({1, 2, 3}));
  CHECK(out[0][0][1].item<float>() == 3.0f);
  CHECK(out[0][1][2].item<float>() == -5.0f);
}

TEST_CASE("results do not depend on the number of threads") {
  const at::Tensor voxels = at::rand({1, 20, 30, 40});
  Eigen::MatrixXd matrix = Eigen::MatrixXd::Identity(4, 4);
  matrix.topLeftCorner(3, 3) << 0.9, 0.2, 0.0, -0.2, 0.9, 0.1, 0.0, -0.1, 1.1;
  const int threads = medimg::get_num_threads();
  medimg::set_num_threads(1);
  const at::Tensor one = medimg::affine_transform(voxels, matrix, {21, 31, 41},
                                                  options(Interpolation::BSpline3,
                                                          BorderMode::Reflect));
  medimg::set_num_threads(2);
  const at::Tensor two = medimg::affine_transform(voxels, matrix, {21, 31, 41},
                                                  options(Interpolation::BSpline3,
                                                          BorderMode::Reflect));
  medimg::set_num_threads(threads);
  CHECK(one.equal(two));
}

TEST_CASE("sampling refuses bad input") {
  const at::Tensor volume = at::zeros({1, 3, 4, 5});
  const Eigen::MatrixXd eye = Eigen::MatrixXd::Identity(4, 4);
  CHECK_THROWS_AS(medimg::affine_transform(at::zeros({3, 4}), Eigen::MatrixXd::Identity(3, 3),
                                           {3, 4}),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::affine_transform(at::zeros({1, 0, 4}), Eigen::MatrixXd::Identity(3, 3),
                                           {3, 4}),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::affine_transform(volume, Eigen::MatrixXd::Identity(3, 3), {3, 4, 5}),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::affine_transform(volume, eye, {3, 0, 5}), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::affine_transform(volume, eye, {3, 4}), medimg::ShapeError);
  Eigen::MatrixXd projective = eye;
  projective(3, 0) = 0.5;
  CHECK_THROWS_AS(medimg::affine_transform(volume, projective, {3, 4, 5}),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::map_coordinates(volume, at::zeros({2, 5})), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::map_coordinates(volume, at::zeros({3, 5}, at::kInt)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::affine_transform(volume.to(at::kByte), eye, {3, 4, 5},
                                           options(Interpolation::Nearest, BorderMode::Constant,
                                                   300.0)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::spline_filter(at::zeros({4})), medimg::ShapeError);
}

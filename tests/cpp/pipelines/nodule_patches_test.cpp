#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"
#include "medimg/pipelines/nodule_patches.hpp"

using medimg::Image;
using medimg::pipelines::NodulePatchOptions;
using medimg::pipelines::nodule_patches;

namespace {

// hu = 3 z + 2 y + x - 700 on a (20, 30, 40) grid with spacing (2.5, 0.8, 0.7): trilinear
// interpolation reproduces a linear function exactly, so every inside sample is known.
Image linear_ct() {
  const at::Tensor z = at::arange(20, at::kFloat).view({20, 1, 1});
  const at::Tensor y = at::arange(30, at::kFloat).view({1, 30, 1});
  const at::Tensor x = at::arange(40, at::kFloat).view({1, 1, 40});
  Image ct((z * 3 + y * 2 + x - 700).unsqueeze(0).contiguous());
  medimg::Geometry g(3);
  Eigen::VectorXd spacing(3);
  spacing << 2.5, 0.8, 0.7;
  g.set_spacing(spacing);
  g.set_origin({-10.0, 5.0, 2.0});
  ct.set_geometry(g);
  return ct;
}

double linear_hu(double z, double y, double x) { return 3 * z + 2 * y + x - 700; }

}  // namespace

TEST_CASE("nodule_patches samples a linear CT exactly and windows it", "[pipelines]") {
  const Image ct = linear_ct();
  NodulePatchOptions o;
  o.size = 4;
  o.spacing = 1.0;
  o.window_low = -800;
  o.window_high = -500;
  Eigen::VectorXd index(3);
  index << 9.5, 14.25, 20.0;
  const Eigen::Vector3d centre = ct.geometry().index_to_world(index);
  const at::Tensor patches = nodule_patches(ct, {centre}, o);
  REQUIRE(patches.sizes() == at::IntArrayRef({1, 1, 4, 4, 4}));
  REQUIRE(patches.scalar_type() == at::kFloat);
  const auto p = patches.accessor<float, 5>();
  for (int k0 = 0; k0 < 4; ++k0) {
    for (int k1 = 0; k1 < 4; ++k1) {
      for (int k2 = 0; k2 < 4; ++k2) {
        const double z = 9.5 + (k0 - 1.5) / 2.5, y = 14.25 + (k1 - 1.5) / 0.8,
                     x = 20.0 + (k2 - 1.5) / 0.7;
        const double expected = (std::clamp(linear_hu(z, y, x), -800.0, -500.0) + 800) / 300;
        CHECK(p[0][0][k0][k1][k2] == Approx(expected).margin(1e-5));
      }
    }
  }
}

TEST_CASE("nodule_patches fills outside the CT and clips to the window", "[pipelines]") {
  const Image ct = linear_ct();
  NodulePatchOptions o;
  o.size = 3;
  o.spacing = 100.0;  // the outer samples lie far outside the 50 x 24 x 28 mm volume
  o.fill_hu = -900;
  o.window_low = -1000;
  o.window_high = 0;
  Eigen::VectorXd index(3);
  index << 10, 15, 20;
  const at::Tensor patch = nodule_patches(ct, {ct.geometry().index_to_world(index)}, o)[0][0];
  CHECK(patch[1][1][1].item<float>() == Approx((linear_hu(10, 15, 20) + 1000) / 1000));
  CHECK(patch[0][0][0].item<float>() == Approx(0.1));  // fill_hu -900
  CHECK(patch[2][2][2].item<float>() == Approx(0.1));
  // A centre far away gives a patch of fill only.
  const at::Tensor far = nodule_patches(ct, {Eigen::Vector3d(1e12, 0, 0)}, o);
  CHECK(far.eq(far.flatten()[0]).all().item<bool>());
  CHECK(far.flatten()[0].item<float>() == Approx(0.1));
  // No centre, no patch.
  CHECK(nodule_patches(ct, {}, o).sizes() == at::IntArrayRef({0, 1, 3, 3, 3}));
}

TEST_CASE("nodule_patches refuses bad input by name", "[pipelines]") {
  const Image ct = linear_ct();
  const Eigen::Vector3d centre(0, 10, 10);
  NodulePatchOptions o;
  o.size = 0;
  CHECK_THROWS_AS(nodule_patches(ct, {centre}, o), medimg::ArgumentError);
  o = {};
  o.spacing = -1;
  CHECK_THROWS_AS(nodule_patches(ct, {centre}, o), medimg::ArgumentError);
  o = {};
  o.window_low = o.window_high;
  CHECK_THROWS_AS(nodule_patches(ct, {centre}, o), medimg::ArgumentError);
  CHECK_THROWS_AS(nodule_patches(ct, {Eigen::Vector3d(NAN, 0, 0)}), medimg::ArgumentError);
  CHECK_THROWS_AS(nodule_patches(Image(at::zeros({1, 5, 5})), {centre}), medimg::ShapeError);
  at::Tensor nan = ct.tensor().clone();
  nan[0][1][2][3] = NAN;
  CHECK_THROWS_AS(nodule_patches(ct.with_tensor(nan), {centre}), medimg::ArgumentError);
}

#include "medimg/classic/nodule_segmentation.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "medimg/core/error.hpp"

namespace {

// A (24, 48, 48) lung-like volume at 1.5 x 0.8 x 0.8 mm, origin (-10, -20, -30) mm: -850 HU
// with Gaussian noise of 30 HU (fixed seed).
const Eigen::Vector3d kOrigin(-10.0, -20.0, -30.0);
const Eigen::VectorXd kSpacing = (Eigen::VectorXd(3) << 1.5, 0.8, 0.8).finished();

at::Tensor noisy_lung() {
  at::Tensor hu = at::zeros({1, 24, 48, 48}, at::kFloat);
  std::mt19937 random(3);
  std::normal_distribution<float> noise(-850.0f, 30.0f);
  float* v = hu.data_ptr<float>();
  for (std::int64_t i = 0; i < hu.numel(); ++i) v[i] = noise(random);
  return hu;
}

// World (x, y, z) mm of voxel (z, y, x).
Eigen::Vector3d world(double z, double y, double x) {
  return kOrigin + Eigen::Vector3d(x * kSpacing[2], y * kSpacing[1], z * kSpacing[0]);
}

// The voxels whose centres lie within `radius` mm of `centre` (bool, (24, 48, 48)).
at::Tensor ball_mask(const Eigen::Vector3d& centre, double radius) {
  at::Tensor m = at::zeros({24, 48, 48}, at::kBool);
  auto a = m.accessor<bool, 3>();
  for (int z = 0; z < 24; ++z)
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 48; ++x) a[z][y][x] = (world(z, y, x) - centre).norm() <= radius;
  return m;
}

medimg::Image ct_image(const at::Tensor& hu) {
  return medimg::Image(hu, medimg::Geometry(kSpacing, kOrigin));
}

double dice(const at::Tensor& a, const at::Tensor& b) {
  const double both = (a & b).sum().item<double>();
  return 2.0 * both / (a.sum().item<double>() + b.sum().item<double>());
}

at::Tensor found(const medimg::Image& nodule) { return nodule.tensor().select(0, 0) > 0; }

}  // namespace

TEST_CASE("segment_nodule recovers a sphere in noise", "[nodule_segmentation]") {
  at::Tensor hu = noisy_lung();
  const Eigen::Vector3d centre = world(12, 24, 24);
  const at::Tensor sphere = ball_mask(centre, 7.0);
  hu.select(0, 0).masked_fill_(sphere, 40.0);
  const medimg::Image ct = ct_image(hu);
  const medimg::Image nodule = medimg::segment_nodule(ct, centre);
  CHECK(nodule.dtype() == at::kByte);
  CHECK(nodule.tensor().sizes() == hu.sizes());
  CHECK(nodule.geometry().origin() == ct.geometry().origin());
  // The threshold separates 40 from -850 +- 30 HU exactly; the opening's rounding is given
  // back, so the sphere comes out voxel for voxel.
  CHECK(dice(found(nodule), sphere) == 1.0);
  // A seed 4 mm off the sphere, in the air beside it, still finds it (seed_radius 5 mm).
  const medimg::Image beside = medimg::segment_nodule(ct, centre + Eigen::Vector3d(11.0, 0, 0));
  CHECK(dice(found(beside), sphere) == 1.0);
  medimg::NoduleSegmentationOptions near;
  near.seed_radius = 3.0;
  CHECK_THROWS_AS(medimg::segment_nodule(ct, centre + Eigen::Vector3d(11.0, 0, 0), {}, near),
                  medimg::ArgumentError);
}

TEST_CASE("segment_nodule's opening cuts a vessel off the nodule", "[nodule_segmentation]") {
  at::Tensor hu = noisy_lung();
  const Eigen::Vector3d centre = world(12, 24, 20);
  const double radius = 6.0;
  const at::Tensor sphere = ball_mask(centre, radius);
  // A vessel of radius 1.2 mm along x from the sphere's side to the image's edge.
  at::Tensor vessel = at::zeros({24, 48, 48}, at::kBool);
  auto v = vessel.accessor<bool, 3>();
  for (int z = 0; z < 24; ++z)
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 48; ++x) {
        const Eigen::Vector3d d = world(z, y, x) - centre;
        v[z][y][x] = d.x() > 0 && std::hypot(d.y(), d.z()) <= 1.2;
      }
  hu.select(0, 0).masked_fill_(sphere | vessel, 40.0);
  const medimg::Image ct = ct_image(hu);

  medimg::NoduleSegmentationOptions plain;
  plain.opening_radius = 0;
  const at::Tensor grown = found(medimg::segment_nodule(ct, centre, {}, plain));
  CHECK(grown.eq(sphere | vessel).all().item<bool>());  // without the opening: the vessel too

  const at::Tensor cut = found(medimg::segment_nodule(ct, centre));
  // With it: the sphere and at most a stub of the opening's radius (2.5 mm) beyond it.
  CHECK((sphere & ~cut).sum().item<std::int64_t>() == 0);
  CHECK_FALSE((cut & ~ball_mask(centre, radius + 2.5 + 0.8)).any().item<bool>());
  CHECK(dice(cut, sphere) >= 0.97);
}

TEST_CASE("segment_nodule grows the opening for a thick vessel", "[nodule_segmentation]") {
  at::Tensor hu = noisy_lung();
  const Eigen::Vector3d centre = world(12, 24, 16);
  const double radius = 7.0;
  const at::Tensor sphere = ball_mask(centre, radius);
  // A vessel of radius 2.8 mm: the 2.5 mm ellipsoid fits inside it, one of 3.75 mm does not.
  at::Tensor vessel = at::zeros({24, 48, 48}, at::kBool);
  auto v = vessel.accessor<bool, 3>();
  for (int z = 0; z < 24; ++z)
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 48; ++x) {
        const Eigen::Vector3d d = world(z, y, x) - centre;
        v[z][y][x] = d.x() > 0 && std::hypot(d.y(), d.z()) <= 2.8;
      }
  hu.select(0, 0).masked_fill_(sphere | vessel, 40.0);
  const medimg::Image ct = ct_image(hu);
  medimg::NoduleSegmentationOptions box;
  box.max_diameter = 14.0;  // the box ends 14 mm from the seed, inside the image
  medimg::NoduleSegmentationOptions fixed = box;
  fixed.max_opening_radius = 0;  // no growth: the vessel runs on to the box's face
  const at::Tensor leaked = found(medimg::segment_nodule(ct, centre, {}, fixed));
  CHECK((leaked & vessel & ~ball_mask(centre, 13.5)).any().item<bool>());

  const at::Tensor cut = found(medimg::segment_nodule(ct, centre, {}, box));
  CHECK((sphere & ~cut).sum().item<std::int64_t>() == 0);
  CHECK_FALSE((cut & ~ball_mask(centre, radius + 3.75 + 0.8)).any().item<bool>());
  CHECK(dice(cut, sphere) >= 0.9);
}

TEST_CASE("segment_nodule keeps a nodule thinner than the opening", "[nodule_segmentation]") {
  at::Tensor hu = noisy_lung();
  const Eigen::Vector3d centre = world(12, 24, 24);
  const at::Tensor small = ball_mask(centre, 1.6);  // 3.2 mm: the 2.5 mm opening removes it
  hu.select(0, 0).masked_fill_(small, 40.0);
  const at::Tensor nodule = found(medimg::segment_nodule(ct_image(hu), centre));
  CHECK(dice(nodule, small) == 1.0);
}

TEST_CASE("segment_nodule stays inside the lung mask", "[nodule_segmentation]") {
  at::Tensor hu = noisy_lung();
  const Eigen::Vector3d centre = world(12, 24, 24);
  const at::Tensor sphere = ball_mask(centre, 7.0);
  hu.select(0, 0).masked_fill_(sphere, 40.0);
  // A chest wall: the slab x >= 30 is soft tissue, touching the sphere, outside the lung.
  hu.select(0, 0).slice(2, 30).fill_(40.0);
  at::Tensor lungs = at::zeros({1, 24, 48, 48}, at::kByte);
  lungs.select(0, 0).slice(2, 0, 30).fill_(1);
  const medimg::Image ct = ct_image(hu);
  const at::Tensor with_lungs = found(medimg::segment_nodule(ct, centre, ct_image(lungs)));
  CHECK(dice(with_lungs, sphere & (lungs.select(0, 0) > 0)) == 1.0);
  medimg::NoduleSegmentationOptions plain;
  plain.opening_radius = 0;
  const at::Tensor without = found(medimg::segment_nodule(ct, centre, {}, plain));
  CHECK(without.select(2, 47).any().item<bool>());  // the wall is taken without a lung mask
}

TEST_CASE("segment_nodule refuses bad input", "[nodule_segmentation]") {
  at::Tensor hu = noisy_lung();
  const Eigen::Vector3d centre = world(12, 24, 24);
  hu.select(0, 0).masked_fill_(ball_mask(centre, 5.0), 40.0);
  const medimg::Image ct = ct_image(hu);
  const double nan = std::numeric_limits<double>::quiet_NaN();

  CHECK_THROWS_AS(medimg::segment_nodule(ct, world(-1, 24, 24)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::segment_nodule(ct, world(12, 24, 48)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::segment_nodule(ct, Eigen::Vector3d(nan, 0, 0)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::segment_nodule(ct, world(2, 2, 2)), medimg::ArgumentError);  // air
  CHECK_THROWS_AS(medimg::segment_nodule(medimg::Image(at::full({1, 8, 8}, 40.0f)),
                                         Eigen::Vector3d(1, 1, 0)),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::segment_nodule(ct, centre, medimg::Image(at::zeros({1, 4, 4, 4}))),
                  medimg::ShapeError);
  at::Tensor with_nan = hu.clone();
  with_nan[0][1][1][1] = nan;
  CHECK_THROWS_AS(medimg::segment_nodule(ct_image(with_nan), centre), medimg::ArgumentError);
  for (double medimg::NoduleSegmentationOptions::*field :
       {&medimg::NoduleSegmentationOptions::max_diameter,
        &medimg::NoduleSegmentationOptions::opening_radius,
        &medimg::NoduleSegmentationOptions::max_opening_radius,
        &medimg::NoduleSegmentationOptions::seed_radius}) {
    medimg::NoduleSegmentationOptions bad;
    bad.*field = -1.0;
    CHECK_THROWS_AS(medimg::segment_nodule(ct, centre, {}, bad), medimg::ArgumentError);
  }
  medimg::NoduleSegmentationOptions no_threshold;
  no_threshold.threshold = nan;
  CHECK_THROWS_AS(medimg::segment_nodule(ct, centre, {}, no_threshold), medimg::ArgumentError);
  // A lung mask of zeros: no dense voxel inside the lungs.
  CHECK_THROWS_WITH(
      medimg::segment_nodule(ct, centre, ct_image(at::zeros({1, 24, 48, 48}, at::kByte))),
      Catch::Contains("inside the lungs"));
}

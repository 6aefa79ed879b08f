#include "medimg/metrics/distance_transform.hpp"

#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

TEST_CASE("EDT of a single background voxel is the anisotropic distance to it") {
  at::Tensor mask = at::ones({3, 4, 5}, at::kByte);
  mask[1][2][3] = 0;
  const at::Tensor d = medimg::distance_transform_edt(mask, {2.0, 0.5, 1.5});
  CHECK(d.scalar_type() == at::kDouble);
  for (int z = 0; z < 3; ++z)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) {
        const double expected = std::sqrt(std::pow(2.0 * (z - 1), 2) + std::pow(0.5 * (y - 2), 2) +
                                          std::pow(1.5 * (x - 3), 2));
        CHECK(d[z][y][x].item<double>() == Catch::Detail::Approx(expected).margin(1e-12));
      }
}

TEST_CASE("EDT in 2D takes the nearest of several background voxels") {
  // Background at (0, 0) and (0, 4) of a 2 x 5 image with unit spacing.
  at::Tensor mask = at::ones({2, 5}, at::kBool);
  mask[0][0] = false;
  mask[0][4] = false;
  const at::Tensor d = medimg::distance_transform_edt(mask);
  CHECK(d[0][2].item<double>() == 2.0);
  CHECK(d[1][1].item<double>() == Catch::Detail::Approx(std::sqrt(2.0)));
  CHECK(d[1][2].item<double>() == Catch::Detail::Approx(std::sqrt(5.0)));
  CHECK(d[0][0].item<double>() == 0.0);
}

TEST_CASE("EDT without background is infinite; bad input is refused") {
  CHECK(std::isinf(medimg::distance_transform_edt(at::ones({2, 2}))[1][1].item<double>()));
  CHECK_THROWS_AS(medimg::distance_transform_edt(at::zeros({4})), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::distance_transform_edt(at::zeros({2, 2}), {1.0}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::distance_transform_edt(at::zeros({2, 2}), {1.0, -1.0}),
                  medimg::ArgumentError);
}

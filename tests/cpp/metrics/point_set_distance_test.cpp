#include "medimg/metrics/point_set_distance.hpp"

#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"

TEST_CASE("Hausdorff distance of two small point sets by hand") {
  // a = {(0,0), (4,0)}, b = {(0,1)}: a->b max(1, sqrt(17)) = sqrt(17); b->a = 1.
  const at::Tensor a = at::tensor({0.0, 0.0, 4.0, 0.0}).reshape({2, 2});
  const at::Tensor b = at::tensor({0.0, 1.0}).reshape({1, 2});
  CHECK(medimg::directed_hausdorff(a, b) == Catch::Detail::Approx(std::sqrt(17.0)));
  CHECK(medimg::directed_hausdorff(b, a) == Catch::Detail::Approx(1.0));
  CHECK(medimg::hausdorff_distance(a, b) == Catch::Detail::Approx(std::sqrt(17.0)));
  CHECK_THROWS_AS(medimg::hausdorff_distance(at::zeros({0, 2}), b), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::hausdorff_distance(at::zeros({3}), b), medimg::ShapeError);
}

#include "medimg/metrics/surface_distance.hpp"

#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

namespace {

at::Tensor box(std::int64_t x0) {
  at::Tensor m = at::zeros({12, 12, 16}, at::kBool);
  m.slice(0, 3, 8).slice(1, 3, 8).slice(2, x0, x0 + 5).fill_(true);
  return m;
}

}  // namespace

TEST_CASE("two boxes shifted along x are that shift apart, in mm") {
  const auto d = medimg::surface_distances(box(3), box(6));
  CHECK(medimg::hausdorff(d) == 3.0);
  const auto scaled = medimg::surface_distances(box(3), box(6), {1.0, 1.0, 0.25});
  CHECK(medimg::hausdorff(scaled) == 0.75);
  CHECK(medimg::surface_dice(scaled, 0.75) == 1.0);
  CHECK(medimg::surface_dice(d, 0.0) < 1.0);
}

TEST_CASE("identical masks are at distance zero everywhere") {
  const auto d = medimg::surface_distances(box(4), box(4));
  // A 5 x 5 x 5 cube has 125 - 27 = 98 border voxels.
  CHECK(d.pred_to_ref.size() == 98);
  CHECK(medimg::hausdorff(d) == 0.0);
  CHECK(medimg::assd(d) == 0.0);
  CHECK(medimg::masd(d) == 0.0);
  CHECK(medimg::surface_dice(d, 0.0) == 1.0);
}

TEST_CASE("percentile, assd and masd follow their definitions on a small case") {
  medimg::SurfaceDistances d{{0.0, 1.0, 2.0, 3.0}, {4.0}};
  CHECK(medimg::hausdorff(d) == 4.0);
  CHECK(medimg::hausdorff(d, 50.0) == 2.0);   // pooled 0 1 2 3 4
  CHECK(medimg::hausdorff(d, 95.0) == Catch::Detail::Approx(3.8));
  CHECK(medimg::assd(d) == Catch::Detail::Approx((1.5 + 4.0) / 2));
  CHECK(medimg::masd(d) == Catch::Detail::Approx(2.0));
  CHECK(medimg::surface_dice(d, 2.0) == Catch::Detail::Approx(3.0 / 5.0));
}

TEST_CASE("empty masks and bad arguments") {
  const at::Tensor empty = at::zeros({12, 12, 16}, at::kBool);
  CHECK(std::isnan(medimg::hausdorff(medimg::surface_distances(empty, empty))));
  CHECK(std::isinf(medimg::hausdorff(medimg::surface_distances(box(2), empty))));
  CHECK_THROWS_AS(medimg::hausdorff(medimg::SurfaceDistances{{1.0}, {1.0}}, 120.0),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::surface_distances(box(2), empty.slice(0, 0, 4)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::surface_distances(box(2).to(at::kFloat), box(2)), medimg::ArgumentError);
}

#include "medimg/metrics/surfel_distance.hpp"

#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;

namespace {

// A block of voxels [lo, lo + size) per axis in an otherwise empty volume of `shape`.
at::Tensor block(std::vector<std::int64_t> shape, std::vector<std::int64_t> lo,
                 std::vector<std::int64_t> size) {
  at::Tensor m = at::zeros(shape, at::kBool);
  at::Tensor region = m;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    region = region.slice(static_cast<std::int64_t>(k), lo[k], lo[k] + size[k]);
  }
  region.fill_(true);
  return m;
}

double total(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum;
}

}  // namespace

TEST_CASE("a block's surfels add up to its chamfered box, by hand") {
  // The marching-cubes surface of an n0 x n1 x n2 block: flat faces on the voxel borders,
  // edges cut at 45 degrees between the face planes, one triangle at each corner.
  const double s0 = 2.0, s1 = 0.5, s2 = 1.25;
  const double n0 = 3, n1 = 4, n2 = 5;
  const double corners = std::sqrt(std::pow(s1 * s2, 2) + std::pow(s0 * s2, 2) +
                                   std::pow(s0 * s1, 2));
  const double faces = 2 * ((n0 - 1) * (n1 - 1) * s0 * s1 + (n0 - 1) * (n2 - 1) * s0 * s2 +
                            (n1 - 1) * (n2 - 1) * s1 * s2);
  const double edges = 2 * ((n0 - 1) * s0 * std::hypot(s1, s2) +
                            (n1 - 1) * s1 * std::hypot(s0, s2) +
                            (n2 - 1) * s2 * std::hypot(s0, s1));
  const auto d = medimg::surfel_distances(block({9, 9, 9}, {2, 2, 2}, {3, 4, 5}),
                                          block({9, 9, 9}, {2, 2, 2}, {3, 4, 5}), {s0, s1, s2});
  CHECK(total(d.pred_areas) == Approx(faces + edges + corners).epsilon(1e-12));
  // One voxel: an octahedron through the six face centres.
  const auto one = medimg::surfel_distances(block({3, 3, 3}, {1, 1, 1}, {1, 1, 1}),
                                            block({3, 3, 3}, {1, 1, 1}, {1, 1, 1}), {s0, s1, s2});
  CHECK(one.pred_areas.size() == 8);
  CHECK(total(one.pred_areas) == Approx(corners).epsilon(1e-12));
}

TEST_CASE("a rectangle's contour is its sides plus four cut corners, by hand") {
  const double s0 = 2.0, s1 = 0.5;
  const auto d = medimg::surfel_distances(block({8, 9}, {1, 2}, {3, 5}),
                                          block({8, 9}, {1, 2}, {3, 5}), {s0, s1});
  CHECK(total(d.pred_areas) == Approx(2 * 2 * s0 + 2 * 4 * s1 + 2 * std::hypot(s0, s1)));
  CHECK(medimg::hausdorff(d) == 0.0);
  CHECK(medimg::surface_dice(d, 0.0) == 1.0);
}

TEST_CASE("DeepMind's two half-volumes one slice apart give their published values") {
  // surface-distance's test_two_cubes_shifted_by_one_pixel; the masks touch the image edge,
  // which counts as background. Their tuples are (gt_to_pred, pred_to_gt), gt = ref here.
  const at::Tensor ref = block({100, 100, 100}, {0, 0, 0}, {50, 100, 100});
  const at::Tensor pred = block({100, 100, 100}, {0, 0, 0}, {51, 100, 100});
  const auto d = medimg::surfel_distances(pred, ref, {2, 1, 1});
  const auto mean = medimg::average_surface_distance(d);
  CHECK(mean.ref_to_pred == Approx(0.322).margin(5e-4));
  CHECK(mean.pred_to_ref == Approx(0.339).margin(5e-4));
  CHECK(medimg::hausdorff(d, 100.0) == 2.0);
  CHECK(medimg::hausdorff(d, 95.0) == 2.0);
  const auto overlap = medimg::surface_overlap(d, 1.0);
  CHECK(overlap.ref_to_pred == Approx(0.842).margin(5e-4));
  CHECK(overlap.pred_to_ref == Approx(0.830).margin(5e-4));
  CHECK(medimg::surface_dice(d, 1.0) == Approx(0.836).margin(5e-4));
}

TEST_CASE("the reductions weight by area as defined") {
  medimg::SurfelDistances d{{0.0, 1.0, 2.0}, {3.0}, {1.0, 1.0, 2.0}, {2.0}};
  CHECK(medimg::hausdorff(d) == 3.0);
  // pred sorted by distance holds 25 %, 50 %, 100 % of its area: the 50th percentile is 1.
  CHECK(medimg::hausdorff(medimg::SurfelDistances{d.pred_to_ref, {0.5}, d.pred_areas, {1.0}},
                          50.0) == 1.0);
  CHECK(medimg::hausdorff(medimg::SurfelDistances{d.pred_to_ref, {0.5}, d.pred_areas, {1.0}},
                          51.0) == 2.0);
  const auto mean = medimg::average_surface_distance(d);
  CHECK(mean.pred_to_ref == Approx(5.0 / 4.0));
  CHECK(mean.ref_to_pred == 3.0);
  CHECK(medimg::assd(d) == Approx((5.0 / 4.0 + 3.0) / 2));
  CHECK(medimg::masd(d) == Approx((5.0 + 6.0) / 6.0));
  CHECK(medimg::surface_dice(d, 1.0) == Approx(2.0 / 6.0));
  const auto overlap = medimg::surface_overlap(d, 1.0);
  CHECK(overlap.pred_to_ref == 0.5);
  CHECK(overlap.ref_to_pred == 0.0);
}

TEST_CASE("the table of surfel sizes by code") {
  const auto areas = medimg::surfel_areas_by_code({1.0, 1.0, 1.0});
  REQUIRE(areas.size() == 256);
  CHECK(areas[0] == 0.0);
  CHECK(areas[255] == 0.0);
  CHECK(areas[1] == Approx(std::sqrt(3.0) / 8));  // one corner cut off
  CHECK(areas[0b00001111] == Approx(1.0));        // half the cube: a unit square
  for (int code = 0; code < 256; ++code) CHECK(areas[code] == areas[255 - code]);
  const auto lengths = medimg::surfel_areas_by_code({2.0, 1.0});
  REQUIRE(lengths.size() == 16);
  CHECK(lengths[0b0011] == 1.0);  // corners (0, 0) and (0, 1): a cut across axis 1
  CHECK(lengths[0b0101] == 2.0);
  CHECK(lengths[0b0110] == Approx(std::hypot(2.0, 1.0)));  // the saddle: two corners cut
  CHECK_THROWS_AS(medimg::surfel_areas_by_code({1.0}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::surfel_areas_by_code({1.0, -1.0}), medimg::ArgumentError);
}

TEST_CASE("empty masks follow DeepMind's conventions, bad arguments throw") {
  const at::Tensor empty = at::zeros({6, 7, 8}, at::kBool);
  const at::Tensor one = block({6, 7, 8}, {2, 2, 2}, {2, 2, 2});
  const auto none = medimg::surfel_distances(empty, empty, {1, 1, 1});
  CHECK(none.pred_to_ref.empty());
  CHECK(std::isnan(medimg::hausdorff(none)));
  CHECK(std::isnan(medimg::surface_dice(none, 1.0)));
  CHECK(std::isnan(medimg::average_surface_distance(none).pred_to_ref));
  const auto half = medimg::surfel_distances(empty, one, {1, 1, 1});
  CHECK(half.pred_to_ref.empty());
  CHECK(std::isinf(half.ref_to_pred.front()));
  CHECK(std::isinf(medimg::hausdorff(half, 95.0)));
  CHECK(std::isinf(medimg::assd(half)));
  CHECK(medimg::surface_dice(half, 1.0) == 0.0);
  CHECK(std::isnan(medimg::average_surface_distance(half).pred_to_ref));
  CHECK(std::isinf(medimg::average_surface_distance(half).ref_to_pred));
  CHECK(medimg::surface_overlap(half, 1.0).ref_to_pred == 0.0);
  CHECK_THROWS_AS(medimg::surfel_distances(one, empty.slice(0, 0, 3)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::surfel_distances(one, one, {1, 1}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::surfel_distances(one, one, {1, 0, 1}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::surfel_distances(one.to(at::kFloat), one), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::hausdorff(half, 101.0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::surface_dice(half, -1.0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::surface_overlap(half, std::nan("")), medimg::ArgumentError);
}

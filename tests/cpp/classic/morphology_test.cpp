#include "medimg/classic/morphology.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"

namespace {

// A (h, w) bool mask with the block [y0, y1) x [x0, x1) set.
at::Tensor block(std::int64_t h, std::int64_t w, std::int64_t y0, std::int64_t y1,
                 std::int64_t x0, std::int64_t x1) {
  at::Tensor m = at::zeros({h, w}, at::kBool);
  m.narrow(0, y0, y1 - y0).narrow(1, x0, x1 - x0).fill_(true);
  return m;
}

bool same(const at::Tensor& a, const at::Tensor& b) {
  return a.sizes() == b.sizes() && a.eq(b).all().item<bool>();
}

}  // namespace

TEST_CASE("binary erosion and dilation of a block by a square", "[morphology]") {
  const at::Tensor m = block(9, 9, 2, 7, 2, 7);
  CHECK(same(medimg::binary_erosion(m, medimg::square(3)), block(9, 9, 3, 6, 3, 6)));
  CHECK(same(medimg::binary_dilation(m, medimg::square(3)), block(9, 9, 1, 8, 1, 8)));
  // The cross erodes the corners only.
  const at::Tensor eroded = medimg::binary_erosion(m, medimg::disk(1));
  CHECK(eroded.sum().item<std::int64_t>() == 9);
  CHECK(eroded.scalar_type() == at::kBool);
}

TEST_CASE("binary erosion counts beyond the border as set, dilation as unset", "[morphology]") {
  const at::Tensor all = at::ones({4, 5}, at::kBool);
  CHECK(same(medimg::binary_erosion(all, medimg::disk(3)), all));  // footprint larger than image
  const at::Tensor none = at::zeros({4, 5}, at::kBool);
  CHECK(same(medimg::binary_dilation(none, medimg::disk(2)), none));
  CHECK(same(medimg::binary_closing(all, medimg::disk(1)), all));
}

TEST_CASE("dilating one voxel paints the footprint; radius 0 is the identity", "[morphology]") {
  at::Tensor m = at::zeros({7, 7}, at::kByte);
  m[3][3] = 1;
  const at::Tensor d = medimg::binary_dilation(m, medimg::disk(2));
  CHECK(same(d.narrow(0, 1, 5).narrow(1, 1, 5), medimg::disk(2).tensor().to(at::kBool)));
  CHECK(d.sum().item<std::int64_t>() == 13);
  CHECK(same(medimg::binary_erosion(m, medimg::disk(0)), m.to(at::kBool)));
  // A volume: the ball's 33 voxels.
  at::Tensor v = at::zeros({7, 7, 7}, at::kBool);
  v[3][3][3] = true;
  CHECK(medimg::binary_dilation(v, medimg::ball(2)).sum().item<std::int64_t>() == 33);
}

TEST_CASE("closing fills a gap narrower than the footprint", "[morphology]") {
  at::Tensor m = block(7, 13, 2, 5, 2, 11);
  m.select(1, 6).fill_(false);  // a one-column cut
  const at::Tensor closed = medimg::binary_closing(m, medimg::square(3));
  CHECK(same(closed, block(7, 13, 2, 5, 2, 11)));
  CHECK(same(medimg::binary_opening(block(7, 13, 2, 5, 2, 11), medimg::square(3)),
             block(7, 13, 2, 5, 2, 11)));
  // Grown to the border by the dilation, the erosion keeps it there (border counts as set).
  const at::Tensor wide = medimg::binary_closing(block(7, 11, 2, 5, 1, 10), medimg::square(3));
  CHECK(wide[3][0].item<bool>());
}

TEST_CASE("grey erosion and dilation with reflected borders", "[morphology]") {
  // A ramp along x: erosion by a 1 x 3 row takes the left neighbour, the edge its own value.
  const at::Tensor ramp = at::arange(5, at::kFloat).reshape({1, 5}).repeat({3, 1});
  const medimg::Footprint row(at::ones({1, 3}));
  const at::Tensor e = medimg::erosion(ramp, row);
  CHECK(e[1][0].item<float>() == 0.0f);  // reflect: the voxel beyond x = 0 is x = 0
  CHECK(e[1][3].item<float>() == 2.0f);
  CHECK(medimg::dilation(ramp, row)[1][4].item<float>() == 4.0f);
  CHECK(medimg::dilation(ramp, row)[1][2].item<float>() == 3.0f);
  CHECK(medimg::erosion(ramp, row).scalar_type() == at::kFloat);
  // Opening removes a one-voxel peak; closing fills a one-voxel pit.
  at::Tensor flat = at::full({5, 5}, 10, at::kShort);
  flat[2][2] = 50;
  CHECK(medimg::opening(flat, medimg::square(3)).eq(10).all().item<bool>());
  flat[2][2] = -5;
  CHECK(medimg::closing(flat, medimg::square(3)).eq(10).all().item<bool>());
}

TEST_CASE("even footprints take scikit-image's origins", "[morphology]") {
  // A single voxel dilated by square(2): 2D footprints sit one voxel earlier than 3D ones.
  at::Tensor m = at::zeros({5, 5}, at::kFloat);
  m[2][2] = 1;
  const at::Tensor d = medimg::dilation(m, medimg::square(2));
  CHECK(d.sum().item<float>() == 4.0f);
  CHECK(d[2][2].item<float>() == 1.0f);  // reads (y + 0..1, x + 0..1): set at (1..2, 1..2)
  CHECK(d[1][1].item<float>() == 1.0f);
  at::Tensor v = at::zeros({5, 5, 5}, at::kFloat);
  v[2][2][2] = 1;
  // 3D erosion by cube(2): offsets -1..0.
  const at::Tensor e = medimg::erosion(v.neg().add(1), medimg::cube(2));
  CHECK(e[3][3][3].item<float>() == 0.0f);
  CHECK(e[1][1][1].item<float>() == 1.0f);
}

TEST_CASE("fill_holes and the small-component filters", "[morphology]") {
  at::Tensor ring = block(7, 7, 1, 6, 1, 6);
  ring[3][3] = false;  // a hole
  CHECK(same(medimg::fill_holes(ring), block(7, 7, 1, 6, 1, 6)));
  at::Tensor open = ring.clone();
  open[1][3] = false;
  open[2][3] = false;  // the hole now reaches the border... through a channel
  open[0][3] = false;
  CHECK(medimg::fill_holes(open).sum().item<std::int64_t>() == open.sum().item<std::int64_t>());
  at::Tensor two = at::zeros({6, 8}, at::kBool);
  two.narrow(0, 0, 2).narrow(1, 0, 2).fill_(true);  // 4 voxels
  two.narrow(0, 3, 3).narrow(1, 4, 3).fill_(true);  // 9 voxels
  CHECK(medimg::remove_small_objects(two, 5).sum().item<std::int64_t>() == 9);
  CHECK(medimg::remove_small_objects(two, 0).sum().item<std::int64_t>() == 13);
  CHECK(medimg::remove_small_holes(ring, 2).sum().item<std::int64_t>() == 25);
  CHECK(medimg::remove_small_holes(ring, 1).sum().item<std::int64_t>() == 24);
  // Integer input is read as labels: sizes per value.
  at::Tensor labels = at::zeros({3, 3}, at::kInt);
  labels[0][0] = 7;
  labels[2][2] = 7;  // label 7: two voxels apart, one object of size 2
  labels[1][1] = 3;
  const at::Tensor kept = medimg::remove_small_objects(labels, 2);
  CHECK(kept.scalar_type() == at::kInt);
  CHECK(kept[2][2].item<int>() == 7);
  CHECK(kept[1][1].item<int>() == 0);
}

TEST_CASE("bad morphology input is refused", "[morphology]") {
  CHECK_THROWS_AS(medimg::binary_erosion(at::zeros({4}), medimg::disk(1)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::binary_erosion(at::zeros({0, 4}), medimg::disk(1)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::erosion(at::zeros({4, 4, 4}), medimg::disk(1)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::dilation(at::zeros({4, 4}), medimg::ball(1)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::remove_small_objects(at::zeros({4, 4}), 3), medimg::ArgumentError);
  at::Tensor negative = at::zeros({2, 2}, at::kLong);
  negative[0][0] = -1;
  CHECK_THROWS_AS(medimg::remove_small_objects(negative, 3), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::remove_small_objects(at::zeros({2, 2}, at::kBool), -1),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::fill_holes(at::zeros({3, 3}), 3), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::erosion(at::zeros({3, 3}, at::kHalf), medimg::disk(1)),
                  medimg::Unsupported);
}

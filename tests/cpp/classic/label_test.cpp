#include "medimg/classic/label.hpp"

#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"

namespace {

// Two voxels that touch diagonally only, and a separate bar.
at::Tensor diagonal_pair() {
  at::Tensor m = at::zeros({5, 6}, at::kBool);
  m[0][0] = true;
  m[1][1] = true;
  m.select(0, 3).narrow(0, 2, 4).fill_(true);
  return m;
}

}  // namespace

TEST_CASE("label numbers components in raster order; connectivity decides diagonals", "[label]") {
  const medimg::LabelResult full = medimg::label(diagonal_pair());
  CHECK(full.count == 2);
  CHECK(full.labels.scalar_type() == at::kLong);
  CHECK(full.labels[0][0].item<std::int64_t>() == 1);
  CHECK(full.labels[1][1].item<std::int64_t>() == 1);
  CHECK(full.labels[3][5].item<std::int64_t>() == 2);
  CHECK(full.labels[2][2].item<std::int64_t>() == 0);
  const medimg::LabelResult faces = medimg::label(diagonal_pair(), 1);
  CHECK(faces.count == 3);
  CHECK(faces.labels[1][1].item<std::int64_t>() == 2);
  CHECK(faces.labels[3][2].item<std::int64_t>() == 3);
}

TEST_CASE("label in 3D: 6, 18 and 26 neighbours", "[label]") {
  at::Tensor v = at::zeros({3, 3, 3}, at::kByte);
  v[0][0][0] = 1;
  v[1][1][0] = 1;  // edge neighbour of (0, 0, 0)
  v[2][2][1] = 1;  // corner neighbour of (1, 1, 0)
  CHECK(medimg::label(v, 1).count == 3);
  CHECK(medimg::label(v, 2).count == 2);
  CHECK(medimg::label(v, 3).count == 1);
  CHECK(medimg::label(v).count == 1);
}

TEST_CASE("integer images label regions of equal value; background is chosen", "[label]") {
  const at::Tensor values = at::tensor({1, 1, 2, 2, 0, 3, 3, 0}, at::kInt).reshape({2, 4});
  const medimg::LabelResult r = medimg::label(values);
  CHECK(r.count == 3);  // {1 1}, {2 2}, {3 3}
  CHECK(r.labels[0][0].item<std::int64_t>() == 1);
  CHECK(r.labels[0][2].item<std::int64_t>() == 2);
  CHECK(r.labels[1][1].item<std::int64_t>() == 3);
  const medimg::LabelResult bg2 = medimg::label(values, 0, 2);
  CHECK(bg2.labels[0][2].item<std::int64_t>() == 0);
  CHECK(bg2.labels[1][0].item<std::int64_t>() != 0);  // 0 is a value like any other now
  // A bool image with background 1 labels its false voxels.
  CHECK(medimg::label(diagonal_pair(), 1, 1).count == 1);
  // A background the dtype cannot hold: every voxel is labelled.
  CHECK(medimg::label(at::zeros({2, 2}, at::kByte), 0, -1).count == 1);
}

TEST_CASE("keep_largest keeps the n largest components", "[label]") {
  const at::Tensor m = diagonal_pair();
  CHECK(medimg::keep_largest(m).sum().item<std::int64_t>() == 4);
  CHECK(medimg::keep_largest(m, 2, 1).sum().item<std::int64_t>() == 5);  // bar + first voxel
  CHECK(medimg::keep_largest(m, 2, 1)[0][0].item<bool>());
  CHECK(medimg::keep_largest(m, 10).sum().item<std::int64_t>() == 6);
  CHECK(medimg::keep_largest(m, 0).sum().item<std::int64_t>() == 0);
  CHECK(medimg::keep_largest(at::zeros({3, 3})).sum().item<std::int64_t>() == 0);
}

TEST_CASE("bad label input is refused", "[label]") {
  CHECK_THROWS_AS(medimg::label(at::zeros({3, 3}, at::kFloat)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::label(at::zeros({3, 3}, at::kBool), 3), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::label(at::zeros({3, 3}, at::kBool), -1), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::label(at::zeros({3}, at::kBool)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::keep_largest(at::zeros({3, 3}, at::kBool), -1), medimg::ArgumentError);
}

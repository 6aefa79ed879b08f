#include "medimg/classic/threshold.hpp"

#include <ATen/ops/cat.h>
#include <ATen/ops/full.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <limits>

#include "medimg/core/error.hpp"

TEST_CASE("fixed and range thresholds", "[threshold]") {
  const at::Tensor hu = at::tensor({-1024, -700, -320, -319, 40}, at::kShort);
  const at::Tensor above = medimg::threshold(hu, -320);
  CHECK(above.scalar_type() == at::kBool);
  CHECK(above.sum().item<std::int64_t>() == 2);
  const at::Tensor lung = medimg::threshold_range(hu, -1000, -320);
  CHECK(lung.sum().item<std::int64_t>() == 2);  // -700 and -320, both ends included
  CHECK_FALSE(lung[0].item<bool>());
  const at::Tensor nan = at::tensor({std::numeric_limits<float>::quiet_NaN(), 1.0f});
  CHECK_FALSE(medimg::threshold(nan, 0.0)[0].item<bool>());
  CHECK_THROWS_AS(medimg::threshold_range(hu, 5, 1), medimg::ArgumentError);
}

TEST_CASE("Otsu on two values: the first bin, as scikit-image", "[threshold]") {
  // Integers: one bin per value 0..10; every split between the two modes scores the same
  // and numpy's argmax takes the first, bin 0.
  const at::Tensor ints = at::cat({at::zeros({50}, at::kShort), at::full({50}, 10, at::kShort)});
  CHECK(medimg::threshold_otsu(ints) == 0.0);
  // Floats: 256 bins over [0, 1]; the first bin's centre.
  const at::Tensor floats = ints.to(at::kDouble).div(10);
  CHECK(medimg::threshold_otsu(floats) == 1.0 / 512);
  // One value: that value. A mask selects the voxels.
  CHECK(medimg::threshold_otsu(at::full({4, 4}, 7.5)) == 7.5);
  at::Tensor mask = at::zeros({100}, at::kBool);
  mask.narrow(0, 45, 10).fill_(true);  // five 0s and five 10s
  CHECK(medimg::threshold_otsu(ints, 256, mask) == 0.0);
  mask.narrow(0, 50, 5).fill_(false);
  CHECK(medimg::threshold_otsu(ints, 256, mask) == 0.0);  // only zeros left
}

TEST_CASE("multi-Otsu with as many values as classes returns the first bins", "[threshold]") {
  const at::Tensor three = at::tensor({0, 0, 5, 5, 10, 10}, at::kInt);
  CHECK(medimg::threshold_multiotsu(three) == std::vector<double>{0.0, 5.0});
  CHECK(medimg::threshold_multiotsu(three, 2).size() == 1);
}

TEST_CASE("bad threshold input is refused", "[threshold]") {
  CHECK_THROWS_AS(medimg::threshold_otsu(at::zeros({4}), 0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::threshold_otsu(at::tensor({1.0, std::nan("")})), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::threshold_otsu(at::zeros({4}), 256, at::zeros({4}, at::kBool)),
                  medimg::ArgumentError);  // selects nothing
  CHECK_THROWS_AS(medimg::threshold_otsu(at::zeros({4}), 256, at::zeros({5}, at::kBool)),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::threshold_multiotsu(at::tensor({1, 2}, at::kInt), 3),
                  medimg::ArgumentError);  // two values, three classes
  CHECK_THROWS_AS(medimg::threshold_multiotsu(at::tensor({1, 2}, at::kInt), 1),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::threshold_otsu(at::tensor({0, 1 << 30}, at::kInt)),
                  medimg::Unsupported);  // 2^30 integer bins
}

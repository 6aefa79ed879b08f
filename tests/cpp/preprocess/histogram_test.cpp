#include "medimg/preprocess/histogram.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "medimg/core/error.hpp"

using Catch::Matchers::Contains;

TEST_CASE("equalize_hist of integers is each value's cumulative frequency") {
  // Values 0, 0, 1, 3 (no 2): CDF 0.5, 0.75, 0.75, 1.
  const medimg::Image image(at::tensor({0, 0, 1, 3}, at::kShort).reshape({1, 2, 2}));
  const auto y = medimg::equalize_hist(image).tensor();
  CHECK(y.scalar_type() == at::kFloat);
  CHECK(y[0][0][0].item<float>() == 0.5f);
  CHECK(y[0][1][0].item<float>() == 0.75f);
  CHECK(y[0][1][1].item<float>() == 1.0f);
  // nbins is ignored for integers, as in skimage.
  CHECK(medimg::equalize_hist(image, 2).tensor().equal(y));
}

TEST_CASE("equalize_hist of floats interpolates the CDF between bin centres") {
  // 0, 0.5, 1 in 2 bins [0, 0.5), [0.5, 1]: counts 1, 2; CDF 1/3, 1; centres 0.25, 0.75.
  const medimg::Image image(at::tensor({0.0f, 0.5f, 1.0f}).reshape({1, 1, 3}));
  const auto y = medimg::equalize_hist(image, 2).tensor();
  CHECK(y[0][0][0].item<float>() == static_cast<float>(1.0f / 3));   // below the first centre
  CHECK(y[0][0][1].item<float>() == Approx(2.0 / 3).epsilon(1e-7));  // halfway
  CHECK(y[0][0][2].item<float>() == 1.0f);                           // beyond the last centre
}

TEST_CASE("equalize_hist takes the histogram from the mask and maps every voxel") {
  // The mask selects 10 and 20 only: 5 is below its range (-> first CDF value 0.5), 30
  // above (-> 1).
  const medimg::Image image(at::tensor({5, 10, 20, 30}, at::kInt).reshape({1, 1, 4}));
  const at::Tensor mask = at::tensor({0, 1, 1, 0}).ne(0).reshape({1, 4});
  const auto y = medimg::equalize_hist(image, 256, mask).tensor();
  CHECK(y[0][0][0].item<float>() == 0.5f);
  CHECK(y[0][0][1].item<float>() == 0.5f);
  CHECK(y[0][0][2].item<float>() == 1.0f);
  CHECK(y[0][0][3].item<float>() == 1.0f);
}

TEST_CASE("equalize_hist treats each channel on its own") {
  const at::Tensor a = at::arange(0, 64, at::kFloat).reshape({1, 8, 8});
  const at::Tensor b = at::arange(0, 64, at::kFloat).pow(2).reshape({1, 8, 8});
  const auto both = medimg::equalize_hist(medimg::Image(at::cat({a, b})), 16).tensor();
  CHECK(both[0].equal(medimg::equalize_hist(medimg::Image(a), 16).tensor()[0]));
  CHECK(both[1].equal(medimg::equalize_hist(medimg::Image(b), 16).tensor()[0]));
}

TEST_CASE("equalize_hist refuses bad bins, masks and values") {
  const medimg::Image image(at::arange(0, 16, at::kFloat).reshape({1, 4, 4}));
  CHECK_THROWS_AS(medimg::equalize_hist(image, 1), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::equalize_hist(image, 0), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::equalize_hist(image, 256, at::zeros({4, 4}, at::kBool)),
                    Contains("selects no voxel"));
  CHECK_THROWS_AS(medimg::equalize_hist(image, 256, at::zeros({4, 5}, at::kBool)),
                  medimg::ShapeError);
  at::Tensor nan = at::zeros({1, 2, 2});
  nan[0][0][1] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(medimg::equalize_hist(medimg::Image(nan)), Contains("NaN"));
  const at::Tensor wide = at::tensor({std::int64_t{0}, std::int64_t{1} << 40}).reshape({1, 1, 2});
  CHECK_THROWS_AS(medimg::equalize_hist(medimg::Image(wide)), medimg::Unsupported);
}

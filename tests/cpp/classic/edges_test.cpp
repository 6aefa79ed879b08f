#include "medimg/classic/edges.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;

TEST_CASE("canny outlines a bright square and nothing else", "[edges]") {
  at::Tensor image = at::zeros({24, 24}, at::kFloat);
  image.narrow(0, 8, 8).narrow(1, 8, 8).fill_(1.0f);
  const at::Tensor edges = medimg::canny(image);
  CHECK(edges.scalar_type() == at::kBool);
  CHECK(edges.sum().item<std::int64_t>() > 20);
  // Every edge pixel lies within one pixel of the square's boundary (rows/cols 7.5, 15.5).
  const auto e = edges.accessor<bool, 2>();
  for (int y = 0; y < 24; ++y) {
    for (int x = 0; x < 24; ++x) {
      if (!e[y][x]) continue;
      const double dy = std::min(std::abs(y - 7.5), std::abs(y - 15.5));
      const double dx = std::min(std::abs(x - 7.5), std::abs(x - 15.5));
      CHECK(std::min(dy, dx) <= 1.5);
      CHECK((y >= 6 && y <= 17 && x >= 6 && x <= 17));
    }
  }
  // A mask excluding the square's right half removes the edges there.
  medimg::CannyOptions options;
  options.mask = at::zeros({24, 24}, at::kBool);
  options.mask.narrow(1, 0, 12).fill_(true);
  const at::Tensor masked = medimg::canny(image, options);
  CHECK(masked.narrow(1, 11, 13).sum().item<std::int64_t>() == 0);
  CHECK(masked.sum().item<std::int64_t>() > 0);
}

TEST_CASE("canny thresholds: integer scaling, quantiles, flat images", "[edges]") {
  at::Tensor image = at::zeros({16, 16}, at::kByte);
  image.narrow(1, 8, 8).fill_(200);
  CHECK(medimg::canny(image).sum().item<std::int64_t>() > 0);
  medimg::CannyOptions high;
  high.low_threshold = 2550.0;  // uint8 units: 10 after scaling, above this step's gradient
  high.high_threshold = 2550.0;
  CHECK(medimg::canny(image, high).sum().item<std::int64_t>() == 0);
  CHECK(medimg::canny(at::zeros({16, 16})).sum().item<std::int64_t>() == 0);
  CHECK(medimg::canny(at::zeros({1, 1})).sum().item<std::int64_t>() == 0);
}

TEST_CASE("bad canny input is refused", "[edges]") {
  medimg::CannyOptions options;
  CHECK_THROWS_AS(medimg::canny(at::zeros({4, 4, 4})), medimg::ShapeError);
  options.sigma = -1;
  CHECK_THROWS_AS(medimg::canny(at::zeros({4, 4}), options), medimg::ArgumentError);
  options.sigma = 1;
  options.use_quantiles = true;
  options.high_threshold = 1.5;
  CHECK_THROWS_AS(medimg::canny(at::zeros({4, 4}), options), medimg::ArgumentError);
  options.use_quantiles = false;
  options.low_threshold = 0.5;
  options.high_threshold = 0.2;
  CHECK_THROWS_AS(medimg::canny(at::zeros({4, 4}), options), medimg::ArgumentError);
  options = {};
  options.mask = at::zeros({3, 3}, at::kBool);
  CHECK_THROWS_AS(medimg::canny(at::zeros({4, 4}), options), medimg::ShapeError);
}

TEST_CASE("sobel of a ramp: slope 2 per axis response, sqrt(2) magnitude in 2D", "[edges]") {
  const at::Tensor ramp = at::arange(8, at::kDouble).reshape({1, 8}).repeat({6, 1});
  const at::Tensor along_x = medimg::sobel(ramp, {}, 1);
  CHECK(along_x[2][3].item<double>() == Approx(2.0));
  CHECK(along_x[2][0].item<double>() == Approx(1.0));  // reflect: x[-1] = x[0]
  CHECK(medimg::sobel(ramp, {}, 0).abs().max().item<double>() == Approx(0.0));
  CHECK(medimg::sobel(ramp)[3][4].item<double>() == Approx(std::sqrt(2.0)));
  CHECK(medimg::sobel(ramp.to(at::kFloat)).scalar_type() == at::kFloat);
  // Constant border: zeros beyond the edge.
  CHECK(medimg::sobel(ramp, {}, 1, medimg::BorderMode::Constant)[2][7].item<double>() ==
        Approx(-6.0));
  // A mask: zero outside its full erosion.
  at::Tensor mask = at::zeros({6, 8}, at::kBool);
  mask.narrow(0, 1, 4).narrow(1, 1, 6).fill_(true);
  const at::Tensor masked = medimg::sobel(ramp, mask);
  CHECK(masked[1][3].item<double>() == 0.0);
  CHECK(masked[2][3].item<double>() == Approx(std::sqrt(2.0)));
  // A volume: sqrt(4 / 3) for a ramp along x.
  const at::Tensor volume = at::arange(5, at::kDouble).reshape({1, 1, 5}).repeat({4, 4, 1});
  CHECK(medimg::sobel(volume)[1][1][2].item<double>() == Approx(std::sqrt(4.0 / 3.0)));
  CHECK_THROWS_AS(medimg::sobel(ramp, {}, 2), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::sobel(at::zeros({5})), medimg::ShapeError);
}

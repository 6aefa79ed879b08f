#include "medimg/core/statistics.hpp"

#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "medimg/core/parallel.hpp"
#include "test_helpers.hpp"

using Catch::Detail::Approx;

TEST_CASE("channel_stats matches hand-computed values per channel") {
  // channel 0: 0..5, channel 1: 6..11 (mean 2.5 / 8.5, population variance 35/12).
  const medimg::Image image(medimg::test::ramp({2, 2, 3}));
  const auto stats = medimg::channel_stats(image);
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].count == 6);
  CHECK(stats[0].min == 0);
  CHECK(stats[0].max == 5);
  CHECK(stats[0].mean == Approx(2.5));
  CHECK(stats[0].std == Approx(std::sqrt(35.0 / 12.0)));
  CHECK(stats[1].min == 6);
  CHECK(stats[1].mean == Approx(8.5));
}

TEST_CASE("channel_stats ignores and counts NaN") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const medimg::Image image(at::tensor({1.0f, nan, 3.0f, nan}).reshape({1, 1, 2, 2}));
  const auto s = medimg::channel_stats(image).at(0);
  CHECK(s.count == 2);
  CHECK(s.nan_count == 2);
  CHECK(s.mean == Approx(2.0));
  CHECK(s.std == Approx(1.0));

  const auto all_nan = medimg::channel_stats(medimg::Image(at::full({1, 2, 2}, nan))).at(0);
  CHECK(all_nan.count == 0);
  CHECK(std::isnan(all_nan.mean));
  CHECK(std::isnan(all_nan.min));
}

TEST_CASE("channel_stats works on strided int16 volumes and does not depend on threads") {
  const at::Tensor voxels =
      at::randn({40, 3, 50, 70}).mul(300).to(at::kShort).permute({1, 0, 2, 3});  // (3, 40, 50, 70)
  const medimg::Image image(voxels);
  const auto parallel = medimg::channel_stats(image);
  const int threads = medimg::get_num_threads();
  medimg::set_num_threads(1);
  const auto serial = medimg::channel_stats(image);
  medimg::set_num_threads(threads);
  for (int c = 0; c < 3; ++c) {
    const at::Tensor channel = voxels[c].to(at::kDouble);
    CHECK(parallel[c].mean == serial[c].mean);  // bit-identical
    CHECK(parallel[c].mean == Approx(channel.mean().item<double>()).epsilon(1e-12));
    CHECK(parallel[c].std == Approx(channel.std(/*unbiased=*/false).item<double>()).epsilon(1e-12));
    CHECK(parallel[c].min == channel.min().item<double>());
    CHECK(parallel[c].max == channel.max().item<double>());
  }
}

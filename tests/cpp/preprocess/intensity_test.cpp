#include "medimg/preprocess/intensity.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "medimg/core/error.hpp"

using Catch::Matchers::Contains;

namespace {

float at1(const at::Tensor& t, std::int64_t i) { return t.reshape({-1})[i].item<float>(); }

}  // namespace

TEST_CASE("window linear-clip clips to [c - w/2, c + w/2] and scales to [0, 1]") {
  // int16 values -200 ... 299; the mediastinum window 40/400 is [-160, 240].
  const at::Tensor x = at::arange(-200, 300, at::kShort);
  const at::Tensor y = medimg::window(x, 40, 400);
  CHECK(y.scalar_type() == at::kFloat);
  CHECK(y.sizes() == x.sizes());
  CHECK(at1(y, 0) == 0.0f);                          // -200 is below the window
  CHECK(at1(y, 40) == 0.0f);                         // -160, the lower end
  CHECK(at1(y, 240) == 0.5f);                        // 40, the centre
  CHECK(at1(y, 440) == 1.0f);                        // 240, the upper end
  CHECK(at1(y, 499) == 1.0f);                        // 299 is above
  CHECK(at1(y, 140) == (-60.0f + 160.0f) / 400.0f);  // float32 arithmetic, exactly
}

TEST_CASE("window follows DICOM's LINEAR and LINEAR_EXACT definitions") {
  using medimg::WindowMode;
  const at::Tensor x = at::arange(-200, 300, at::kShort);
  // LINEAR, c = 40, w = 400: 0 for x <= c - 0.5 - (w - 1) / 2 = -160, 1 for x > 239.
  const auto linear = medimg::window(x, 40, 400, medimg::WindowOptions().mode(WindowMode::Linear));
  CHECK(at1(linear, 40) == 0.0f);                              // -160
  CHECK(at1(linear, 41) > 0.0f);                               // -159
  CHECK(at1(linear, 439) == 1.0f);                             // 239
  CHECK(at1(linear, 438) < 1.0f);                              // 238
  CHECK(at1(linear, 240) == (40.0f - 39.5f) / 399.0f + 0.5f);  // x = 40
  // LINEAR_EXACT: 0 for x <= c - w/2, 1 for x > c + w/2, (x - c) / w + 0.5 between.
  const auto exact =
      medimg::window(x, 40, 400, medimg::WindowOptions().mode(WindowMode::LinearExact));
  CHECK(at1(exact, 240) == 0.5f);
  CHECK(at1(exact, 140) == (-60.0f - 40.0f) / 400.0f + 0.5f);
  // LINEAR with width 1 is a threshold at c - 0.5.
  const auto step = medimg::window(x, 10, 1, medimg::WindowOptions().mode(WindowMode::Linear));
  CHECK(at1(step, 209) == 0.0f);  // 9 <= 9.5
  CHECK(at1(step, 210) == 1.0f);  // 10 > 9.5
}

TEST_CASE("window maps to any output range, keeps NaN, and writes into a given buffer") {
  const at::Tensor x = at::tensor({-1000.0f, 0.0f, 1000.0f, std::nanf("")});
  const auto inverted =
      medimg::window(x, 0, 1000, medimg::WindowOptions().output_min(255).output_max(0));
  CHECK(at1(inverted, 0) == 255.0f);
  CHECK(at1(inverted, 1) == 127.5f);
  CHECK(at1(inverted, 2) == 0.0f);
  CHECK(std::isnan(at1(inverted, 3)));

  const at::Tensor volume = at::arange(-1024, 2048, at::kShort).reshape({3, 32, 32});
  at::Tensor out = at::empty({3, 32, 32}, at::kFloat);
  medimg::window_out(out, volume, -600, 1500);
  CHECK(out.equal(medimg::window(volume, -600, 1500)));
  at::Tensor wrong = at::empty({3, 32}, at::kFloat);
  CHECK_THROWS_AS(medimg::window_out(wrong, volume, -600, 1500), medimg::ShapeError);
  at::Tensor doubles = at::empty({3, 32, 32}, at::kDouble);
  CHECK_THROWS_AS(medimg::window_out(doubles, volume, -600, 1500), medimg::ArgumentError);
}

TEST_CASE("window of an Image keeps its geometry; bad windows are refused") {
  medimg::Image image(at::arange(0, 60, at::kShort).reshape({1, 6, 10}),
                      medimg::Geometry(Eigen::Vector2d(0.5, 0.7)));
  const medimg::Image y = medimg::window(image, 30, 20);
  CHECK(y.geometry() == image.geometry());
  CHECK(y.dtype() == at::kFloat);

  const at::Tensor x = at::zeros({4}, at::kShort);
  CHECK_THROWS_AS(medimg::window(x, 40, 0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::window(x, 40, -5), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::window(x, std::nan(""), 400), medimg::ArgumentError);
  CHECK_THROWS_AS(
      medimg::window(x, 40, 0.5, medimg::WindowOptions().mode(medimg::WindowMode::Linear)),
      medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::window(at::zeros({0}, at::kShort), 40, 400), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::window(at::Tensor(), 40, 400), medimg::ArgumentError);
}

TEST_CASE("window presets and the image's own window") {
  CHECK(medimg::window_preset("lung") == std::make_pair(-600.0, 1500.0));
  CHECK(medimg::window_preset("mediastinum") == std::make_pair(40.0, 400.0));
  CHECK(medimg::window_preset("bone") == std::make_pair(400.0, 1800.0));
  CHECK(medimg::window_preset("brain") == std::make_pair(40.0, 80.0));
  CHECK(medimg::window_preset("abdomen") == std::make_pair(50.0, 400.0));
  CHECK(medimg::window_preset("liver") == std::make_pair(60.0, 160.0));
  CHECK(medimg::window_preset_names().size() == 6);
  CHECK_THROWS_WITH(medimg::window_preset("lungs"),
                    Contains("'lungs'") && Contains("lung, mediastinum, bone, brain"));

  medimg::Image image(at::arange(-200, 300, at::kFloat).reshape({1, 10, 50}));
  image.meta()["WindowCenter"] = std::vector<double>{40, -600};  // "40\-600"
  image.meta()["WindowWidth"] = std::vector<double>{400, 1500};
  const medimg::Image own = medimg::window_from_metadata(image);
  const auto expected = medimg::window(image.tensor(), 40, 400,
                                       medimg::WindowOptions().mode(medimg::WindowMode::Linear));
  CHECK(own.tensor().equal(expected));

  image.meta().erase("WindowWidth");
  CHECK_THROWS_WITH(medimg::window_from_metadata(image), Contains("WindowWidth"));
}

TEST_CASE("normalize_minmax scales each channel on its own; constant channels become 0") {
  at::Tensor data = at::zeros({2, 1, 5}, at::kShort);
  data[0][0] = at::arange(10, 60, 10, at::kShort);  // 10 ... 50
  data[1].fill_(7);
  const auto y = medimg::normalize_minmax(medimg::Image(data)).tensor();
  CHECK(y.scalar_type() == at::kFloat);
  CHECK(y[0][0][0].item<float>() == 0.0f);
  CHECK(y[0][0][1].item<float>() == 0.25f);
  CHECK(y[0][0][4].item<float>() == 1.0f);
  CHECK(y[1].eq(0).all().item<bool>());
  const auto ranged = medimg::normalize_minmax(medimg::Image(data), -1, 1).tensor();
  CHECK(ranged[0][0][2].item<float>() == 0.0f);
  CHECK(ranged[1].eq(-1).all().item<bool>());

  at::Tensor bad = at::zeros({1, 2, 2});
  bad[0][1][1] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(medimg::normalize_minmax(medimg::Image(bad)), Contains("NaN"));
}

TEST_CASE("normalize_zscore: population std, masks, MONAI's nonzero, given statistics") {
  // One channel 0, 2, 4, 6: mean 3, population std sqrt(5).
  const at::Tensor data = at::arange(0, 8, 2, at::kFloat).reshape({1, 1, 4});
  const medimg::Image image(data);
  const auto z = medimg::normalize_zscore(image).tensor();
  CHECK(z[0][0][0].item<float>() == static_cast<float>(-3 / std::sqrt(5.0)));
  CHECK(z[0][0][3].item<float>() == static_cast<float>(3 / std::sqrt(5.0)));

  // Statistics over the mask {2, 4}: mean 3, std 1; every voxel is normalised.
  const at::Tensor mask = at::tensor({0, 1, 1, 0}).ne(0).reshape({1, 4});
  const auto masked = medimg::normalize_zscore(image, medimg::ZScoreOptions().mask(mask)).tensor();
  CHECK(masked[0][0][0].item<float>() == -3.0f);
  CHECK(masked[0][0][3].item<float>() == 3.0f);

  // nonzero: statistics of {2, 4, 6} (mean 4, std sqrt(8/3)); the zero stays 0.
  const auto nonzero =
      medimg::normalize_zscore(image, medimg::ZScoreOptions().nonzero(true)).tensor();
  CHECK(nonzero[0][0][0].item<float>() == 0.0f);
  CHECK(nonzero[0][0][3].item<float>() == static_cast<float>(2 / std::sqrt(8.0 / 3)));

  // nnU-Net's CT scheme: clip, then given mean and std.
  const auto ct =
      medimg::normalize_zscore(
          image, medimg::ZScoreOptions().clip(medimg::IntensityRange{1, 5}).mean({2}).stddev({4}))
          .tensor();
  CHECK(ct[0][0][0].item<float>() == -0.25f);  // clipped to 1
  CHECK(ct[0][0][3].item<float>() == 0.75f);   // clipped to 5

  // A constant channel becomes zeros, not NaN.
  const auto flat = medimg::normalize_zscore(medimg::Image(at::full({1, 3, 3}, 5.0f))).tensor();
  CHECK(flat.eq(0).all().item<bool>());
}

TEST_CASE("normalize_zscore refuses empty masks, misfit shapes and bad statistics") {
  const medimg::Image image(at::arange(0, 8, at::kFloat).reshape({2, 1, 4}));
  using medimg::ZScoreOptions;
  CHECK_THROWS_WITH(
      medimg::normalize_zscore(image, ZScoreOptions().mask(at::zeros({1, 4}, at::kBool))),
      Contains("selects no voxel"));
  CHECK_THROWS_AS(
      medimg::normalize_zscore(image, ZScoreOptions().mask(at::ones({1, 5}, at::kBool))),
      medimg::ShapeError);
  CHECK_THROWS_AS(
      medimg::normalize_zscore(image, ZScoreOptions().mask(at::ones({3, 1, 4}, at::kBool))),
      medimg::ShapeError);
  CHECK_THROWS_AS(medimg::normalize_zscore(image, ZScoreOptions().mean({1})),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::normalize_zscore(image, ZScoreOptions().mean({1}).stddev({0})),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::normalize_zscore(image, ZScoreOptions().mean({1, 2, 3}).stddev({1})),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(
      medimg::normalize_zscore(image, ZScoreOptions().clip(medimg::IntensityRange{5, 1})),
      medimg::ArgumentError);
  // A per-channel mask: channel 0 uses {1, 2}, channel 1 uses {5, 6}.
  at::Tensor per_channel = at::zeros({2, 1, 4}, at::kBool);
  per_channel[0][0][1] = true;
  per_channel[0][0][2] = true;
  per_channel[1][0][1] = true;
  per_channel[1][0][2] = true;
  const auto z = medimg::normalize_zscore(image, ZScoreOptions().mask(per_channel)).tensor();
  CHECK(z[0][0][1].item<float>() == -1.0f);
  CHECK(z[1][0][2].item<float>() == 1.0f);
}

TEST_CASE("channel_percentiles follow numpy's linear rule for counted and sorted dtypes") {
  // 1 ... 10: the 25th percentile is at index 2.25 -> 3.25; the 90th at 8.1 -> 9.1.
  for (auto dtype : {at::kShort, at::kFloat, at::kInt, at::kByte}) {
    const medimg::Image image(at::arange(10, 0, -1, dtype).reshape({1, 2, 5}));
    const auto p = medimg::channel_percentiles(image, 25, 90);
    REQUIRE(p.size() == 1);
    CHECK(p[0].first == Approx(3.25).epsilon(1e-15));
    CHECK(p[0].second == Approx(9.1).epsilon(1e-15));
    const auto extremes = medimg::channel_percentiles(image, 0, 100);
    CHECK(extremes[0] == std::make_pair(1.0, 10.0));
    const auto same = medimg::channel_percentiles(image, 50, 50);
    CHECK(same[0].first == 5.5);
    CHECK(same[0].second == 5.5);
  }
  const medimg::Image image(at::arange(0, 10, at::kFloat).reshape({1, 2, 5}));
  const auto clipped = medimg::clip_percentile(image, 10, 80).tensor();
  CHECK(clipped[0][0][0].item<float>() == 0.9f);
  CHECK(clipped[0][1][4].item<float>() == static_cast<float>(7.2));
  CHECK(clipped[0][0][3].item<float>() == 3.0f);
  CHECK_THROWS_AS(medimg::channel_percentiles(image, 60, 40), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::channel_percentiles(image, -1, 40), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::channel_percentiles(image, 1, 101), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::channel_percentiles(medimg::Image(at::zeros({1, 2, 2})), 1, 99, {}, true),
                  medimg::ArgumentError);
}

#include "medimg/augment/intensity.hpp"

#include <ATen/Functions.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "medimg/core/error.hpp"

namespace {

medimg::Sample sample_of(const at::Tensor& voxels) {
  medimg::Sample sample;
  sample.image = medimg::Image(voxels);
  return sample;
}

std::vector<double> values(const medimg::Image& image) {
  const at::Tensor t = image.tensor().to(at::kDouble).contiguous().flatten();
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

}  // namespace

TEST_CASE("gamma acts on each channel's own range") {
  auto sample = sample_of(at::tensor({0, 1, 2, 4}, at::kShort).reshape({1, 1, 4}));
  medimg::RandGamma().apply(sample, 2.0);
  const auto v = values(sample.image);
  const double r = 4.0 + 1e-7;
  CHECK(v[0] == Approx(0.0));
  CHECK(v[1] == Approx(4.0 / (r * r)));
  CHECK(v[2] == Approx(16.0 / (r * r)));
  CHECK(v[3] == Approx(4.0 * 16.0 / (r * r)));
  CHECK(sample.image.dtype() == at::kFloat);
}

TEST_CASE("contrast scales about the mean and keeps the range") {
  auto sample = sample_of(at::tensor({0, 2, 4, 6}, at::kShort).reshape({1, 2, 2}));
  medimg::RandContrast().apply(sample, 2.0);
  CHECK(values(sample.image) == std::vector<double>{0.0, 1.0, 5.0, 6.0});
  medimg::RandContrastOptions free;
  free.preserve_range = false;
  auto unclipped = sample_of(at::tensor({0.0, 2.0, 4.0, 6.0}).reshape({1, 2, 2}));
  medimg::RandContrast(free).apply(unclipped, 2.0);
  CHECK(values(unclipped.image) == std::vector<double>{-3.0, 1.0, 5.0, 9.0});
}

TEST_CASE("brightness multiplies and shifts; a label passes through") {
  auto sample = sample_of(at::tensor({1.0, 2.0}).reshape({1, 1, 2}));
  sample.label = medimg::Image(at::tensor({0, 1}, at::kByte).reshape({1, 1, 2}));
  medimg::RandBrightness().apply(sample, {2.0, 1.0});
  CHECK(values(sample.image) == std::vector<double>{3.0, 5.0});
  CHECK(values(sample.label) == std::vector<double>{0.0, 1.0});
}

TEST_CASE("bias field terms: every degree tuple with sum <= degree") {
  CHECK(medimg::bias_field_terms(3, 3).size() == 20);
  CHECK(medimg::bias_field_terms(2, 3).size() == 10);
  CHECK(medimg::bias_field_terms(2, 1) == std::vector<std::vector<int>>{{0, 0}, {0, 1}, {1, 0}});
}

TEST_CASE("a bias field of degree 1 is exp of a plane across [-1, 1]") {
  auto sample = sample_of(at::ones({1, 3, 3}));
  medimg::RandBiasFieldOptions options;
  options.degree = 1;
  // Terms (0,0), (0,1), (1,0): constant 0.5, 0.2 * x, -0.1 * y with x, y in {-1, 0, 1}.
  medimg::RandBiasField(options).apply(sample, {0.5, 0.2, -0.1});
  const auto v = values(sample.image);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      CHECK(v[y * 3 + x] == Approx(std::exp(0.5 + 0.2 * (x - 1) - 0.1 * (y - 1))));
    }
  }
  CHECK_THROWS_AS(medimg::RandBiasField(options).apply(sample, {0.5}), medimg::ArgumentError);
}

TEST_CASE("noise: the same draw gives the same noise, with the drawn std") {
  medimg::RandGaussianNoise noise;
  medimg::Random random(3);
  const auto params = noise.sample(random, {64, 64});
  auto a = sample_of(at::zeros({1, 64, 64}));
  auto b = sample_of(at::zeros({1, 64, 64}));
  noise.apply(a, params);
  noise.apply(b, params);
  CHECK(at::equal(a.image.tensor(), b.image.tensor()));
  CHECK(a.image.tensor().std().item<double>() == Approx(params.std).epsilon(0.05));
}

TEST_CASE("Compose: one seed, one result; probability 0 never runs") {
  medimg::Compose pipeline;
  pipeline.add(std::make_shared<medimg::RandGaussianNoise>(), 1.0);
  pipeline.add(std::make_shared<medimg::RandGamma>(), 0.5);
  auto run = [&](std::uint64_t seed) {
    auto sample = sample_of(at::linspace(0.0, 1.0, 256).reshape({1, 16, 16}));
    medimg::Random random(seed);
    pipeline(sample, random);
    return sample.image.tensor();
  };
  CHECK(at::equal(run(11), run(11)));
  CHECK_FALSE(at::equal(run(11), run(12)));

  medimg::Compose never;
  never.add(std::make_shared<medimg::RandGamma>(), 0.0);
  auto sample = sample_of(at::linspace(0.0, 1.0, 16).reshape({1, 4, 4}));
  const at::Tensor before = sample.image.tensor();
  medimg::Random random(1);
  never(sample, random);
  CHECK(at::equal(sample.image.tensor(), before));
  CHECK_THROWS_AS(never.add(std::make_shared<medimg::RandGamma>(), 1.5), medimg::ArgumentError);
}

TEST_CASE("bad options and samples are refused with ArgumentError or ShapeError") {
  CHECK_THROWS_AS(medimg::RandGamma(medimg::RandGammaOptions{{0.0, 1.0}}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::RandGamma(medimg::RandGammaOptions{{2.0, 1.0}}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::RandGaussianNoise(medimg::RandGaussianNoiseOptions{0.0, {-1.0, 0.1}}), medimg::ArgumentError);
  medimg::Sample empty;
  CHECK_THROWS_AS(medimg::RandGamma().apply(empty, 1.0), medimg::ArgumentError);
  auto mismatched = sample_of(at::zeros({1, 4, 4}));
  mismatched.label = medimg::Image(at::zeros({1, 4, 5}));
  CHECK_THROWS_AS(medimg::RandGamma().apply(mismatched, 1.0), medimg::ShapeError);
}

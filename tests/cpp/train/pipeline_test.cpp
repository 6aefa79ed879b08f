#include "medimg/train/pipeline.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorIndexing.h>
#include <ATen/TensorOperators.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"
#include "medimg/train/sample.hpp"
#include "test_helpers.hpp"

using Catch::Matchers::Contains;
using medimg::Image;
using medimg::Sample;
namespace train = medimg::train;

namespace {

Sample run(const std::string& config, Sample sample) {
  train::preprocess(train::preprocessing_from_config(config), sample);
  return sample;
}

}  // namespace

TEST_CASE("window preset: the hand-computed lung window", "[train][data]") {
  const at::Tensor hu = at::linspace(-1500.0, 500.0, 2 * 3 * 4, at::kFloat).reshape({1, 2, 3, 4});
  const Sample out = run(R"([{"window": {"preset": "lung"}}])", Sample{Image(hu), Image()});
  // lung = (-600, 1500): t = clip((x - (-1350)) / 1500, 0, 1).
  const at::Tensor expected = ((hu + 1350.0) / 1500.0).clamp(0.0, 1.0);
  CHECK(at::allclose(out.image.tensor(), expected, 0.0, 1e-6));
}

TEST_CASE("YAML text works too, and keys spell every parameter", "[train][data]") {
  const auto steps = train::preprocessing_from_config(
      "- window: {center: 40, width: 400}\n- normalize: {mode: minmax}\n- to_float: {}\n");
  REQUIRE(steps.size() == 3);
  CHECK(steps[0]->key() == "window(center=40,width=400,mode=linear-clip,output=[0,1])");
  CHECK(steps[1]->key() == "normalize(mode=minmax,output=[0,1])");
  CHECK(train::pipeline_key(steps) ==
        "window(center=40,width=400,mode=linear-clip,output=[0,1]) | "
        "normalize(mode=minmax,output=[0,1]) | to_float");
  // A preset and its values give the same key, so the same cache entries.
  const auto preset = train::preprocessing_from_config(R"([{"window": {"preset": "abdomen"}}])");
  const auto values =
      train::preprocessing_from_config(R"([{"window": {"center": 50, "width": 400}}])");
  CHECK(preset[0]->key() == values[0]->key());
}

TEST_CASE("unknown keys, wrong types and unknown steps name the key", "[train][data]") {
  CHECK_THROWS_WITH(
      train::preprocessing_from_config(R"([{"to_float": {}}, {"window": {"center": 1, "widht": 2}}])",
                                       "data.preprocess"),
      Contains("data.preprocess[1].window.widht"));
  CHECK_THROWS_WITH(
      train::preprocessing_from_config(R"([{"window": {"center": 1, "width": "wide"}}])"),
      Contains("preprocess[0].window.width") && Contains("a number"));
  CHECK_THROWS_WITH(train::preprocessing_from_config(R"([{"windw": {}}])"),
                    Contains("unknown preprocessing step 'windw'") && Contains("crop_or_pad"));
  CHECK_THROWS_WITH(train::preprocessing_from_config(R"([{"window": {"preset": "lungs"}}])"),
                    Contains("preprocess[0].window.preset") && Contains("mediastinum"));
  CHECK_THROWS_WITH(train::preprocessing_from_config(R"([{"normalize": {"mode": "minmax", "nonzero": true}}])"),
                    Contains("preprocess[0].normalize.nonzero"));
  CHECK_THROWS_AS(train::preprocessing_from_config(R"({"window": {}})"), medimg::ArgumentError);
  CHECK_THROWS_WITH(
      train::augmentation_from_config(R"([{"rand_affine": {"rotation": [-10, 10], "sclae": [1, 2]}}])"),
      Contains("augment[0].rand_affine.sclae") && Contains("rotation"));
  CHECK_THROWS_WITH(train::augmentation_from_config(R"([{"rand_gamma": {"gamma": [2, 1]}}])"),
                    Contains("augment[0].rand_gamma") && Contains("gamma must be"));
  CHECK_THROWS_WITH(train::augmentation_from_config(R"([{"rand_flp": {}}])"),
                    Contains("rand_flip") && Contains("rand_crop_by_label"));
}

TEST_CASE("geometric steps move the label map with the image", "[train][data]") {
  at::Tensor image = at::zeros({1, 6, 8, 10});
  image.index_put_({0, at::indexing::Slice(2, 4), at::indexing::Slice(3, 6),
                    at::indexing::Slice(4, 7)},
                   5.0);
  const at::Tensor label = (image > 0).to(at::kByte);
  const Sample out =
      run(R"([{"crop_foreground": {"margin": 1}}, {"resample": {"spacing": 0.5}}])",
          Sample{Image(image), Image(label)});
  // The box [2,4)x[3,6)x[4,7) grown by 1 is 4x5x5; at spacing 0.5 it doubles.
  CHECK(out.image.spatial_shape() == std::vector<std::int64_t>{8, 10, 10});
  CHECK(out.label.spatial_shape() == out.image.spatial_shape());
  CHECK(out.label.dtype() == at::kByte);
  CHECK(out.label.geometry() == out.image.geometry());
  // Nearest neighbour at spacing 0.5: new index j samples old index 0.5 j - 0.25, nearest
  // j // 2, so the label is the cropped one with every voxel repeated twice per axis.
  using at::indexing::Slice;
  const at::Tensor expected = label.index({Slice(), Slice(1, 5), Slice(2, 7), Slice(3, 8)})
                                  .repeat_interleave(2, 1)
                                  .repeat_interleave(2, 2)
                                  .repeat_interleave(2, 3);
  CHECK(at::equal(out.label.tensor(), expected));
}

TEST_CASE("crop_or_pad pads the label with 0 and leaves a class label alone", "[train][data]") {
  const Sample map = run(R"([{"crop_or_pad": {"shape": [4, 6], "value": -1}}])",
                         Sample{Image(at::ones({1, 2, 8})), Image(at::ones({1, 2, 8}, at::kLong))});
  CHECK(map.image.tensor().sizes() == at::IntArrayRef({1, 4, 6}));
  CHECK(map.image.tensor().min().item<float>() == -1.0f);
  CHECK(map.label.tensor().sum().item<std::int64_t>() == 2 * 6);
  const Sample cls = run(R"([{"crop_or_pad": {"shape": [4, 6]}}])",
                         Sample{Image(at::ones({1, 2, 8})), train::class_label({3})});
  CHECK(cls.label.tensor().item<std::int64_t>() == 3);
}

TEST_CASE("augmentation config builds the Compose; custom steps run", "[train][data]") {
  const auto compose = train::augmentation_from_config(R"([
      {"rand_crop_by_label": {"size": [4, 4]}},
      {"rand_flip": {"axes": [1], "probability": 1.0}},
      {"rand_gaussian_noise": {"std": [0.0, 0.1], "probability": 0.5}}])");
  CHECK(compose->size() == 3);
  Sample sample{Image(medimg::test::ramp({1, 8, 8})), Image()};
  medimg::Random random(3);
  (*compose)(sample, random);
  CHECK(sample.image.spatial_shape() == std::vector<std::int64_t>{4, 4});

  const auto step = train::custom_step("double", [](Sample& s) {
    s.image = s.image.with_tensor(s.image.tensor() * 2);
  });
  Sample doubled{Image(at::ones({1, 2, 2})), Image()};
  train::preprocess({step}, doubled);
  CHECK(doubled.image.tensor().sum().item<float>() == 8.0f);
  CHECK_THROWS_AS(train::custom_step("", [](Sample&) {}), medimg::ArgumentError);
}

#include "medimg/train/loader.hpp"

#include <ATen/Functions.h>
#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/train/sample.hpp"
#include "test_helpers.hpp"

using Catch::Matchers::Contains;
using medimg::Image;
using medimg::Sample;
namespace train = medimg::train;

namespace {

/// n 3D samples whose image holds its index, with a label map.
std::shared_ptr<train::InMemoryDataset> indexed(std::size_t n, std::int64_t size = 8) {
  std::vector<Sample> samples;
  for (std::size_t i = 0; i < n; ++i) {
    const at::Tensor image = medimg::test::ramp({1, size, size, size}) / 100.0 + double(i);
    samples.push_back({Image(image), Image((image.frac() > 0.5).to(at::kByte))});
  }
  return std::make_shared<train::InMemoryDataset>(std::move(samples));
}

std::shared_ptr<const medimg::Transform> augmentation() {
  return train::augmentation_from_config(R"([
      {"rand_crop_by_label": {"size": [6, 6, 6], "foreground_probability": 0.5}},
      {"rand_flip": {}},
      {"rand_affine": {"rotation": [-20, 20], "scale": [0.9, 1.1]}},
      {"rand_contrast": {"probability": 0.5}},
      {"rand_gaussian_noise": {"std": [0, 0.1]}}])");
}

std::vector<train::Batch> all_batches(train::Loader& loader, std::int64_t epoch) {
  std::vector<train::Batch> out;
  for (train::Batch& batch : loader.epoch(epoch)) out.push_back(batch);
  return out;
}

/// A dataset whose sample 3 cannot be loaded, and that counts its loads.
class Failing final : public train::Dataset {
 public:
  std::size_t size() const override { return 8; }
  Sample get(std::size_t index) const override {
    loads.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    MEDIMG_CHECK(index != 3, ArgumentError, "cannot decode");
    return {Image(at::full({1, 2, 2}, double(index))), Image()};
  }
  std::string describe(std::size_t index) const override {
    return "case_" + std::to_string(index) + ".png";
  }
  mutable std::atomic<int> loads{0};
};

}  // namespace

TEST_CASE("sample_order: DistributedSampler's padding and striding", "[train][data]") {
  // n = 5, world 2, no shuffle: padded 0 1 2 3 4 0; rank 0 takes 0 2 4, rank 1 takes 1 3 0.
  CHECK(train::sample_order(5, false, 0, 0, 0, 2) == std::vector<std::size_t>{0, 2, 4});
  CHECK(train::sample_order(5, false, 0, 0, 1, 2) == std::vector<std::size_t>{1, 3, 0});
  // n = 2, world 5: padding longer than the data wraps more than once.
  CHECK(train::sample_order(2, false, 0, 0, 4, 5) == std::vector<std::size_t>{0});
  // Shuffled: a permutation, fixed by (seed, epoch), different across epochs.
  const auto a = train::sample_order(50, true, 7, 3);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) CHECK(sorted[i] == i);
  CHECK(a == train::sample_order(50, true, 7, 3));
  CHECK(a != train::sample_order(50, true, 7, 4));
  // seed + epoch is the generator's seed, as DistributedSampler does it.
  CHECK(a == train::sample_order(50, true, 8, 2));
  CHECK_THROWS_AS(train::sample_order(5, true, 0, 0, 2, 2), medimg::ArgumentError);
}

TEST_CASE("batches are identical for 0, 1 and 3 workers", "[train][data]") {
  const auto dataset = indexed(7);
  train::LoaderOptions options;
  options.batch_size = 2;
  options.seed = 11;
  options.augment = augmentation();
  std::vector<std::vector<train::Batch>> runs;
  for (int workers : {0, 1, 3}) {
    options.num_workers = workers;
    train::Loader loader(dataset, options);
    REQUIRE(loader.num_batches() == 4);
    runs.push_back(all_batches(loader, 2));
  }
  for (const auto& run : runs) {
    REQUIRE(run.size() == 4);
    for (std::size_t b = 0; b < run.size(); ++b) {
      CHECK(run[b].indices == runs[0][b].indices);
      CHECK(at::equal(run[b].image, runs[0][b].image));
      CHECK(at::equal(run[b].label, runs[0][b].label));
    }
  }
  const train::Batch& first = runs[0][0];
  CHECK(first.image.sizes() == at::IntArrayRef({2, 1, 6, 6, 6}));
  CHECK(first.label.scalar_type() == at::kLong);
  CHECK(runs[0][3].indices.size() == 1);
  // Each item is load_sample's result: the dataset sample augmented with its own seed.
  const Sample expected =
      train::load_sample(*dataset, first.indices[1], options.augment.get(), 11, 2);
  CHECK(at::equal(first.image[1], expected.image.tensor()));
}

TEST_CASE("epochs, drop_last and the distributed split", "[train][data]") {
  const auto dataset = indexed(5, 2);
  train::LoaderOptions options;
  options.batch_size = 2;
  options.drop_last = true;
  options.world_size = 2;
  options.rank = 1;
  train::Loader loader(dataset, options);
  CHECK(loader.num_samples() == 3);
  CHECK(loader.num_batches() == 1);
  loader.set_epoch(4);
  loader.begin_epoch();
  CHECK(loader.current_epoch() == 5);
  auto batch = loader.next();
  REQUIRE(batch);
  const auto order = train::sample_order(5, true, 0, 4, 1, 2);
  CHECK(batch->indices == std::vector<std::size_t>(order.begin(), order.begin() + 2));
  // The image holds the index in its integer part.
  CHECK(batch->image[1].min().item<float>() == float(order[1]));
  CHECK_FALSE(loader.next());
}

TEST_CASE("a loading error reaches the consumer with the sample's description", "[train][data]") {
  auto dataset = std::make_shared<Failing>();
  for (int workers : {0, 2}) {
    train::LoaderOptions options;
    options.batch_size = 2;
    options.shuffle = false;
    options.num_workers = workers;
    train::Loader loader(dataset, options);
    loader.begin_epoch(0);
    CHECK(loader.next()->indices == std::vector<std::size_t>{0, 1});
    CHECK_THROWS_WITH(loader.next(), Contains("sample 3 (case_3.png)") && Contains("cannot decode"));
    CHECK_THROWS_AS(train::load_sample(*dataset, 3, nullptr, 0, 0), medimg::ArgumentError);
    // The epoch goes on after the failed batch.
    CHECK(loader.next()->indices == std::vector<std::size_t>{4, 5});
  }
}

TEST_CASE("abandoning an epoch drops it without loading it all", "[train][data]") {
  auto dataset = std::make_shared<Failing>();
  train::LoaderOptions options;
  options.num_workers = 2;
  options.prefetch = 1;
  options.shuffle = false;
  {
    train::Loader loader(dataset, options);
    loader.begin_epoch(0);
    CHECK(loader.next());
    loader.begin_epoch(1);  // abandons epoch 0: its samples in progress are dropped
    CHECK(loader.next()->indices == std::vector<std::size_t>{0});
    loader.stop();
    CHECK_FALSE(loader.next());
    loader.begin_epoch(2);
    CHECK(loader.next());
  }  // destroyed mid-epoch: the workers are joined
  // A bounded queue: far fewer than the 24 loads of three full epochs.
  CHECK(dataset->loads.load() <= 15);
}

TEST_CASE("collate: class labels, and shape errors naming both samples", "[train][data]") {
  const std::vector<Sample> classes{{Image(at::zeros({3, 4, 4})), train::class_label({2})},
                                    {Image(at::ones({3, 4, 4})), train::class_label({0})}};
  const train::Batch batch = train::collate(classes, {5, 9});
  CHECK(batch.label.sizes() == at::IntArrayRef({2}));
  CHECK(batch.label.scalar_type() == at::kLong);
  CHECK(batch.label[0].item<std::int64_t>() == 2);
  CHECK(batch.image.sizes() == at::IntArrayRef({2, 3, 4, 4}));

  const std::vector<Sample> uneven{{Image(at::zeros({1, 4, 4})), Image()},
                                   {Image(at::zeros({1, 4, 5})), Image()}};
  CHECK_THROWS_WITH(train::collate(uneven, {5, 9}), Contains("sample 9") && Contains("sample 5"));
  const std::vector<Sample> mixed{{Image(at::zeros({1, 4, 4})), Image(at::zeros({1, 4, 4}))},
                                  {Image(at::zeros({1, 4, 4})), Image()}};
  CHECK_THROWS_AS(train::collate(mixed, {0, 1}), medimg::ShapeError);
}

TEST_CASE("workers load with one intra-op thread and leave the caller's count alone",
          "[train][data]") {
  const int before = at::get_num_threads();
  std::atomic<int> widest{0};
  auto probe = std::make_shared<train::InMemoryDataset>(
      std::vector<Sample>{{Image(at::zeros({1, 2, 2})), Image()}},
      train::Preprocessing{train::custom_step("probe", [&](Sample&) {
        medimg::parallel_for(0, 64, 1, [&](std::int64_t, std::int64_t) {
          widest = std::max(widest.load(), at::get_thread_num() + 1);
        });
      })},
      false);
  train::LoaderOptions options;
  options.num_workers = 1;
  train::Loader loader(probe, options);
  (void)all_batches(loader, 0);
  CHECK(widest.load() == 1);
  CHECK(at::get_num_threads() == before);
}

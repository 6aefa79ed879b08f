#include "medimg/train/trainer.hpp"

#include <ATen/ATen.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "medimg/core/error.hpp"
#include "medimg/train/dataset.hpp"
#include "medimg/train/loader.hpp"
#include "test_helpers.hpp"

namespace {

using namespace medimg;

// Four 2D samples: a bright square (label 1) on a dark, slightly noisy background.
std::shared_ptr<train::InMemoryDataset> squares() {
  std::vector<Sample> samples;
  at::Generator generator = at::detail::createCPUGenerator(3);
  for (int i = 0; i < 4; ++i) {
    at::Tensor label = at::zeros({1, 16, 16}, at::kByte);
    label.narrow(1, 2 + i, 6).narrow(2, 4 + i, 6).fill_(1);
    at::Tensor image = label.to(at::kFloat) + 0.1 * at::randn({1, 16, 16}, generator);
    samples.push_back({Image(image, Geometry(2)), Image(label, Geometry(2))});
  }
  return std::make_shared<train::InMemoryDataset>(std::move(samples));
}

// Seeded: LibTorch's default generator does not start from a fixed seed here, and with an
// unseeded initialisation the test below failed about 1 run in 5 (Adam at lr 0.02 for 6
// epochs reached val Dice 0.8 from most initialisations, not all; now lr 0.01 for 10).
nn::Network small_unet() {
  at::manual_seed(0);
  return nn::build_network(
      "unet", R"({"spatial_dims": 2, "in_channels": 1, "out_channels": 2, "features": [4, 8],
                  "norm": "instance"})");
}

train::TrainerOptions options(std::int64_t epochs) {
  train::TrainerOptions o;
  o.epochs = epochs;
  o.optimizer_json = R"({"name": "adam", "lr": 0.01})";
  o.loss_json = R"({"name": "ce"})";
  return o;
}

}  // namespace

TEST_CASE("the trainer learns, validates and round-trips its state through a checkpoint",
          "[train][trainer]") {
  auto dataset = squares();
  train::LoaderOptions lo;
  lo.batch_size = 2;
  train::Loader loader(dataset, lo);
  train::Trainer trainer(small_unet(), options(10));
  std::vector<train::EpochRecord> history = trainer.fit(loader, dataset.get());
  REQUIRE(history.size() == 10);
  CHECK(history.back().train_loss < history.front().train_loss);
  CHECK(history.back().metrics.at("val_dice") > 0.8);
  CHECK(history.back().metrics.at("val_dice") <= 1.0);
  CHECK(history.back().learning_rates == std::vector<double>{0.01});

  test::ScratchDir dir("trainer");
  trainer.save_checkpoint(dir / "state.pt");
  train::Trainer resumed(small_unet(), options(10));
  resumed.load_checkpoint(dir / "state.pt");
  CHECK(resumed.start_epoch() == 10);
  REQUIRE(resumed.history().size() == 10);
  CHECK(resumed.history()[3].train_loss == history[3].train_loss);
  const auto a = trainer.network().module()->parameters();
  const auto b = resumed.network().module()->parameters();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(at::equal(a[i], b[i]));
  // Nothing left to do: fit() returns the restored history.
  CHECK(resumed.fit(loader, nullptr).size() == 10);
}

TEST_CASE("the trainer rejects bad options and files", "[train][trainer]") {
  train::TrainerOptions bad = options(3);
  bad.optimizer_json = R"({"name": "adam", "lrr": 0.1})";
  CHECK_THROWS_WITH(train::Trainer(small_unet(), bad),
                    Catch::Contains("unknown config key 'optimizer.lrr'"));
  bad = options(0);
  CHECK_THROWS_AS(train::Trainer(small_unet(), bad), ArgumentError);
  bad = options(3);
  bad.monitor = "val_f1";
  CHECK_THROWS_WITH(train::Trainer(small_unet(), bad), Catch::Contains("val_f1"));
  bad.monitor = "val_auc";  // a classification metric for a segmentation task
  CHECK_THROWS_WITH(train::Trainer(small_unet(), bad), Catch::Contains("not a metric of segmentation"));
  bad = options(3);
  bad.scheduler_json = R"({"name": "step"})";
  CHECK_THROWS_WITH(train::Trainer(small_unet(), bad), Catch::Contains("scheduler.step_size"));

  train::Trainer trainer(small_unet(), options(3));
  test::ScratchDir dir("trainer-bad");
  CHECK_THROWS_AS(trainer.load_checkpoint(dir / "missing.pt"), IoError);
  std::ofstream(dir / "junk.pt") << "not a checkpoint";
  CHECK_THROWS_AS(trainer.load_checkpoint(dir / "junk.pt"), FormatError);
  // A checkpoint of another network is refused before anything is copied.
  trainer.save_checkpoint(dir / "small.pt");
  train::Trainer other(nn::build_network("unet", R"({"spatial_dims": 2, "in_channels": 1,
      "out_channels": 2, "features": [4, 16], "norm": "instance"})"), options(3));
  CHECK_THROWS_WITH(other.load_checkpoint(dir / "small.pt"), Catch::Contains("not the trainer's"));
}

TEST_CASE("config overrides set nested keys and reject malformed assignments", "[train]") {
  const std::string config = train::apply_config_overrides(
      R"({"trainer": {"epochs": 3}})",
      {"trainer.epochs=5", "optimizer.lr=0.001", "validation.roi_size=[16, 64, 64]",
       "trainer.out_dir=\"run 1\""});
  CHECK(config ==
        R"({"optimizer":{"lr":0.001},"trainer":{"epochs":5,"out_dir":"run 1"},)"
        R"("validation":{"roi_size":[16,64,64]}})");
  CHECK_THROWS_AS(train::apply_config_overrides("{}", {"trainer.epochs"}), ArgumentError);
  CHECK_THROWS_AS(train::apply_config_overrides(R"({"a": 1})", {"a.b=2"}), ArgumentError);
}

TEST_CASE("a process group of one is a no-op and bad ranks are refused", "[train]") {
  train::ProcessGroup group;
  at::Tensor x = at::ones({3});
  x.set_requires_grad(true);
  x.sum().backward();
  group.average_gradients({x});
  CHECK(at::equal(x.grad(), at::ones({3})));
  CHECK(group.mean(2.5) == 2.5);
  train::DistributedOptions bad;
  bad.rank = 2;
  bad.world_size = 2;
  CHECK_THROWS_AS(train::ProcessGroup(bad), ArgumentError);
}

// Training runs from configuration trees: the sections "task", "model", "data", "loader",
// "optimizer", "scheduler", "loss", "trainer" and "validation" (docs/train.md).
#include <torch/utils.h>

#include <sstream>

#include "config_node.hpp"
#include "config_values.hpp"
#include "medimg/core/error.hpp"
#include "medimg/train/dataset.hpp"
#include "medimg/train/loader.hpp"
#include "medimg/train/pipeline.hpp"
#include "medimg/train/trainer.hpp"

namespace medimg::train {

namespace {

const std::vector<std::string> kTopLevelKeys = {"task",      "model", "data",    "loader",
                                                "optimizer", "scheduler", "loss", "trainer",
                                                "validation"};

SlidingWindowOptions read_window(const ConfigNode& node) {
  SlidingWindowOptions o;
  o.roi_size = get_integers(node, "roi_size");
  o.sw_batch_size = node.get<std::int64_t>("sw_batch_size", o.sw_batch_size);
  o.overlap = node.get<double>("overlap", 0.5);
  o.mode = parse_blend_mode(get_choice(node, "mode", "gaussian", {"constant", "gaussian"}));
  o.sigma_scale = node.get<double>("sigma_scale", o.sigma_scale);
  o.padding_mode = node.get<std::string>("padding_mode", o.padding_mode);
  o.flip_tta = node.get<bool>("flip_tta", false);
  node.finish();
  return o;
}

TrainerOptions read_trainer(const ConfigNode& root, Task task) {
  TrainerOptions o;
  o.task = task;
  const ConfigNode trainer = root.child("trainer");
  o.epochs = trainer.get<std::int64_t>("epochs", o.epochs);
  const std::int64_t seed = trainer.get<std::int64_t>("seed", 0);
  MEDIMG_CHECK(seed >= 0, ArgumentError, "config key 'trainer.seed' must be >= 0, got ", seed);
  o.seed = static_cast<std::uint64_t>(seed);
  o.val_every = trainer.get<std::int64_t>("val_every", o.val_every);
  o.grad_clip = trainer.get<double>("grad_clip", o.grad_clip);
  o.monitor = trainer.get<std::string>("monitor", "");
  o.early_stopping_patience = trainer.get<std::int64_t>("early_stopping_patience", 0);
  o.early_stopping_min_delta = trainer.get<double>("early_stopping_min_delta", 0.0);
  o.out_dir = trainer.get<std::string>("out_dir", "");
  o.resume = trainer.get<bool>("resume", false);
  o.threads = trainer.get<std::int64_t>("threads", 0);
  trainer.finish();
  o.optimizer_json = root.raw("optimizer").is_null() ? "{}" : root.raw("optimizer").dump();
  o.scheduler_json = root.raw("scheduler").is_null() ? "{}" : root.raw("scheduler").dump();
  o.loss_json = root.raw("loss").is_null() ? "{}" : root.raw("loss").dump();
  if (root.has("validation")) o.validation_window = read_window(root.child("validation"));
  return o;
}

// Each sample `times` times in a row of indices (i, i + n, ...): a few large volumes give
// many random patches per epoch, each with its own augmentation draw (MONAI's num_samples).
class RepeatedDataset final : public Dataset {
 public:
  RepeatedDataset(std::shared_ptr<Dataset> base, std::size_t times)
      : base_(std::move(base)), times_(times) {}
  std::size_t size() const override { return base_->size() * times_; }
  Sample get(std::size_t index) const override { return base_->get(index % base_->size()); }
  std::string describe(std::size_t index) const override {
    return base_->describe(index % base_->size());
  }

 private:
  std::shared_ptr<Dataset> base_;
  std::size_t times_;
};

// One dataset of the "data" section: {"pairs": [{"image": P, "label": P}, ...]},
// {"decathlon": FOLDER} or {"npz": FILE, "split": "train"|"val"|"test"}, each with an
// optional "repeat": N.
std::shared_ptr<Dataset> read_dataset(const ConfigNode& node, const Preprocessing& preprocessing,
                                      const CacheOptions& cache) {
  const int kinds = node.has("pairs") + node.has("decathlon") + node.has("npz");
  MEDIMG_CHECK(kinds == 1, ArgumentError, "config key '", node.path(),
               "' needs exactly one of 'pairs', 'decathlon' or 'npz'");
  std::shared_ptr<Dataset> dataset;
  if (node.has("pairs")) {
    std::vector<SamplePaths> samples;
    for (const ConfigNode& pair : node.children("pairs")) {
      samples.push_back({pair.require<std::string>("image"), pair.get<std::string>("label", "")});
      pair.finish();
    }
    MEDIMG_CHECK(!samples.empty(), ArgumentError, "config key '", node.key_path("pairs"),
                 "' lists no sample");
    dataset = std::make_shared<FileDataset>(std::move(samples), preprocessing, cache);
  } else if (node.has("decathlon")) {
    dataset = decathlon_dataset(node.require<std::string>("decathlon"), preprocessing, cache);
  } else {
    dataset = std::make_shared<NpzDataset>(node.require<std::string>("npz"),
                                           node.get<std::string>("split", "train"), preprocessing,
                                           cache.memory);
  }
  const std::int64_t repeat = node.get<std::int64_t>("repeat", 1);
  MEDIMG_CHECK(repeat >= 1, ArgumentError, "config key '", node.key_path("repeat"),
               "' must be >= 1, got ", repeat);
  node.finish();
  if (repeat > 1) dataset = std::make_shared<RepeatedDataset>(dataset, static_cast<std::size_t>(repeat));
  return dataset;
}

nn::Network read_model(const ConfigNode& model) {
  const std::string architecture = model.require<std::string>("architecture");
  nlohmann::json options = model.json();
  options.erase("architecture");
  for (const std::string& key : model.keys()) model.raw(key);  // build_network checks them
  return nn::build_network(architecture, options.dump());
}

}  // namespace

std::string read_training_config(const std::filesystem::path& path) {
  return read_config_file(path).dump();
}

std::string apply_config_overrides(const std::string& config_json,
                                   const std::vector<std::string>& assignments) {
  nlohmann::json config = parse_config_text(config_json);
  if (config.is_null()) config = nlohmann::json::object();
  for (const std::string& assignment : assignments) {
    const std::size_t equals = assignment.find('=');
    MEDIMG_CHECK(equals != std::string::npos && equals > 0, ArgumentError,
                 "config override '", assignment, "' is not KEY=VALUE");
    const std::string key = assignment.substr(0, equals);
    nlohmann::json value = parse_config_text(assignment.substr(equals + 1));
    nlohmann::json* node = &config;
    std::stringstream parts(key);
    std::string part, walked;
    std::vector<std::string> names;
    while (std::getline(parts, part, '.')) names.push_back(part);
    for (std::size_t i = 0; i < names.size(); ++i) {
      MEDIMG_CHECK(node->is_object(), ArgumentError, "config override '", assignment, "': '",
                   walked, "' is not a mapping");
      walked += (walked.empty() ? "" : ".") + names[i];
      if (i + 1 == names.size()) {
        (*node)[names[i]] = value;
      } else {
        if (!node->contains(names[i])) (*node)[names[i]] = nlohmann::json::object();
        node = &(*node)[names[i]];
      }
    }
  }
  return config.dump();
}

TrainingRun build_training_run(const std::string& config_json, std::int64_t rank,
                               std::int64_t world_size) {
  const ConfigNode root(parse_config_text(config_json), "");
  const Task task = parse_task(root.get<std::string>("task", "segmentation"));
  TrainingRun run;
  run.options = read_trainer(root, task);
  torch::manual_seed(run.options.seed);
  if (root.has("model")) run.network = read_model(root.child("model"));
  const ConfigNode data = root.child("data");
  const Preprocessing preprocessing =
      preprocessing_from_config(data.raw("preprocess").dump(), "data.preprocess");
  std::shared_ptr<Compose> augment =
      augmentation_from_config(data.raw("augment").dump(), "data.augment");
  const ConfigNode cache_node = data.child("cache");
  CacheOptions cache;
  cache.memory = cache_node.get<bool>("memory", true);
  cache.disk_dir = cache_node.get<std::string>("disk_dir", "");
  cache_node.finish();
  MEDIMG_CHECK(data.has("train"), ArgumentError, "missing config key 'data.train'");
  run.train_dataset = read_dataset(data.child("train"), preprocessing, cache);
  if (data.has("validation")) {
    run.validation_dataset = read_dataset(data.child("validation"), preprocessing, cache);
  }
  data.finish();
  const ConfigNode loader = root.child("loader");
  LoaderOptions lo;
  lo.batch_size = loader.get<std::int64_t>("batch_size", 2);
  lo.num_workers = static_cast<int>(loader.get<std::int64_t>("num_workers", 2));
  lo.prefetch = static_cast<int>(loader.get<std::int64_t>("prefetch", lo.prefetch));
  lo.shuffle = loader.get<bool>("shuffle", true);
  lo.drop_last = loader.get<bool>("drop_last", false);
  lo.seed = run.options.seed;
  lo.rank = static_cast<int>(rank);
  lo.world_size = static_cast<int>(world_size);
  if (augment && augment->size() > 0) lo.augment = augment;
  loader.finish();
  run.train_loader = std::make_shared<Loader>(run.train_dataset, lo);
  for (const std::string& key : root.keys()) {
    MEDIMG_CHECK(std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) != kTopLevelKeys.end(),
                 ArgumentError, "unknown config key '", key, "' (known: ", join_names(kTopLevelKeys),
                 ")");
  }
  return run;
}

std::vector<EpochRecord> train_from_config(const std::string& config_json,
                                           TrainerCallbacks callbacks) {
  const DistributedOptions distributed = distributed_options_from_env();
  ProcessGroup group(distributed);
  TrainingRun run = build_training_run(config_json, distributed.rank, distributed.world_size);
  MEDIMG_CHECK(run.network.defined(), ArgumentError, "missing config key 'model'");
  Trainer trainer(run.network, run.options, std::move(callbacks));
  return trainer.fit(*run.train_loader, run.validation_dataset.get(),
                     distributed.world_size > 1 ? &group : nullptr);
}

}  // namespace medimg::train

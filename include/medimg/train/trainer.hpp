#pragma once

/// The training engine: one loop for C++ programs, Python (medimg.train.Trainer) and
/// `medimg train CONFIG`. Per epoch: the loader's batches → forward → loss → backward →
/// (gradients averaged over the ranks) → clipping → optimiser step; every val_every epochs a
/// validation pass with the metrics of medimg::metrics; then the learning-rate schedule, the
/// log (CSV, JSON, PNG curves), checkpoints (last, best) and early stopping.
///
/// Reproducibility: the network is initialised after torch::manual_seed(seed); the loader's
/// order and augmentation draws depend on (seed, epoch, sample) only; torch's generator
/// (dropout) is reseeded from (seed, epoch, rank) at the start of every epoch. A checkpoint
/// holds the model, optimiser, scheduler, epoch, best metric, early-stopping count and
/// history, so a run resumed from it reaches the weights of an uninterrupted run.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "medimg/core/progress.hpp"
#include "medimg/export.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/train/distributed.hpp"
#include "medimg/train/sliding_window.hpp"

namespace medimg::train {

class Dataset;
class Loader;

/// What the network predicts: per-voxel classes or one class per image.
enum class Task { Segmentation, Classification };

/// "segmentation" or "classification". @throws ArgumentError otherwise.
MEDIMG_API Task parse_task(const std::string& name);

struct TrainerOptions {
  Task task = Task::Segmentation;
  std::int64_t epochs = 10;
  std::uint64_t seed = 0;
  /// Validate after every val_every-th epoch (and after the last).
  std::int64_t val_every = 1;
  /// Clip the gradients' global L2 norm to this value; 0 = no clipping.
  double grad_clip = 0.0;
  /// The quantity that selects the best checkpoint, drives ReduceLROnPlateau and early
  /// stopping: "val_dice", "val_loss", "val_accuracy", "val_auc" or "train_loss"; empty =
  /// val_dice for segmentation, val_auc for classification. Losses are minimised, the rest
  /// maximised.
  std::string monitor;
  /// Stop after this many validations without improvement by more than min_delta; 0 = never.
  std::int64_t early_stopping_patience = 0;
  double early_stopping_min_delta = 0.0;
  /// Where checkpoints and logs go (created); empty = nowhere (nothing is written).
  std::filesystem::path out_dir;
  /// Continue from out_dir/last.pt when it exists.
  bool resume = false;
  /// JSON objects, the keys of the config file's "optimizer", "scheduler" and "loss"
  /// sections (docs/train.md).
  std::string optimizer_json = "{}";
  std::string scheduler_json = "{}";
  std::string loss_json = "{}";
  /// Segmentation validation: sliding-window inference with these options when roi_size
  /// is set, one whole-image forward pass otherwise.
  SlidingWindowOptions validation_window;
  /// Intra-op threads for training (at::set_num_threads); 0 = LibTorch's default.
  std::int64_t threads = 0;
};

/// One epoch's results, as logged.
struct EpochRecord {
  std::int64_t epoch = 0;  ///< 0-based
  double train_loss = 0.0;
  /// val_loss, val_dice (mean over foreground classes and images), val_dice_<c>,
  /// val_accuracy, val_auc: those of the task, after a validation epoch only.
  std::map<std::string, double> metrics;
  std::vector<double> learning_rates;  ///< in force during the epoch
  double seconds = 0.0;
  bool best = false;  ///< the monitored value improved: best.pt was written
};

/// Hooks called on rank 0 as training advances (empty functions are skipped). Call
/// Trainer::stop() from one to end training after the current epoch.
struct TrainerCallbacks {
  std::function<void(std::int64_t epoch, std::int64_t step, double loss)> on_step;
  std::function<void(const EpochRecord& record)> on_epoch_end;
  /// Batches of the current epoch ("epoch 3/20" stages).
  ProgressCallback progress;
};

class MEDIMG_API Trainer {
 public:
  /// `network` is trained in place; its parameters must be on the CPU.
  /// @throws ArgumentError for unknown or ill-typed keys in the optimiser, scheduler or loss
  ///         JSON, naming the key.
  Trainer(nn::Network network, TrainerOptions options, TrainerCallbacks callbacks = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Trains for options.epochs epochs (from the checkpoint's next epoch when resuming) on
  /// `train`'s batches, validating on every sample of `validation` when given. With a
  /// process group of several ranks, `train` must shard by rank (LoaderOptions::rank,
  /// world_size); gradients are averaged, rank 0 validates, logs and writes checkpoints.
  /// @returns the history, including the epochs of a resumed run's predecessor.
  std::vector<EpochRecord> fit(Loader& train, const Dataset* validation = nullptr,
                               ProcessGroup* group = nullptr);

  /// Validation metrics of the current network on every sample of `dataset`.
  std::map<std::string, double> evaluate(const Dataset& dataset);

  /// Ends fit() after the current epoch (from a callback, or another thread).
  void stop() noexcept;

  const nn::Network& network() const noexcept;
  const std::vector<EpochRecord>& history() const noexcept;
  /// The epoch fit() starts with: 0, or the one after a resumed checkpoint's.
  std::int64_t start_epoch() const noexcept;

  /// Writes a checkpoint of the whole training state (atomically).
  void save_checkpoint(const std::filesystem::path& path) const;
  /// Restores the state of save_checkpoint(); the network must have the same architecture.
  /// @throws IoError for a missing file; FormatError for another file or architecture.
  void load_checkpoint(const std::filesystem::path& path);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// A training run described by a configuration file (JSON or YAML; docs/train.md lists the
/// keys): the network, the datasets and loaders, and the trainer.
struct MEDIMG_API TrainingRun {
  nn::Network network;
  std::shared_ptr<Dataset> train_dataset;
  std::shared_ptr<Dataset> validation_dataset;  ///< null when the config has none
  std::shared_ptr<Loader> train_loader;
  TrainerOptions options;
};

/// Builds a run from a configuration tree given as JSON text (network initialised after
/// torch::manual_seed(trainer.seed)); `rank` of `world_size` shards the training loader.
/// @throws ArgumentError naming the first unknown key or ill-typed value.
MEDIMG_API TrainingRun build_training_run(const std::string& config_json,
                                          std::int64_t rank = 0, std::int64_t world_size = 1);

/// The configuration tree of a .json, .yaml or .yml file, as JSON text.
/// @throws IoError / FormatError.
MEDIMG_API std::string read_training_config(const std::filesystem::path& path);

/// The configuration with `assignments` applied: each "dotted.key=value" sets that key
/// (creating objects on the way); the value is read as YAML ("3", "0.1", "true", "[64, 64]",
/// "\"text\"").
/// @throws ArgumentError for an assignment without '=' or a key through a non-object.
MEDIMG_API std::string apply_config_overrides(const std::string& config_json,
                                              const std::vector<std::string>& assignments);

/// Builds the run of `config_json` and trains it: what `medimg train` does. The process
/// group comes from the environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
MEDIMG_API std::vector<EpochRecord> train_from_config(const std::string& config_json,
                                                      TrainerCallbacks callbacks = {});

}  // namespace medimg::train

#include "medimg/train/trainer.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/utils.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>

#include "config_node.hpp"
#include "medimg/core/error.hpp"
#include "medimg/metrics/overlap.hpp"
#include "medimg/metrics/roc.hpp"
#include "medimg/nn/serialize.hpp"
#include "medimg/train/dataset.hpp"
#include "medimg/train/loader.hpp"
#include "medimg/train/optimizer_lr.hpp"
#include "medimg/train/sample.hpp"
#include "training_log.hpp"
#include "training_parts.hpp"

namespace medimg::train {

Task parse_task(const std::string& name) {
  if (name == "segmentation") return Task::Segmentation;
  if (name == "classification") return Task::Classification;
  throw ArgumentError(detail::concat("unknown task '", name,
                                     "' (known: segmentation, classification)"));
}

namespace {

constexpr std::int64_t kCheckpointFormat = 1;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_loss(const std::string& name) { return name.find("loss") != std::string::npos; }

// Seeds torch's generator (dropout, stochastic depth) from the run's seed, the epoch and the
// rank, so an epoch's draws do not depend on what ran before it in this process.
void seed_epoch(std::uint64_t seed, std::int64_t epoch, std::int64_t rank) {
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch) * 1000003ULL +
                    static_cast<std::uint64_t>(rank) * 7919ULL + 1;
  x ^= x >> 31;
  torch::manual_seed(x & 0x7FFFFFFFFFFFFFFFULL);
}

std::string read_string(torch::serialize::InputArchive& archive, const char* key,
                        const std::filesystem::path& path) {
  c10::IValue value;
  MEDIMG_CHECK_FILE(archive.try_read(key, value) && value.isString(), FormatError, path,
                    "is not a medimg training checkpoint (no '", key, "')");
  return value.toStringRef();
}

std::int64_t read_int(torch::serialize::InputArchive& archive, const char* key,
                      const std::filesystem::path& path) {
  c10::IValue value;
  MEDIMG_CHECK_FILE(archive.try_read(key, value) && value.isInt(), FormatError, path,
                    "is not a medimg training checkpoint (no '", key, "')");
  return value.toInt();
}

void write_logs(const std::filesystem::path& out, const std::vector<EpochRecord>& history) {
  internal::write_log_csv(out / "log.csv", history);
  internal::write_log_json(out / "log.json", history);
  internal::write_curves_png(out / "curves.png", history);
}

}  // namespace

struct Trainer::State {
  nn::Network network;
  TrainerOptions options;
  TrainerCallbacks callbacks;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<Scheduler> scheduler;
  internal::LossFunction loss;
  std::vector<EpochRecord> history;
  std::string monitor;
  bool maximize = true;
  std::int64_t next_epoch = 0;
  double best = kNaN;
  std::int64_t bad_validations = 0;
  std::atomic<bool> stop{false};

  State(nn::Network n, TrainerOptions o, TrainerCallbacks c)
      : network(std::move(n)), options(std::move(o)), callbacks(std::move(c)) {}

  std::vector<at::Tensor> parameters() const { return network.module()->parameters(); }

  // True when `value` beats the best so far by more than min_delta.
  bool improves(double value) const {
    if (std::isnan(value)) return false;
    if (std::isnan(best)) return true;
    const double delta = options.early_stopping_min_delta;
    return maximize ? value > best + delta : value < best - delta;
  }
};

Trainer::Trainer(nn::Network network, TrainerOptions options, TrainerCallbacks callbacks)
    : state_(std::make_unique<State>(std::move(network), std::move(options), std::move(callbacks))) {
  State& s = *state_;
  MEDIMG_CHECK(s.network.defined(), ArgumentError, "trainer: the network is empty");
  MEDIMG_CHECK(s.options.epochs >= 1, ArgumentError, "trainer: epochs must be >= 1, got ",
               s.options.epochs);
  MEDIMG_CHECK(s.options.val_every >= 1, ArgumentError, "trainer: val_every must be >= 1, got ",
               s.options.val_every);
  MEDIMG_CHECK(s.options.grad_clip >= 0.0, ArgumentError, "trainer: grad_clip must be >= 0, got ",
               s.options.grad_clip);
  MEDIMG_CHECK(s.options.early_stopping_patience >= 0, ArgumentError,
               "trainer: early_stopping_patience must be >= 0, got ",
               s.options.early_stopping_patience);
  s.monitor = s.options.monitor.empty()
                  ? (s.options.task == Task::Segmentation ? "val_dice" : "val_auc")
                  : s.options.monitor;
  static const char* const known[] = {"val_dice", "val_loss", "val_accuracy", "val_auc",
                                      "train_loss"};
  MEDIMG_CHECK(std::find(std::begin(known), std::end(known), s.monitor) != std::end(known),
               ArgumentError, "trainer: unknown monitor '", s.monitor,
               "' (known: val_dice, val_loss, val_accuracy, val_auc, train_loss)");
  const bool segmentation_metric = s.monitor == "val_dice";
  const bool classification_metric = s.monitor == "val_accuracy" || s.monitor == "val_auc";
  MEDIMG_CHECK(s.options.task == Task::Segmentation ? !classification_metric : !segmentation_metric,
               ArgumentError, "trainer: monitor '", s.monitor, "' is not a metric of ",
               s.options.task == Task::Segmentation ? "segmentation (val_dice, val_loss, train_loss)"
                                                    : "classification (val_accuracy, val_auc, val_loss, train_loss)");
  s.maximize = !is_loss(s.monitor);
  s.optimizer = internal::build_optimizer(
      ConfigNode(parse_config_text(s.options.optimizer_json), "optimizer"), s.parameters());
  s.scheduler = internal::build_scheduler(
      ConfigNode(parse_config_text(s.options.scheduler_json), "scheduler"),
      learning_rates(*s.optimizer), s.options.epochs);
  // Epoch 0 runs at the schedule's first rate (0 at the start of a warm-up), not the base.
  set_learning_rates(*s.optimizer, s.scheduler->learning_rates());
  s.loss = internal::build_loss(ConfigNode(parse_config_text(s.options.loss_json), "loss"),
                              s.options.task);
  if (s.options.resume && !s.options.out_dir.empty() &&
      std::filesystem::exists(s.options.out_dir / "last.pt")) {
    load_checkpoint(s.options.out_dir / "last.pt");
  }
}

Trainer::~Trainer() = default;

void Trainer::stop() noexcept { state_->stop = true; }
const nn::Network& Trainer::network() const noexcept { return state_->network; }
const std::vector<EpochRecord>& Trainer::history() const noexcept { return state_->history; }
std::int64_t Trainer::start_epoch() const noexcept { return state_->next_epoch; }

std::map<std::string, double> Trainer::evaluate(const Dataset& dataset) {
  State& s = *state_;
  MEDIMG_CHECK(dataset.size() > 0, ArgumentError, "evaluate: the validation dataset is empty");
  torch::nn::Module& module = *s.network.module();
  const bool was_training = module.is_training();
  module.eval();
  at::NoGradGuard no_grad;
  std::map<std::string, double> metrics;
  double loss_sum = 0.0;
  if (s.options.task == Task::Segmentation) {
    std::vector<double> dice_sum;
    std::vector<std::int64_t> dice_count;
    for (std::size_t i = 0; i < dataset.size(); ++i) {
      Sample sample = dataset.get(i);
      MEDIMG_CHECK(sample.label.defined(), ArgumentError, "evaluate: sample ",
                   dataset.describe(i), " has no label map");
      at::Tensor image = sample.image.tensor().to(at::kFloat).unsqueeze(0);
      at::Tensor logits = s.options.validation_window.roi_size.empty()
                              ? s.network.forward(image)
                              : sliding_window_inference(
                                    image, [&](const at::Tensor& x) { return s.network.forward(x); },
                                    s.options.validation_window);
      at::Tensor label = sample.label.tensor().to(at::kLong).unsqueeze(0);
      loss_sum += s.loss(logits, label).item<double>();
      const std::int64_t classes = std::max<std::int64_t>(logits.size(1), 2);
      at::Tensor predicted = logits.size(1) == 1 ? (logits[0][0] > 0).to(at::kLong)
                                                 : logits[0].argmax(0);
      const auto counts = confusion_counts(predicted, label[0][0], classes);
      dice_sum.resize(classes, 0.0);
      dice_count.resize(classes, 0);
      for (std::int64_t c = 1; c < classes; ++c) {
        const double dice = overlap_score(counts[c], OverlapMetric::Dice);
        if (std::isnan(dice)) continue;  // class absent from both: undefined, as MONAI
        dice_sum[c] += dice;
        dice_count[c] += 1;
      }
    }
    double mean_sum = 0.0;
    std::int64_t mean_count = 0;
    for (std::size_t c = 1; c < dice_sum.size(); ++c) {
      const double dice = dice_count[c] > 0 ? dice_sum[c] / dice_count[c] : kNaN;
      metrics["val_dice_" + std::to_string(c)] = dice;
      if (!std::isnan(dice)) mean_sum += dice, ++mean_count;
    }
    metrics["val_dice"] = mean_count > 0 ? mean_sum / mean_count : kNaN;
  } else {
    std::vector<at::Tensor> all_logits, all_labels;
    constexpr std::size_t kBatch = 64;
    for (std::size_t begin = 0; begin < dataset.size(); begin += kBatch) {
      std::vector<at::Tensor> images, labels;
      for (std::size_t i = begin; i < std::min(dataset.size(), begin + kBatch); ++i) {
        Sample sample = dataset.get(i);
        MEDIMG_CHECK(has_class_label(sample), ArgumentError, "evaluate: sample ",
                     dataset.describe(i), " has no class label");
        images.push_back(sample.image.tensor().to(at::kFloat));
        labels.push_back(sample.label.tensor().reshape({-1})[0].to(at::kLong));
      }
      at::Tensor labels_batch = at::stack(labels);
      at::Tensor logits = s.network.forward(at::stack(images));
      loss_sum += s.loss(logits, labels_batch).item<double>() * static_cast<double>(labels.size());
      all_logits.push_back(logits);
      all_labels.push_back(labels_batch);
    }
    at::Tensor logits = at::cat(all_logits), labels = at::cat(all_labels);
    at::Tensor probabilities = logits.softmax(1).to(at::kDouble);
    metrics["val_accuracy"] =
        logits.argmax(1).eq(labels).to(at::kDouble).mean().item<double>();
    at::Tensor scores = probabilities.size(1) == 2 ? probabilities.select(1, 1) : probabilities;
    metrics["val_auc"] = roc_auc(labels, scores);
  }
  metrics["val_loss"] = loss_sum / static_cast<double>(dataset.size());
  module.train(was_training);
  return metrics;
}

std::vector<EpochRecord> Trainer::fit(Loader& train, const Dataset* validation,
                                      ProcessGroup* group) {
  State& s = *state_;
  if (s.options.threads > 0) at::set_num_threads(static_cast<int>(s.options.threads));
  const std::int64_t rank = group ? group->rank() : 0;
  const bool main = rank == 0;
  const std::filesystem::path& out = s.options.out_dir;
  if (main && !out.empty()) std::filesystem::create_directories(out);
  std::vector<at::Tensor> parameters = s.parameters();
  if (group) {
    // Every rank starts from rank 0's weights and buffers (batch-norm statistics).
    std::vector<at::Tensor> tensors = parameters;
    for (const at::Tensor& b : s.network.module()->buffers()) tensors.push_back(b);
    group->broadcast(tensors);
  }
  torch::nn::Module& module = *s.network.module();
  s.stop = false;
  // A run killed between its checkpoint and its logs resumes with logs one epoch behind.
  if (main && !out.empty() && !s.history.empty()) write_logs(out, s.history);
  for (std::int64_t epoch = s.next_epoch; epoch < s.options.epochs && !s.stop; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    seed_epoch(s.options.seed, epoch, rank);
    module.train();
    EpochRecord record;
    record.epoch = epoch;
    record.learning_rates = learning_rates(*s.optimizer);
    double loss_sum = 0.0;
    std::int64_t steps = 0;
    train.begin_epoch(epoch);
    const std::int64_t total_steps = static_cast<std::int64_t>(train.num_batches());
    std::optional<ProgressTracker> tracker;
    if (main && s.callbacks.progress) {
      tracker.emplace(s.callbacks.progress,
                      detail::concat("epoch ", epoch + 1, "/", s.options.epochs), total_steps);
    }
    while (std::optional<Batch> batch = train.next()) {
      s.optimizer->zero_grad();
      at::Tensor logits = s.network.forward(batch->image);
      at::Tensor loss = s.loss(logits, batch->label);
      const double loss_value = loss.item<double>();
      MEDIMG_CHECK(std::isfinite(loss_value), Error, "training diverged: the loss is ", loss_value,
                   " at epoch ", epoch, " step ", steps,
                   " (lower the learning rate, or check the inputs for NaN)");
      loss.backward();
      if (group) group->average_gradients(parameters);
      if (s.options.grad_clip > 0.0) torch::nn::utils::clip_grad_norm_(parameters, s.options.grad_clip);
      s.optimizer->step();
      loss_sum += loss_value;
      ++steps;
      if (main && s.callbacks.on_step) s.callbacks.on_step(epoch, steps, loss_value);
      if (tracker) tracker->advance();
    }
    MEDIMG_CHECK(steps > 0, ArgumentError, "training: the loader gave no batch in epoch ", epoch,
                 " (a dataset smaller than the batch size with drop_last?)");
    record.train_loss = loss_sum / static_cast<double>(steps);
    if (group) record.train_loss = group->mean(record.train_loss);

    const bool validate = validation != nullptr &&
                          ((epoch + 1) % s.options.val_every == 0 || epoch + 1 == s.options.epochs);
    if (validate) {
      // Rank 0 validates; the others receive its monitored value with the next broadcast.
      if (main) record.metrics = evaluate(*validation);
    }
    double monitored = kNaN;
    if (s.monitor == "train_loss") {
      monitored = record.train_loss;
    } else if (validate) {
      monitored = main ? record.metrics.at(s.monitor) : 0.0;
      if (group) {
        at::Tensor value = at::full({1}, monitored, at::kDouble);
        group->broadcast({value});
        monitored = value.item<double>();
      }
    }
    const bool scheduled_on_metric = dynamic_cast<ReduceLROnPlateau*>(s.scheduler.get()) != nullptr;
    if (scheduled_on_metric) {
      // ReduceLROnPlateau steps on validation epochs only (as nnU-Net and Lightning do).
      if (!std::isnan(monitored)) step(*s.scheduler, *s.optimizer, monitored);
    } else {
      step(*s.scheduler, *s.optimizer);
    }
    if (!std::isnan(monitored)) {
      if (s.improves(monitored)) {
        s.best = monitored;
        s.bad_validations = 0;
        record.best = true;
      } else {
        ++s.bad_validations;
      }
    }
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    s.history.push_back(record);
    s.next_epoch = epoch + 1;
    const bool patience_out = s.options.early_stopping_patience > 0 &&
                              s.bad_validations >= s.options.early_stopping_patience;
    if (main && !out.empty()) {
      save_checkpoint(out / "last.pt");
      if (record.best) {
        save_checkpoint(out / "best.pt");
        nn::save_model(s.network, out / "best_model.pt");
      }
      write_logs(out, s.history);
    }
    if (main && s.callbacks.on_epoch_end) s.callbacks.on_epoch_end(record);
    if (group) {
      // A stop requested on rank 0 (callback or early stopping) ends every rank's loop.
      at::Tensor stop = at::full({1}, (s.stop || patience_out) ? 1.0 : 0.0, at::kDouble);
      group->broadcast({stop});
      if (stop.item<double>() > 0.0) s.stop = true;
    } else if (patience_out) {
      s.stop = true;
    }
  }
  if (main && !out.empty()) nn::save_model(s.network, out / "last_model.pt");
  return s.history;
}

void Trainer::save_checkpoint(const std::filesystem::path& path) const {
  const State& s = *state_;
  torch::serialize::OutputArchive archive;
  archive.write("medimg_checkpoint", c10::IValue(kCheckpointFormat));
  archive.write("architecture", c10::IValue(s.network.architecture()));
  archive.write("options", c10::IValue(s.network.options_json()));
  torch::serialize::OutputArchive model;
  s.network.module()->save(model);
  archive.write("model", model);
  torch::serialize::OutputArchive optimizer;
  s.optimizer->save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("scheduler", at::tensor(s.scheduler->state(), at::kDouble));
  archive.write("next_epoch", c10::IValue(s.next_epoch));
  archive.write("best", at::full({1}, s.best, at::kDouble));
  archive.write("bad_validations", c10::IValue(s.bad_validations));
  archive.write("history", c10::IValue(internal::history_to_json(s.history)));
  nn::save_archive(archive, path);
}

void Trainer::load_checkpoint(const std::filesystem::path& path) {
  State& s = *state_;
  MEDIMG_CHECK_FILE(std::filesystem::is_regular_file(path), IoError, path,
                    "no such checkpoint file");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error& e) {
    throw FormatError(path, detail::concat("is not a readable checkpoint: ",
                                           e.what_without_backtrace()));
  }
  MEDIMG_CHECK_FILE(read_int(archive, "medimg_checkpoint", path) == kCheckpointFormat, FormatError,
                    path, "has an unknown checkpoint format version");
  const std::string architecture = read_string(archive, "architecture", path);
  const std::string options = read_string(archive, "options", path);
  MEDIMG_CHECK_FILE(architecture == s.network.architecture() && options == s.network.options_json(),
                    FormatError, path, "holds a ", architecture, " with options ", options,
                    ", not the trainer's ", s.network.architecture(), " with options ",
                    s.network.options_json());
  try {
    torch::serialize::InputArchive model, optimizer;
    archive.read("model", model);
    s.network.module()->load(model);
    archive.read("optimizer", optimizer);
    s.optimizer->load(optimizer);
    at::Tensor scheduler, best;
    archive.read("scheduler", scheduler);
    const double* data = scheduler.contiguous().data_ptr<double>();
    s.scheduler->load_state(std::vector<double>(data, data + scheduler.numel()));
    archive.read("best", best);
    s.best = best.item<double>();
  } catch (const c10::Error& e) {
    throw FormatError(path, detail::concat("is a damaged checkpoint: ", e.what_without_backtrace()));
  }
  set_learning_rates(*s.optimizer, s.scheduler->learning_rates());
  s.next_epoch = read_int(archive, "next_epoch", path);
  s.bad_validations = read_int(archive, "bad_validations", path);
  s.history = internal::history_from_json(read_string(archive, "history", path));
}

}  // namespace medimg::train

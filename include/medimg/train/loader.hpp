#pragma once

/// Batches of augmented samples from a Dataset, loaded by worker threads ahead of the
/// training loop (the GIL-free, thread-based counterpart of torch's DataLoader).
///
/// Reproducibility: the order of epoch e is a function of (seed, e) only and equals
/// torch.utils.data.DistributedSampler's (torch.randperm with a generator seeded with
/// seed + e, padded by wrapping to a multiple of world_size, rank r taking positions
/// r, r + world_size, ...); sample i of epoch e is augmented with a Random seeded with
/// sample_seed(seed, e, i). Batches are therefore identical for any number of workers and
/// any timing. Guide: docs/train_data.md.

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "medimg/augment/transform.hpp"
#include "medimg/export.hpp"
#include "medimg/train/dataset.hpp"

namespace medimg::train {

struct LoaderOptions {
  std::int64_t batch_size = 1;  ///< samples per batch, >= 1
  bool shuffle = true;          ///< a new permutation every epoch; false: dataset order
  std::uint64_t seed = 0;       ///< of the permutations and of the augmentations
  /// Worker threads; 0 loads in the calling thread, inside next().
  int num_workers = 0;
  /// Batches each worker may load ahead of the consumer (torch's prefetch_factor): the
  /// queue holds at most prefetch * max(num_workers, 1) batches, loaded or in progress.
  int prefetch = 2;
  bool drop_last = false;  ///< drop a last batch smaller than batch_size
  /// Applied to every sample after the dataset's preprocessing (null: none).
  std::shared_ptr<const Transform> augment;
  /// Data-parallel training: this process's rank in [0, world_size) (DistributedSampler).
  int rank = 0;
  int world_size = 1;
  /// Intra-op threads (ATen/OpenMP) each loading thread uses, the calling thread too when
  /// num_workers is 0 (restored afterwards); 0 leaves them as they are. 1, the default, keeps
  /// workers from oversubscribing the cores (torch's DataLoader workers do the same) and
  /// makes results independent of num_workers even for reductions whose rounding depends on
  /// the thread count.
  int worker_threads = 1;
};

/// One batch. Images become float32 (N, C, *spatial). Label maps become (N, C, *spatial),
/// int64 for integer and bool labels, float32 for floating ones; class labels
/// (train/sample.hpp) become int64 (N), or (N, L) for multi-label sets. `label` is
/// undefined when the samples have none.
struct Batch {
  at::Tensor image;
  at::Tensor label;
  std::vector<std::size_t> indices;  ///< the dataset index of each item
};

/// The dataset indices rank `rank` visits in epoch `epoch`, in order (see above).
/// @throws ArgumentError for dataset_size 0, world_size < 1 or a rank outside [0, world_size).
MEDIMG_API std::vector<std::size_t> sample_order(std::size_t dataset_size, bool shuffle,
                                                 std::uint64_t seed, std::int64_t epoch,
                                                 int rank = 0, int world_size = 1);

/// The seed of sample `index`'s augmentation in `epoch` (a SplitMix64 mix of the three).
MEDIMG_API std::uint64_t sample_seed(std::uint64_t seed, std::int64_t epoch, std::size_t index);

/// Sample `index` as a Loader gives it: dataset.get(index), then `augment` (if any) with
/// Random(sample_seed(seed, epoch, index)); a class label is set aside meanwhile.
/// @throws what get or the transform throws, with the sample's index and description
///         added to the message (same exception type).
MEDIMG_API Sample load_sample(const Dataset& dataset, std::size_t index,
                              const Transform* augment, std::uint64_t seed, std::int64_t epoch);

/// Stacks samples into a Batch (rules above). `dataset` (optional) names the samples in
/// messages.
/// @throws ShapeError naming the two samples when image or label shapes differ, or when
///         some samples have labels and others not; ArgumentError for no samples or a
///         mismatch between samples and indices.
MEDIMG_API Batch collate(const std::vector<Sample>& samples,
                         const std::vector<std::size_t>& indices,
                         const Dataset* dataset = nullptr);

/// Iterates a dataset in batches, epoch by epoch. One consumer thread at a time:
///
///   Loader loader(dataset, options);
///   for (int epoch = 0; epoch < epochs; ++epoch) {
///     for (Batch& batch : loader.epoch(epoch)) { ... }
///   }
///
/// or loader.begin_epoch(e) and `while (auto batch = loader.next())`. An error while
/// loading a sample is rethrown by next() with the sample's description; the batches after
/// it still come. The worker threads start with the first epoch and serve every later one
/// (torch's persistent_workers); starting another epoch or stop() mid-epoch abandons it
/// (batches being built are dropped when done), and destroying the loader joins the
/// workers, each finishing the batch it holds.
class MEDIMG_API Loader {
 public:
  /// @throws ArgumentError for a null dataset, an empty one, or options out of range.
  Loader(std::shared_ptr<const Dataset> dataset, LoaderOptions options = {});
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  const Dataset& dataset() const noexcept { return *dataset_; }
  const LoaderOptions& options() const noexcept { return options_; }

  /// The epoch begin_epoch() runs next (DistributedSampler.set_epoch).
  void set_epoch(std::int64_t epoch) noexcept { epoch_ = epoch; }
  std::int64_t current_epoch() const noexcept { return epoch_; }

  /// Samples and batches per epoch for this rank.
  std::size_t num_samples() const;
  std::size_t num_batches() const;

  /// Starts epoch `epoch` (abandoning one in progress); current_epoch() becomes epoch + 1.
  void begin_epoch(std::int64_t epoch);
  /// begin_epoch(current_epoch()).
  void begin_epoch() { begin_epoch(epoch_); }
  /// The next batch of the epoch begun last, or nothing at its end (or before any).
  /// @throws the loading error of a sample of this batch (see load_sample).
  std::optional<Batch> next();
  /// Abandons the epoch in progress; next() then returns nothing until begin_epoch. The
  /// workers stay for the next epoch (the destructor joins them).
  void stop();

  /// An input iterator over the batches of one epoch.
  class MEDIMG_API Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = Batch*;
    using reference = Batch&;

    Iterator() = default;  ///< the end
    explicit Iterator(Loader* loader);
    Batch& operator*() { return *batch_; }
    Batch* operator->() { return &*batch_; }
    Iterator& operator++();
    /// Iterators are equal when both are at the end.
    bool operator==(const Iterator& other) const {
      return !batch_.has_value() && !other.batch_.has_value();
    }
    bool operator!=(const Iterator& other) const { return !(*this == other); }

   private:
    Loader* loader_ = nullptr;
    std::optional<Batch> batch_;
  };

  /// One epoch as a range; begin() starts it.
  class MEDIMG_API Epoch {
   public:
    Epoch(Loader* loader, std::int64_t epoch) : loader_(loader), epoch_(epoch) {}
    Iterator begin();
    Iterator end() { return Iterator(); }

   private:
    Loader* loader_;
    std::int64_t epoch_;
  };

  /// for (Batch& batch : loader.epoch(e)).
  Epoch epoch(std::int64_t epoch) { return Epoch(this, epoch); }

 private:
  struct Engine;
  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
  std::int64_t epoch_ = 0;
  std::unique_ptr<Engine> engine_;
};

}  // namespace medimg::train

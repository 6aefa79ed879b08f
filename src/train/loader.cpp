#include "medimg/train/loader.hpp"

#include <ATen/Parallel.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "medimg/core/error.hpp"

namespace medimg::train {
namespace {

/// Sets the calling thread's intra-op (OpenMP) thread count for its lifetime, then restores
/// it. OpenMP's count is per thread, so this touches no other thread (at::set_num_threads
/// would change the default of every thread started later). ATen's lazy per-thread setup
/// runs first, or the thread's first parallel region would reset the count.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int threads) {
#ifdef _OPENMP
    if (threads <= 0) return;
    at::internal::lazy_init_num_threads();
    previous_ = omp_get_max_threads();
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
  }
  ~IntraOpThreads() {
#ifdef _OPENMP
    if (previous_ > 0) omp_set_num_threads(previous_);
#endif
  }
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int previous_ = 0;
};

struct Result {
  std::optional<Batch> batch;
  std::exception_ptr error;
};

}  // namespace

/// One epoch in progress: its batches, the workers, and the batches they have finished.
struct Loader::Run {
  Run(const Loader& loader, std::int64_t epoch, std::vector<std::vector<std::size_t>> batches)
      : dataset(*loader.dataset_), options(loader.options_), epoch(epoch),
        batches(std::move(batches)) {
    window = static_cast<std::size_t>(std::max(options.prefetch, 1)) *
             static_cast<std::size_t>(std::max(options.num_workers, 1));
    try {
      for (int w = 0; w < options.num_workers; ++w) workers.emplace_back([this] { work(); });
    } catch (...) {
      shut_down();
      throw;
    }
  }
  ~Run() { shut_down(); }

  /// Loads, augments and collates batch k; errors are kept for the consumer.
  Result build(std::size_t k) const {
    Result result;
    try {
      const std::vector<std::size_t>& indices = batches[k];
      std::vector<Sample> samples;
      samples.reserve(indices.size());
      for (std::size_t index : indices) {
        samples.push_back(
            load_sample(dataset, index, options.augment.get(), options.seed, epoch));
      }
      result.batch = collate(samples, indices, &dataset);
    } catch (...) {
      result.error = std::current_exception();
    }
    return result;
  }

  void work() {
    const IntraOpThreads threads(options.worker_threads);
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      // Wait for a batch to start that lies inside the window ahead of the consumer.
      space.wait(lock, [&] {
        return stopping || next_to_start >= batches.size() ||
               next_to_start < next_to_take + window;
      });
      if (stopping || next_to_start >= batches.size()) return;
      const std::size_t k = next_to_start++;
      lock.unlock();
      Result result = build(k);
      lock.lock();
      finished.emplace(k, std::move(result));
      ready.notify_all();
    }
  }

  std::optional<Batch> next() {
    Result result;
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (next_to_take >= batches.size()) return std::nullopt;
      const std::size_t k = next_to_take;
      if (workers.empty()) {
        ++next_to_take;
        lock.unlock();
        const IntraOpThreads threads(options.worker_threads);
        result = build(k);
      } else {
        ready.wait(lock, [&] { return finished.count(k) > 0; });
        auto it = finished.find(k);
        result = std::move(it->second);
        finished.erase(it);
        ++next_to_take;
        space.notify_all();
      }
    }
    if (result.error) std::rethrow_exception(result.error);
    return std::move(result.batch);
  }

  void shut_down() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    space.notify_all();
    for (std::thread& worker : workers) {
      if (worker.joinable()) worker.join();
    }
    workers.clear();
  }

  const Dataset& dataset;
  const LoaderOptions& options;
  const std::int64_t epoch;
  const std::vector<std::vector<std::size_t>> batches;
  std::size_t window = 1;

  std::mutex mutex;
  std::condition_variable ready;  // a batch finished
  std::condition_variable space;  // the consumer took one, or stop
  std::size_t next_to_start = 0;
  std::size_t next_to_take = 0;
  std::map<std::size_t, Result> finished;
  bool stopping = false;
  std::vector<std::thread> workers;
};

Loader::Loader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  MEDIMG_CHECK(dataset_ != nullptr, ArgumentError, "Loader: the dataset is null");
  MEDIMG_CHECK(dataset_->size() > 0, ArgumentError, "Loader: the dataset is empty");
  MEDIMG_CHECK(options_.batch_size >= 1, ArgumentError, "Loader: batch_size must be >= 1, got ",
               options_.batch_size);
  MEDIMG_CHECK(options_.num_workers >= 0, ArgumentError,
               "Loader: num_workers must be >= 0, got ", options_.num_workers);
  MEDIMG_CHECK(options_.prefetch >= 1, ArgumentError, "Loader: prefetch must be >= 1, got ",
               options_.prefetch);
  MEDIMG_CHECK(options_.worker_threads >= 0, ArgumentError,
               "Loader: worker_threads must be >= 0, got ", options_.worker_threads);
  MEDIMG_CHECK(options_.world_size >= 1, ArgumentError, "Loader: world_size must be >= 1, got ",
               options_.world_size);
  MEDIMG_CHECK(options_.rank >= 0 && options_.rank < options_.world_size, ArgumentError,
               "Loader: rank must be in [0, ", options_.world_size, "), got ", options_.rank);
}

Loader::~Loader() { stop(); }

std::size_t Loader::num_samples() const {
  const auto replicas = static_cast<std::size_t>(options_.world_size);
  return (dataset_->size() + replicas - 1) / replicas;
}

std::size_t Loader::num_batches() const {
  const auto size = static_cast<std::size_t>(options_.batch_size);
  return options_.drop_last ? num_samples() / size : (num_samples() + size - 1) / size;
}

void Loader::begin_epoch(std::int64_t epoch) {
  stop();
  const std::vector<std::size_t> order = sample_order(
      dataset_->size(), options_.shuffle, options_.seed, epoch, options_.rank, options_.world_size);
  std::vector<std::vector<std::size_t>> batches;
  const auto size = static_cast<std::size_t>(options_.batch_size);
  for (std::size_t start = 0; start < order.size(); start += size) {
    const std::size_t stop_at = std::min(start + size, order.size());
    if (options_.drop_last && stop_at - start < size) break;
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(stop_at));
  }
  run_ = std::make_unique<Run>(*this, epoch, std::move(batches));
  epoch_ = epoch + 1;
}

std::optional<Batch> Loader::next() {
  if (!run_) return std::nullopt;
  return run_->next();
}

void Loader::stop() { run_.reset(); }

Loader::Iterator::Iterator(Loader* loader) : loader_(loader), batch_(loader->next()) {}

Loader::Iterator& Loader::Iterator::operator++() {
  batch_ = loader_->next();
  return *this;
}

Loader::Iterator Loader::Epoch::begin() {
  loader_->begin_epoch(epoch_);
  return Iterator(loader_);
}

}  // namespace medimg::train

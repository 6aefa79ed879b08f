#pragma once

/// Progress reporting for long operations (series loading, training, sliding-window inference,
/// benchmarks): one callback type, drawn by the CLI as a bar and by Python as tqdm.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "medimg/export.hpp"

namespace medimg {

/// A snapshot of a long operation: `done` of `total` units of `stage` finished.
struct Progress {
  std::string stage;
  std::int64_t done = 0;
  std::int64_t total = 0;

  /// done / total in [0, 1]; 0 while total is unknown (0).
  double fraction() const noexcept {
    return total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  }
};

/// Called by long operations as they advance. Every long operation takes one as an optional
/// argument (an empty function means "no reporting"). Calls never overlap, `done` never
/// decreases and the last call of a stage has done == total. To cancel, throw from the
/// callback: the operation stops and the exception reaches its caller.
using ProgressCallback = std::function<void(const Progress&)>;

/// Counts finished units from any number of threads and forwards them to a ProgressCallback
/// without overlapping calls; reports at most about `max_reports` times in all.
class MEDIMG_API ProgressTracker {
 public:
  ProgressTracker(ProgressCallback callback, std::string stage, std::int64_t total,
                  std::int64_t max_reports = 100);

  /// Adds `units` finished units; thread-safe.
  void advance(std::int64_t units = 1);

  std::int64_t done() const noexcept { return done_.load(); }

 private:
  ProgressCallback callback_;
  std::string stage_;
  std::int64_t total_;
  std::int64_t step_;  // report when done crosses a multiple of step_
  std::atomic<std::int64_t> done_{0};
  std::int64_t reported_ = -1;  // guarded by mutex_
  std::mutex mutex_;
};

}  // namespace medimg

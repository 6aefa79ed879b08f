#include "medimg/core/progress.hpp"

#include <algorithm>
#include <utility>

#include "medimg/core/error.hpp"

namespace medimg {

ProgressTracker::ProgressTracker(ProgressCallback callback, std::string stage,
                                 std::int64_t total, std::int64_t max_reports)
    : callback_(std::move(callback)), stage_(std::move(stage)), total_(total) {
  MEDIMG_CHECK(total >= 0, ArgumentError, "progress total must be >= 0, got ", total);
  MEDIMG_CHECK(max_reports >= 1, ArgumentError, "max_reports must be >= 1, got ", max_reports);
  step_ = std::max<std::int64_t>(1, total / max_reports);
  if (callback_) {
    reported_ = 0;
    callback_(Progress{stage_, 0, total_});
  }
}

void ProgressTracker::advance(std::int64_t units) {
  const std::int64_t now = done_.fetch_add(units) + units;
  if (!callback_) return;
  const std::int64_t before = now - units;
  if (now != total_ && now / step_ == before / step_) return;  // nothing worth reporting
  std::lock_guard<std::mutex> lock(mutex_);
  // Another thread may have reported a later count while this one waited.
  const std::int64_t current = std::min(done_.load(), total_);
  if (current <= reported_) return;
  reported_ = current;
  callback_(Progress{stage_, current, total_});
}

}  // namespace medimg

#include "medimg/core/progress.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "medimg/core/parallel.hpp"

TEST_CASE("progress from many threads is monotonic, bounded and ends at the total") {
  std::vector<medimg::Progress> seen;
  std::atomic<int> inside{0};
  bool overlapped = false;
  medimg::ProgressTracker tracker(
      [&](const medimg::Progress& p) {
        if (inside.fetch_add(1) != 0) overlapped = true;
        seen.push_back(p);
        inside.fetch_sub(1);
      },
      "slices", 1000, 10);
  medimg::parallel_for(0, 1000, 1, [&](std::int64_t begin, std::int64_t end) {
    for (auto i = begin; i < end; ++i) tracker.advance();
  });
  CHECK_FALSE(overlapped);
  REQUIRE(seen.size() >= 2);
  CHECK(seen.size() <= 12);  // the initial 0 and at most ~10 reports
  CHECK(seen.front().done == 0);
  CHECK(seen.back().done == 1000);
  CHECK(seen.back().fraction() == 1.0);
  CHECK(seen.back().stage == "slices");
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].done > seen[i - 1].done);
  CHECK(tracker.done() == 1000);
}

TEST_CASE("a tracker without a callback only counts") {
  medimg::ProgressTracker tracker({}, "nothing", 3);
  tracker.advance(3);
  CHECK(tracker.done() == 3);
}

TEST_CASE("throwing from the callback cancels the operation") {
  medimg::ProgressTracker tracker(
      [](const medimg::Progress& p) {
        if (p.done >= 5) throw std::runtime_error("cancelled");
      },
      "work", 10, 10);
  tracker.advance(4);
  CHECK_THROWS_WITH(tracker.advance(), "cancelled");
}

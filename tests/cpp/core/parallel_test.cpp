#include "medimg/core/parallel.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "medimg/core/error.hpp"

TEST_CASE("the pool defaults to every core, or MEDIMG_NUM_THREADS") {
  const char* requested = std::getenv("MEDIMG_NUM_THREADS");
  const int expected = requested ? std::atoi(requested)
                                 : static_cast<int>(std::thread::hardware_concurrency());
  CHECK(medimg::default_num_threads() == expected);
  CHECK(medimg::get_num_threads() == expected);
}

TEST_CASE("set_num_threads changes the shared pool") {
  const int before = medimg::get_num_threads();
  medimg::set_num_threads(1);
  CHECK(medimg::get_num_threads() == 1);
  medimg::set_num_threads(before);
  CHECK(medimg::get_num_threads() == before);
  CHECK_THROWS_AS(medimg::set_num_threads(0), medimg::ArgumentError);
}

TEST_CASE("parallel_for visits every index exactly once") {
  std::vector<std::atomic<int>> hits(10007);
  medimg::parallel_for(0, static_cast<std::int64_t>(hits.size()), 64,
                       [&](std::int64_t begin, std::int64_t end) {
                         for (auto i = begin; i < end; ++i) ++hits[i];
                       });
  for (const auto& h : hits) REQUIRE(h.load() == 1);
  bool called = false;
  medimg::parallel_for(5, 5, 1, [&](std::int64_t, std::int64_t) { called = true; });
  CHECK_FALSE(called);
}

TEST_CASE("parallel_for really runs chunks on several threads") {
  if (std::thread::hardware_concurrency() < 2) return;
  const int before = medimg::get_num_threads();
  medimg::set_num_threads(2);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  medimg::parallel_for(0, 2, 1, [&](std::int64_t, std::int64_t) {
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  medimg::set_num_threads(before);
  CHECK(threads.size() == 2);
}

TEST_CASE("an exception in a chunk reaches the caller") {
  CHECK_THROWS_WITH(medimg::parallel_for(0, 1000, 1,
                                         [](std::int64_t begin, std::int64_t end) {
                                           if (begin <= 500 && 500 < end)
                                             throw std::runtime_error("chunk failed");
                                         }),
                    Catch::Contains("chunk failed"));
}

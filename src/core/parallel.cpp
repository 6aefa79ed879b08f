#include "medimg/core/parallel.hpp"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

int threads_from_environment() {
  const char* value = std::getenv("MEDIMG_NUM_THREADS");
  if (value == nullptr) return 0;
  try {
    std::size_t used = 0;
    const int n = std::stoi(value, &used);
    return used == std::string(value).size() && n > 0 ? n : 0;
  } catch (const std::exception&) {
    return 0;  // an unparsable value falls back to every core rather than failing to load
  }
}

// Applied when libmedimg is loaded, so that LibTorch ops called directly by users get the
// same pool size as medimg's kernels.
const bool kDefaultApplied = [] {
  at::set_num_threads(default_num_threads());
  return true;
}();

}  // namespace

int default_num_threads() {
  const int from_environment = threads_from_environment();
  if (from_environment > 0) return from_environment;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

void set_num_threads(int n) {
  MEDIMG_CHECK(n >= 1, ArgumentError, "the number of threads must be >= 1, got ", n);
  at::set_num_threads(n);
}

int get_num_threads() { return at::get_num_threads(); }

void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (end <= begin) return;
  at::parallel_for(begin, end, grain < 1 ? 1 : grain, body);
}

}  // namespace medimg

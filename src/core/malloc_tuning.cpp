#include "medimg/core/malloc_tuning.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace medimg {
namespace {

// Big enough that no realistic tensor is mmapped or trimmed away between training steps;
// the values are bytes.
constexpr int kTrimThreshold = 1 << 30;  // 1 GiB free at the heap top before it shrinks
constexpr int kTopPad = 64 << 20;        // grow the heap by 64 MiB more than asked

bool switched_off() {
  const char* value = std::getenv("MEDIMG_MALLOC_TUNING");
  if (value == nullptr) return false;
  const std::string_view v(value);
  return v == "0" || v == "off" || v == "false" || v == "OFF" || v == "FALSE";
}

// The glibc settings this tuning would override, set by the user.
const char* user_setting() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
    return "GLIBC_TUNABLES sets glibc.malloc";
  }
  for (const char* name : {"MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                           "MALLOC_TOP_PAD_"}) {
    if (std::getenv(name) != nullptr) return name;
  }
  return nullptr;
}

// Another malloc interposed ahead of glibc's (LD_PRELOAD or linked first).
const char* other_allocator() {
  if (dlsym(RTLD_DEFAULT, "mallctl") != nullptr) return "jemalloc";
  if (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) return "tcmalloc";
  if (dlsym(RTLD_DEFAULT, "mi_malloc") != nullptr) return "mimalloc";
  return nullptr;
}

MallocTuning tune() {
  MallocTuning result;
  if (switched_off()) {
    result.description = "off: MEDIMG_MALLOC_TUNING=0";
  } else if (const char* setting = user_setting()) {
    result.description = std::string("off: the environment tunes glibc (") + setting + ")";
  } else if (const char* allocator = other_allocator()) {
    result.description = std::string("off: ") + allocator + " replaces malloc";
  } else {
    // Large blocks from the heap instead of one mmap each; freed memory kept for reuse.
    result.applied = mallopt(M_MMAP_MAX, 0) == 1 &&
                     mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1 &&
                     mallopt(M_TOP_PAD, kTopPad) == 1;
    result.description =
        result.applied ? "glibc mallopt: M_MMAP_MAX=0, M_TRIM_THRESHOLD=1 GiB, M_TOP_PAD=64 MiB"
                       : "off: mallopt refused the settings";
  }
  return result;
}

}  // namespace

const MallocTuning& malloc_tuning() {
  static const MallocTuning tuning = tune();
  return tuning;
}

namespace {

// Applied when libmedimg is loaded, before the first tensor of a C++ program or of a Python
// session's medimg code is allocated.
const bool kTuned = (malloc_tuning(), true);

}  // namespace

}  // namespace medimg

#pragma once

/// glibc malloc settings for training networks on the CPU, applied when libmedimg loads.
///
/// LibTorch's CPU allocator takes every tensor from malloc. glibc serves blocks above its
/// mmap threshold (at most 32 MiB) with a fresh mmap and unmaps them on free, so each large
/// activation of a 3D network costs page faults on first touch and a munmap when freed, at
/// every training step; it also trims the heap top as soon as 128 KiB are free. Measured on
/// the 2-core machine (benchmarks/nn/unet_step_bench.py --allocators, docs/nn.md): a 3D
/// U-Net step takes several times longer under glibc's defaults than under jemalloc.
///
/// Loading libmedimg (a C++ program linking it, or `import medimg`) therefore calls mallopt
/// so that large blocks come from the heap and freed memory stays there for the next step,
/// unless
///   - the environment variable MEDIMG_MALLOC_TUNING is "0" (or "off", "false"),
///   - GLIBC_TUNABLES sets glibc.malloc.* or a MALLOC_*_ variable of the same settings is
///     set (the user tuned glibc),
///   - another allocator replaced malloc (jemalloc, tcmalloc or mimalloc preloaded).
/// The cost: memory freed by the program stays reserved by the process (as with jemalloc's
/// retention) instead of going back to the system at once.

#include <string>

#include "medimg/export.hpp"

namespace medimg {

/// What loading libmedimg did to the C allocator.
struct MEDIMG_API MallocTuning {
  /// mallopt was called (and succeeded).
  bool applied = false;
  /// The settings made ("glibc mallopt: M_MMAP_MAX=0, ...") or why none were
  /// ("MEDIMG_MALLOC_TUNING=0", "jemalloc replaces malloc", ...).
  std::string description;
};

/// The result of the tuning done when the library was loaded.
MEDIMG_API const MallocTuning& malloc_tuning();

}  // namespace medimg

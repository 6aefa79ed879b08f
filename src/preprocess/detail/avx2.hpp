#pragma once

// Run-time choice of an AVX2 build of a loop (src only, not installed). The library is
// compiled for baseline x86-64 (SSE2); a loop instantiated inside a MEDIMG_AVX2_CLONE function
// is compiled again for AVX2 (8 float lanes, gathers) and chosen when the CPU has it. AVX2
// only, never FMA: contracting a * b + c would change the rounding that the tests compare
// bit for bit.

#if defined(__GNUC__) && defined(__x86_64__)
#define MEDIMG_HAS_AVX2_CLONES 1
// flatten: inline the generic loop into the clone so that it is compiled for AVX2 there.
#define MEDIMG_AVX2_CLONE __attribute__((target("avx2"), flatten))
// For loops that call FMA intrinsics themselves; nothing else is compiled with FMA.
#define MEDIMG_FMA_CLONE __attribute__((target("avx2,fma")))
#else
#define MEDIMG_HAS_AVX2_CLONES 0
#define MEDIMG_AVX2_CLONE
#define MEDIMG_FMA_CLONE
#endif

#include <cstdlib>

namespace medimg::detail {

/// True when the running CPU supports AVX2 (always false where clones are not built), unless
/// the environment variable MEDIMG_NO_AVX2 is set (read at the first call): then the generic
/// loops run, which is how the tests check that both give the same results.
inline bool cpu_has_avx2() {
#if MEDIMG_HAS_AVX2_CLONES
  static const bool has =
      __builtin_cpu_supports("avx2") && std::getenv("MEDIMG_NO_AVX2") == nullptr;
  return has;
#else
  return false;
#endif
}

/// cpu_has_avx2() and FMA (every AVX2 CPU but a few early VIA ones).
inline bool cpu_has_fma() {
#if MEDIMG_HAS_AVX2_CLONES
  static const bool has = cpu_has_avx2() && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace medimg::detail

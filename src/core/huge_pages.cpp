#include "medimg/core/detail/huge_pages.hpp"

#include <sys/mman.h>
#include <unistd.h>

namespace medimg::detail {

void advise_huge_pages(void* data, std::int64_t bytes) {
#ifdef MADV_HUGEPAGE
  if (bytes < (std::int64_t{4} << 20)) return;
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const auto begin = (start + page - 1) / page * page;
  const auto end = (start + static_cast<std::uintptr_t>(bytes)) / page * page;
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace medimg::detail

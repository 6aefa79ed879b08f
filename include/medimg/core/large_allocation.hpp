#pragma once

/// Fresh tensors for large results (a windowed CT volume: 300 MB) whose memory the C
/// allocator can hand out again on the next call, instead of new pages that fault in.
///
/// LibTorch takes tensor memory with posix_memalign(64). glibc cannot serve such a request
/// from a freed block of exactly the request's size (it asks for room to align in), so a
/// loop that replaces a large result by the next one of the same size (`y = window(x)`)
/// gets new memory at every call and pays its first-touch page faults: measured on the
/// 2-core VM, 1 s for 300 MB with 4 KiB pages and 0.4 s with huge pages, against 10-20 ms
/// for the windowing itself. empty_large() takes a plain malloc block with 2 MiB of slack
/// and aligns it by hand: the freed block fits the next request of the same size, which
/// glibc serves from it without a fault while it keeps freed memory (core/malloc_tuning.hpp;
/// jemalloc does the same by itself). The 2 MiB alignment and MADV_HUGEPAGE make a first use
/// fault once per 2 MiB instead of once per 4 KiB.

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "medimg/export.hpp"

namespace medimg {

/// Size in bytes from which empty_large() allocates by itself; smaller tensors are
/// at::empty's (the allocator's small blocks are reused anyway).
constexpr std::int64_t kLargeAllocationBytes = std::int64_t{4} << 20;

/// An uninitialised, contiguous CPU tensor, as at::empty(sizes, dtype), for a result that
/// the caller overwrites completely. From kLargeAllocationBytes on, its memory is a malloc
/// block aligned to 2 MiB and advised for transparent huge pages (see above), freed with
/// the tensor's storage: an ordinary tensor (numpy views, in-place ops, serialisation) whose
/// storage cannot grow (resize_ beyond its size raises, as for any at::from_blob tensor).
/// @throws what at::empty throws for a negative size or when memory is short.
MEDIMG_API at::Tensor empty_large(at::IntArrayRef sizes, at::ScalarType dtype);

}  // namespace medimg

#include "medimg/core/large_allocation.hpp"

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <cstdlib>
#include <limits>

#include "medimg/core/detail/huge_pages.hpp"

namespace medimg {
namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

// numel * itemsize, or -1 for a negative size or a product beyond int64 (at::empty then
// raises its own error).
std::int64_t byte_size(at::IntArrayRef sizes, at::ScalarType dtype) {
  std::int64_t bytes = static_cast<std::int64_t>(c10::elementSize(dtype));
  for (const std::int64_t s : sizes) {
    if (s < 0) return -1;
    if (s != 0 && bytes > std::numeric_limits<std::int64_t>::max() / s) return -1;
    bytes *= s;
  }
  return bytes;
}

void free_block(void* block) { std::free(block); }

}  // namespace

at::Tensor empty_large(at::IntArrayRef sizes, at::ScalarType dtype) {
  const at::TensorOptions options = at::TensorOptions().dtype(dtype);
  const std::int64_t bytes = byte_size(sizes, dtype);
  if (bytes < kLargeAllocationBytes ||
      bytes > std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(kHugePage)) {
    return at::empty(sizes, options);
  }
  // malloc, not an aligned allocation: the freed block then fits the next request of the
  // same size exactly (see the header).
  void* block = std::malloc(static_cast<std::size_t>(bytes) + kHugePage);
  if (block == nullptr) return at::empty(sizes, options);  // raises LibTorch's own error
  const auto start = (reinterpret_cast<std::uintptr_t>(block) + kHugePage - 1) & ~(kHugePage - 1);
  void* data = reinterpret_cast<void*>(start);
  detail::advise_huge_pages(data, bytes);
  return at::for_blob(data, sizes).context(block, free_block).options(options).make_tensor();
}

}  // namespace medimg

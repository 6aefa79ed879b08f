#include "medimg/core/large_allocation.hpp"

#include <ATen/ops/arange.h>

#include <catch2/catch.hpp>
#include <cstdint>

#include "medimg/core/malloc_tuning.hpp"

namespace {

std::uintptr_t address(const at::Tensor& t) {
  return reinterpret_cast<std::uintptr_t>(t.data_ptr());
}

}  // namespace

TEST_CASE("empty_large gives small tensors from at::empty") {
  const at::Tensor t = medimg::empty_large({3, 4}, at::kFloat);
  CHECK(t.sizes() == at::IntArrayRef({3, 4}));
  CHECK(t.scalar_type() == at::kFloat);
  CHECK(t.is_contiguous());
  CHECK(medimg::empty_large({0, 5}, at::kShort).numel() == 0);
}

TEST_CASE("empty_large gives large tensors 2 MiB-aligned, writable and owned") {
  const std::int64_t n = medimg::kLargeAllocationBytes / 4 * 3 + 7;  // 12 MiB + 28 bytes
  at::Tensor t = medimg::empty_large({n}, at::kFloat);
  CHECK(t.numel() == n);
  CHECK(t.scalar_type() == at::kFloat);
  CHECK(t.is_contiguous());
  CHECK(address(t) % (std::uintptr_t{2} << 20) == 0);
  // Every element is usable, and the tensor behaves as any other (copies, views, in place).
  t.copy_(at::arange(n, at::kFloat));
  CHECK(t[0].item<float>() == 0.0f);
  CHECK(t[n - 1].item<float>() == static_cast<float>(n - 1));
  const at::Tensor view = t.slice(0, 10, 20);
  t.add_(1);
  CHECK(view[0].item<float>() == 11.0f);
  CHECK(t.clone().equal(t));
  CHECK(medimg::empty_large({2, 1024, 1024}, at::kDouble).sizes() ==
        at::IntArrayRef({2, 1024, 1024}));
}

TEST_CASE("empty_large hands freed memory out again for a result of the same size") {
  // Only where glibc keeps freed memory (the malloc tuning), which is what makes a loop of
  // large results fault no new pages.
  if (!medimg::malloc_tuning().applied) return;
  const std::int64_t n = std::int64_t{16} << 20;  // 64 MiB of floats
  std::uintptr_t first = 0;
  {
    const at::Tensor a = medimg::empty_large({n}, at::kFloat);
    first = address(a);
  }
  const at::Tensor b = medimg::empty_large({n}, at::kFloat);
  CHECK(address(b) == first);
}

TEST_CASE("empty_large refuses negative sizes as at::empty does") {
  CHECK_THROWS(medimg::empty_large({-1, 4}, at::kFloat));
}

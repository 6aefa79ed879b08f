#pragma once

// Large outputs: first-touch page faults cost more here than the kernels that fill them
// (core/detail/huge_pages.hpp), so every big result is allocated through this.

#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>

#include "medimg/core/detail/huge_pages.hpp"

namespace medimg::detail {

/// at::empty(sizes, dtype) on the CPU, with transparent huge pages advised before first use.
inline at::Tensor fresh_tensor(at::IntArrayRef sizes, at::ScalarType dtype) {
  at::Tensor t = at::empty(sizes, at::TensorOptions().dtype(dtype));
  advise_huge_pages(t.data_ptr(), static_cast<std::int64_t>(t.nbytes()));
  return t;
}

}  // namespace medimg::detail

#include "medimg/nn/autocast.hpp"

#include <ATen/autocast_mode.h>

#include "medimg/core/error.hpp"

namespace medimg::nn {

CpuAutocast::CpuAutocast(at::ScalarType dtype, bool enabled)
    : previous_enabled_(at::autocast::is_cpu_enabled()),
      previous_dtype_(at::autocast::get_autocast_cpu_dtype()) {
  MEDIMG_CHECK(dtype == at::kBFloat16, Unsupported, "CPU autocast supports bfloat16 only, got ",
               dtype, " (float16 autocast needs CUDA)");
  at::autocast::set_cpu_enabled(enabled);
  at::autocast::set_autocast_cpu_dtype(dtype);
  at::autocast::increment_nesting();
}

CpuAutocast::~CpuAutocast() {
  // As torch.autocast.__exit__: the cast-weight cache lives as long as the outermost guard.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(previous_enabled_);
  at::autocast::set_autocast_cpu_dtype(previous_dtype_);
}

}  // namespace medimg::nn

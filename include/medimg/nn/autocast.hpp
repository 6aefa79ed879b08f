#pragma once

/// bfloat16 autocast of CPU forward passes from C++: what `with torch.autocast("cpu",
/// dtype=torch.bfloat16):` does in Python, as a scope guard.

#include <c10/core/ScalarType.h>

#include "medimg/export.hpp"

namespace medimg::nn {

/// While alive, LibTorch's CPU autocast runs the ops on its lower-precision list
/// (convolutions, linear layers, matrix products) in `dtype` on this thread; the previous
/// autocast state is restored on destruction. Guards nest like Python's torch.autocast.
///
///   { medimg::nn::CpuAutocast bf16; logits = net->forward(x); }   // logits: bfloat16
///
/// Only bfloat16 is supported on the CPU by LibTorch 1.13 (float16 autocast needs CUDA).
/// @throws Unsupported for another dtype.
class MEDIMG_API CpuAutocast {
 public:
  explicit CpuAutocast(at::ScalarType dtype = at::kBFloat16, bool enabled = true);
  ~CpuAutocast();
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  bool previous_enabled_;
  at::ScalarType previous_dtype_;
};

}  // namespace medimg::nn

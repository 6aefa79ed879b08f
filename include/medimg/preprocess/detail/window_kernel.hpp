#pragma once

// The inner loop of window(): a header template so that C++ callers can inline it into their
// own loops. No LibTorch include.

#include <cstdint>

namespace medimg::detail {

/// y = out_min + clamp((x − origin) / divisor + bias, 0, 1) * out_span, in arithmetic type F
/// (float, or double for double input). `step` replaces the ramp by x <= origin ? out_min :
/// out_min + out_span (DICOM LINEAR with width 1, whose divisor would be 0).
template <typename F>
struct WindowLine {
  F origin, divisor, bias, out_min, out_span;
  bool step = false;
};

/// Windows n contiguous values. Written as plain selects so that the compiler vectorises it
/// (int16 → float conversion, divide, min/max) without changing the IEEE result; NaN stays
/// NaN because each comparison keeps its left operand when unordered.
template <typename T, typename F>
void window_values(const T* in, float* out, std::int64_t n, const WindowLine<F>& line) {
  const F origin = line.origin, divisor = line.divisor, bias = line.bias;
  const F out_min = line.out_min, out_span = line.out_span;
  if (line.step) {
    const F high = out_min + out_span;
    for (std::int64_t i = 0; i < n; ++i) {
      const F x = static_cast<F>(in[i]);
      out[i] = static_cast<float>(x <= origin ? out_min : (x == x ? high : x));
    }
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    F t = (static_cast<F>(in[i]) - origin) / divisor + bias;
    t = t < F(0) ? F(0) : t;
    t = t > F(1) ? F(1) : t;
    out[i] = static_cast<float>(out_min + t * out_span);
  }
}

}  // namespace medimg::detail

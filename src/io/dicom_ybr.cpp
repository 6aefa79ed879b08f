#include "detail/dicom_ybr.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>

#include "medimg/core/parallel.hpp"

namespace medimg::detail {

at::Tensor upsample_ybr_422(const at::Tensor& raw, std::int64_t pixels) {
  at::Tensor out = at::empty({pixels * 3}, at::kByte);
  const auto* in = raw.data_ptr<std::uint8_t>();
  auto* o = out.data_ptr<std::uint8_t>();
  for (std::int64_t pair = 0; pair < pixels / 2; ++pair) {
    const std::uint8_t* q = in + 4 * pair;
    std::uint8_t* p = o + 6 * pair;
    p[0] = q[0];
    p[1] = p[4] = q[2];
    p[2] = p[5] = q[3];
    p[3] = q[1];
  }
  return out;
}

at::Tensor ybr_full_to_rgb(const at::Tensor& ybr) {
  // The float32 coefficients pydicom uses, so that rounding ties fall the same way.
  constexpr float kCrToR = 1.402f;
  constexpr float kCbToG = static_cast<float>(-0.114 * 1.772 / 0.587);
  constexpr float kCrToG = static_cast<float>(-0.299 * 1.402 / 0.587);
  constexpr float kCbToB = 1.772f;
  const at::Tensor in = ybr.contiguous();
  at::Tensor out = at::empty(in.sizes(), at::kByte);
  const auto* v = in.data_ptr<std::uint8_t>();
  auto* o = out.data_ptr<std::uint8_t>();
  const auto to_byte = [](float x) {
    return static_cast<std::uint8_t>(std::clamp(std::floor(x + 0.5f), 0.0f, 255.0f));
  };
  parallel_for(0, in.numel() / 3, 4096, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float y = v[3 * i];
      const float cb = static_cast<float>(v[3 * i + 1]) - 128.0f;
      const float cr = static_cast<float>(v[3 * i + 2]) - 128.0f;
      o[3 * i] = to_byte(y + kCrToR * cr);
      o[3 * i + 1] = to_byte(y + kCbToG * cb + kCrToG * cr);
      o[3 * i + 2] = to_byte(y + kCbToB * cb);
    }
  });
  return out;
}

}  // namespace medimg::detail

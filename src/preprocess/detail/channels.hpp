#pragma once

// Per-channel plumbing shared by the preprocess kernels (src only, not installed): contiguous
// voxels, the output dtype, masks resolved to one bool array per channel, finiteness checks.

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg::detail {

/// The voxels of `image` as a contiguous CPU tensor (a copy only when they are not).
/// @throws ArgumentError for an undefined image; Unsupported off the CPU.
inline at::Tensor contiguous_voxels(const Image& image, const char* function) {
  MEDIMG_CHECK(image.defined(), ArgumentError, function, " needs a defined image");
  MEDIMG_CHECK(image.tensor().device().is_cpu(), Unsupported, function,
               " runs on the CPU, got an image on ", image.tensor().device(),
               "; call .cpu() first");
  return image.tensor().contiguous();
}

/// Voxels per channel.
inline std::int64_t channel_numel(const at::Tensor& voxels) {
  return voxels.numel() / voxels.size(0);
}

/// medimg's dtype policy for intensities: float64 stays float64, everything else -> float32.
inline at::ScalarType intensity_dtype(at::ScalarType input) {
  return input == at::kDouble ? at::kDouble : at::kFloat;
}

/// Calls f(const T* data) with T the element type of the contiguous tensor `t`.
template <typename F>
decltype(auto) dispatch_data(const at::Tensor& t, F&& f) {
  return dispatch_dtype<1>(t.reshape({-1}), [&](auto v) {
    return f(static_cast<const typename decltype(v)::value_type*>(v.data()));
  });
}

/// Calls f(O* out) with O = float or double, the element type of `out`.
template <typename F>
decltype(auto) dispatch_output(at::Tensor& out, F&& f) {
  if (out.scalar_type() == at::kDouble) return f(out.data_ptr<double>());
  return f(out.data_ptr<float>());
}

template <typename T>
bool is_finite(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isfinite(v);
  } else {
    return true;
  }
}

/// Reduces [0, n) in fixed blocks of 64K items, block(first, last) -> R in parallel, then
/// merge(R, R) in block order: the result never depends on the number of threads.
template <typename R, typename Block, typename Merge>
R reduce_blocks(std::int64_t n, const R& init, Block&& block, Merge&& merge) {
  constexpr std::int64_t kBlock = 1 << 16;
  std::vector<R> partial(static_cast<std::size_t>((n + kBlock - 1) / kBlock), init);
  parallel_for(0, static_cast<std::int64_t>(partial.size()), 1,
               [&](std::int64_t first, std::int64_t last) {
                 for (std::int64_t b = first; b < last; ++b) {
                   partial[b] = block(b * kBlock, std::min(n, (b + 1) * kBlock));
                 }
               });
  R total = init;
  for (const R& p : partial) total = merge(total, p);
  return total;
}

/// Runs body(first, last) over [0, n) in parallel chunks of at least 64K items.
template <typename Body>
void for_blocks(std::int64_t n, Body&& body) {
  parallel_for(0, n, 1 << 16, body);
}

/// A mask as one bool array per channel: shape (Y, X) / (Z, Y, X) or (1 or C, ...) against an
/// image of shape (C, ...). channel(c) is null when no mask was given.
class ChannelMask {
 public:
  /// @throws ShapeError when the shape does not fit; Unsupported off the CPU.
  ChannelMask(const at::Tensor& mask, const at::Tensor& voxels, const char* name);

  bool defined() const { return mask_.defined(); }
  const bool* channel(std::int64_t c) const {
    if (!mask_.defined()) return nullptr;
    return mask_.data_ptr<bool>() + (shared_ ? 0 : c * numel_);
  }

 private:
  at::Tensor mask_;  // bool, contiguous
  bool shared_ = true;
  std::int64_t numel_ = 0;
};

}  // namespace medimg::detail

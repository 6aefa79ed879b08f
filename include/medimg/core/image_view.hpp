#pragma once

/// ImageView<T, N>: a raw strided view (pointer, shape, strides) that kernels take.
///
/// Kernels are header templates over ImageView so they compile without LibTorch and inline
/// into callers' loops. A view never owns memory: the Image or tensor it came from must
/// outlive it. Obtain one with medimg::view<T, N>() or dispatch_dtype() (core/dispatch.hpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace medimg {

template <typename T, int N>
class ImageView {
  static_assert(N >= 1, "an ImageView needs at least one axis");

 public:
  using value_type = T;
  using Index = std::array<std::int64_t, N>;
  static constexpr int kRank = N;

  ImageView() = default;

  /// `strides` are in elements, not bytes, and may be zero or negative.
  ImageView(T* data, const Index& shape, const Index& strides)
      : data_(data), shape_(shape), strides_(strides) {}

  /// A C-contiguous view (last axis fastest).
  ImageView(T* data, const Index& shape) : data_(data), shape_(shape) {
    std::int64_t stride = 1;
    for (int k = N - 1; k >= 0; --k) {
      strides_[k] = stride;
      stride *= shape[k];
    }
  }

  /// A read-only view of the same memory.
  operator ImageView<const T, N>() const { return {data_, shape_, strides_}; }

  T* data() const noexcept { return data_; }
  const Index& shape() const noexcept { return shape_; }
  const Index& strides() const noexcept { return strides_; }
  std::int64_t size(int axis) const noexcept { return shape_[axis]; }
  std::int64_t stride(int axis) const noexcept { return strides_[axis]; }

  std::int64_t numel() const noexcept {
    std::int64_t n = 1;
    for (auto s : shape_) n *= s;
    return n;
  }

  /// True when element (i0, ..., iN-1) lies at data()[((i0 * s1 + i1) * s2 + ...)].
  bool is_contiguous() const noexcept {
    std::int64_t expected = 1;
    for (int k = N - 1; k >= 0; --k) {
      if (shape_[k] != 1 && strides_[k] != expected) return false;
      expected *= shape_[k];
    }
    return true;
  }

  std::int64_t offset(const Index& index) const noexcept {
    std::int64_t o = 0;
    for (int k = 0; k < N; ++k) o += index[k] * strides_[k];
    return o;
  }

  template <typename... I, typename = std::enable_if_t<sizeof...(I) == N>>
  T& operator()(I... index) const noexcept {
    return data_[offset(Index{static_cast<std::int64_t>(index)...})];
  }

  T& operator[](const Index& index) const noexcept { return data_[offset(index)]; }

  /// The (N-1)-dimensional view at position `i` of the first axis (e.g. one channel).
  template <int M = N, typename = std::enable_if_t<(M > 1)>>
  ImageView<T, N - 1> slice(std::int64_t i) const noexcept {
    typename ImageView<T, N - 1>::Index shape{}, strides{};
    for (int k = 1; k < N; ++k) {
      shape[k - 1] = shape_[k];
      strides[k - 1] = strides_[k];
    }
    return {data_ + i * strides_[0], shape, strides};
  }

 private:
  T* data_ = nullptr;
  Index shape_{};
  Index strides_{};
};

/// Calls f(index) for every element in C order (last axis fastest); a reference loop for
/// tests and cold paths, not for hot kernels.
template <typename T, int N, typename F>
void for_each_index(const ImageView<T, N>& v, F&& f) {
  const std::int64_t total = v.numel();
  typename ImageView<T, N>::Index index{};
  for (std::int64_t n = 0; n < total; ++n) {
    f(index);
    for (int k = N - 1; k >= 0; --k) {
      if (++index[k] < v.size(k)) break;
      index[k] = 0;
    }
  }
}

}  // namespace medimg

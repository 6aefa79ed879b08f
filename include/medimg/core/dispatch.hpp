#pragma once

/// From tensors and Images to ImageViews: checked once at the public function, then kernels
/// run on raw views.

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <type_traits>
#include <utility>

#include "medimg/core/error.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/image_view.hpp"

namespace medimg {

/// The at::ScalarType of element type T (const ignored).
template <typename T>
constexpr at::ScalarType scalar_type_of() {
  return c10::CppTypeToScalarType<std::remove_const_t<T>>::value;
}

/// A view of `t` (any strides, CPU memory) as ImageView<T, N>.
/// @throws Unsupported when t is not on the CPU; ArgumentError on a dtype other than T;
///         ShapeError when t.dim() != N.
template <typename T, int N>
ImageView<T, N> view(const at::Tensor& t) {
  MEDIMG_CHECK(t.defined(), ArgumentError, "expected a tensor, got an undefined one");
  MEDIMG_CHECK(t.device().is_cpu(), Unsupported, "this kernel runs on the CPU, got a tensor on ",
               t.device(), "; call .cpu() first");
  MEDIMG_CHECK(t.scalar_type() == scalar_type_of<T>(), ArgumentError, "expected dtype ",
               scalar_type_of<T>(), ", got ", t.scalar_type());
  MEDIMG_CHECK(t.dim() == N, ShapeError, "expected ", N, " dims, got shape ", t.sizes());
  typename ImageView<T, N>::Index shape{}, strides{};
  for (int k = 0; k < N; ++k) {
    shape[k] = t.size(k);
    strides[k] = t.stride(k);
  }
  return {static_cast<T*>(t.data_ptr()), shape, strides};
}

/// The voxels of `image` as a 4D view (C, Z, Y, X); a 2D image becomes (C, 1, Y, X), so one
/// kernel serves both ranks.
template <typename T>
ImageView<T, 4> volume_view(const Image& image) {
  const at::Tensor& t = image.tensor();
  return view<T, 4>(image.spatial_dims() == 3 ? t : t.unsqueeze(1));
}

/// Calls f(ImageView<T, N>) with T the element type of `t`, for the dtypes medimg kernels
/// accept: bool, uint8, int8, int16, int32, int64, float32, float64.
/// @throws Unsupported for any other dtype (half, complex, ...).
template <int N, typename F>
decltype(auto) dispatch_dtype(const at::Tensor& t, F&& f) {
  switch (t.scalar_type()) {
    case at::kBool: return f(view<bool, N>(t));
    case at::kByte: return f(view<std::uint8_t, N>(t));
    case at::kChar: return f(view<std::int8_t, N>(t));
    case at::kShort: return f(view<std::int16_t, N>(t));
    case at::kInt: return f(view<std::int32_t, N>(t));
    case at::kLong: return f(view<std::int64_t, N>(t));
    case at::kFloat: return f(view<float, N>(t));
    case at::kDouble: return f(view<double, N>(t));
    default:
      throw Unsupported(detail::concat("medimg kernels do not handle dtype ", t.scalar_type(),
                                       "; convert with .to(float32)"));
  }
}

/// dispatch_dtype over an Image's voxels seen as (C, Z, Y, X) (see volume_view).
template <typename F>
decltype(auto) dispatch_volume(const Image& image, F&& f) {
  const at::Tensor& t = image.tensor();
  return dispatch_dtype<4>(image.spatial_dims() == 3 ? t : t.unsqueeze(1), std::forward<F>(f));
}

}  // namespace medimg

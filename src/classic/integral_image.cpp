#include "medimg/classic/integral_image.hpp"

#include <ATen/ops/empty.h>

#include <type_traits>

#include "detail/integral_kernel.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"

namespace medimg {

IntegralImages integral_images(const at::Tensor& image) {
  MEDIMG_CHECK(image.defined() && image.dim() == 2, ShapeError,
               "integral_images expects a (Y, X) image, got shape ",
               image.defined() ? image.sizes() : at::IntArrayRef{});
  return dispatch_dtype<2>(image, [&](auto v) {
    using T = std::remove_const_t<typename decltype(v)::value_type>;
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
    const std::int64_t rows = v.size(0), cols = v.size(1);
    const auto options = at::TensorOptions().dtype(scalar_type_of<Acc>());
    IntegralImages out{at::empty({rows + 1, cols + 1}, options),
                       at::empty({rows + 1, cols + 1}, options),
                       at::empty({rows + 1, cols + 1}, options)};
    detail::integral_tables<Acc>(
        rows, cols, [&](std::int64_t y, std::int64_t x) { return v(y, x); },
        out.sum.template data_ptr<Acc>(), out.squared_sum.template data_ptr<Acc>(),
        out.tilted.template data_ptr<Acc>());
    return out;
  });
}

}  // namespace medimg

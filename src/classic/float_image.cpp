#include "detail/float_image.hpp"

#include <cstdint>
#include <limits>

#include "medimg/core/error.hpp"

namespace medimg::detail {

double dtype_max(at::ScalarType dtype) {
  switch (dtype) {
    case at::kByte: return std::numeric_limits<std::uint8_t>::max();
    case at::kChar: return std::numeric_limits<std::int8_t>::max();
    case at::kShort: return std::numeric_limits<std::int16_t>::max();
    case at::kInt: return std::numeric_limits<std::int32_t>::max();
    case at::kLong: return static_cast<double>(std::numeric_limits<std::int64_t>::max());
    case at::kBool:
    case at::kFloat:
    case at::kDouble: return 1.0;
    default:
      throw Unsupported(concat("edge filters do not handle dtype ", dtype,
                               "; convert with .to(float32)"));
  }
}

at::Tensor img_as_float(const at::Tensor& image) {
  const at::ScalarType dtype = image.scalar_type();
  if (dtype == at::kFloat || dtype == at::kDouble) return image.contiguous();
  const double max = dtype_max(dtype);  // throws for unsupported dtypes
  at::Tensor out = image.to(at::kDouble).contiguous();
  if (dtype == at::kBool) return out;
  out.mul_(1.0 / max);
  if (dtype != at::kByte) out.clamp_min_(-1.0);
  return out;
}

}  // namespace medimg::detail

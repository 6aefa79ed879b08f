#include "medimg/classic/edges.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include "detail/components.hpp"
#include "detail/correlate.hpp"
#include "detail/float_image.hpp"
#include "detail/fresh_tensor.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

using Shape = std::array<std::int64_t, 3>;

// skimage's SOBEL_EDGE [1, 0, -1] and SOBEL_SMOOTH [1, 2, 1] / 4, convolved (flipped): the
// derivative correlates with [-1, 0, 1].
const std::vector<double> kEdge{-1.0, 0.0, 1.0};
const std::vector<double> kSmooth{0.25, 0.5, 0.25};

// The Sobel response along `edge_axis` (of the volume's three), in double: derivative along
// it, smoothing along every other spatial axis.
std::vector<double> axis_response(const std::vector<double>& image, const Shape& shape,
                                  int first_axis, int edge_axis, BorderMode border) {
  std::vector<double> a(image), b(image.size());
  detail::correlate1d(a.data(), b.data(), shape, edge_axis, kEdge, border, 0.0);
  std::swap(a, b);
  for (int axis = first_axis; axis < 3; ++axis) {
    if (axis == edge_axis) continue;
    detail::correlate1d(a.data(), b.data(), shape, axis, kSmooth, border, 0.0);
    std::swap(a, b);
  }
  return a;
}

template <typename R>
at::Tensor sobel_typed(const at::Tensor& image, const at::Tensor& eroded_mask, int axis,
                       BorderMode border) {
  const int dims = static_cast<int>(image.dim());
  const Shape shape{dims == 3 ? image.size(0) : 1, image.size(dims - 2), image.size(dims - 1)};
  const std::int64_t n = image.numel();
  const R* data = image.data_ptr<R>();
  const std::vector<double> values(data, data + n);
  const int first_axis = 3 - dims;
  at::Tensor out = detail::fresh_tensor(image.sizes(), image.scalar_type());
  R* o = out.data_ptr<R>();
  if (axis >= 0) {
    const std::vector<double> d = axis_response(values, shape, first_axis, first_axis + axis,
                                                border);
    for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<R>(d[i]);
  } else {
    // skimage sums the squared responses in the output dtype, then sqrt(sum) / sqrt(ndim).
    std::vector<R> sum(n, R(0));
    for (int edge = first_axis; edge < 3; ++edge) {
      const std::vector<double> d = axis_response(values, shape, first_axis, edge, border);
      for (std::int64_t i = 0; i < n; ++i) {
        const R r = static_cast<R>(d[i]);
        sum[i] += r * r;
      }
    }
    const R norm = static_cast<R>(std::sqrt(static_cast<double>(dims)));
    for (std::int64_t i = 0; i < n; ++i) o[i] = std::sqrt(sum[i]) / norm;
  }
  if (eroded_mask.defined()) {
    const bool* keep = eroded_mask.data_ptr<bool>();
    for (std::int64_t i = 0; i < n; ++i) {
      if (!keep[i]) o[i] = R(0);
    }
  }
  return out;
}

// binary_erosion(mask, generate_binary_structure(ndim, ndim), border_value=0).
at::Tensor erode_full(const at::Tensor& mask) {
  const int dims = static_cast<int>(mask.dim());
  const at::Tensor m = detail::binary(mask);
  const std::int64_t Z = dims == 3 ? m.size(0) : 1, Y = m.size(dims - 2), X = m.size(dims - 1);
  const bool* in = m.data_ptr<bool>();
  at::Tensor out = detail::fresh_tensor(m.sizes(), at::kBool);
  bool* o = out.data_ptr<bool>();
  parallel_for(0, Z * Y, 64, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::int64_t z = r / Y, y = r % Y;
      for (std::int64_t x = 0; x < X; ++x) {
        bool inside = true;
        for (std::int64_t dz = (dims == 3 ? -1 : 0); dz <= (dims == 3 ? 1 : 0) && inside; ++dz) {
          for (std::int64_t dy = -1; dy <= 1 && inside; ++dy) {
            for (std::int64_t dx = -1; dx <= 1 && inside; ++dx) {
              const std::int64_t zz = z + dz, yy = y + dy, xx = x + dx;
              inside = zz >= 0 && zz < Z && yy >= 0 && yy < Y && xx >= 0 && xx < X &&
                       in[(zz * Y + yy) * X + xx];
            }
          }
        }
        o[r * X + x] = inside;
      }
    }
  });
  return out;
}

}  // namespace

at::Tensor sobel(const at::Tensor& image, const at::Tensor& mask, int axis, BorderMode border) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "sobel: expected a tensor, got an undefined one");
  MEDIMG_CHECK((image.dim() == 2 || image.dim() == 3) && image.numel() > 0, ShapeError,
               "sobel: expected a non-empty (Y, X) or (Z, Y, X) image, got shape ",
               image.sizes());
  MEDIMG_CHECK(image.device().is_cpu(), Unsupported, "sobel: expected a CPU tensor, got ",
               image.device());
  MEDIMG_CHECK(axis >= -1 && axis < image.dim(), ArgumentError,
               "sobel: axis must be -1 (all) or in [0, ", image.dim(), "), got ", axis);
  at::Tensor eroded;
  if (mask.defined()) {
    MEDIMG_CHECK(mask.sizes() == image.sizes(), ShapeError,
                 "sobel: mask must have the image's shape ", image.sizes(), ", got ",
                 mask.sizes());
    eroded = erode_full(mask);
  }
  const at::Tensor as_float = detail::img_as_float(image);
  if (as_float.scalar_type() == at::kFloat) {
    return sobel_typed<float>(as_float, eroded, axis, border);
  }
  return sobel_typed<double>(as_float, eroded, axis, border);
}

}  // namespace medimg

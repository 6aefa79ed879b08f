#include "medimg/classic/footprint.hpp"

#include <ATen/ops/from_blob.h>

#include <cstdlib>
#include <ostream>
#include <utility>

#include "detail/components.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

// Footprints beyond this radius or width would not fit any image worth filtering; the limit
// keeps a typo (disk(100000)) from allocating gigabytes.
constexpr std::int64_t kMaxSize = 1000;

void check_radius(std::int64_t radius, const char* name) {
  MEDIMG_CHECK(radius >= 0 && radius <= kMaxSize, ArgumentError, name,
               ": radius must be in [0, ", kMaxSize, "], got ", radius);
}

void check_width(std::int64_t width, const char* name) {
  MEDIMG_CHECK(width >= 1 && width <= kMaxSize, ArgumentError, name,
               ": width must be in [1, ", kMaxSize, "], got ", width);
}

// The (2r+1)^dims grid with inside(offsets...) evaluated at offsets in [-r, r].
template <typename Inside>
std::vector<std::uint8_t> centred_grid(std::int64_t radius, int dims, Inside inside) {
  const std::int64_t n = 2 * radius + 1;
  std::vector<std::uint8_t> values(dims == 2 ? n * n : n * n * n);
  std::size_t i = 0;
  for (std::int64_t z = (dims == 2 ? 0 : -radius); z <= (dims == 2 ? 0 : radius); ++z)
    for (std::int64_t y = -radius; y <= radius; ++y)
      for (std::int64_t x = -radius; x <= radius; ++x) values[i++] = inside(z, y, x) ? 1 : 0;
  return values;
}

}  // namespace

Footprint::Footprint(FootprintKind kind, std::int64_t size, std::vector<std::int64_t> shape,
                     std::vector<std::uint8_t> values)
    : kind_(kind), size_(size), shape_(std::move(shape)), values_(std::move(values)) {
  for (auto v : values_) count_ += v;
}

Footprint::Footprint(const at::Tensor& values) {
  MEDIMG_CHECK(values.defined(), ArgumentError,
               "footprint: expected a tensor, got an undefined one");
  MEDIMG_CHECK(values.dim() == 2 || values.dim() == 3, ShapeError,
               "footprint must be a (ky, kx) or (kz, ky, kx) array, got shape ", values.sizes());
  MEDIMG_CHECK(values.numel() > 0, ShapeError, "footprint has an empty axis: shape ",
               values.sizes());
  MEDIMG_CHECK(values.device().is_cpu(), Unsupported, "footprint must be on the CPU, got ",
               values.device());
  MEDIMG_CHECK(!at::isComplexType(values.scalar_type()), Unsupported,
               "footprint: medimg kernels do not handle dtype ", values.scalar_type(),
               "; give a bool, integer or real array");
  MEDIMG_CHECK(!detail::any_nan(values), ArgumentError, "footprint must not contain NaN");
  const at::Tensor inside = values.ne(0).to(at::kByte).contiguous();
  shape_.assign(values.sizes().begin(), values.sizes().end());
  const auto* data = inside.data_ptr<std::uint8_t>();
  values_.assign(data, data + inside.numel());
  for (auto v : values_) count_ += v;
  MEDIMG_CHECK(count_ > 0, ArgumentError,
               "footprint has no non-zero element: erosion and dilation would be undefined");
}

at::Tensor Footprint::tensor() const {
  // from_blob does not own the memory: clone so that the tensor outlives this footprint.
  return at::from_blob(const_cast<std::uint8_t*>(values_.data()), shape_,
                       at::TensorOptions().dtype(at::kByte))
      .clone();
}

std::string Footprint::name() const {
  switch (kind_) {
    case FootprintKind::Disk: return detail::concat("disk(", size_, ")");
    case FootprintKind::Ball: return detail::concat("ball(", size_, ")");
    case FootprintKind::Square: return detail::concat("square(", size_, ")");
    case FootprintKind::Cube: return detail::concat("cube(", size_, ")");
    case FootprintKind::Diamond: return detail::concat("diamond(", size_, ")");
    case FootprintKind::Octahedron: return detail::concat("octahedron(", size_, ")");
    case FootprintKind::Custom: break;
  }
  std::string shape;
  for (std::size_t k = 0; k < shape_.size(); ++k) {
    shape += (k ? ", " : "") + std::to_string(shape_[k]);
  }
  return "Footprint(shape=(" + shape + "))";
}

Footprint disk(std::int64_t radius) {
  check_radius(radius, "disk");
  const std::int64_t n = 2 * radius + 1;
  return Footprint(FootprintKind::Disk, radius, {n, n},
                   centred_grid(radius, 2, [radius](auto, auto y, auto x) {
                     return x * x + y * y <= radius * radius;
                   }));
}

Footprint ball(std::int64_t radius) {
  check_radius(radius, "ball");
  const std::int64_t n = 2 * radius + 1;
  return Footprint(FootprintKind::Ball, radius, {n, n, n},
                   centred_grid(radius, 3, [radius](auto z, auto y, auto x) {
                     return x * x + y * y + z * z <= radius * radius;
                   }));
}

Footprint square(std::int64_t width) {
  check_width(width, "square");
  return Footprint(FootprintKind::Square, width, {width, width},
                   std::vector<std::uint8_t>(width * width, 1));
}

Footprint cube(std::int64_t width) {
  check_width(width, "cube");
  return Footprint(FootprintKind::Cube, width, {width, width, width},
                   std::vector<std::uint8_t>(width * width * width, 1));
}

Footprint diamond(std::int64_t radius) {
  check_radius(radius, "diamond");
  const std::int64_t n = 2 * radius + 1;
  return Footprint(FootprintKind::Diamond, radius, {n, n},
                   centred_grid(radius, 2, [radius](auto, auto y, auto x) {
                     return std::abs(x) + std::abs(y) <= radius;
                   }));
}

Footprint octahedron(std::int64_t radius) {
  check_radius(radius, "octahedron");
  const std::int64_t n = 2 * radius + 1;
  return Footprint(FootprintKind::Octahedron, radius, {n, n, n},
                   centred_grid(radius, 3, [radius](auto z, auto y, auto x) {
                     return std::abs(x) + std::abs(y) + std::abs(z) <= radius;
                   }));
}

Footprint cross(int dims) {
  MEDIMG_CHECK(dims == 2 || dims == 3, ArgumentError, "cross: dims must be 2 or 3, got ", dims);
  return dims == 2 ? diamond(1) : octahedron(1);
}

std::ostream& operator<<(std::ostream& out, const Footprint& footprint) {
  return out << footprint.name();
}

}  // namespace medimg

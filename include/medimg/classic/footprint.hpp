#pragma once

/// Footprints (structuring elements) for morphology: scikit-image's disk, ball, square, cube,
/// diamond and octahedron, or any 2D/3D array.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// Which family a footprint belongs to; Custom for one made from an array.
enum class FootprintKind { Disk, Ball, Square, Cube, Diamond, Octahedron, Custom };

/// A flat footprint: a 2D (ky, kx) or 3D (kz, ky, kx) array of 0/1 in array order, plus the
/// family and size it was made from. Values equal scikit-image's functions of the same name
/// (`skimage.morphology.disk(3)` and `disk(3)` hold the same array). The kernels read it as
/// runs along the last axis, so any shape works at the same cost per run.
class MEDIMG_API Footprint {
 public:
  /// A footprint from any (ky, kx) or (kz, ky, kx) tensor: non-zero = inside.
  /// @throws ShapeError for another rank or an empty axis; ArgumentError when no element is
  ///         non-zero (the morphology would be undefined) or for NaN values.
  explicit Footprint(const at::Tensor& values);

  FootprintKind kind() const noexcept { return kind_; }
  /// The radius (disk, ball, diamond, octahedron) or width (square, cube); 0 for Custom.
  std::int64_t size() const noexcept { return size_; }
  /// 2 or 3.
  int dims() const noexcept { return static_cast<int>(shape_.size()); }
  /// (ky, kx) or (kz, ky, kx).
  const std::vector<std::int64_t>& shape() const noexcept { return shape_; }
  /// The 0/1 values in C order (last axis fastest).
  const std::vector<std::uint8_t>& values() const noexcept { return values_; }
  /// The number of elements inside.
  std::int64_t count() const noexcept { return count_; }
  /// The values as a uint8 tensor of shape().
  at::Tensor tensor() const;

  /// "disk(3)", "cube(4)" or "Footprint(shape=(3, 5))".
  std::string name() const;

 private:
  friend MEDIMG_API Footprint disk(std::int64_t radius);
  friend MEDIMG_API Footprint ball(std::int64_t radius);
  friend MEDIMG_API Footprint square(std::int64_t width);
  friend MEDIMG_API Footprint cube(std::int64_t width);
  friend MEDIMG_API Footprint diamond(std::int64_t radius);
  friend MEDIMG_API Footprint octahedron(std::int64_t radius);
  friend MEDIMG_API Footprint cross(int dims);

  Footprint(FootprintKind kind, std::int64_t size, std::vector<std::int64_t> shape,
            std::vector<std::uint8_t> values);

  FootprintKind kind_ = FootprintKind::Custom;
  std::int64_t size_ = 0;
  std::vector<std::int64_t> shape_;
  std::vector<std::uint8_t> values_;
  std::int64_t count_ = 0;
};

/// skimage.morphology.disk(radius): x^2 + y^2 <= radius^2 on a (2r+1)^2 grid; disk(0) is the
/// single centre voxel (the identity).
/// @throws ArgumentError for radius < 0 (and radius > 1000, a size no image needs).
MEDIMG_API Footprint disk(std::int64_t radius);
/// skimage.morphology.ball(radius): x^2 + y^2 + z^2 <= radius^2 on a (2r+1)^3 grid.
MEDIMG_API Footprint ball(std::int64_t radius);
/// skimage.morphology.square(width): a width x width block of ones (width >= 1; an even width
/// is off-centre as in scikit-image, see docs/classic.md).
MEDIMG_API Footprint square(std::int64_t width);
/// skimage.morphology.cube(width): a width^3 block of ones.
MEDIMG_API Footprint cube(std::int64_t width);
/// skimage.morphology.diamond(radius): |x| + |y| <= radius.
MEDIMG_API Footprint diamond(std::int64_t radius);
/// skimage.morphology.octahedron(radius): |x| + |y| + |z| <= radius.
MEDIMG_API Footprint octahedron(std::int64_t radius);
/// The face-neighbour cross, scikit-image's default footprint
/// (scipy.ndimage.generate_binary_structure(dims, 1)): diamond(1) in 2D, octahedron(1) in 3D.
/// @throws ArgumentError unless dims is 2 or 3.
MEDIMG_API Footprint cross(int dims);

/// "disk(3)" etc., as Footprint::name().
MEDIMG_API std::ostream& operator<<(std::ostream& out, const Footprint& footprint);

}  // namespace medimg
